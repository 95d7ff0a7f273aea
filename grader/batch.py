"""Grading a whole class: every subfolder of a class folder is one student.

Each student is graded as `cnngrade submit` grades them (grader.grading.grade_submission, same
sandbox), by local grading processes or on a Dask cluster (grader.executors), within a time
budget each. Every result goes into the results store (grader.store) the moment it is known,
atomically, so that an interrupted or killed batch, run again, grades only what is missing or
changed; the outputs (each student's JSON and page, the class page, the gradebook, JUnit,
Gradescope) are rendered from the store at the end, and on Ctrl-C from what is done.
"""
from __future__ import annotations

import shutil
import statistics
import sys
import time
import traceback
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable

from grader.fixtures import Fixtures
from grader.results import CheckResult, ExerciseResult, GradeReport
from grader.sandbox.client import Deadline
from grader.store import ResultStore, grading_context
from grader.submission import Unreadable, problem

SKIPPED_NAMES = {"__pycache__", "__MACOSX"}
STARTUP_SECONDS = 120  # a sandbox worker's own start-up allowance


@dataclass
class Outcome:
    """One student's result, and the faults of the grader (not the student's) while grading it."""

    report: GradeReport
    faults: list[str] = field(default_factory=list)
    seconds: float = 0.0  # wall-clock time of the grading

    def to_record(self) -> dict:
        return {"result": self.report.to_json(), "faults": list(self.faults), "seconds": round(self.seconds, 3)}

    @classmethod
    def from_record(cls, record: dict) -> "Outcome":
        return cls(GradeReport.from_json(record["result"]), list(record.get("faults", [])),
                   float(record.get("seconds", 0.0)))


def student_folders(class_dir: Path) -> list[Path]:
    """The subfolders of class_dir, in name order (hidden folders and caches left out)."""
    return sorted((p for p in class_dir.iterdir()
                   if p.is_dir() and not p.name.startswith(".") and p.name not in SKIPPED_NAMES),
                  key=lambda p: p.name)


def zero_report(folder: Path, exercises: Iterable, reason: str, status: str = "missing") -> GradeReport:
    """A report with every check at zero and the reason as its message."""
    report = GradeReport(submission=folder.name, mode="submit", output="")
    for exercise in exercises:
        checks = [CheckResult(c.name, status, 0, c.points, c.visibility, message=reason,
                              description=c.description, hint=exercise.hint()) for c in exercise.checks]
        report.exercises.append(ExerciseResult(exercise.id, exercise.title, checks))
    return report


def default_budget(exercises: Iterable) -> float:
    """Seconds one student may take: what a hostile submission can cost under the sandbox's
    rules (each function is called again after a hang at most once), plus each sandbox's start."""
    total = 0.0
    for exercise in exercises:
        calls = max(1, len(exercise.functions))
        total += exercise.limits.wall_seconds * (2 * calls + 1)
    return STARTUP_SECONDS + total


def grade_student(folder: Path, exercise_ids: tuple[str, ...], examples: int | None, fixtures: Fixtures,
                  budget: float | None = None) -> Outcome:
    """Grade one student folder as `submit` does; a folder that cannot be graded is a zero row
    with the reason, a failure of the grader a zero row and a fault."""
    from grader.exercise import select
    from grader.grading import grade_submission

    exercises = select(exercise_ids)
    reason = problem(folder)
    if reason:
        return Outcome(zero_report(folder, exercises, f"nothing graded: {reason}"))
    start = time.monotonic()
    deadline = Deadline.after(budget) if budget else None
    try:
        # jobs=1: the batch keeps the cores busy with one student per process.
        report = grade_submission(folder, exercises, mode="submit", examples=examples, fixtures=fixtures,
                                  jobs=1, deadline=deadline)
    except Unreadable as exc:  # a notebook that cannot be read: the student's, one row
        return Outcome(zero_report(folder, exercises, f"nothing graded: {exc}"), [], time.monotonic() - start)
    except Exception as exc:  # noqa: BLE001  (a grader bug must cost one row, not the batch)
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        return Outcome(zero_report(folder, exercises, f"grading failed (a fault of the grader): {detail}", "error"),
                       [f"{folder.name}: {detail}"], time.monotonic() - start)
    return Outcome(report, list(report.grader_faults), time.monotonic() - start)


def crashed_record(folder: Path, exercise_ids: tuple[str, ...], why: str, status: str = "error") -> dict:
    """The record of a student whose grading could not finish; a grader fault unless it ran out of time."""
    from grader.exercise import select

    reason = f"grading stopped: {why}"
    faults = [] if status == "timeout" else [f"{folder.name}: {why}"]
    return Outcome(zero_report(folder, select(exercise_ids), reason, status), faults).to_record()


@lru_cache(maxsize=4)
def _fixtures(options: tuple) -> Fixtures:
    return Fixtures(dict(options))


def worker_fixtures(options: dict) -> Fixtures:
    """One Fixtures per process and options, so that a worker loads a pack's data set once."""
    return _fixtures(tuple(sorted(options.items(), key=lambda item: item[0])))


# -- the class ------------------------------------------------------------------------------

class ClassError(Exception):
    """The class folder cannot be graded (the user's mistake); the message is one line."""


def class_folders(class_dir: Path) -> list[Path]:
    """The student folders of class_dir, or ClassError saying why there are none."""
    if not class_dir.exists():
        raise ClassError(f"no such folder: {class_dir}")
    if not class_dir.is_dir():
        raise ClassError(f"not a folder: {class_dir} (give the folder that holds one subfolder per student)")
    folders = student_folders(class_dir)
    if not folders:
        advice = (" (it holds a cnn.py: grade one submission with `cnngrade submit`)"
                  if (class_dir / "cnn.py").is_file() else "")
        raise ClassError(f"{class_dir} has no student folder: expected one subfolder per student, "
                         f"each with a cnn.py{advice}")
    return folders


@dataclass
class Summary:
    reports: list[GradeReport]
    seconds: dict[str, float]
    faults: list[str]
    not_gradable: list[str]
    reused: int
    interrupted: bool = False

    @property
    def count(self) -> int:
        return len(self.reports)

    @property
    def full(self) -> int:
        return sum(1 for r in self.reports if r.score == r.max_score)

    def lines(self, total: int) -> list[str]:
        graded = self.count - len(self.not_gradable)
        scores = [r.score for r in self.reports]
        maximum = max((r.max_score for r in self.reports), default=0)
        lines = [f"{self.count} of {total} students graded: {self.full} with full marks"
                 + (" (interrupted: run the same command again to finish)" if self.interrupted else ".")]
        if scores:
            lines.append(f"  {graded} graded, {len(self.not_gradable)} not gradable, {len(self.faults)} grader "
                         f"fault(s); mean {statistics.mean(scores):.4g}, median {statistics.median(scores):.4g} "
                         f"of {maximum:g}; {self.reused} unchanged since the last run (stored results used)")
        slowest = sorted(self.seconds.items(), key=lambda item: (-item[1], item[0]))[:5]
        if slowest:
            lines.append("  slowest: " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in slowest))
        return lines


def _line(name: str, outcome: Outcome) -> str:
    report = outcome.report
    note = f"  ({report.reason})" if report.reason else ""
    took = f" in {outcome.seconds:.0f} s" if outcome.seconds else ""
    return f"{name}: {report.score:g}/{report.max_score:g}{took}{note}"


def grade_class_folder(class_dir: Path, exercises: Iterable, examples: int | None, jobs: int, options: dict,
                       echo: Callable[..., None], out: Path | None = None, regrade: bool = False,
                       budget: float | None = None, scheduler: str | None = None, roster=None) -> Summary:
    """Grade a class folder; results into out/store as each finishes; outputs rendered into out.

    Ctrl-C stops the grading processes, renders what is done, and raises BatchInterrupted.
    roster (grader.roster): the gradebook and the class page are named by it.
    """
    from grader.executors import runner
    from grader.progress import Progress

    folders = class_folders(class_dir)
    exercises = list(exercises)
    ids = tuple(e.id for e in exercises)
    budget = budget or default_budget(exercises)
    out = Path(out) if out is not None else None
    store = ResultStore(out / "store", grading_context(exercises, examples, options)) if out else None
    outcomes: dict[str, Outcome] = {}
    keys: dict[str, str] = {}
    for folder in folders:
        if store is None:
            continue
        keys[folder.name] = store.key(folder)
        record = None if regrade else store.get(folder.name, keys[folder.name])
        if record is not None:
            outcomes[folder.name] = Outcome.from_record(record)
    reused = len(outcomes)
    pending = [(f.name, f) for f in folders if f.name not in outcomes]
    progress = Progress(len(folders), echo, sys.stdout, reused)
    if reused:
        echo(f"{reused} of {len(folders)} students unchanged since the last run: their stored results are used")

    def done(name: str, record: dict) -> None:
        outcome = Outcome.from_record(record)
        if store is not None:
            store.put(name, keys[name], record)
        outcomes[name] = outcome
        progress.finished(name, _line(name, outcome))
        for fault in outcome.faults:
            echo(f"cnngrade: grader fault: {fault}", err=True)

    interrupted = False
    try:
        if pending:
            runner(scheduler, jobs, ids, examples, options).run(pending, budget, progress.started, done)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        progress.close()
    summary = Summary([outcomes[f.name].report for f in folders if f.name in outcomes],
                      {name: o.seconds for name, o in outcomes.items() if o.seconds},
                      [fault for f in folders if f.name in outcomes for fault in outcomes[f.name].faults],
                      [f.name for f in folders if f.name in outcomes and problem(f)], reused, interrupted)
    if out is not None:
        render_outputs(summary.reports, out, roster)
    if interrupted:
        raise BatchInterrupted(summary)
    return summary


class BatchInterrupted(KeyboardInterrupt):
    """Ctrl-C during a batch: what was graded is stored and rendered (summary)."""

    def __init__(self, summary: Summary):
        super().__init__()
        self.summary = summary


# -- outputs ---------------------------------------------------------------------------------

OUTPUTS = {"html": "", "csv": "grades.csv", "junit": "junit.xml", "gradescope": "gradescope"}


def render_outputs(reports: list[GradeReport], out: Path, roster=None) -> None:
    """out/results/<student>.json (what `submit --json` writes for that folder), the class page
    out/index.html with out/students/<student>.html, out/grades.csv, out/junit.xml and
    out/gradescope/<student>/results.json. Rendered into a staging folder first, then each file
    moved into place whole: no reader ever sees a half-written file."""
    from grader.reporters import all_reporters, batch_writer
    from grader.reporters.common import file_names
    from grader.reporters.json_report import dumps
    from grader.roster import with_roster

    out.mkdir(parents=True, exist_ok=True)
    staging = out / f".staging-{time.monotonic_ns()}"
    try:
        reporters = with_roster(all_reporters(), roster)
        for name, target in OUTPUTS.items():
            if name in reporters:
                batch_writer(reporters[name])(reports, staging / target if target else staging)
        for report, file_name in zip(reports, file_names(reports, ".json")):
            (staging / "results").mkdir(parents=True, exist_ok=True)
            (staging / "results" / file_name).write_text(dumps(report))
        for path in sorted(p for p in staging.rglob("*") if p.is_file()):
            target = out / path.relative_to(staging)
            target.parent.mkdir(parents=True, exist_ok=True)
            path.replace(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)

"""Grading a whole class: every subfolder of a class folder is one student.

Each student is graded as `cnngrade submit` grades them (grader.grading.grade_submission, same
sandbox), by local grading processes or on a Dask cluster (grader.classroom.executors), within a time
budget each. Every result goes into the results store (grader.classroom.store) the moment it is known,
atomically, so that an interrupted or killed batch, run again, grades only what is missing or
changed. The summary it returns (at the end, or with BatchInterrupted on Ctrl-C) holds every
student's report, stored or new: the reporters render the outputs from it.
"""
from __future__ import annotations

import statistics
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from grader.classroom.executors import Student, runner
from grader.classroom.outcome import Outcome, default_budget, refused, zero_report
from grader.classroom.progress import Progress
from grader.classroom.store import Damaged, ResultStore, grading_context
from grader.grading.exercise import Exercise, needs_code
from grader.results import GradeReport
from grader.submission.files import Manifest, Refused, manifest, shown, student_folders
from grader.submission.folder import problem

LINKED = ("the student's folder is a symbolic link: not followed (put the folder itself in the class folder)")


class ClassError(Exception):
    """The class folder cannot be graded (the user's mistake); the message is one line."""


def class_folders(class_dir: Path) -> list[Path]:
    """The student folders of class_dir, or ClassError saying why there are none."""
    if not class_dir.exists():
        raise ClassError(f"no such folder: {class_dir}")
    if not class_dir.is_dir():
        raise ClassError(f"not a folder: {class_dir} (give the folder that holds one subfolder per student)")
    try:
        folders = student_folders(class_dir)
    except OSError as exc:
        raise ClassError(f"cannot read {class_dir}: {exc.strerror or exc}") from None
    if not folders:
        advice = (" (it holds a cnn.py: grade one submission with `cnngrade submit`)"
                  if (class_dir / "cnn.py").is_file() else "")
        raise ClassError(f"{class_dir} has no student folder: expected one subfolder per student, "
                         f"each with a cnn.py{advice}")
    return folders


@dataclass
class Summary:
    folders: list[Path]  # the students graded (stored or new), in name order; reports[i] is folders[i]'s
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
        return sum(1 for r in self.reports if r.full_marks)

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


def _line(outcome: Outcome) -> str:
    report = outcome.report
    note = f"  ({report.reason})" if report.reason else ""
    took = f" in {outcome.seconds:.0f} s" if outcome.seconds else ""
    return f"{report.submission}: {report.score:g}/{report.max_score:g}{took}{note}"


def _taken(folder: Path, exercises: list[Exercise]) -> Manifest | Outcome:
    """What the batch takes of a student folder: its manifest, or the row of a folder it cannot take."""
    if folder.is_symlink():
        return refused(folder, exercises, LINKED)
    try:
        return manifest(folder)
    except Refused as exc:
        return refused(folder, exercises, str(exc))


def grade_class_folder(class_dir: Path, exercises: Iterable, examples: int | None, jobs: int, options: dict,
                       echo: Callable[..., None], out: Path | None = None, regrade: bool = False,
                       budget: float | None = None, scheduler: str | None = None,
                       reasons: dict[str, str] | None = None) -> Summary:
    """Grade a class folder; results into out/store as each finishes (the outputs are the
    reporters', written from the summary: grader.reporters.outputs). reasons: students known to
    have nothing to grade (e.g. a Moodle participant who sent only online text), by folder name:
    each gets a zero row with that reason, without a grading process.

    Ctrl-C stops the grading processes and raises BatchInterrupted with what is done.
    """
    folders = class_folders(class_dir)
    exercises = list(exercises)
    ids = tuple(e.id for e in exercises)
    budget = budget or default_budget(exercises)
    out = Path(out) if out is not None else None
    store = ResultStore(out / "store", grading_context(exercises, examples, options)) if out else None
    outcomes: dict[str, Outcome] = {}
    files: dict[str, Manifest] = {}
    keys: dict[str, str] = {}
    reused = 0
    for folder in folders:
        name = folder.name
        if reasons and name in reasons:  # known before any file is read (a Moodle participant's)
            outcomes[name] = Outcome(zero_report(folder, exercises, f"nothing graded: {reasons[name]}"))
            continue
        taken = _taken(folder, exercises)
        if isinstance(taken, Outcome):  # nothing to grade: its row at once, nothing stored
            outcomes[name] = taken
            continue
        if store is not None:
            try:
                keys[name] = store.key(taken)
            except Refused as exc:  # a file changed while it was read
                outcomes[name] = refused(folder, exercises, str(exc))
                continue
            stored = None if regrade else _stored(store, name, keys[name], echo)
            if stored is not None:
                outcomes[name], reused = stored, reused + 1
        files[name] = taken
    pending = [Student(f.name, f, files[f.name]) for f in folders if f.name in files and f.name not in outcomes]
    progress = Progress(len(folders), echo, sys.stdout, reused)
    if reused:
        echo(f"{reused} of {len(folders)} students unchanged since the last run: their stored results are used")
    for folder in folders:  # the folders that could not be taken: their rows at once
        if folder.name in outcomes and folder.name not in keys:
            progress.finished(folder.name, _line(outcomes[folder.name]))

    def done(name: str, record: dict) -> None:
        outcome = Outcome.from_record(record)
        if store is not None:
            store.put(name, keys[name], record)
        outcomes[name] = outcome
        progress.finished(name, _line(outcome))
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
    finished = [f for f in folders if f.name in outcomes]
    summary = Summary(finished, [outcomes[f.name].report for f in finished],
                      {outcomes[f.name].report.submission: outcomes[f.name].seconds
                       for f in finished if outcomes[f.name].seconds},
                      [fault for f in finished for fault in outcomes[f.name].faults],
                      [outcomes[f.name].report.submission for f in finished
                       if f.name not in files or problem(f, files[f.name], needs_code(exercises))], reused,
                      interrupted)
    if interrupted:
        raise BatchInterrupted(summary)
    return summary


def _stored(store: ResultStore, name: str, key: str, echo: Callable[..., None]) -> Outcome | None:
    """The stored outcome of a student, if still valid; a damaged entry is discarded, with a warning."""
    try:
        record = store.get(name, key)
        return Outcome.from_record(record) if record is not None else None
    except (Damaged, KeyError, TypeError, ValueError) as exc:
        echo(f"cnngrade: warning: the stored result of {shown(name)} cannot be used ({exc}): "
             "it is discarded and the student graded again", err=True)
        store.discard(name)
        return None


class BatchInterrupted(KeyboardInterrupt):
    """Ctrl-C during a batch: what was graded is stored (summary), for the outputs to show."""

    def __init__(self, summary: Summary):
        super().__init__()
        self.summary = summary

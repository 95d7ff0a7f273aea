"""Grading a whole class: every subfolder of a class folder, one report per student.

Each student is graded by grader.grading.grade_submission, in this process (jobs=1) or in a
pool of worker processes (jobs>1). Student code already runs in its own sandboxed worker, so a
student's crash, hang or memory bomb costs that student only; a failure of the grading itself
(an exception, or a pool process that dies) becomes a row with zero points and the reason, and
the batch goes on. Results are handed to `on_result` as each student finishes.
"""
from __future__ import annotations

import time
import traceback
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable

from grader.fixtures import Fixtures
from grader.results import CheckResult, ExerciseResult, GradeReport
from grader.submission import problem

SKIPPED_NAMES = {"__pycache__", "__MACOSX"}


@dataclass
class Outcome:
    """One student's result, and the faults of the grader (not the student's) while grading it."""

    report: GradeReport
    faults: list[str] = field(default_factory=list)
    seconds: float = 0.0  # wall-clock time of the grading


def student_folders(class_dir: Path) -> list[Path]:
    """The subfolders of class_dir, in name order (hidden folders and caches left out)."""
    return sorted((p for p in class_dir.iterdir()
                   if p.is_dir() and not p.name.startswith(".") and p.name not in SKIPPED_NAMES),
                  key=lambda p: p.name)


def zero_report(folder: Path, exercises: Iterable, reason: str) -> GradeReport:
    """A report with every check at zero and the reason as its message (status 'missing')."""
    report = GradeReport(submission=folder.name, mode="submit", output="")
    for exercise in exercises:
        checks = [CheckResult(c.name, "missing", 0, c.points, c.visibility, message=reason,
                              description=c.description, hint=exercise.hint()) for c in exercise.checks]
        report.exercises.append(ExerciseResult(exercise.id, exercise.title, checks))
    return report


@lru_cache(maxsize=1)
def _process_fixtures(options: tuple) -> Fixtures:
    """One Fixtures per pool process, so that each loads a pack's data set once."""
    return Fixtures(dict(options))


def grade_one(folder: str, exercise_ids: tuple[str, ...], examples: int | None, options: tuple = (),
              fixtures: Fixtures | None = None) -> Outcome:
    """Grade one student folder (what each pool process runs: plain arguments; options are the
    packs' option values as sorted (name, value) pairs; in this process, a shared Fixtures)."""
    from grader.exercise import select
    from grader.grading import grade_submission

    exercises = select(exercise_ids)
    path = Path(folder)
    reason = problem(path)
    if reason:
        return Outcome(zero_report(path, exercises, f"nothing graded: {reason}"))
    fixtures = fixtures or _process_fixtures(options)
    start = time.monotonic()
    try:
        # jobs=1: the batch's own pool already keeps the cores busy, one student per process.
        report = grade_submission(path, exercises, mode="submit", examples=examples, fixtures=fixtures, jobs=1)
    except Exception as exc:  # noqa: BLE001  (a grader bug must cost one row, not the batch)
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        return Outcome(zero_report(path, exercises, f"grading failed (a fault of the grader): {detail}"),
                       [f"{path.name}: {detail}"], time.monotonic() - start)
    return Outcome(report, list(report.grader_faults), time.monotonic() - start)


def _crashed(folder: Path, exercise_ids: tuple[str, ...], why: str) -> Outcome:
    from grader.exercise import select

    reason = f"grading crashed (a fault of the grader, not the student's): {why}"
    return Outcome(zero_report(folder, select(exercise_ids), reason), [f"{folder.name}: {why}"])


def grade_class(folders: list[Path], exercise_ids: tuple[str, ...], examples: int | None, jobs: int,
                on_result: Callable[[Path, Outcome], None], options: dict | None = None) -> None:
    """Grade every folder, calling on_result(folder, outcome) as each finishes.

    options: the packs' option values; the fixtures they make are shared by every student graded
    in one process (each pool process makes its own, once).
    """
    options_key = tuple(sorted((options or {}).items()))
    if jobs <= 1:
        fixtures = Fixtures(options)
        for folder in folders:
            on_result(folder, grade_one(str(folder), exercise_ids, examples, fixtures=fixtures))
        return
    from grader.processes import helper_pool

    broken: list[Path] = []
    pool = helper_pool(jobs)
    try:
        pending: dict[Future, Path] = {pool.submit(grade_one, str(f), exercise_ids, examples, options_key): f
                                        for f in folders}
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                folder = pending.pop(future)
                try:
                    outcome = future.result()
                except BrokenProcessPool:
                    broken.append(folder)
                    continue
                except Exception as exc:  # noqa: BLE001
                    outcome = _crashed(folder, exercise_ids, f"{type(exc).__name__}: {exc}")
                on_result(folder, outcome)
    except BaseException:
        # Interrupted, or a report could not be written: grade no one else.
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    # A pool process died (killed, out of memory): every student it left unfinished is graded
    # again, each alone, so only the one that kills its process again loses the row.
    for folder in broken:
        try:
            with helper_pool(1) as pool:
                outcome = pool.submit(grade_one, str(folder), exercise_ids, examples, options_key).result()
        except BrokenProcessPool:
            outcome = _crashed(folder, exercise_ids, "the grading process died")
        except Exception as exc:  # noqa: BLE001
            outcome = _crashed(folder, exercise_ids, f"{type(exc).__name__}: {exc}")
        on_result(folder, outcome)


class ClassError(Exception):
    """The class folder cannot be graded (the user's mistake); the message is one line."""


@dataclass
class Summary:
    count: int
    full: int
    faults: list[str]
    reports: list[GradeReport] = field(default_factory=list)  # in name order


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


def grade_class_folder(class_dir: Path, exercises: Iterable, examples: int | None, jobs: int, options: dict,
                       echo: Callable[..., None], write: Callable[[list[GradeReport]], None]) -> Summary:
    """Grade a class folder: a line per student as each finishes (echo), and every report
    rewritten in name order (write) so that an interrupted batch leaves what it had graded."""
    folders = class_folders(class_dir)
    ids = tuple(e.id for e in exercises)
    finished: dict[str, GradeReport] = {}
    faults: list[str] = []

    def on_result(folder: Path, outcome: Outcome) -> None:
        report = outcome.report
        finished[folder.name] = report
        note = ""
        checks = [c for e in report.exercises for c in e.checks]
        if checks and all(c.status == "missing" for c in checks) and len({c.message for c in checks}) == 1:
            note = f"  ({checks[0].message})"
        took = f" in {outcome.seconds:.0f} s" if outcome.seconds else ""
        echo(f"[{len(finished)}/{len(folders)}] {folder.name}: {report.score:g}/{report.max_score:g}{took}{note}")
        for fault in outcome.faults:
            echo(f"cnngrade: grader fault: {fault}", err=True)
        faults.extend(outcome.faults)
        write([finished[f.name] for f in folders if f.name in finished])

    grade_class(folders, ids, examples, jobs, on_result, options)
    results = [finished[f.name] for f in folders]
    return Summary(len(results), sum(1 for r in results if r.score == r.max_score), faults, results)

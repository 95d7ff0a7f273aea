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
        checks = [CheckResult(c.name, "missing", 0, c.points, c.visibility, message=reason)
                  for c in exercise.checks]
        report.exercises.append(ExerciseResult(exercise.id, exercise.title, checks))
    return report


@lru_cache(maxsize=4)
def _shared_mnist(directory: str | None):
    """One Mnist per process, so that each pool process loads the data set once."""
    from grader.mnist import Mnist

    return Mnist(directory)


def grade_one(folder: str, exercise_ids: tuple[str, ...], examples: int | None, mnist=None) -> Outcome:
    """Grade one student folder (what each pool process runs: plain arguments; mnist is the
    MNIST folder, or in this process a shared grader.mnist.Mnist)."""
    from grader.exercise import select
    from grader.grading import grade_submission

    exercises = select(exercise_ids)
    path = Path(folder)
    reason = problem(path)
    if reason:
        return Outcome(zero_report(path, exercises, f"nothing graded: {reason}"))
    if mnist is None or isinstance(mnist, (str, Path)):
        mnist = _shared_mnist(None if mnist is None else str(mnist))
    start = time.monotonic()
    try:
        # jobs=1: the batch's own pool already keeps the cores busy, one student per process.
        report = grade_submission(path, exercises, mode="submit", examples=examples, mnist=mnist, jobs=1)
    except Exception as exc:  # noqa: BLE001  (a grader bug must cost one row, not the batch)
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        return Outcome(zero_report(path, exercises, f"grading failed (a fault of the grader): {detail}"),
                       [f"{path.name}: {detail}"], time.monotonic() - start)
    return Outcome(report, list(report.grader_faults), time.monotonic() - start)


def _crashed(folder: Path, exercise_ids: tuple[str, ...], why: str) -> Outcome:
    from grader.exercise import select

    reason = f"grading crashed (a fault of the grader, not the student's): {why}"
    return Outcome(zero_report(folder, select(exercise_ids), reason), [f"{folder.name}: {why}"])


def _mnist_folder(mnist) -> str | None:
    """The folder a pool process should read MNIST from (None: let it look as submit does)."""
    if mnist is None:
        return None
    try:
        return str(mnist.source.folder)
    except Exception:  # noqa: BLE001  (not found: each check that needs it says so)
        return None if mnist.directory is None else str(mnist.directory)


def grade_class(folders: list[Path], exercise_ids: tuple[str, ...], examples: int | None, jobs: int,
                on_result: Callable[[Path, Outcome], None], mnist=None) -> None:
    """Grade every folder, calling on_result(folder, outcome) as each finishes.

    mnist: a grader.mnist.Mnist already located (shared by every student graded here; pool
    processes get its folder and load it once each), or None.
    """
    if jobs <= 1:
        for folder in folders:
            on_result(folder, grade_one(str(folder), exercise_ids, examples, mnist))
        return
    from grader.processes import helper_pool

    mnist_dir = _mnist_folder(mnist)
    broken: list[Path] = []
    pool = helper_pool(jobs)
    try:
        pending: dict[Future, Path] = {pool.submit(grade_one, str(f), exercise_ids, examples, mnist_dir): f
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
                outcome = pool.submit(grade_one, str(folder), exercise_ids, examples, mnist_dir).result()
        except BrokenProcessPool:
            outcome = _crashed(folder, exercise_ids, "the grading process died")
        except Exception as exc:  # noqa: BLE001
            outcome = _crashed(folder, exercise_ids, f"{type(exc).__name__}: {exc}")
        on_result(folder, outcome)

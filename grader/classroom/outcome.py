"""One student of a class: graded as `cnngrade submit` grades them, and the record that the
store keeps and the executors hand back (the result-3 JSON, the grader's faults, the seconds).

What a local grading process and a Dask worker both run; it knows nothing of how the class is
dealt out (grader.classroom.executors) or stored (grader.classroom.store). The student's language
is passed in (`lang`): every word of their record is in it, whatever the batch speaks.
"""
from __future__ import annotations

import time
import traceback
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from grader.grading.exercise import needs_code, select
from grader.grading.fixtures import Fixtures
from grader.grading.runner import grade_submission
from grader.i18n import DEFAULT, _, current, speaking
from grader.results import CheckResult, ExerciseResult, GradeReport
from grader.sandbox.client import Deadline
from grader.submission.files import Manifest, Refused, manifest, shown
from grader.submission.folder import Unreadable, problem

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


def zero_report(folder: Path, exercises: Iterable, reason: str, status: str = "missing") -> GradeReport:
    """A report with every check at zero and the reason as its message (in the current language)."""
    report = GradeReport(submission=shown(folder.name), mode="submit", output="", lang=current())
    for exercise in exercises:
        checks = [CheckResult(c.name, status, 0, c.points, c.visibility, message=reason,
                              description=_(c.description), hint=exercise.hint()) for c in exercise.checks]
        report.exercises.append(ExerciseResult(exercise.id, exercise.title_text, checks))
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
                  budget: float | None = None, files: Manifest | None = None, lang: str = DEFAULT) -> Outcome:
    """Grade one student folder as `submit` does (files: its manifest, when the caller has it), in
    the student's language `lang`; a folder that cannot be graded is a zero row with the reason, a
    failure of the grader a zero row and a fault."""
    with speaking(lang):
        return _grade_student(folder, select(exercise_ids), examples, fixtures, budget, files, lang)


def _grade_student(folder: Path, exercises: tuple, examples: int | None, fixtures: Fixtures,
                   budget: float | None, files: Manifest | None, lang: str) -> Outcome:
    try:
        files = files or manifest(folder)
    except Refused as exc:
        return refused(folder, exercises, str(exc))
    reason = problem(folder, files, needs_code(exercises))
    if reason:
        return refused(folder, exercises, reason)
    start = time.monotonic()
    deadline = Deadline.after(budget) if budget else None
    try:
        # jobs=1: the batch keeps the cores busy with one student per process.
        report = grade_submission(folder, exercises, mode="submit", examples=examples, fixtures=fixtures,
                                  jobs=1, deadline=deadline, files=files, lang=lang)
    except Unreadable as exc:  # a notebook that cannot be read: the student's, one row
        return Outcome(zero_report(folder, exercises, nothing_graded(str(exc))), [], time.monotonic() - start)
    except Exception as exc:  # noqa: BLE001  (a grader bug must cost one row, not the batch)
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        reason = _("grading failed (a fault of the grader): {error}", error=detail)
        return Outcome(zero_report(folder, exercises, reason, "error"),
                       [f"{shown(folder.name)}: {detail}"], time.monotonic() - start)
    return Outcome(report, list(report.grader_faults), time.monotonic() - start)


def refused(folder: Path, exercises: Iterable, reason: str) -> Outcome:
    """The row of a folder that cannot be graded: every check at zero, the reason its message."""
    return Outcome(zero_report(folder, exercises, nothing_graded(reason)))


def nothing_graded(reason: str) -> str:
    """The message of every check of a student with nothing to grade."""
    return _("nothing graded: {reason}", reason=reason)


def crashed_record(folder: Path, exercise_ids: tuple[str, ...], why: str, status: str = "error") -> dict:
    """The record of a student whose grading could not finish (why: in the current language, the
    student's); a grader fault unless it ran out of time."""
    reason = _("grading stopped: {error}", error=why)
    faults = [] if status == "timeout" else [f"{shown(folder.name)}: {why}"]
    return Outcome(zero_report(folder, select(exercise_ids), reason, status), faults).to_record()


@lru_cache(maxsize=4)
def _fixtures(options: tuple) -> Fixtures:
    return Fixtures(dict(options))


def worker_fixtures(options: dict) -> Fixtures:
    """One Fixtures per process and options, so that a worker loads a pack's data set once."""
    return _fixtures(tuple(sorted(options.items(), key=lambda item: item[0])))

"""The grading result: one JSON-able record per submission (schema cnngrade/result-3), and what
its statuses mean, said once for every reporter."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any

import numpy as np

from grader.i18n import N_, _

# result-2 is result-1 plus each check's description and hint, and the top-level review and
# notices lists; result-3 is result-2 plus `lang`, the language its words are written in ("en" or
# "fr"). A reader of an earlier schema reads a later one unchanged.
SCHEMA = "cnngrade/result-3"
# Arrays larger than this are summarised rather than written out in full.
MAX_LISTED = 1024


class Status(str, Enum):
    """What became of a check. The values are the JSON's words."""

    PASSED = "passed"    # full points
    FAILED = "failed"    # a wrong answer (or partial credit)
    ERROR = "error"      # the student's code raised, or could not be imported
    TIMEOUT = "timeout"  # past its wall-clock or CPU limit
    MEMORY = "memory"    # past its memory limit
    MISSING = "missing"  # not written (or returns None), or not graded here, with the reason

    def __str__(self) -> str:  # the word itself wherever it is shown or written (XML, f-strings)
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)

    @property
    def mark(self) -> str:
        return MARKS[self][0]

    @property
    def ascii_mark(self) -> str:
        return MARKS[self][1]

    @property
    def words(self) -> str:
        """What the status means, in the current language."""
        return _(MARKS[self][2])


# status: (mark, plain-ASCII mark, words), for every reporter.
# The ASCII marks and the words are translated where shown (the reports' catalog); an ASCII mark
# stays ASCII in every language (it is for a terminal that cannot show the others).
MARKS = {
    Status.PASSED: ("✓", N_("ok"), N_("passed")),
    Status.FAILED: ("✗", N_("FAIL"), N_("failed")),
    Status.ERROR: ("!", N_("ERR"), N_("raised an error")),
    Status.TIMEOUT: ("⧗", N_("TIME"), N_("timed out")),
    Status.MEMORY: ("M", N_("MEM"), N_("ran out of memory")),
    Status.MISSING: ("–", "--", N_("not written")),
}


@dataclass
class CheckResult:
    name: str
    status: Status
    score: float
    max_score: float
    visibility: str
    message: str = ""
    counterexample: dict | None = None
    diagnosis: str | None = None
    details: dict | None = None
    description: str = ""  # what the check asks, in the pack's words
    hint: str = ""  # the exercise statement's hint, for a check that did not pass

    def __post_init__(self) -> None:
        self.status = Status(self.status)  # a word read back from JSON becomes the enum

    @property
    def passed(self) -> bool:
        """Full points: a partial-credit score is not a pass."""
        return self.status == Status.PASSED and self.score >= self.max_score

    @property
    def shown_status(self) -> Status:
        """The status a reader sees: partial credit reads as failed."""
        return Status.FAILED if self.status == Status.PASSED and not self.passed else Status(self.status)


@dataclass
class ExerciseResult:
    id: str
    title: str
    checks: list[CheckResult] = field(default_factory=list)

    @property
    def score(self) -> float:
        return _round(sum(c.score for c in self.checks))

    @property
    def max_score(self) -> float:
        return _round(sum(c.max_score for c in self.checks))

    @property
    def full_marks(self) -> bool:
        return self.score >= self.max_score


@dataclass(frozen=True)
class Review:
    """A signal for a person to look at (no points are taken): e.g. kind "test_set_training"."""

    kind: str
    message: str
    exercise: str | None = None


@dataclass
class GradeReport:
    submission: str
    mode: str
    exercises: list[ExerciseResult] = field(default_factory=list)
    output: str = ""
    grader_faults: list[str] = field(default_factory=list)
    review: list[Review] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # how the submission was read (e.g. which file)
    lang: str = "en"  # the language of its words (messages, titles, hints): grader.i18n

    @property
    def score(self) -> float:
        return _round(sum(e.score for e in self.exercises))

    @property
    def max_score(self) -> float:
        return _round(sum(e.max_score for e in self.exercises))

    @property
    def full_marks(self) -> bool:
        """Every point of every exercise graded (the exit code 0 of submit and batch)."""
        return self.score >= self.max_score

    @property
    def reason(self) -> str:
        """The one reason every check was lost for (no cnn.py, an import that hangs, a crash), if
        there is one; '' when the checks were graded on their own."""
        checks = [c for e in self.exercises for c in e.checks]
        messages = {c.message for c in checks}
        if checks and len(messages) == 1 and self.score == 0 and not any(c.passed for c in checks):
            return next(iter(messages))
        return ""

    def to_json(self) -> dict:
        return {
            "schema": SCHEMA,
            "submission": self.submission,
            "mode": self.mode,
            "score": self.score,
            "max_score": self.max_score,
            "exercises": [
                {"id": e.id, "title": e.title, "score": e.score, "max_score": e.max_score,
                 "checks": [{**asdict(c), "score": _round(c.score), "max_score": _round(c.max_score)}
                            for c in e.checks]}
                for e in self.exercises
            ],
            "output": self.output,
            "review": [asdict(r) for r in self.review],
            "notices": list(self.notices),
            "lang": self.lang,
        }

    @classmethod
    def from_json(cls, data: dict) -> "GradeReport":
        """A report from its JSON (result-1, -2 or -3), for reporters run on saved results."""
        report = cls(submission=data["submission"], mode=data.get("mode", "submit"), output=data.get("output", ""),
                     review=[Review(**r) for r in data.get("review", [])], notices=list(data.get("notices", [])),
                     lang=data.get("lang", "en"))
        for e in data["exercises"]:
            report.exercises.append(ExerciseResult(e["id"], e["title"], [CheckResult(**c) for c in e["checks"]]))
        return report


def _round(x: float) -> float:
    value = round(float(x), 4)
    return int(value) if value.is_integer() else value


def _strict(tree: Any) -> Any:
    """NaN and infinities as strings, so the JSON stays strict."""
    if isinstance(tree, list):
        return [_strict(v) for v in tree]
    if isinstance(tree, float) and not np.isfinite(tree):
        return repr(tree)
    return tree


def jsonable(value: Any) -> Any:
    """Values as JSON: arrays become {"shape", "dtype", "values"} (values omitted when large)."""
    if isinstance(value, np.ndarray):
        record = {"shape": list(value.shape), "dtype": str(value.dtype)}
        if value.size <= MAX_LISTED:
            record["values"] = _strict(value.tolist())
        return record
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return repr(value)

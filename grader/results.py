"""The grading result: one JSON-able record per submission (schema cnngrade/result-1)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

SCHEMA = "cnngrade/result-1"
STATUSES = ("passed", "failed", "error", "timeout", "memory", "missing")
# Arrays larger than this are summarised rather than written out in full.
MAX_LISTED = 1024


@dataclass
class CheckResult:
    name: str
    status: str
    score: float
    max_score: float
    visibility: str
    message: str = ""
    counterexample: dict | None = None
    diagnosis: str | None = None
    details: dict | None = None


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


@dataclass
class GradeReport:
    submission: str
    mode: str
    exercises: list[ExerciseResult] = field(default_factory=list)
    output: str = ""
    grader_faults: list[str] = field(default_factory=list)

    @property
    def score(self) -> float:
        return _round(sum(e.score for e in self.exercises))

    @property
    def max_score(self) -> float:
        return _round(sum(e.max_score for e in self.exercises))

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
        }

    @classmethod
    def from_json(cls, data: dict) -> "GradeReport":
        report = cls(submission=data["submission"], mode=data.get("mode", "submit"), output=data.get("output", ""))
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

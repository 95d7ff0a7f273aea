"""Prove the checks: the reference gets full marks and every mutant loses points on its exercise."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from grader.exercise import Exercise, load_exercise
from grader.fixtures import Fixtures, requested
from grader.grading import grade_exercise, reference_functions
from grader.plugins import FixtureMissing
from grader.processes import helper_pool
from grader.sandbox.client import PYTHON
from grader.results import ExerciseResult
from grader.student import TrustedBackend


@dataclass
class SelftestResult:
    exercise: Exercise
    reference: ExerciseResult
    survivors: list[str] = field(default_factory=list)
    killed: list[tuple[str, float]] = field(default_factory=list)  # (mutant, score it got)
    faults: list[str] = field(default_factory=list)

    @property
    def reference_ok(self) -> bool:
        return self.reference.score == self.reference.max_score and not self.faults

    @property
    def mutation_score(self) -> float:
        total = len(self.killed) + len(self.survivors)
        return len(self.killed) / total if total else 1.0

    @property
    def ok(self) -> bool:
        return self.reference_ok and not self.survivors and bool(self.exercise.mutants)


def selftest_exercise(exercise: Exercise, examples: int | None = None,
                      fixtures: Fixtures | None = None) -> SelftestResult:
    reference = reference_functions(exercise)
    faults: list[str] = []
    fixtures = fixtures or Fixtures()
    # Checks proven without their data prove nothing: a missing fixture stops the selftest.
    missing = fixtures.problem(dict.fromkeys(n for check in exercise.checks for n in requested(check.function)))
    if missing:
        raise FixtureMissing(f"{exercise.id}: {missing}")
    result = SelftestResult(exercise, grade_exercise(exercise, TrustedBackend(reference), "submit", examples,
                                                     fixtures=fixtures, faults=faults))
    for mutant in exercise.mutants:
        # Only the verdict matters here: no shrinking, no diagnosis.
        graded = grade_exercise(exercise, TrustedBackend({**reference, **mutant.functions}), "submit", examples,
                                fixtures=fixtures, faults=faults, explain=False)
        if graded.score < graded.max_score:
            result.killed.append((mutant.name, graded.score))
        else:
            result.survivors.append(mutant.name)
    result.faults = faults
    return result


def selftest(exercises: Iterable[Exercise], examples: int | None = None, jobs: int = 1,
             options: dict | None = None) -> list[SelftestResult]:
    """Selftest each exercise, `jobs` at a time (helper processes), in the given order.

    An exercise graded from a file (a pack's worker kind, e.g. a trained model) has no
    reference functions to prove; its pack's tests grade real files instead.
    """
    provable = [exercise for exercise in exercises if exercise.kind == PYTHON]
    if jobs <= 1 or len(provable) <= 1:
        fixtures = Fixtures(options)
        return [selftest_exercise(exercise, examples, fixtures) for exercise in provable]
    with helper_pool(min(jobs, len(provable))) as pool:
        verdicts = list(pool.map(_selftest_elsewhere, [str(e.folder) for e in provable],
                                 [examples] * len(provable), [dict(options or {})] * len(provable)))
    return [SelftestResult(exercise, *verdict) for exercise, verdict in zip(provable, verdicts)]


def _selftest_elsewhere(folder: str, examples: int | None, options: dict) -> tuple:
    """What a helper process runs: the verdicts only (mutants hold functions, which stay here)."""
    result = selftest_exercise(load_exercise(Path(folder)), examples, Fixtures(options))
    return result.reference, result.survivors, result.killed, result.faults

"""Prove the checks: the reference gets full marks and every mutant loses points on its exercise."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from grader.exercise import Exercise, load_exercise
from grader.grading import grade_exercise, reference_functions
from grader.mnist import Mnist
from grader.processes import helper_pool
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


def selftest_exercise(exercise: Exercise, examples: int | None = None, mnist: Mnist | None = None) -> SelftestResult:
    reference = reference_functions(exercise)
    faults: list[str] = []
    context = {"mnist": mnist or Mnist()}  # MNIST from $CNNGRADE_MNIST or Keras' cache, if a check needs it
    result = SelftestResult(exercise, grade_exercise(exercise, TrustedBackend(reference), "submit", examples,
                                                     context=context, faults=faults))
    for mutant in exercise.mutants:
        # Only the verdict matters here: no shrinking, no diagnosis.
        graded = grade_exercise(exercise, TrustedBackend({**reference, **mutant.functions}), "submit", examples,
                                context=context, faults=faults, explain=False)
        if graded.score < graded.max_score:
            result.killed.append((mutant.name, graded.score))
        else:
            result.survivors.append(mutant.name)
    result.faults = faults
    return result


def selftest(exercises: Iterable[Exercise], examples: int | None = None, jobs: int = 1,
             mnist: Mnist | None = None) -> list[SelftestResult]:
    """Selftest each exercise, `jobs` at a time (helper processes), in the given order.

    An exercise graded from a model file (kind "keras", mnist_cnn) has no reference functions to
    prove; tests/test_mnist.py grades real model files instead.
    """
    provable = [exercise for exercise in exercises if exercise.kind == "python"]
    mnist = mnist or Mnist()
    if jobs <= 1 or len(provable) <= 1:
        return [selftest_exercise(exercise, examples, mnist) for exercise in provable]
    folder = None if mnist.directory is None else str(mnist.directory)
    with helper_pool(min(jobs, len(provable))) as pool:
        verdicts = list(pool.map(_selftest_elsewhere, [str(e.folder) for e in provable],
                                 [examples] * len(provable), [folder] * len(provable)))
    return [SelftestResult(exercise, *verdict) for exercise, verdict in zip(provable, verdicts)]


def _selftest_elsewhere(folder: str, examples: int | None, mnist_folder: str | None) -> tuple:
    """What a helper process runs: the verdicts only (mutants hold functions, which stay here)."""
    result = selftest_exercise(load_exercise(Path(folder)), examples, Mnist(mnist_folder))
    return result.reference, result.survivors, result.killed, result.faults

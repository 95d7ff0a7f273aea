"""Prove the checks: the reference gets full marks and every mutant loses points on its exercise.

An exercise of student functions (kind "python") is proven in-process: the reference functions,
then each mutant's, run as the student. An exercise graded from files (a pack's worker kind) is
proven through the real sandbox when its mutants.py names a REFERENCE: that FileMutant and each
of MUTANTS write a submission folder, which grade_submission grades as a student's.
"""
from __future__ import annotations

import inspect
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from grader.grading.exercise import Exercise, FileMutant, load_exercise
from grader.grading.fixtures import Fixtures, requested
from grader.i18n import _, current, speaking
from grader.grading.runner import grade_exercise, grade_submission, reference_functions
from grader.plugins import FixtureMissing
from grader.grading.processes import helper_pool
from grader.sandbox.client import PYTHON
from grader.results import ExerciseResult
from grader.grading.student import TrustedBackend


@dataclass
class SelftestResult:
    exercise: Exercise
    reference: ExerciseResult
    survivors: list[str] = field(default_factory=list)
    killed: list[tuple[str, float]] = field(default_factory=list)  # (mutant, score it got)
    faults: list[str] = field(default_factory=list)
    graded: dict[str, ExerciseResult] = field(default_factory=dict)  # file mutants: each one's result, by name

    @property
    def reference_ok(self) -> bool:
        return self.reference.full_marks and not self.faults

    @property
    def mutation_score(self) -> float:
        total = len(self.killed) + len(self.survivors)
        return len(self.killed) / total if total else 1.0

    @property
    def ok(self) -> bool:
        return self.reference_ok and not self.survivors and self.exercise.has_mutants


def selftest_exercise(exercise: Exercise, examples: int | None = None,
                      fixtures: Fixtures | None = None) -> SelftestResult:
    fixtures = fixtures or Fixtures()
    if exercise.kind != PYTHON:
        return selftest_files(exercise, examples, fixtures)
    reference = reference_functions(exercise)
    faults: list[str] = []
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


def selftest_files(exercise: Exercise, examples: int | None = None,
                   fixtures: Fixtures | None = None) -> SelftestResult:
    """Prove an exercise graded from files: its REFERENCE submission and each FileMutant's, each
    written into a folder of its own and graded through the sandbox, this exercise alone."""
    if exercise.reference_files is None:
        raise ValueError(_("{exercise}: mutants.py names no REFERENCE submission to prove the checks with",
                           exercise=exercise.id))
    fixtures = fixtures or Fixtures()
    faults: list[str] = []
    root = Path(tempfile.mkdtemp(prefix="cnngrade-selftest-"))
    try:
        result = SelftestResult(exercise, _grade_files(exercise, exercise.reference_files, root, examples,
                                                       fixtures, faults))
        for mutant in exercise.file_mutants:
            graded = _grade_files(exercise, mutant, root, examples, fixtures, faults)
            result.graded[mutant.name] = graded
            if graded.score < graded.max_score:
                result.killed.append((mutant.name, graded.score))
            else:
                result.survivors.append(mutant.name)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    result.faults = faults
    return result


def _grade_files(exercise: Exercise, mutant: FileMutant, root: Path, examples: int | None, fixtures: Fixtures,
                 faults: list[str]) -> ExerciseResult:
    """Write a FileMutant's submission (make(folder, FIXTURE...)) and grade it, this exercise only."""
    names = list(inspect.signature(mutant.make).parameters)[1:]
    missing = fixtures.problem(names)
    if missing:  # a submission that cannot be made proves nothing: stop, as for a check's fixture
        raise FixtureMissing(f"{exercise.id}: {missing}")
    folder = root / mutant.name
    folder.mkdir()
    mutant.make(folder, **{name: fixtures.get(name) for name in names})
    report = grade_submission(folder, [exercise], "submit", examples, fixtures=fixtures, lang=current())
    faults.extend(report.grader_faults)
    return report.exercises[0]


def selftest(exercises: Iterable[Exercise], examples: int | None = None, jobs: int = 1,
             options: dict | None = None) -> list[SelftestResult]:
    """Selftest each exercise, `jobs` at a time (helper processes), in the given order.

    An exercise graded from files (a pack's worker kind, e.g. a trained model) is proven when its
    mutants.py names a REFERENCE submission; without one, its pack's tests grade real files instead.
    """
    provable = [exercise for exercise in exercises if exercise.provable]
    if jobs <= 1 or len(provable) <= 1:
        fixtures = Fixtures(options)
        return [selftest_exercise(exercise, examples, fixtures) for exercise in provable]
    with helper_pool(min(jobs, len(provable))) as pool:
        verdicts = list(pool.map(_selftest_elsewhere, [str(e.folder) for e in provable],
                                 [examples] * len(provable), [dict(options or {})] * len(provable),
                                 [current()] * len(provable)))
    return [SelftestResult(exercise, *verdict) for exercise, verdict in zip(provable, verdicts)]


def _selftest_elsewhere(folder: str, examples: int | None, options: dict, lang: str) -> tuple:
    """What a helper process runs, in the caller's language: the verdicts only (mutants hold
    functions, which stay here)."""
    with speaking(lang):
        result = selftest_exercise(load_exercise(Path(folder)), examples, Fixtures(options))
    return result.reference, result.survivors, result.killed, result.faults, result.graded

"""The checks are proven: the reference gets full marks and every known mistake loses points.

This is `cnngrade selftest`, run per exercise so that xdist spreads it over the cores.
"""
from __future__ import annotations

import dataclasses

import pytest

from conftest import run_cnngrade
from grader.grading.exercise import all_exercises
from grader.grading.fixtures import Fixtures
from grader.grading.selftest import selftest_exercise

PROVABLE = [e for e in all_exercises() if e.kind == "python"]


@pytest.mark.parametrize("exercise", PROVABLE, ids=[e.id for e in PROVABLE])
def test_the_reference_gets_full_marks_and_every_mutant_is_killed(exercise):
    result = selftest_exercise(exercise, fixtures=Fixtures())
    failing = {c.name: c.message for c in result.reference.checks if c.status != "passed"}
    assert result.reference_ok, (failing, result.faults)
    assert len(exercise.mutants) >= 4, "each exercise ships at least four mutants"
    assert result.survivors == []
    assert result.mutation_score == 1.0


def test_weak_checks_let_a_mutant_survive_and_selftest_says_so():
    correlate2d = next(e for e in PROVABLE if e.id == "correlate2d")
    # One golden example alone does not show every mistake.
    weak = dataclasses.replace(correlate2d, checks=tuple(c for c in correlate2d.checks if c.name == "course_filter2"))
    result = selftest_exercise(weak)
    assert result.reference_ok
    assert result.survivors and not result.ok


def test_the_command_prints_the_mutation_score_and_exits_0():
    run = run_cnngrade("selftest", "flatten", "relu_backward")
    assert run.code == 0, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].startswith("flatten") and "reference 9/9" in lines[0] and "(100%)" in lines[0]
    assert lines[1].startswith("relu_backward") and "(100%)" in lines[1]


def test_jobs_do_not_change_the_verdicts():
    one, two = (run_cnngrade("selftest", "pad2d", "flatten", "--jobs", jobs) for jobs in ("1", "2"))
    assert one.code == two.code == 0
    assert one.stdout == two.stdout


def test_without_mnist_the_command_says_where_to_put_it(tmp_path):
    run = run_cnngrade("selftest", "cnn_forward", env={"CNNGRADE_MNIST": str(tmp_path)})
    assert run.code == 2
    assert len(run.stderr.strip().splitlines()) == 1 and "MNIST" in run.stderr

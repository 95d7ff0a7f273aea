"""Grade a model-graded exercise by both paths and compare them: the NumPy path (the numpy_model
worker: the file read as data, its layers run on reference/layers.py) and the keras path (the
keras worker, as --keras-models asks), each in a sandbox of its own, as `cnngrade submit` runs it.

assert_same_verdicts(folder, exercise_id, file) is what the issue asks of every model in the
tests: the same score, statuses and diagnoses check by check, the same predicted class on at
least 9,999 of the 10,000 MNIST test images, probabilities within 1e-4, and the NumPy path never
turning to Keras (no companion sandbox, no notice) for a model of the catalogue.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from conftest import MNIST
from exercises.models.mnist import Mnist
from exercises.models.model_requests import route
from grader.grading.exercise import select
from grader.grading.fixtures import Fixtures
from grader.grading.runner import grade_exercise
from grader.grading.student import SandboxBackend
from grader.grading.sandboxes import open_sandbox

AGREEING = 9_999  # of the 10,000 test images: the same predicted class by both paths
CLOSE = 1e-4  # the largest difference between the two paths' probabilities


@dataclass
class Graded:
    checks: dict  # check name -> (score, status, diagnosis)
    probabilities: np.ndarray | None  # on the 10,000 test images
    notices: list[str] = field(default_factory=list)
    companions: int = 0  # sandboxes of another worker kind the grading started


def graded(folder: Path, exercise_id: str, model_file: str, keras: bool) -> Graded:
    (exercise,) = select([exercise_id])
    fixtures = Fixtures({"mnist": MNIST, "keras_models": keras})
    images = Mnist(MNIST).test[0][..., np.newaxis]
    with open_sandbox(folder, exercise.limits, kind=exercise.kind, options=fixtures.options) as sandbox:
        result = grade_exercise(exercise, SandboxBackend(sandbox, exercise.limits.wall_seconds), fixtures=fixtures,
                                sandbox=sandbox)
        outcome = route(sandbox, model_file, {"action": "predict"}, {"args": [images]})
        companions = len(sandbox.companions)
        notices = list(sandbox.notices)
    checks = {c.name: (c.score, str(c.status), c.diagnosis) for c in result.checks}
    value = outcome.value if outcome.status == "ok" else None
    return Graded(checks, value, notices, companions)


def assert_same_verdicts(folder: Path, exercise_id: str, model_file: str) -> Graded:
    """Both paths on one model: the NumPy path's result (asserted equal to the keras path's)."""
    numpy_path = graded(folder, exercise_id, model_file, keras=False)
    keras_path = graded(folder, exercise_id, model_file, keras=True)
    assert numpy_path.checks == keras_path.checks, (numpy_path.checks, keras_path.checks)
    assert numpy_path.companions == 0 and not any("Keras" in n for n in numpy_path.notices), numpy_path.notices
    assert keras_path.companions == 1
    if keras_path.probabilities is None:
        assert numpy_path.probabilities is None  # refused by both, before any prediction
        return numpy_path
    ours, theirs = numpy_path.probabilities, keras_path.probabilities
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype == np.float32
    agreeing = int(np.sum(ours.argmax(axis=1) == theirs.argmax(axis=1)))
    assert agreeing >= AGREEING, f"{model_file}: the same class on {agreeing} of {len(ours)} images"
    # Probabilities within CLOSE; a model that outputs logits, within CLOSE relative to their size.
    largest = float(np.max(np.abs(ours.astype(np.float64) - theirs)))
    scale = max(1.0, float(np.max(np.abs(theirs))))
    assert largest <= CLOSE * scale, f"{model_file}: the outputs differ by up to {largest:.3g} (scale {scale:.3g})"
    return numpy_path

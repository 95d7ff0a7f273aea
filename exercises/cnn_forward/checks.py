"""Checks for cnn_forward(x, weights): the course model's forward pass, in NumPy.

Property checks use random weights shaped as model.get_weights() returns them (float32) and
random images in [0, 1]; the Keras check uses the grader's own trained course model (see
exercises/models/course_model.py: trained once, cached out of the sandbox's sight) and compares with
Keras' model.predict on MNIST test images. Nothing here imports TensorFlow: a cached reference
model is read from disk, and only an uncached one is trained (in exercises.models.course_model).
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from hypothesis import given, strategies as st

import reference as ref
from grader.pack import CheckFailed, Score, _, as_array, expect_close, number
from exercises.models.course_model import WEIGHT_SHAPES
from exercises.models.mnist import scaled
from exercises.models.numbers import significant

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

KERAS = tomllib.loads(Path(__file__).with_name("spec.toml").read_text())["keras"]
# Standard deviations of the random weights: the logits come out with a spread of a few units,
# so that every part of the model shows in the probabilities (neither uniform nor one-hot).
SCALES = (0.5, 0.1, 2.0 / np.sqrt(6272), 0.1, 2.0 / np.sqrt(100), 0.5)


def random_weights(seed: int, output_scale: float = 1.0) -> list[np.ndarray]:
    """Weights as model.get_weights() gives them: float32, the course model's shapes."""
    rng = np.random.default_rng(seed)
    weights = [(rng.standard_normal(shape) * scale).astype(np.float32) for shape, scale in zip(WEIGHT_SHAPES, SCALES)]
    weights[4] = weights[4] * np.float32(output_scale)
    weights[5] = weights[5] * np.float32(output_scale)
    return weights


def random_images(seed: int, n: int) -> np.ndarray:
    """n images (n, 28, 28, 1), float32 in [0, 1], mostly dark like digits."""
    rng = np.random.default_rng(seed + 1)
    images = rng.random((n, 28, 28, 1)) * (rng.random((n, 28, 28, 1)) < 0.3)
    return images.astype(np.float32)


def _forward(student, x, weights, what):
    return as_array(student.cnn_forward(x, weights), what, (x.shape[0], 10))


@given(seed=st.integers(0, 2**32 - 2), n=st.integers(1, 3))
def test_output_shape(student, seed, n):
    _forward(student, random_images(seed, n), random_weights(seed), _("cnn_forward of {n} image(s)", n=n))


@given(seed=st.integers(0, 2**32 - 2), n=st.integers(1, 3))
def test_probabilities(student, seed, n):
    p = _forward(student, random_images(seed, n), random_weights(seed), _("cnn_forward of {n} image(s)", n=n))
    if not np.all(np.isfinite(p)):
        raise CheckFailed(_("the probabilities contain NaN or infinite values"))
    if np.any(p < -1e-6) or np.any(p > 1 + 1e-6):
        raise CheckFailed(_("the probabilities must lie in [0, 1]; got values from {low} to {high} (is the softmax "
                            "applied?)", low=format(p.min(), ".6g"), high=format(p.max(), ".6g")))
    sums = p.sum(axis=1)
    if np.any(np.abs(sums - 1) > 1e-5):
        raise CheckFailed(_("each row must sum to 1 (softmax over the 10 classes, axis=-1); the rows sum to {sums}",
                            sums=np.array2string(sums, precision=6)))


@given(seed=st.integers(0, 2**32 - 2), n=st.integers(1, 3))
def test_matches_reference(student, seed, n):
    x, weights = random_images(seed, n), random_weights(seed)
    expect_close(student.cnn_forward(x, weights), ref.cnn_forward(x, weights), _("the probabilities"))


@given(seed=st.integers(0, 2**32 - 2))
def test_batch_independent(student, seed):
    x, weights = random_images(seed, 3), random_weights(seed)
    together = _forward(student, x, weights, _("cnn_forward of 3 images"))
    for i in range(3):
        expect_close(_forward(student, x[i:i + 1], weights, _("cnn_forward of image {i} alone", i=i))[0], together[i],
                     _("the probabilities of image {i} alone compared with the same image in a batch of 3", i=i))


@given(seed=st.integers(0, 2**32 - 2), n=st.integers(1, 3))
def test_large_logits(student, seed, n):
    # Output weights 1000 times larger: logits in the thousands, far past exp's overflow.
    p = _forward(student, random_images(seed, n), random_weights(seed, output_scale=1000.0),
                 _("cnn_forward with large logits"))
    if not np.all(np.isfinite(p)):
        raise CheckFailed(_("with large logits (in the thousands) the probabilities contain NaN or infinite values: "
                            "np.exp overflows; subtract each row's maximum logit before exp (softmax is unchanged)"))
    if np.any(np.abs(p.sum(axis=1) - 1) > 1e-5):
        raise CheckFailed(_("with large logits the rows no longer sum to 1"))


def test_matches_keras(student, mnist, course_model):
    # One image first: a missing or failing function ends the check before the grader loads (or,
    # the first time, trains) its reference model.
    _forward(student, random_images(0, 1), random_weights(0), _("cnn_forward of one image"))
    student.calls.clear()  # the counterexample, if any, is a batch of MNIST test images, as the message says
    model = course_model()
    images = mnist.test[0]
    count, batch = int(KERAS["images"]), int(KERAS["batch"])
    tolerance, agreement = float(KERAS["tolerance"]), float(KERAS["agreement"])
    indices = np.arange(0, len(images), len(images) // count)[:count]
    weights = list(model.weights)
    allowed = int(np.floor(count * (1 - agreement) + 1e-9))  # class disagreements allowed
    disagree: list[int] = []
    worst = (0.0, -1)  # (largest |difference|, test image index)
    for start in range(0, count, batch):
        chunk = indices[start:start + batch]
        got = _forward(student, scaled(images[chunk]), weights,
                       _("cnn_forward of MNIST test images {first}..{last} (every {step}th)", first=chunk[0],
                         last=chunk[-1], step=indices[1] - indices[0]))
        keras = model.probabilities[chunk].astype(np.float64)
        if not np.all(np.isfinite(got)):
            raise CheckFailed(_("the probabilities contain NaN or infinite values on MNIST test images"))
        difference = np.abs(got - keras).max(axis=1)
        if difference.max() > worst[0]:
            worst = (float(difference.max()), int(chunk[difference.argmax()]))
        disagree.extend(int(i) for i in chunk[got.argmax(axis=1) != keras.argmax(axis=1)])
        if len(disagree) > allowed:
            i = disagree[0]
            row = int(np.flatnonzero(chunk == i)[0]) if i in chunk else None
            shown = _(": got {got}, Keras gives {keras}", got=np.array2string(got[row], precision=4),
                      keras=np.array2string(keras[row], precision=4)) if row is not None else ""
            raise CheckFailed(_(
                "with the weights of a trained course model, your predicted class differs from Keras' on {n} of the "
                "first {checked} test images checked (at most {allowed} of {count} may differ); e.g. test image #{i} "
                "(x_test[{i}] / 255){shown}", n=len(disagree), checked=start + len(chunk), allowed=allowed,
                count=count, i=i, shown=shown))
    details = {"images": count, "class_agreement": 1 - len(disagree) / count, "disagreements": disagree,
               "largest_difference": worst[0], "tolerance": tolerance}
    agreed = _("the same class as Keras on {same} of {count} MNIST test images", same=count - len(disagree),
               count=count)
    if worst[0] > tolerance:
        return Score(0.5, _("{agreed}, but the probabilities differ from Keras' predict by up to {difference} (on test "
                            "image #{i}), more than the tolerance {tolerance}: half the points", agreed=agreed,
                            difference=significant(worst[0], 3), i=worst[1], tolerance=number(tolerance)),
                     details)
    return Score(1.0, _("{agreed}; probabilities within {difference} of Keras' predict", agreed=agreed,
                        difference=significant(worst[0], 2)), details)

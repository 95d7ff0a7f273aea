"""The gradient exercises (conv2d_backward, relu_backward, pool_backward, numeric_gradient): the
contract's freedoms are accepted (any tied maximum, perturbing x in place when it is put back
exactly), a wrong forward pass costs nothing in the backward exercises, and the helpers that
judge max pooling's ties and the gradient checks tell right from wrong.
"""
from __future__ import annotations

import numpy as np
import pytest

import reference as ref
from conftest import example_folder
from exercises.shared.gradients import ConvCase, PoolCase, conv_grads, expect_directional, expect_max_routing
from grader.grading.checking import CheckFailed

LAST_TIE = '''
def max_pool2d_backward(dout, x, pool_size=2, strides=None, padding='valid'):
    xb, added, (ph, pw), (sh, sw), pads, (out_h, out_w) = _pool_setup(x, pool_size, strides, padding)
    xb = xb.astype(np.float64)
    dout = np.asarray(dout, dtype=np.float64)
    if added:
        dout = dout[np.newaxis]
    n, h, w, c = xb.shape
    xp = np.pad(xb, [(0, 0), pads[0], pads[1], (0, 0)], constant_values=-np.inf)
    dxp = np.zeros(xp.shape)
    for b in range(n):
        for ch in range(c):
            for i in range(out_h):
                for j in range(out_w):
                    flat = xp[b, i * sh:i * sh + ph, j * sw:j * sw + pw, ch].reshape(-1)
                    k = flat.size - 1 - int(np.argmax(flat[::-1]))   # the LAST of the tied maxima
                    dxp[b, i * sh + k // pw, j * sw + k % pw, ch] += dout[b, i, j, ch]
    dx = dxp[:, pads[0][0]:pads[0][0] + h, pads[1][0]:pads[1][0] + w, :]
    return dx[0] if added else dx
'''

RESTORES_EXACTLY = '''
def numeric_gradient(f, x, h=1e-5):
    grad = np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + h
        f_plus = f(x)
        x[idx] = old - h
        f_minus = f(x)
        x[idx] = old
        grad[idx] = (f_plus - f_minus) / (2 * h)
    return grad
'''

WRONG_FORWARDS = '''
_right_conv2d = conv2d


def conv2d(x, kernel, bias=None, stride=1, padding='valid', dilation=1):
    return _right_conv2d(x, np.asarray(kernel)[::-1, ::-1], bias, stride, padding, dilation)


def relu(x):
    return np.abs(x)


def avg_pool2d(x, pool_size=2, strides=None, padding='valid'):
    return max_pool2d(x, pool_size, strides, padding)


def max_pool2d(x, pool_size=2, strides=None, padding='valid'):
    return np.zeros(1)
'''

BACKWARD = ("-e", "conv2d_backward", "-e", "relu_backward", "-e", "pool_backward")


def full_marks(run) -> bool:
    return all(e["score"] == e["max_score"] for e in run.result["exercises"])


def test_any_one_tied_cell_gets_full_marks(cnngrade, student_folder):
    run = cnngrade("submit", student_folder({"max_pool2d_backward": LAST_TIE}), "-e", "pool_backward", json=True)
    assert run.code == 0 and full_marks(run), run.stdout


def test_perturbing_x_in_place_and_restoring_it_exactly_passes(cnngrade, student_folder):
    run = cnngrade("submit", student_folder({"numeric_gradient": RESTORES_EXACTLY}), "-e", "numeric_gradient",
                   json=True)
    assert run.code == 0 and full_marks(run), run.stdout


def test_not_restoring_x_fails_every_check_with_the_reason(cnngrade):
    run = cnngrade("submit", example_folder("numeric_gradient_in_place"), "-e", "numeric_gradient", json=True)
    checks = run.result["exercises"][0]["checks"]
    assert run.code == 1 and all(c["status"] == "failed" for c in checks)
    assert all("modified its argument" in c["message"] for c in checks)
    assert checks[0]["counterexample"]["reproduce"].count("lambda x:") == 1  # the test function, pasteable


def test_a_wrong_forward_pass_costs_nothing_in_the_backward_exercises(cnngrade, student_folder):
    folder = student_folder({"forwards": WRONG_FORWARDS})
    backward = cnngrade("submit", folder, *BACKWARD, json=True)
    assert backward.code == 0 and full_marks(backward), backward.stdout
    forward = cnngrade("submit", folder, "-e", "activations", "-e", "pooling", json=True)
    assert not full_marks(forward)  # the forward passes are wrong indeed


def test_a_tuple_result_gets_its_counterexample_and_diagnosis(cnngrade):
    run = cnngrade("submit", example_folder("conv_backward_averaged"), "-e", "conv2d_backward", json=True)
    check = next(c for c in run.result["exercises"][0]["checks"] if c["name"] == "matches_reference")
    assert check["status"] == "failed"
    example = check["counterexample"]
    assert example["function"] == "conv2d_backward"
    assert set(example["arguments"]) == {"dout", "x", "kernel"}
    assert len(example["got"]) == len(example["expected"]) == 3
    assert example["arguments"]["x"]["shape"][0] >= 2  # a batch: a single image cannot show it
    assert check["diagnosis"].startswith("divides dkernel and dbias by the batch size")


# ------------------------------------------------------------------ the helpers, in-process

def _tie_case():
    # One 2x2 window of four equal cells, and a 1x3 image pooled 1x2 with stride 1 (overlap).
    return (PoolCase(np.zeros((2, 2, 1)), np.ones((1, 1, 1))),
            PoolCase(np.array([[5.0, 5.0, 5.0]])[:, :, None], np.array([[1.0, 2.0]])[:, :, None],
                     {"pool_size": (1, 2), "strides": 1}))


@pytest.mark.parametrize("cell", [(0, 0), (0, 1), (1, 0), (1, 1)])
def test_routing_accepts_any_tied_cell(cell):
    case, _ = _tie_case()
    dx = np.zeros((2, 2, 1))
    dx[cell] = 1.0
    expect_max_routing(dx, case)


@pytest.mark.parametrize("dx, reason", [
    (np.ones((2, 2, 1)), "went to 4 cells"),
    (np.full((2, 2, 1), 0.25), "not a sum of whole window gradients"),
    (np.zeros((2, 2, 1)), "reached no cell"),
])
def test_routing_rejects_all_split_or_none(dx, reason):
    case, _ = _tie_case()
    with pytest.raises(CheckFailed, match=reason):
        expect_max_routing(dx, case)


def test_routing_with_overlapping_windows():
    _, case = _tie_case()
    for good in ([1, 2, 0], [0, 3, 0], [1, 0, 2], [0, 1, 2]):
        expect_max_routing(np.array([good], dtype=float)[:, :, None], case)
    expect_max_routing(ref.max_pool2d_backward(case.dout, case.x, **case.kwargs), case)
    with pytest.raises(CheckFailed, match="reached no cell"):   # '=' instead of '+='
        expect_max_routing(np.array([[0.0, 2.0, 0.0]])[:, :, None], case)
    with pytest.raises(CheckFailed, match="not in that window"):
        expect_max_routing(np.array([[2.0, 1.0, 0.0]])[:, :, None], case)
    x = np.array([[5.0, 4.0, 5.0]])[:, :, None]
    with pytest.raises(CheckFailed, match="not a maximum|holding 4"):
        expect_max_routing(np.array([[1.0, 2.0, 0.0]])[:, :, None], PoolCase(x, case.dout, case.kwargs))


def test_gradient_check_tells_the_gradient_from_a_wrong_one():
    rng = np.random.default_rng(0)
    x, kernel = rng.normal(size=(2, 5, 4, 2)), rng.normal(size=(3, 2, 2, 3))
    kw = {"stride": (2, 1), "padding": "same"}
    dout = rng.normal(size=ref.conv2d(x, kernel, **kw).shape)
    dx, _, _ = ref.conv2d_backward(dout, x, kernel, **kw)
    v, h = rng.normal(size=x.shape), 0.5
    plus, minus = ref.conv2d(x + h * v, kernel, **kw), ref.conv2d(x - h * v, kernel, **kw)
    expect_directional(dx, v, plus, minus, dout, h, ("dx", "x", "conv2d(x, kernel)"))
    with pytest.raises(CheckFailed, match=r"sum\(dout \* conv2d\(x \+ h\*v, kernel\)\)"):
        expect_directional(dx / 2, v, plus, minus, dout, h, ("dx", "x", "conv2d(x, kernel)"))


def test_conv_grads_asks_for_the_three_gradients():
    case = ConvCase(np.zeros((3, 3, 1)), np.zeros((2, 2, 1, 1)), np.zeros((2, 2, 1)))
    with pytest.raises(CheckFailed, match=r"must return the tuple \(dx, dkernel, dbias\)"):
        conv_grads(np.zeros((3, 3, 1)), case)
    with pytest.raises(CheckFailed, match="dkernel has shape"):
        conv_grads((np.zeros((3, 3, 1)), np.zeros((2, 2)), np.zeros(1)), case)


@pytest.mark.parametrize("broken", ["raise NotImplementedError", "while True:\n        pass"])
def test_a_correct_backward_keeps_full_marks_when_its_forward_is_broken(cnngrade, student_folder, broken):
    # An exercise's points depend on its own functions only: the gradient checks against the
    # student's own forward pass are informational (0 points).
    forwards = {name: f"def {name}(*args, **kwargs):\n    {broken}"
                for name in ("conv2d", "relu", "max_pool2d", "avg_pool2d")}
    run = cnngrade("submit", student_folder(forwards), "-e", "conv2d_backward", "-e", "relu_backward",
                   "-e", "pool_backward", "-e", "conv2d", json=True)
    assert run.result is not None, run.stderr
    scores = run.scores
    full = {e["id"]: e["max_score"] for e in run.result["exercises"]}
    assert scores["conv2d"] == 0
    for exercise in ("conv2d_backward", "relu_backward", "pool_backward"):
        assert scores[exercise] == full[exercise], exercise
    informational = [c for e in run.result["exercises"] for c in e["checks"] if c["name"].endswith("own_forward")]
    assert len(informational) == 4 and all(c["max_score"] == 0 for c in informational)

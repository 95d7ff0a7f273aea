"""Checks for conv2d_backward(dout, x, kernel, stride=1, padding='valid', dilation=1).

It returns (dx, dkernel, dbias), the gradients of sum(conv2d(x, kernel, bias, ...) * dout).
Every trap of the contract has its own check; the gradient checks compare the student's
gradients with finite differences of the reference's conv2d and of the student's own.
Only non-default arguments are passed.
"""
import numpy as np
from hypothesis import given, strategies as st

import reference as ref
from exercises.shared.gradients import (backward_case, call_text, conv_grads, expect_conv_grads, expect_directional,
                                        expect_triple, forward_pair)
from exercises.shared.strategies import ANY_STEP, grid, padding_kinds
from grader.pack import _, expect_close


# The course's example: O = correlate(X, F) with a 3x3 X and a 2x2 F, and a gradient dE/dO.
X = np.array([[1, 0, 2], [3, 1, 0], [0, 2, 1]], dtype=np.float64)
F = np.array([[1, -1], [2, 0]], dtype=np.float64)
DOUT = np.array([[1, 2], [-1, 1]], dtype=np.float64)
DF = np.array([[-1, 3], [7, 0]], dtype=np.float64)                      # correlate(X, dE/dO)
DX = np.array([[1, 1, -2], [1, 6, -1], [-2, 2, 0]], dtype=np.float64)   # full convolution of dE/dO with F

H = 0.5  # conv2d is linear in x, kernel and bias: the central difference is exact for any h


def _course_call(student):
    return student.conv2d_backward(DOUT[:, :, None], X[:, :, None], F[:, :, None, None])


def test_course_dkernel(student):
    value = _course_call(student)
    expect_triple(value)
    expect_close(value[1], DF[:, :, None, None],
                 _("dkernel of the course's example (3x3 X, 2x2 F): it should be correlate(X, dE/dO)"))


def test_course_dx_dbias(student):
    value = _course_call(student)
    expect_triple(value)
    expect_close(value[0], DX[:, :, None],
                 _("dx of the course's example: the full convolution of dE/dO with F"))
    expect_close(value[2], np.array([DOUT.sum()]), _("dbias of the course's example: the sum of dE/dO"))


def _expect(student, case, note=""):
    expect_conv_grads(student.conv2d_backward(case.dout, case.x, case.kernel, **case.kwargs), case,
                      note or case.text())


@given(case=backward_case(padding="valid"))
def test_matches_reference(student, case):
    _expect(student, case)


def _gradient_check(student, case, v, u, b, forward, reference=None):
    """Finite differences of forward along v (x), u (kernel) and b (bias) against the gradients;
    with reference, the points where the student's forward pass is wrong are skipped."""
    dx, dk, db = conv_grads(student.conv2d_backward(case.dout, case.x, case.kernel, **case.kwargs), case)
    x, kernel, kw = case.x, case.kernel, case.kwargs
    text = call_text("conv2d", "x, kernel", kw)
    probes = [
        (dx, v, lambda f: f(x + H * v, kernel, **kw), lambda f: f(x - H * v, kernel, **kw), ("dx", "x", text)),
        (dk, u, lambda f: f(x, kernel + H * u, **kw), lambda f: f(x, kernel - H * u, **kw),
         ("dkernel", "kernel", text)),
        (db, b, lambda f: f(x, kernel, bias=H * b, **kw), lambda f: f(x, kernel, bias=-H * b, **kw),
         ("dbias", "bias", call_text("conv2d", "x, kernel, bias", kw))),
    ]
    for gradient, direction, plus, minus, names in probes:
        pair = forward_pair(forward, reference, plus, minus)
        if pair is not None:
            expect_directional(gradient, direction, *pair, case.dout, H, names)


@st.composite
def case_and_directions(draw):
    case = draw(backward_case(stride=ANY_STEP, dilation=ANY_STEP))
    v = draw(grid(case.x.shape), label="v (direction for x)")  # i18n: not for people (Hypothesis' label)
    u = draw(grid(case.kernel.shape), label="u (direction for kernel)")  # i18n: not for people (Hypothesis' label)
    b = draw(grid(case.kernel.shape[-1:]), label="b (direction for bias)")  # i18n: not for people (Hypothesis' label)
    return case, v, u, b


@given(data=case_and_directions())
def test_gradient_check(student, data):
    case, v, u, b = data
    _gradient_check(student, case, v, u, b, ref.conv2d)


@given(data=case_and_directions())
def test_gradient_check_own_forward(student, data):
    case, v, u, b = data
    _gradient_check(student, case, v, u, b, student.conv2d, ref.conv2d)


@given(case=backward_case(padding=("zero", "flat")))
def test_padding_zero(student, case):
    _expect(student, case)


@given(case=backward_case(padding=("valid", "int", "per_axis"), stride=("one", "tuple"), distinct=True))
def test_non_square(student, case):
    _expect(student, case)


@given(case=backward_case(padding=("valid", "int", "same"), stride=("int", "tuple"), max_side=6))
def test_stride(student, case):
    _expect(student, case)


@given(case=backward_case(padding=("valid", "same", "int"), batched=True, batch=(2, 3)))
def test_batch_summed(student, case):
    _expect(student, case, _("{call}, a batch of {n}: dkernel and dbias are summed over the batch",
                             call=case.text(), n=case.x.shape[0]))


@given(case=backward_case(padding=padding_kinds(2)[1:], stride=("one", "int"), max_tap=4))
def test_every_padding_form(student, case):
    _expect(student, case, _("{call}: the gradient of the padding is cropped from dx", call=case.text()))


@given(case=backward_case(dilation=("int", "tuple")))
def test_dilation(student, case):
    _expect(student, case)

"""Checks for max_pool2d_backward and avg_pool2d_backward(dout, x, pool_size=2, strides=None,
padding='valid'): the gradients of max_pool2d / avg_pool2d with respect to x.

Max pooling with ties has several right answers (the gradient of a window goes to ONE of its
tied maxima, any one): those checks read back where each window's gradient went
(expect_max_routing) instead of comparing with the reference, which picks the first.
"""
from typing import Callable

import numpy as np
from hypothesis import given, strategies as st

import reference as ref
from exercises.shared.course import RELU_MAP1
from exercises.shared.gradients import (PoolCase, call_text, directions, expect_directional, expect_max_routing,
                                 forward_pair, pool_case)
from exercises.shared.strategies import grid
from grader.pack import N_, _, as_array, expect_close

# What the checks of the two poolings differ in. Max pooling draws distinct values, at least 1
# apart, so that no tie blurs the verdict (ties have their own check), and negative ones for
# 'same', where a padded cell taken for 0 would win. The step h of the gradient check: for max
# pooling, with v in {-1, 0, 1} no window's maximum changes; average pooling is linear, so the
# central difference is exact for any h.
VALUES = {"max": "distinct", "avg": "any"}
SAME_VALUES = {"max": "negative", "avg": "any"}
H = {"max": 0.25, "avg": 0.5}
NOTES = {
    "max": {"overlapping": N_("overlapping windows: a cell that is the maximum of several windows gets the sum of "
                           "their gradients"),
            "same": N_("'same': the padded cells never win, the padding is cropped from dx")},
    "avg": {"overlapping": N_("overlapping windows: a cell in several windows gets a share of each"),
            "same": N_("'same': a window shares its gradient among its real cells only")},
}


def _backward(student, kind, case):
    return getattr(student, f"{kind}_pool2d_backward")(case.dout, case.x, **case.kwargs)


def _expect(student, kind, case, note=""):
    expect_close(_backward(student, kind, case), case.expected(kind),
                 _("dx of {call} ({note})", call=case.text(kind), note=note) if note
                 else _("dx of {call}", call=case.text(kind)))


def _gradient_check(student, kind, case, v, forward, reference=None):
    dx = as_array(_backward(student, kind, case), "dx", case.x.shape)
    text = call_text(f"{kind}_pool2d", "x", case.kwargs)
    h = H[kind]
    pair = forward_pair(forward, reference, lambda f: f(case.x + h * v, **case.kwargs),
                        lambda f: f(case.x - h * v, **case.kwargs))
    if pair is not None:  # None: the student's pooling is wrong there, which the pooling exercise grades
        expect_directional(dx, v, *pair, case.dout, h, ("dx", "x", text))


@st.composite
def with_direction(draw, kind):
    case = draw(pool_case(values=VALUES[kind], padding="any"))
    v = draw(directions(case.x.shape) if kind == "max" else grid(case.x.shape))
    return case, v


def pooling_checks(kind: str) -> dict[str, Callable]:
    """The checks both poolings have, named test_<kind>_<check> as in spec.toml."""
    values, reference = VALUES[kind], getattr(ref, f"{kind}_pool2d")

    @given(case=pool_case(values=values))
    def test_matches_reference(student, case):
        _expect(student, kind, case)

    @given(case=pool_case(values=values, strides="overlap", padding="any"))
    def test_overlapping(student, case):
        _expect(student, kind, case, _(NOTES[kind]["overlapping"]))

    @given(case=pool_case(values=SAME_VALUES[kind], padding="same", pool=(2, 3)))
    def test_same(student, case):
        _expect(student, kind, case, _(NOTES[kind]["same"]))

    @given(case=pool_case(values=values, strides="per_axis", padding="any", square=False, batched=True))
    def test_non_square_batch(student, case):
        _expect(student, kind, case)

    @given(data=with_direction(kind))
    def test_gradient_check(student, data):
        case, v = data
        _gradient_check(student, kind, case, v, reference)

    @given(data=with_direction(kind))
    def test_gradient_check_own_forward(student, data):
        case, v = data
        _gradient_check(student, kind, case, v, getattr(student, f"{kind}_pool2d"), reference)

    return {f"test_{kind}_{name[5:]}": value for name, value in locals().items() if name.startswith("test_")}


globals().update(pooling_checks("max"))
globals().update(pooling_checks("avg"))


def test_course_max(student):
    # The course's ReLU map pooled 2x2 (stride 2) gives 3 0 / 3 1; its top-right window is all
    # zeros, a four-way tie: any one of its cells may take that window's gradient.
    case = PoolCase(RELU_MAP1[:, :, np.newaxis], np.array([[1.0, 2.0], [4.0, 8.0]])[:, :, np.newaxis])
    expect_max_routing(student.max_pool2d_backward(case.dout, case.x), case)


@given(case=pool_case(values="ties", padding="any", dout="powers"))
def test_max_ties(student, case):
    expect_max_routing(_backward(student, "max", case), case)

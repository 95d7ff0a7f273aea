"""Checks for max_pool2d and avg_pool2d(x, pool_size=2, strides=None, padding='valid').

Every generated case is (x, kwargs): kwargs holds only the arguments whose value differs from
the default (EXERCISES.md: the grader passes an optional argument only when a check needs it).
"""
import numpy as np
from hypothesis import given, strategies as st

import reference as ref
from exercises.course import POOLED_MAP1, RELU_MAP1
from grader.checking import CheckFailed, as_array, expect_close, tolerance
from grader.strategies import arrays, sides

FUNCTIONS = st.sampled_from(["max_pool2d", "avg_pool2d"])


def _same_total(n, k, s):
    out = -(-n // s)
    return max((out - 1) * s + k - n, 0)


def _form(a, b, draw):
    """An int when both axes agree (sometimes written as a pair anyway), else a pair."""
    return a if a == b and draw(st.booleans()) else (a, b)


@st.composite
def pool_case(draw, strides="default", padding="valid", square=None, batched=None, channels=None,
              pool=(1, 3), max_side=6, negative=False, min_batch=1):
    """(x, kwargs) for one pooling call.

    strides: "default" (None, i.e. pool_size), "any" (default, int or pair), "overlap" (smaller
    than the pool on some axis), "large" (larger than the pool on every axis), "per_axis" (a
    pair with two different values).
    padding: "valid", "same" (with a partial window at the border) or "any".
    square: False forces H != W and PH != PW.
    """
    mode = draw(st.sampled_from(["valid", "same"])) if padding == "any" else padding
    if square is False:
        ph, pw = draw(st.lists(st.integers(max(pool[0], 1), pool[1]), min_size=2, max_size=2, unique=True))
    else:
        ph = draw(st.integers(*pool))
        pw = ph if square else draw(st.integers(*pool))
    if strides == "default":
        sh, sw = None, None
    elif strides == "overlap":
        ph, pw = max(ph, 2), max(pw, 2)
        axis = draw(st.integers(0, 1))  # this axis surely overlaps, the other may
        sh = draw(st.integers(1, ph - 1 if axis == 0 else ph))
        sw = draw(st.integers(1, pw - 1 if axis == 1 else pw))
    elif strides == "large":
        sh, sw = draw(st.integers(ph + 1, ph + 3)), draw(st.integers(pw + 1, pw + 3))
    elif strides == "per_axis":
        sh, sw = draw(st.lists(st.integers(1, 3), min_size=2, max_size=2, unique=True))
    else:
        kind = draw(st.sampled_from(["default", "int", "pair"]))
        sh = sw = None
        if kind == "int":
            sh = sw = draw(st.integers(1, 3))
        elif kind == "pair":
            sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    low_h, low_w = ph, pw
    if square is False:
        h, w = draw(st.lists(sides(max(low_h, low_w), max_side), min_size=2, max_size=2, unique=True))
    else:
        h, w = draw(sides(low_h, max_side)), draw(sides(low_w, max_side))
    if mode == "same":
        # Make sure at least one axis has a padded border, where the traps are.
        eff_sh, eff_sw = (sh or ph), (sw or pw)
        if not (_same_total(h, ph, eff_sh) or _same_total(w, pw, eff_sw)):
            for extra in range(1, eff_sw + 1):
                if _same_total(w + extra, pw, eff_sw):
                    w += extra
                    break
    c = draw(st.integers(1, 3)) if channels is None else channels
    is_batched = draw(st.booleans()) if batched is None else batched
    shape = (draw(st.integers(min_batch, 3)), h, w, c) if is_batched else (h, w, c)
    x = draw(arrays(shape, integer=None))
    if negative:
        x = -np.abs(x) - 1
    kwargs = {}
    if (ph, pw) != (2, 2):
        kwargs["pool_size"] = _form(ph, pw, draw)
    if sh is not None:
        kwargs["strides"] = _form(sh, sw, draw)
    if mode != "valid":
        kwargs["padding"] = mode
    return x, kwargs


def _same_as_reference(student, function, case):
    x, kwargs = case
    expected = getattr(ref, function)(x, **kwargs)
    expect_close(getattr(student, function)(x, **kwargs), expected, f"{function}({_describe(kwargs)})")


def _describe(kwargs):
    return ", ".join(["x"] + [f"{k}={v!r}" for k, v in kwargs.items()])


def test_course_max_pool(student):
    x = RELU_MAP1[:, :, np.newaxis]
    expect_close(student.max_pool2d(x), POOLED_MAP1[:, :, np.newaxis],
                 "max_pool2d of the course's ReLU map (one channel), 2x2 pool, stride 2")


@given(case=pool_case(strides="any", square=True))
def test_max_matches_reference(student, case):
    _same_as_reference(student, "max_pool2d", case)


@given(case=pool_case(strides="any", square=True))
def test_avg_matches_reference(student, case):
    _same_as_reference(student, "avg_pool2d", case)


@given(function=FUNCTIONS, case=pool_case(strides="per_axis", square=False) | pool_case(square=False))
def test_non_square(student, function, case):
    _same_as_reference(student, function, case)


@given(case=pool_case(strides="any", padding="same", pool=(2, 3), negative=True))
def test_same_max(student, case):
    _same_as_reference(student, "max_pool2d", case)


@given(case=pool_case(strides="any", padding="same", pool=(2, 3)))
def test_same_avg(student, case):
    _same_as_reference(student, "avg_pool2d", case)


@given(function=FUNCTIONS, case=pool_case(strides="overlap", pool=(2, 3)))
def test_overlapping(student, function, case):
    _same_as_reference(student, function, case)


@given(function=FUNCTIONS, case=pool_case(strides="large", pool=(1, 2), max_side=7))
def test_large_strides(student, function, case):
    _same_as_reference(student, function, case)


@given(function=FUNCTIONS, case=pool_case(strides="any", padding="any", batched=True, channels=1, min_batch=2))
def test_batch_single_channel(student, function, case):
    _same_as_reference(student, function, case)


RELATIONS = st.sampled_from(["shift", "scale", "monotone", "constant", "pool_one"])


@given(function=FUNCTIONS, relation=RELATIONS, case=pool_case(strides="any", padding="any"), data=st.data(),
       c=st.sampled_from([-3.0, 0.5, 7.0]), a=st.sampled_from([0.5, 2.0, 3.0]))
def test_properties(student, function, relation, case, data, c, a):
    """Relations true of both poolings (each example tries one): pool(x + c) == pool(x) + c,
    pool(a * x) == a * pool(x) for a > 0, x <= y implies pool(x) <= pool(y), and a constant
    image pools to the same constant (even with 'same': padded cells are not values), and a 1x1
    pool with its default stride 1 gives x back. (Pooling is not idempotent in general: the
    output is smaller.)"""
    x, kwargs = case
    shape = ref.max_pool2d(x, **kwargs).shape
    call = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
    call = f", {call}" if call else ""

    def pool(array, name):
        return as_array(getattr(student, function)(array, **kwargs), f"{function}({name}{call})", shape)

    if relation == "pool_one":
        expect_close(getattr(student, function)(x, pool_size=1), x,
                     f"{function}(x, pool_size=1) compared with x (1x1 windows, stride 1, change nothing)")
        return
    if relation == "constant":
        expect_close(pool(np.full(x.shape, c), "x"), np.full(shape, c),
                     f"{function}(x{call}) with x an image full of {c} (every window holds only {c})")
        return
    base = pool(x, "x")
    if relation == "shift":
        plus = f"+ {c}" if c >= 0 else f"- {-c}"
        expect_close(pool(x + c, f"x {plus}"), base + c,
                     f"{function}(x {plus}{call}) compared with {function}(x{call}) {plus}")
    elif relation == "scale":
        expect_close(pool(a * x, f"{a} * x"), a * base,
                     f"{function}({a} * x{call}) compared with {a} * {function}(x{call})")
    else:
        bigger = pool(x + np.abs(data.draw(arrays(x.shape), label="added")), "y")
        if np.any(bigger < base - tolerance(base)):
            raise CheckFailed(f"{function} is not monotone: y >= x everywhere, yet {function}(y{call}) "
                              f"is smaller than {function}(x{call}) somewhere", expected=base, got=bigger)

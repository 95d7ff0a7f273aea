"""Checks for max_pool2d and avg_pool2d(x, pool_size=2, strides=None, padding='valid').

Every generated case is (x, kwargs): kwargs holds only the arguments whose value differs from
the default (docs/EXERCISES.md: the grader passes an optional argument only when a check needs it).
"""
import numpy as np
from hypothesis import given, strategies as st

import reference as ref
from exercises.shared.course import POOLED_MAP1, RELU_MAP1
from grader.pack import CheckFailed, _, arrays, as_array, expect_close, tolerance
from exercises.shared.strategies import pool_case

FUNCTIONS = st.sampled_from(["max_pool2d", "avg_pool2d"])


def _same_as_reference(student, function, case):
    x, kwargs = case
    expected = getattr(ref, function)(x, **kwargs)
    expect_close(getattr(student, function)(x, **kwargs), expected, f"{function}({_describe(kwargs)})")


def _describe(kwargs):
    return ", ".join(["x"] + [f"{k}={v!r}" for k, v in kwargs.items()])


def test_course_max_pool(student):
    x = RELU_MAP1[:, :, np.newaxis]
    expect_close(student.max_pool2d(x), POOLED_MAP1[:, :, np.newaxis],
                 _("max_pool2d of the course's ReLU map (one channel), 2x2 pool, stride 2"))


@given(case=pool_case(strides="any", square=True))
def test_max_matches_reference(student, case):
    _same_as_reference(student, "max_pool2d", case)


@given(case=pool_case(strides="any", square=True))
def test_avg_matches_reference(student, case):
    _same_as_reference(student, "avg_pool2d", case)


@given(function=FUNCTIONS, case=pool_case(strides="per_axis", square=False) | pool_case(strides="default", square=False))
def test_non_square(student, function, case):
    _same_as_reference(student, function, case)


@given(case=pool_case(values="negative", strides="any", padding="same", pool=(2, 3)))
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


@given(function=FUNCTIONS, case=pool_case(strides="any", padding="any", batched=True, channels=(1, 1), min_batch=2))
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
                     _("{function}(x, pool_size=1) compared with x (1x1 windows, stride 1, change nothing)",
                       function=function))
        return
    if relation == "constant":
        expect_close(pool(np.full(x.shape, c), "x"), np.full(shape, c),
                     _("{function}(x{arguments}) with x an image full of {value} (every window holds only {value})",
                       function=function, arguments=call, value=c))
        return
    base = pool(x, "x")
    if relation == "shift":
        plus = f"+ {c}" if c >= 0 else f"- {-c}"
        expect_close(pool(x + c, f"x {plus}"), base + c,
                     _("{left} compared with {right}", left=f"{function}(x {plus}{call})",
                       right=f"{function}(x{call}) {plus}"))
    elif relation == "scale":
        expect_close(pool(a * x, f"{a} * x"), a * base,
                     _("{left} compared with {right}", left=f"{function}({a} * x{call})",
                       right=f"{a} * {function}(x{call})"))
    else:
        bigger = pool(x + np.abs(data.draw(arrays(x.shape), label="added")), "y")
        if np.any(bigger < base - tolerance(base)):
            raise CheckFailed(_("{function} is not monotone: y >= x everywhere, yet {function}(y{arguments}) is "
                                "smaller than {function}(x{arguments}) somewhere", function=function,
                                arguments=call), expected=base, got=bigger)

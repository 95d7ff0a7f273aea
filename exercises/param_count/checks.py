"""Checks for conv_param_count(kernel_size, in_channels, filters, use_bias=True) and
dense_param_count(in_features, units, use_bias=True).

use_bias is passed only when it is False (its default is True).
"""
import numpy as np
from hypothesis import given, strategies as st

import reference as ref
from grader.pack import CheckFailed, _, expect_equal

SIZES = st.integers(1, 512)
SIDES = st.integers(1, 11)


def _call(name, *args, **kwargs):
    words = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()]
    return f"{name}({', '.join(words)})"


def _check(student, name, *args, **kwargs):
    expect_equal(getattr(student, name)(*args, **kwargs), getattr(ref, name)(*args, **kwargs),
                 _call(name, *args, **kwargs))


def test_course_mlp(student):
    expect_equal(student.dense_param_count(1024, 100, use_bias=False), 102400,
                 _("dense_param_count(1024, 100, use_bias=False): the course's MLP example"))


def test_course_model(student):
    layers = [("conv_param_count", (3, 1, 32), 320),
              ("dense_param_count", (6272, 100), 627300),
              ("dense_param_count", (100, 10), 1010)]
    total = 0
    for name, args, expected in layers:
        got = getattr(student, name)(*args)
        expect_equal(got, expected, _("{call}, a layer of the course model", call=_call(name, *args)))
        total += int(got)
    expect_equal(total, 628630, _("the course model's total parameter count"))


def test_course_conv_layer(student):
    expect_equal(student.conv_param_count(5, 3, 6), 456,
                 _("conv_param_count(5, 3, 6): six 5x5 filters on a 3-channel image, each with a bias"))


@given(k=SIDES, c=SIZES, f=SIZES)
def test_conv_matches_reference(student, k, c, f):
    _check(student, "conv_param_count", k, c, f)


@given(kernel=st.lists(SIDES, min_size=2, max_size=2, unique=True).map(tuple), c=SIZES, f=SIZES)
def test_conv_kernel_pair(student, kernel, c, f):
    _check(student, "conv_param_count", kernel, c, f)


@given(kernel=SIDES | st.tuples(SIDES, SIDES), c=SIZES, f=SIZES)
def test_conv_no_bias(student, kernel, c, f):
    _check(student, "conv_param_count", kernel, c, f, use_bias=False)


@given(n=st.integers(1, 100000), units=SIZES)
def test_dense_matches_reference(student, n, units):
    _check(student, "dense_param_count", n, units)


@given(n=st.integers(1, 100000), units=SIZES)
def test_dense_no_bias(student, n, units):
    _check(student, "dense_param_count", n, units, use_bias=False)


@given(kernel=SIDES | st.tuples(SIDES, SIDES), c=SIZES, f=SIZES)
def test_bias_is_one_per_filter(student, kernel, c, f):
    """With and without bias differ by the number of filters (units), whatever the input size."""
    conv = _call("conv_param_count", kernel, c, f)
    conv_no_bias = _call("conv_param_count", kernel, c, f, use_bias=False)
    difference = (_as_int(student.conv_param_count(kernel, c, f), conv)
                  - _as_int(student.conv_param_count(kernel, c, f, use_bias=False), conv_no_bias))
    expect_equal(difference, f, _("{call} - {call_no_bias} (one bias per filter)", call=conv, call_no_bias=conv_no_bias))
    dense, dense_no_bias = _call("dense_param_count", c, f), _call("dense_param_count", c, f, use_bias=False)
    difference = (_as_int(student.dense_param_count(c, f), dense)
                  - _as_int(student.dense_param_count(c, f, use_bias=False), dense_no_bias))
    expect_equal(difference, f, _("{call} - {call_no_bias} (one bias per unit)", call=dense,
                                  call_no_bias=dense_no_bias))


def _as_int(value, what):
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise CheckFailed(_("{what} is {value}, not an int", what=what, value=repr(value)), got=value)
    return int(value)

"""Checks for conv1d(x, kernel, bias=None, stride=1, padding='valid', dilation=1), channels last.

x (L, C) or (N, L, C), kernel (KL, C, K). Each trap has its own check; only non-default arguments
are passed. The generic strategies and properties live in exercises/shared/convnd.py.
"""
import numpy as np
from hypothesis import given, strategies as st

from exercises.shared.convnd import (check_batch, check_bias, check_linear, check_shift, conv_case, expect_reference,
                              values)
from grader.pack import expect_close

ANY_PADDING = ("valid", "same", "zero", "int", "per_axis", "pairs")
SIGNAL = np.array([1, 2, 3, 4, 5], dtype=np.float64)[:, np.newaxis]              # (5, 1)
EDGE_AND_SUM = np.array([[1, 0, -1], [1, 1, 1]], dtype=np.float64).T[:, np.newaxis, :]  # (3, 1, 2)


def test_worked_example(student):
    expect_close(student.conv1d(SIGNAL, EDGE_AND_SUM), np.array([[-2, 6], [-2, 9], [-2, 12]]),
                 "conv1d of the signal 1 2 3 4 5 with the filters 1 0 -1 and 1 1 1")


@given(case=conv_case(1, bias=None, integer=None))
def test_matches_reference(student, case):
    expect_reference(student, case)


@given(case=conv_case(1, padding="same", taps="odd"))
def test_same_padding(student, case):
    expect_reference(student, case)


@given(case=conv_case(1, stride="int", padding=("valid", "int")))
def test_stride(student, case):
    expect_reference(student, case)


@given(case=conv_case(1, padding=("int", "per_axis")))
def test_explicit_padding(student, case):
    expect_reference(student, case)


@given(case=conv_case(1, padding="same", taps="even"))
def test_same_even_kernel(student, case):
    expect_reference(student, case)


@given(case=conv_case(1, padding="same", stride="int", taps="odd"))
def test_same_stride(student, case):
    expect_reference(student, case)


@given(case=conv_case(1, dilation="int", padding=("valid", "same", "int"), taps="wide"))
def test_dilation(student, case):
    expect_reference(student, case)


@given(case=conv_case(1, stride=("one", "tuple"), dilation="tuple", padding=("valid", "same")))
def test_per_axis_forms(student, case):
    expect_reference(student, case, "the result with a stride or dilation given as a 1-tuple")


@given(case=conv_case(1, padding="pairs"))
def test_pair_padding(student, case):
    expect_reference(student, case)


@given(case=conv_case(1, padding="zero", stride=("one", "int")))
def test_zero_padding(student, case):
    expect_reference(student, case, "conv1d(x, k, padding=0), which is 'valid'")


@given(case=st.one_of(conv_case(1, batched=True, channels=(1, 1), padding=("valid", "same")),
                      conv_case(1, channels=(2, 3), filters=(2, 3), padding=("valid", "same"))))
def test_channels_filters(student, case):
    expect_reference(student, case)


@given(case=conv_case(1, padding=ANY_PADDING, stride=("one", "int"), dilation=("one", "int")), data=st.data(),
       a=st.integers(-3, 3), b=st.integers(-3, 3))
def test_linear(student, case, data, a, b):
    other_x, other_kernel = data.draw(values([case.x.shape, case.kernel.shape]), label="y, m")
    check_linear(student, case, other_x, other_kernel, a, b)


@given(case=conv_case(1, dilation=("one", "int")), data=st.data())
def test_shift(student, case, data):
    check_shift(student, case, data)


@given(case=conv_case(1, batched=True, bias=None, padding=ANY_PADDING, stride=("one", "int")))
def test_batch(student, case):
    check_batch(student, case)


@given(case=conv_case(1, bias=True, padding=ANY_PADDING, stride=("one", "int")))
def test_bias(student, case):
    check_bias(student, case)

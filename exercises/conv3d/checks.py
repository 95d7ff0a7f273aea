"""Checks for conv3d(x, kernel, bias=None, stride=1, padding='valid', dilation=1), channels last.

x (D, H, W, C) or (N, D, H, W, C), kernel (KD, KH, KW, C, K). Each trap has its own check; only
non-default arguments are passed. The generic strategies and properties live in exercises/shared/convnd.py.
"""
import numpy as np
from hypothesis import given, strategies as st

from exercises.shared.convnd import (check_batch, check_bias, check_linear, check_shift, conv_case, expect_reference,
                              values)
from exercises.shared.course import FILTER1, FILTER2, IMAGE, MAP1, MAP2
from grader.pack import expect_close

ANY_PADDING = ("valid", "same", "zero", "int", "per_axis", "pairs")


def test_course_depth_one(student):
    volume = IMAGE[np.newaxis, :, :, np.newaxis]                            # (1, 6, 6, 1)
    kernel = np.stack([FILTER1, FILTER2], axis=-1)[np.newaxis, :, :, np.newaxis, :]  # (1, 3, 3, 1, 2)
    expect_close(student.conv3d(volume, kernel), np.stack([MAP1, MAP2], axis=-1)[np.newaxis],
                 "conv3d of the course's image as a (1, 6, 6, 1) volume with filters 1 and 2 "
                 "as a (1, 3, 3, 1, 2) kernel")


@given(case=conv_case(3, bias=None, integer=None))
def test_matches_reference(student, case):
    expect_reference(student, case)


@given(case=conv_case(3, padding="same", taps="odd"))
def test_same_padding(student, case):
    expect_reference(student, case)


@given(case=conv_case(3, stride="int", padding=("valid", "int")))
def test_stride(student, case):
    expect_reference(student, case)


@given(case=conv_case(3, padding=("int", "per_axis")))
def test_explicit_padding(student, case):
    expect_reference(student, case)


@given(case=conv_case(3, padding=("valid", "same", "int"), distinct=True))
def test_non_cubic(student, case):
    expect_reference(student, case)


@given(case=conv_case(3, padding="same", taps="even"))
def test_same_even_kernel(student, case):
    expect_reference(student, case)


@given(case=conv_case(3, padding="same", stride=("int", "tuple"), taps="odd"))
def test_same_stride(student, case):
    expect_reference(student, case)


@given(case=conv_case(3, stride="tuple", padding=("valid", "per_axis"), taps="wide"))
def test_stride_per_axis(student, case):
    expect_reference(student, case)


@given(case=conv_case(3, dilation=("int", "tuple"), padding=("valid", "same", "int"), taps="wide"))
def test_dilation(student, case):
    expect_reference(student, case)


@given(case=conv_case(3, padding="pairs"))
def test_pair_padding(student, case):
    expect_reference(student, case)


@given(case=conv_case(3, padding="zero", stride=("one", "int")))
def test_zero_padding(student, case):
    expect_reference(student, case, "conv3d(x, k, padding=0), which is 'valid'")


@given(case=st.one_of(conv_case(3, batched=True, channels=(1, 1), padding=("valid", "same")),
                      conv_case(3, channels=(2, 2), filters=(2, 2), padding=("valid", "same"))))
def test_channels_filters(student, case):
    expect_reference(student, case)


@given(case=conv_case(3, padding=ANY_PADDING, stride=("one", "int"), dilation=("one", "int")), data=st.data(),
       a=st.integers(-3, 3), b=st.integers(-3, 3))
def test_linear(student, case, data, a, b):
    other_x, other_kernel = data.draw(values([case.x.shape, case.kernel.shape]), label="y, m")
    check_linear(student, case, other_x, other_kernel, a, b)


@given(case=conv_case(3, dilation=("one", "int")), data=st.data())
def test_shift(student, case, data):
    check_shift(student, case, data)


@given(case=conv_case(3, batched=True, bias=None, padding=ANY_PADDING, stride=("one", "tuple")))
def test_batch(student, case):
    check_batch(student, case)


@given(case=conv_case(3, bias=True, padding=ANY_PADDING, stride=("one", "int")))
def test_bias(student, case):
    check_bias(student, case)

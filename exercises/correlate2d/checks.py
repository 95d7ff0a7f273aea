"""Checks for correlate2d(image, kernel): 2D valid cross-correlation of one channel."""
import numpy as np
from hypothesis import given, strategies as st

import reference as ref
from exercises.shared.course import FILTER1, FILTER2, IMAGE, MAP1, MAP2
from exercises.shared.image_kernel import reference_checks
from exercises.shared.strategies import image_and_kernel
from grader.pack import _, arrays, as_array, expect_close

globals().update(reference_checks("correlate2d"))


def test_course_filter1(student):
    expect_close(student.correlate2d(IMAGE, FILTER1), MAP1, _("the feature map of filter 1"))


def test_course_filter2(student):
    expect_close(student.correlate2d(IMAGE, FILTER2), MAP2, _("the feature map of filter 2"))


@given(pair=image_and_kernel(integer=True), float_kernel=st.booleans())
def test_integer_input(student, pair, float_kernel):
    image, kernel = pair
    kernel = kernel * 0.5 if float_kernel else kernel
    expect_close(student.correlate2d(image, kernel), ref.correlate2d(image, kernel))


@given(pair=image_and_kernel(), data=st.data(), a=st.integers(-3, 3), b=st.integers(-3, 3))
def test_linear(student, pair, data, a, b):
    image, kernel = pair
    other = data.draw(arrays(image.shape))
    shape = ref.correlate2d(image, kernel).shape
    expect_close(student.correlate2d(a * image + b * other, kernel),
                 a * as_array(student.correlate2d(image, kernel), "correlate2d(x, k)", shape)
                 + b * as_array(student.correlate2d(other, kernel), "correlate2d(y, k)", shape),
                 _("{left} compared with {right}", left=f"correlate2d({a}*x + {b}*y, k)",
                   right=f"{a}*correlate2d(x, k) + {b}*correlate2d(y, k)"))
    ones = np.ones(kernel.shape)
    expect_close(student.correlate2d(image, kernel + ones),
                 as_array(student.correlate2d(image, kernel), "correlate2d(x, k)", shape)
                 + as_array(student.correlate2d(image, ones), "correlate2d(x, ones)", shape),
                 _("correlate2d(x, k + 1) compared with correlate2d(x, k) + correlate2d(x, ones)"))


@given(pair=image_and_kernel(), data=st.data())
def test_shift(student, pair, data):
    image, kernel = pair
    rows = data.draw(st.integers(0, image.shape[0] - kernel.shape[0]))
    cols = data.draw(st.integers(0, image.shape[1] - kernel.shape[1]))
    whole = as_array(student.correlate2d(image, kernel), "correlate2d(image, kernel)",
                     ref.correlate2d(image, kernel).shape)
    expect_close(student.correlate2d(image[rows:, cols:], kernel), whole[rows:, cols:],
                 _("{left} compared with {right}", left=f"correlate2d(image[{rows}:, {cols}:], kernel)",
                   right=f"correlate2d(image, kernel)[{rows}:, {cols}:]"))

"""Checks for convolve2d(image, kernel): the true convolution, valid mode."""
import numpy as np
from hypothesis import given, strategies as st

import reference as ref
from exercises.shared.course import FILTER1, IMAGE, MAP1
from exercises.shared.image_kernel import reference_checks
from exercises.shared.strategies import image_and_kernel
from grader.pack import _, expect_close

globals().update(reference_checks("convolve2d", integer=None))


def test_course_flipped_filter(student):
    expect_close(student.convolve2d(IMAGE, FILTER1[::-1, ::-1]), MAP1,
                 "convolve2d(image, filter1 flipped)")


@given(pair=image_and_kernel(max_side=5))
def test_commutative(student, pair):
    # 'valid' of a zero-padded input is the full convolution, in which the roles can swap.
    x, k = pair
    (h, w), (kh, kw) = x.shape, k.shape
    x_full = np.pad(x, ((kh - 1, kh - 1), (kw - 1, kw - 1)))
    k_full = np.pad(k, ((h - 1, h - 1), (w - 1, w - 1)))
    expect_close(student.convolve2d(x_full, k), ref.convolve2d(k_full, x),
                 _("the full convolution x * k (convolve2d of the zero-padded x with k), compared with k * x"))


@given(pair=image_and_kernel(), data=st.data())
def test_identity_kernel(student, pair, data):
    image, kernel = pair
    a = data.draw(st.integers(0, kernel.shape[0] - 1))
    b = data.draw(st.integers(0, kernel.shape[1] - 1))
    delta = np.zeros(kernel.shape)
    delta[a, b] = 1.0
    kh, kw = kernel.shape
    oh, ow = image.shape[0] - kh + 1, image.shape[1] - kw + 1
    shifted = image[kh - 1 - a: kh - 1 - a + oh, kw - 1 - b: kw - 1 - b + ow]
    expect_close(student.convolve2d(image, delta), shifted,
                 _("convolve2d with a kernel whose only 1 is at ({a}, {b})", a=a, b=b))

"""Checks for pad2d(x, padding): zero padding of the spatial axes."""
import numpy as np
from hypothesis import given, strategies as st

import reference as ref
from exercises.shared.course import IMAGE
from grader.pack import _, arrays, as_array, expect_close, sides

AMOUNTS = st.integers(0, 3)


@st.composite
def padded_input(draw, rank=None):
    """x of rank 2, 3 or 4 (H, W first after the batch axis)."""
    rank = draw(st.sampled_from([2, 3, 4])) if rank is None else rank
    h, w = draw(sides(1, 5)), draw(sides(1, 5))
    shape = {2: (h, w), 3: (h, w, draw(sides(1, 3))), 4: (draw(sides(1, 3)), h, w, draw(sides(1, 3)))}[rank]
    return draw(arrays(shape, integer=None))


@st.composite
def padding_forms(draw):
    t, b, l, r = (draw(AMOUNTS) for _ in range(4))
    return draw(st.sampled_from([t, (t, l), ((t, b), (l, r)), (t, b, l, r)]))


def test_course_image(student):
    expected = np.zeros((8, 8))
    expected[1:7, 1:7] = IMAGE
    expect_close(student.pad2d(IMAGE, 1), expected, "pad2d(image, 1)")


@given(x=padded_input(), t=AMOUNTS, b=AMOUNTS, l=AMOUNTS, r=AMOUNTS)
def test_asymmetric(student, x, t, b, l, r):
    expect_close(student.pad2d(x, (t, b, l, r)), ref.pad2d(x, (t, b, l, r)))


@given(x=padded_input(), padding=padding_forms())
def test_every_form(student, x, padding):
    expect_close(student.pad2d(x, padding), ref.pad2d(x, padding))


@given(x=padded_input(rank=2), padding=padding_forms())
def test_zero_padding(student, x, padding):
    expected = ref.pad2d(x, padding)
    got = as_array(student.pad2d(x, padding), _("the padded image"), expected.shape)
    mask = ref.pad2d(np.ones(x.shape), padding) == 0
    expect_close(got[mask], np.zeros(int(mask.sum())), _("the added border (it should be all zeros)"))
    expect_close(got[~mask].reshape(x.shape), x, _("the original image inside the padding"))


@given(x=padded_input(rank=4), padding=padding_forms())
def test_channels_untouched(student, x, padding):
    got = as_array(student.pad2d(x, padding), _("the padded batch"))
    n, c = x.shape[0], x.shape[-1]
    if got.ndim != 4 or got.shape[0] != n or got.shape[-1] != c:
        expect_close(got, ref.pad2d(x, padding), _("the padded batch (N and C must not change)"))

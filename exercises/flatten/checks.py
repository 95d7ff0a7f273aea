"""Checks for flatten(x): (N, ...) -> (N, prod(...)), row-major, as keras.layers.Flatten."""
import numpy as np
from hypothesis import given, strategies as st

import reference as ref
from exercises.shared.course import POOLED_MAP1
from grader.pack import _, arrays, as_array, expect_close, sides


@st.composite
def batch(draw, rank=4, min_batch=1, distinct=False, integer=None):
    """(N, *rest) with rank - 1 axes after the batch; distinct=True numbers the cells 1, 2, 3, ..."""
    shape = (draw(st.integers(min_batch, 3)),) + tuple(draw(sides(1, 4 if rank <= 4 else 3)) for _ in range(rank - 1))
    if distinct:
        return np.arange(1, int(np.prod(shape)) + 1, dtype=np.float64).reshape(shape) * draw(
            st.sampled_from([1.0, -0.5]))
    return draw(arrays(shape, integer=integer))


@st.composite
def non_square_batch(draw):
    """(N, H, W, C) with H, W and C all different and C > 1, numbered cells: an axis mix-up shows."""
    n = draw(st.integers(1, 3))
    h, w, c = draw(st.lists(sides(2, 4), min_size=3, max_size=3, unique=True))
    return np.arange(1, n * h * w * c + 1, dtype=np.float64).reshape(n, h, w, c)


def test_course_pooled_map(student):
    x = POOLED_MAP1[np.newaxis, :, :, np.newaxis]
    expect_close(student.flatten(x), np.array([[3.0, 0.0, 3.0, 1.0]]),
                 _("flatten of the course's pooled map as a batch of one, shape (1, 2, 2, 1)"))


def test_course_model(student):
    x = np.arange(2 * 14 * 14 * 32, dtype=np.float64).reshape(2, 14, 14, 32) % 7
    expect_close(student.flatten(x), ref.flatten(x),
                 _("flatten of the course model's pooled features, (2, 14, 14, 32) -> (2, 6272)"))


@given(x=batch())
def test_matches_reference(student, x):
    expect_close(student.flatten(x), ref.flatten(x))


@given(x=non_square_batch())
def test_row_major(student, x):
    expect_close(student.flatten(x), ref.flatten(x),
                 _("flatten(x) with the cells of x numbered 1, 2, 3, ... in row-major order "
                 "(the last axis, the channel, varies fastest)"))


@given(x=batch(rank=4, distinct=True) | batch(rank=3, distinct=True) | batch(rank=2, distinct=True))
def test_batch_axis_kept(student, x):
    got = as_array(student.flatten(x), "flatten(x)")
    if got.ndim != 2 or got.shape[0] != x.shape[0]:
        expect_close(got, ref.flatten(x), _("flatten(x) for x of shape {shape} (the batch axis of {n} must stay "
                                            "first)", shape=x.shape, n=x.shape[0]))


@given(x=batch(rank=2, distinct=True) | batch(rank=3, distinct=True) | batch(rank=5, distinct=True))
def test_any_rank(student, x):
    expect_close(student.flatten(x), ref.flatten(x), _("flatten(x) for x of shape {shape}", shape=x.shape))


@given(x=batch(rank=4, distinct=True))
def test_reshape_back(student, x):
    flat = as_array(student.flatten(x), "flatten(x)", ref.flatten(x).shape)
    expect_close(flat.reshape(x.shape), x, _("{left} compared with {right}", left="flatten(x).reshape(x.shape)",
                                             right="x"))

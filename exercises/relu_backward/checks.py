"""Checks for relu_backward(dout, x): dout where x > 0, else 0 (0 at exactly x == 0)."""
import numpy as np
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

import reference as ref
from exercises.shared.course import MAP1
from exercises.shared.gradients import directions, expect_directional, forward_pair
from exercises.shared.strategies import grid, int_grid
from grader.pack import _, as_array, expect_close

SHAPES = hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=5)
H = 0.25  # x is an odd integer (|x| >= 1) and v in {-1, 0, 1}: x +- h*v never crosses 0


@st.composite
def pair(draw, x_values="any"):
    """(dout, x) of one shape; x 'any' (integers or floats, zeros often), 'zeros' (many exact
    zeros among floats), 'int' (an integer array) or 'odd' (odd integers, never near 0)."""
    shape = draw(SHAPES)
    if x_values == "odd":
        x = 2.0 * draw(int_grid(shape, -4, 4)) + 1
    elif x_values == "int":
        x = draw(int_grid(shape, -3, 3))
    elif x_values == "zeros":
        x = draw(int_grid(shape, -1, 1)) * draw(grid(shape))
    else:
        x = draw(grid(shape, draw(st.booleans())))
    return draw(grid(shape)), x


def test_course_map(student):
    dout = np.arange(1.0, 17.0).reshape(4, 4)
    expect_close(student.relu_backward(dout, MAP1), np.where(MAP1 > 0, dout, 0.0),
                 _("relu_backward(dout, the course's map 3 -1 -3 -1 / -3 1 0 -3 / -3 -3 0 1 / 3 -2 -2 -1) "
                 "with dout = 1 .. 16: dout where the map is > 0, 0 elsewhere (0 at the map's zeros)"))


@given(case=pair())
def test_matches_reference(student, case):
    dout, x = case
    expect_close(student.relu_backward(dout, x), ref.relu_backward(dout, x))


@given(case=pair("zeros"))
def test_zero_input(student, case):
    dout, x = case
    got = as_array(student.relu_backward(dout, x), "dx", x.shape)
    zeros = x == 0
    expect_close(got[zeros], np.zeros(int(zeros.sum())),
                 _("dx where x is exactly 0 (ReLU's gradient at 0 is 0, as TensorFlow's)"))
    expect_close(got, ref.relu_backward(dout, x))


@given(case=pair("int"))
def test_integer_x(student, case):
    dout, x = case
    expect_close(student.relu_backward(dout, x), ref.relu_backward(dout, x),
                 _("dx for an integer x and a float dout (dx takes dout's values, not x's dtype)"))


def _gradient_check(student, dout, x, v, relu, reference=None):
    dx = as_array(student.relu_backward(dout, x), "dx", x.shape)
    pair = forward_pair(relu, reference, lambda f: f(x + H * v), lambda f: f(x - H * v))
    if pair is not None:  # None: the student's relu is wrong there, which the activations exercise grades
        expect_directional(dx, v, *pair, dout, H, ("dx", "x", "relu(x)"))


@st.composite
def with_direction(draw):
    dout, x = draw(pair("odd"))
    return dout, x, draw(directions(x.shape))


@given(case=with_direction())
def test_gradient_check(student, case):
    _gradient_check(student, *case, ref.relu)


@given(case=with_direction())
def test_gradient_check_own_forward(student, case):
    _gradient_check(student, *case, student.relu, ref.relu)

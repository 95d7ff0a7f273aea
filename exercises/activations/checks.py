"""Checks for relu(x) and leaky_relu(x, negative_slope=0.3)."""
import numpy as np
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

import reference as ref
from exercises.shared.course import MAP1, RELU_MAP1
from grader.pack import _, arrays, as_array, expect_close

ANY_SHAPE = hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=5)
SLOPES = st.sampled_from([0.01, 0.1, 0.2, 0.5, 0.9]) | st.floats(0.0, 1.0)


def test_relu_course_map(student):
    expect_close(student.relu(MAP1), RELU_MAP1, _("relu of the course's map"))


@given(x=arrays(ANY_SHAPE, integer=None))
def test_relu_matches_reference(student, x):
    expect_close(student.relu(x), ref.relu(x))


@given(x=arrays(ANY_SHAPE))
def test_relu_properties(student, x):
    once = as_array(student.relu(x), "relu(x)", x.shape)
    assert np.all(once >= 0), _("relu(x) has negative values: {values}", values=once[once < 0][:3].tolist())
    expect_close(student.relu(once), once, _("relu(relu(x)) compared with relu(x)"))


@given(x=arrays(ANY_SHAPE))
def test_leaky_default_slope(student, x):
    expect_close(student.leaky_relu(x), ref.leaky_relu(x), _("leaky_relu(x) with the default slope"))


@given(x=arrays(ANY_SHAPE, integer=None), slope=SLOPES)
def test_leaky_given_slope(student, x, slope):
    expect_close(student.leaky_relu(x, negative_slope=slope), ref.leaky_relu(x, negative_slope=slope))


@given(x=arrays(ANY_SHAPE), a=st.sampled_from([0.5, 2.0, 3.0]))
def test_leaky_homogeneous(student, x, a):
    base = as_array(student.leaky_relu(x), "leaky_relu(x)", x.shape)
    expect_close(student.leaky_relu(a * x), a * base,
                 _("{left} compared with {right}", left=f"leaky_relu({a} * x)", right=f"{a} * leaky_relu(x)"))

"""Checks for numeric_gradient(f, x, h=1e-5): central differences of a scalar function.

f cannot cross the sandbox boundary as code: it is a TestFunction (exercises/shared/test_functions.py), one of
a fixed family of scalar functions with weights, sent as plain data and rebuilt in the worker;
its exact gradient is known (f.gradient(x)), and a failing call reproduces with f.python_literal().
"""
import numpy as np
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

from exercises.shared.strategies import int_grid, one_of
from grader.pack import CheckFailed, _, as_array
from exercises.shared.test_functions import TestFunction

SHAPES = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)
BIG_SHAPES = hnp.array_shapes(min_dims=2, max_dims=4, min_side=2, max_side=3)
# Central differences with h = 1e-5 are within ~1e-9 of the exact gradient of these functions
# (rounding ~1e-16 * |f| / h plus h**2 * |f'''|); forward differences are ~1e-5 off.
TOLERANCE = 1e-6
NONZERO = (-2.0, -1.0, -0.5, 0.5, 1.0, 1.5, 2.0)


@st.composite
def problem(draw, kinds=TestFunction.FAMILY, shapes=SHAPES, nonzero=False):
    """(f, x): a TestFunction with weights shaped like x, and a float64 x in [-2, 2]."""
    shape = draw(shapes)
    kind = draw(one_of(tuple(kinds)))
    x = draw(int_grid(shape, -8, 8)) * 0.25
    if nonzero:
        weights = np.array(draw(st.lists(one_of(NONZERO), min_size=x.size, max_size=x.size))).reshape(shape)
    else:
        weights = draw(int_grid(shape, -4, 4)) * 0.5
    return TestFunction(kind, weights), x


def _expect_gradient(got, expected, f, what, against=None, tol=TOLERANCE):
    against = against or _("the exact gradient of f")
    got = as_array(got, what, expected.shape)
    allowed = tol * max(1.0, float(np.max(np.abs(expected))))
    error = np.abs(got - expected)
    if not np.all(error <= allowed):  # NaN fails too
        error = np.where(np.isnan(error), np.inf, error)
        index = tuple(int(i) for i in np.unravel_index(np.argmax(error), error.shape))
        raise CheckFailed(_("{what} is off by up to {error} from {against} (allowed {allowed}): e.g. at index "
                            "{index} got {got}, expected {expected}; f = {function}", what=what,
                            error=f"{float(np.max(error)):.3g}", against=against, allowed=f"{allowed:.3g}",
                            index=index, got=f"{got[index]:.10g}", expected=f"{expected[index]:.10g}",
                            function=f.python_literal()), expected=expected, got=got)


@given(case=problem())
def test_matches_gradient(student, case):
    f, x = case
    _expect_gradient(student.numeric_gradient(f, x), f.gradient(x), f, "numeric_gradient(f, x)")


@given(case=problem(kinds=("sum_cubes",), nonzero=True))
def test_central_differences(student, case):
    f, x = case
    h = 1e-2
    # For f = sum(w * x**3): (f(x + h) - f(x - h)) / 2h = 3 w x**2 + w h**2 exactly; a forward
    # difference (f(x + h) - f(x)) / h gives 3 w x**2 + 3 w x h + w h**2.
    expected = 3 * f.weights * x**2 + f.weights * h**2
    _expect_gradient(student.numeric_gradient(f, x, h=h), expected, f, "numeric_gradient(f, x, h=0.01)",
                     _("3 w x**2 + w h**2, exactly what central differences give for f = sum(w * x**3)"), tol=1e-8)


@given(case=problem(shapes=hnp.array_shapes(min_dims=1, max_dims=2, min_side=2, max_side=4)))
def test_x_unchanged(student, case):
    f, x = case
    # The grader fails any call that leaves an argument changed: perturb a copy, or put back
    # the exact original value after each probe. The values are only checked roughly here.
    _expect_gradient(student.numeric_gradient(f, x), f.gradient(x), f, "numeric_gradient(f, x)", tol=1e-3)


@given(case=problem(shapes=BIG_SHAPES))
def test_shapes(student, case):
    f, x = case
    _expect_gradient(student.numeric_gradient(f, x), f.gradient(x), f,
                     _("numeric_gradient(f, x) for x of shape {shape} (one probe per element)", shape=x.shape))


@given(case=problem(kinds=("sum_cubes",)))
def test_every_test_function(student, case):
    f, x = case
    for kind in TestFunction.FAMILY:
        g = TestFunction(kind, f.weights)
        _expect_gradient(student.numeric_gradient(g, x), g.gradient(x), g,
                         _("numeric_gradient(f, x) for the {kind} test function", kind=kind))

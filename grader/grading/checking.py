"""What a check author uses: assertions with teaching messages, and partial credit.

A check is a pytest-style test function `test_NAME(student, ...)` in an exercise's checks.py,
usually with Hypothesis' @given. `student.FUNCTION(...)` calls the submission in the sandbox.
A check passes when it returns None, fails with CheckFailed (plain `assert` works too), and may
return Score(fraction, message, details) for partial credit or for details worth reporting.
A check that recognises the student's mistake itself (a check of a model file, where there are
no function calls for the mutants to replay) names it as `diagnosis` of CheckFailed or Score:
it becomes the result's diagnosis, the "likely cause" of the reports.

Messages are said in the grading's language (grader.i18n); `what` names the value compared, a noun
phrase in that language (default: "the result"); the values quoted stay as Python writes them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from grader.i18n import _, ngettext
from grader.results import Review
from grader.sandbox.wire import NUMERIC_KINDS, Unsupported

RELATIVE_TOLERANCE = 1e-5


class CheckFailed(AssertionError):
    """A check's verdict that the student's answer is wrong, with what was expected and got."""

    def __init__(self, message: str, expected: Any = None, got: Any = None, diagnosis: str | None = None,
                 details: dict | None = None):
        super().__init__(message)
        self.message = message
        self.expected = expected
        self.got = got
        self.diagnosis = diagnosis  # the known mistake, when the check recognises it
        self.details = details  # what to report (e.g. per-layer rows), as a Score's details


@dataclass(frozen=True)
class Score:
    """A check's result other than all-or-nothing: fraction of its points, and what to report.

    review: signals for a person to look at (grader.results.Review), which cost no points; the
    engine lifts them into the report's top-level `review` list, naming the exercise when the
    check did not. The pack decides when to raise one; the engine only carries it.
    """

    fraction: float
    message: str = ""
    details: dict = field(default_factory=dict)
    review: tuple[Review, ...] = ()
    diagnosis: str | None = None  # the known mistake, when the check recognises it


def tolerance(expected: np.ndarray) -> float:
    """The contract's tolerance: 1e-5 * max(1, max|expected|)."""
    scale = float(np.max(np.abs(expected))) if np.size(expected) else 0.0
    return RELATIVE_TOLERANCE * max(1.0, scale)


def as_array(value: Any, what: str, shape: tuple[int, ...] | None = None) -> np.ndarray:
    """The student's value as a float64 array (of the given shape), or CheckFailed saying why not.

    Metamorphic checks compute with the student's outputs; this keeps a wrong shape from
    turning into a NumPy broadcasting error.
    """
    array = _numeric(value, what).astype(np.float64)
    if shape is not None and array.shape != tuple(shape):
        raise CheckFailed(_shape_message(what, array.shape, tuple(shape)), got=value)
    return array


def _shape_message(what: str, got: tuple, expected: tuple) -> str:
    return _("{what} has shape {got}, expected {expected}", what=what, got=got, expected=expected)


def _numeric(value: Any, what: str) -> np.ndarray:
    if isinstance(value, Unsupported):
        raise CheckFailed(_("{what} is a {type}, not a NumPy array", what=what, type=value.type_name), got=value)
    if isinstance(value, (bool, int, float, np.generic)):
        return np.asarray(value)
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in NUMERIC_KINDS:
            raise CheckFailed(_("{what} has dtype {dtype}; a real numeric dtype is expected", what=what,
                                dtype=value.dtype))
        return value
    if isinstance(value, (list, tuple)):
        raise CheckFailed(_("{what} is a {type}, not a NumPy array (use np.array)", what=what,
                            type=type(value).__name__), got=value)
    raise CheckFailed(_("{what} is a {type}, not a NumPy array", what=what, type=type(value).__name__), got=value)


def close(got: Any, expected: Any) -> bool:
    """Whether got matches expected under the contract's tolerance (shape included)."""
    try:
        expect_close(got, expected)
    except CheckFailed:
        return False
    return True


def expect_close(got: Any, expected: Any, what: str | None = None) -> None:
    """Compare arrays by value within the contract's tolerance; raise CheckFailed with a lesson."""
    what = what or _("the result")
    expected = np.asarray(expected, dtype=np.float64)
    got_array = _numeric(got, what)
    if got_array.shape != expected.shape:
        raise CheckFailed(_shape_message(what, got_array.shape, expected.shape), expected=expected, got=got)
    got64 = got_array.astype(np.float64)
    if not np.all(np.isfinite(got64)) and np.all(np.isfinite(expected)):
        bad = int(np.sum(~np.isfinite(got64)))
        # English says "value(s)" whatever the count; French agrees with it (the plural forms).
        raise CheckFailed(ngettext("{what} contains {count} NaN or infinite value(s)",
                                   "{what} contains {count} NaN or infinite value(s)", bad, what=what, count=bad),
                          expected=expected, got=got)
    wrong = ~np.isclose(got64, expected, rtol=0, atol=tolerance(expected), equal_nan=True)
    if np.any(wrong):
        index = np.unravel_index(np.argmax(np.where(wrong, np.abs(got64 - expected), -1)), wrong.shape)
        count, values = int(wrong.sum()), {"got": _number(got64[index]), "expected": _number(expected[index])}
        if expected.ndim:
            message = ngettext("{what} differs from the expected value in {count} of {size} entries; e.g. at index "
                               "{index} got {got}, expected {expected}",
                               "{what} differs from the expected value in {count} of {size} entries; e.g. at index "
                               "{index} got {got}, expected {expected}", count, what=what, count=count,
                               size=wrong.size, index=tuple(int(i) for i in index), **values)
        else:
            message = _("{what} differs from the expected value in {count} of {size} entries; e.g. got {got}, "
                        "expected {expected}", what=what, count=count, size=wrong.size, **values)
        raise CheckFailed(message, expected=expected, got=got)


def _number(x: float) -> str:
    return f"{x + 0.0:.6g}"  # + 0.0 turns -0.0 into 0, which is what a student expects to read


def expect_equal(got: Any, expected: Any, what: str | None = None) -> None:
    """Exact comparison for shapes and counts: ints (Python or NumPy), tuples or lists of them."""
    what = what or _("the result")
    if isinstance(expected, tuple):
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            raise CheckFailed(_("{what} is {got}, expected the tuple {expected}", what=what, got=repr(got),
                                expected=repr(expected)), expected=expected, got=got)
        for g, e in zip(got, expected):
            _expect_int(g, e, what, got, expected)
        return
    _expect_int(got, expected, what, got, expected)


def _expect_int(value: Any, expected: int, what: str, whole_got: Any, whole_expected: Any) -> None:
    integral = isinstance(value, (int, np.integer)) and not isinstance(value, bool)
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iu":
        integral, value = True, int(value)
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        raise CheckFailed(_("{what} is {got}: use ints (e.g. // or int()), not floats", what=what,
                            got=repr(whole_got)), expected=whole_expected, got=whole_got)
    if not integral or int(value) != expected:
        raise CheckFailed(_("{what} is {got}, expected {expected}", what=what, got=repr(whole_got),
                            expected=repr(whole_expected)), expected=whole_expected, got=whole_got)

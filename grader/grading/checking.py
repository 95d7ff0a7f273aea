"""What a check author uses: assertions with teaching messages, and partial credit.

A check is a pytest-style test function `test_NAME(student, ...)` in an exercise's checks.py,
usually with Hypothesis' @given. `student.FUNCTION(...)` calls the submission in the sandbox.
A check passes when it returns None, fails with CheckFailed (plain `assert` works too), and may
return Score(fraction, message, details) for partial credit or for details worth reporting.
A check that recognises the student's mistake itself (a check of a model file, where there are
no function calls for the mutants to replay) names it as `diagnosis` of CheckFailed or Score:
it becomes the result's diagnosis, the "likely cause" of the reports.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

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
        raise CheckFailed(f"{what} has shape {array.shape}, expected {tuple(shape)}", got=value)
    return array


def _numeric(value: Any, what: str) -> np.ndarray:
    if isinstance(value, Unsupported):
        raise CheckFailed(f"{what} is a {value.type_name}, not a NumPy array", got=value)
    if isinstance(value, (bool, int, float, np.generic)):
        return np.asarray(value)
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in NUMERIC_KINDS:
            raise CheckFailed(f"{what} has dtype {value.dtype}; a real numeric dtype is expected")
        return value
    if isinstance(value, (list, tuple)):
        raise CheckFailed(f"{what} is a {type(value).__name__}, not a NumPy array (use np.array)", got=value)
    raise CheckFailed(f"{what} is a {type(value).__name__}, not a NumPy array", got=value)


def close(got: Any, expected: Any) -> bool:
    """Whether got matches expected under the contract's tolerance (shape included)."""
    try:
        expect_close(got, expected)
    except CheckFailed:
        return False
    return True


def expect_close(got: Any, expected: Any, what: str = "the result") -> None:
    """Compare arrays by value within the contract's tolerance; raise CheckFailed with a lesson."""
    expected = np.asarray(expected, dtype=np.float64)
    got_array = _numeric(got, what)
    if got_array.shape != expected.shape:
        raise CheckFailed(f"{what} has shape {got_array.shape}, expected {expected.shape}",
                          expected=expected, got=got)
    got64 = got_array.astype(np.float64)
    if not np.all(np.isfinite(got64)) and np.all(np.isfinite(expected)):
        bad = int(np.sum(~np.isfinite(got64)))
        raise CheckFailed(f"{what} contains {bad} NaN or infinite value(s)", expected=expected, got=got)
    wrong = ~np.isclose(got64, expected, rtol=0, atol=tolerance(expected), equal_nan=True)
    if np.any(wrong):
        index = np.unravel_index(np.argmax(np.where(wrong, np.abs(got64 - expected), -1)), wrong.shape)
        where = f" at index {tuple(int(i) for i in index)}" if expected.ndim else ""
        raise CheckFailed(
            f"{what} differs from the expected value in {int(wrong.sum())} of {wrong.size} entries; "
            f"e.g.{where} got {_number(got64[index])}, expected {_number(expected[index])}",
            expected=expected, got=got)


def _number(x: float) -> str:
    return f"{x + 0.0:.6g}"  # + 0.0 turns -0.0 into 0, which is what a student expects to read


def expect_equal(got: Any, expected: Any, what: str = "the result") -> None:
    """Exact comparison for shapes and counts: ints (Python or NumPy), tuples or lists of them."""
    if isinstance(expected, tuple):
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            raise CheckFailed(f"{what} is {got!r}, expected the tuple {expected!r}", expected=expected, got=got)
        for g, e in zip(got, expected):
            _expect_int(g, e, what, got, expected)
        return
    _expect_int(got, expected, what, got, expected)


def _expect_int(value: Any, expected: int, what: str, whole_got: Any, whole_expected: Any) -> None:
    integral = isinstance(value, (int, np.integer)) and not isinstance(value, bool)
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iu":
        integral, value = True, int(value)
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        raise CheckFailed(f"{what} is {whole_got!r}: use ints (e.g. // or int()), not floats",
                          expected=whole_expected, got=whole_got)
    if not integral or int(value) != expected:
        raise CheckFailed(f"{what} is {whole_got!r}, expected {whole_expected!r}",
                          expected=whole_expected, got=whole_got)

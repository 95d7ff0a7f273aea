"""The checks that correlate2d and convolve2d share: both are single-channel 'valid' functions of
(image, kernel), graded against the reference on generated pairs."""
from __future__ import annotations

from typing import Callable

from hypothesis import given

import reference as ref
from exercises.shared.strategies import image_and_kernel
from grader.pack import expect_close


def reference_checks(name: str, integer: bool | None = False) -> dict[str, Callable]:
    """test_matches_reference (integer: as image_and_kernel takes it) and test_non_square of
    name(image, kernel), for the exercise's checks.py to put into its namespace."""
    def expect_reference(student, pair):
        image, kernel = pair
        expect_close(getattr(student, name)(image, kernel), getattr(ref, name)(image, kernel))

    @given(pair=image_and_kernel(integer=integer))
    def test_matches_reference(student, pair):
        expect_reference(student, pair)

    @given(pair=image_and_kernel(square=False))
    def test_non_square(student, pair):
        expect_reference(student, pair)

    return {"test_matches_reference": test_matches_reference, "test_non_square": test_non_square}

"""Hypothesis strategies for check authors: small arrays that shrink to readable counterexamples.

Values shrink towards small integers, so a failing example reads like the course's own grids.
"""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

INT_VALUES = st.integers(-9, 9)
# Float arrays are integer grids times one scale: drawing one int per cell is several times
# faster than drawing floats, and a shrunk example still reads like the course's grids.
SCALES = st.sampled_from([1.0, 0.5, 0.1, 1.7, 2.25, 0.333])


def arrays(shape: tuple[int, ...] | st.SearchStrategy, integer: bool | None = False) -> st.SearchStrategy:
    """Float64 arrays with values in [-22, 22] (int64 in [-9, 9] with integer=True; either when None)."""
    if integer is None:
        return st.booleans().flatmap(lambda is_int: arrays(shape, is_int))
    grid = hnp.arrays(np.int64, shape, elements=INT_VALUES)
    if integer:
        return grid
    return st.tuples(grid, SCALES).map(lambda pair: pair[0] * pair[1])


def sides(low: int = 1, high: int = 7) -> st.SearchStrategy[int]:
    return st.integers(low, high)

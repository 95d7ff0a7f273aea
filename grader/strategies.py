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


@st.composite
def image_and_kernel(draw, max_side: int = 7, integer: bool | None = False, square: bool | None = None):
    """A 2D image (H, W) and a 2D kernel (KH, KW) no larger than it.

    square=False forces H != W and KH != KW, the trap for code that mixes up the two axes.
    """
    if square is False:
        h, w = draw(st.lists(sides(2, max_side), min_size=2, max_size=2, unique=True))
        kh, kw = draw(st.lists(sides(1, min(h, w)), min_size=2, max_size=2, unique=True))
    else:
        h, w = draw(sides(1, max_side)), draw(sides(1, max_side))
        kh, kw = draw(sides(1, h)), draw(sides(1, w))
    is_int = draw(st.booleans()) if integer is None else integer
    return draw(arrays((h, w), is_int)), draw(arrays((kh, kw), is_int))


@st.composite
def spatial_input(draw, rank: int = 2, max_side: int = 6, max_channels: int = 3, max_batch: int = 3,
                  batched: bool | None = None, integer: bool | None = False):
    """A channels-last input: (*spatial, C), or (N, *spatial, C) when batched."""
    is_batched = draw(st.booleans()) if batched is None else batched
    shape = [draw(sides(1, max_side)) for _ in range(rank)] + [draw(st.integers(1, max_channels))]
    if is_batched:
        shape = [draw(st.integers(1, max_batch))] + shape
    return draw(arrays(tuple(shape), integer))

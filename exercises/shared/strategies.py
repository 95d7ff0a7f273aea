"""The course's Hypothesis strategies that several exercises share, in one place: the cached
primitives, the padding forms of the contract, the convolution cases (conv1d/2d/3d, their backward
pass and the output shapes), the pooling cases (forward and backward), and the 'same' totals,
taken from reference.padding rather than derived again.

Strategies are built once and reused (lru_cache): building and validating a new one for every
draw costs more than the draw itself, and the whole NumPy set must grade in a few seconds.
A drawn call keeps only the keyword arguments that differ from the contract's defaults
(docs/EXERCISES.md: the grader passes an optional argument only when a check needs it).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from grader.pack import arrays, sides
from reference.padding import same_padding

BOOLEANS = st.booleans()
# Explicit padding amounts: 0 to 2, shrinking towards 1, so that a shrunk counterexample still
# tells "ignores the padding" from "reads it wrong".
AMOUNTS = st.sampled_from([1, 2, 0])


@lru_cache(maxsize=None)
def ints(low: int, high: int) -> st.SearchStrategy[int]:
    return st.integers(low, high)


@lru_cache(maxsize=None)
def one_of(options: tuple) -> st.SearchStrategy:
    return st.sampled_from(options)


@lru_cache(maxsize=None)
def _distinct_pairs(low: int, high: int) -> st.SearchStrategy:
    return st.lists(ints(low, high), min_size=2, max_size=2, unique=True)


@lru_cache(maxsize=None)
def _distinct_picks(options: tuple, count: int) -> st.SearchStrategy:
    return st.lists(one_of(options), min_size=count, max_size=count, unique=True)


@lru_cache(maxsize=4096)
def grid(shape: tuple[int, ...], integer: bool = False) -> st.SearchStrategy:
    """grader.strategies.arrays, cached per shape."""
    return arrays(shape, integer)


@lru_cache(maxsize=4096)
def int_grid(shape: tuple[int, ...], low: int, high: int) -> st.SearchStrategy:
    return hnp.arrays(np.int64, shape, elements=ints(low, high))


def pair_of(draw, low: int, high: int, distinct: bool) -> tuple[int, int]:
    """Two ints in [low, high]; different ones when distinct."""
    if distinct:
        return tuple(draw(_distinct_pairs(low, high)))
    return draw(ints(low, high)), draw(ints(low, high))


def per_axis(draw, nsp: int, values: st.SearchStrategy, distinct: bool) -> tuple[int, ...]:
    """One value per axis; with distinct (and more than one axis) not all of them equal."""
    out = tuple(draw(values) for _ in range(nsp))
    if distinct and nsp > 1 and len(set(out)) == 1:
        out = out[:-1] + (draw(values.filter(lambda v: v != out[0])),)
    return out


def either_form(a: int, b: int, draw) -> Any:
    """An int when both axes agree (sometimes written as a pair anyway), else a pair."""
    return a if a == b and draw(BOOLEANS) else (a, b)


def same_total(n: int, k: int, s: int) -> int:
    """The total 'same' padding of one axis (TensorFlow's rule, from the reference)."""
    before, after = same_padding((n,), (k,), (s,), (1,))[0]
    return before + after


# ------------------------------------------------------------------------------- 2D images

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


# ------------------------------------------------------------------------------------ padding

PADDING_KINDS = ("valid", "same", "zero", "int", "per_axis", "pairs", "flat")


def padding_kinds(nsp: int) -> tuple[str, ...]:
    """The padding kinds of padding_form for nsp spatial axes: 'valid', 'same', then the explicit ones."""
    return PADDING_KINDS if nsp == 2 else tuple(kind for kind in PADDING_KINDS if kind != "flat")


def _zero_forms(nsp: int) -> tuple:
    forms = (0, (0,) * nsp, ((0, 0),) * nsp)
    return forms + ((0, 0, 0, 0),) if nsp == 2 else forms


def padding_form(draw, nsp: int, kind: str) -> tuple[Any, tuple[tuple[int, int], ...]]:
    """(the padding argument, its (before, after) pairs; zeros for 'valid' and 'same').

    kind: 'valid', 'same', 'zero' (an amount of 0 in any explicit form), 'int' (1 or 2),
    'per_axis' (one int per axis, not all equal), 'pairs' (one (before, after) per axis, some axis
    asymmetric), 'flat' (2D only: top, bottom, left, right, some axis asymmetric; a zero on some
    side often, where x[t:-b] breaks), or 'explicit': one of the explicit kinds, drawn.
    """
    none = ((0, 0),) * nsp
    if kind in ("valid", "same"):
        return kind, none
    if kind == "explicit":
        return padding_form(draw, nsp, draw(one_of(padding_kinds(nsp)[2:])))
    if kind == "zero":
        return draw(one_of(_zero_forms(nsp))), none
    if kind == "int":
        p = draw(ints(1, 2))
        return p, ((p, p),) * nsp
    if kind == "per_axis":
        values = per_axis(draw, nsp, AMOUNTS, distinct=True)
        return values, tuple((p, p) for p in values)
    if kind == "pairs":
        pairs = tuple((draw(AMOUNTS), draw(AMOUNTS)) for _ in range(nsp))
        if all(b == a for b, a in pairs):
            b, _ = pairs[-1]
            pairs = pairs[:-1] + ((b, draw(AMOUNTS.filter(lambda v: v != b))),)
        return pairs, pairs
    if kind == "flat":
        if nsp != 2:
            raise ValueError("the flat (top, bottom, left, right) form is 2D only")  # i18n: not for people (a test author's mistake)
        t, b, l, r = (draw(AMOUNTS) for _ in range(4))
        if t == b and l == r:
            b = draw(AMOUNTS.filter(lambda v: v != t))
        return (t, b, l, r), ((t, b), (l, r))
    raise ValueError(f"unknown padding kind {kind!r}")  # i18n: not for people (a test author's mistake)


# ------------------------------------------------------------------------------- convolutions

Modes = str | tuple[str, ...]  # one mode, or several to draw from
ANY_STEP = ("one", "int", "tuple")  # a stride or dilation in any form: not passed, an int, one per axis


@dataclass(frozen=True)
class ConvShape:
    """A convolution call without its arrays: x is ([batch,] *sizes, channels), the kernel
    (*taps, channels, filters); kwargs holds stride, padding and dilation as convNd takes them,
    only those that differ from the contract's defaults."""
    sizes: tuple[int, ...]
    taps: tuple[int, ...]
    channels: int
    filters: int
    batch: int | None  # None: x has no batch axis
    kwargs: dict

    @property
    def x_shape(self) -> tuple[int, ...]:
        return (() if self.batch is None else (self.batch,)) + self.sizes + (self.channels,)

    @property
    def kernel_shape(self) -> tuple[int, ...]:
        return self.taps + (self.channels, self.filters)


# taps: the kernel sides to draw from, as (first, step) up to max_tap
TAPS = {"any": (1, 1), "odd": (1, 2), "even": (2, 2), "wide": (2, 1)}


@st.composite
def conv_case(draw, nsp: int, padding: Modes = "valid", stride: Modes = "one", dilation: Modes = "one",
              taps: str = "any", distinct: bool = False, batched: bool | None = False,
              batch: tuple[int, int] = (1, 3), channels: tuple[int, int] = (1, 1), filters: tuple[int, int] = (1, 1),
              max_side: int = 6, max_tap: int = 4, max_stride: int = 4, max_dilation: int = 3) -> ConvShape:
    """The configuration of one convolution with nsp spatial axes, within the contract's promises:
    the (dilated) kernel fits the padded input, and stride > 1 never comes with dilation > 1.

    The conv exercises draw their arrays for it (conv1d/2d/3d, conv2d_backward with its dout),
    output_shape only its sizes; each passes the bounds its checks can afford.
    padding: one or several kinds of padding_form ('valid', 'same', 'zero', 'int', 'per_axis',
      'pairs', 'flat', 'explicit'). stride / dilation: 'one' (the default, not passed), 'int'
      (> 1), 'tuple' (one per axis, not all equal when there are several axes; > 1 with one axis)
      or several of them; a drawn stride > 1 turns the dilation to 'one'.
    taps: 'any', 'odd', 'even' or 'wide' (at least 2) kernel sides, up to max_tap; distinct:
      different sides on the spatial axes (the non-square trap), for the input and the kernel.
    batched: True always, False never, None either; batch, channels, filters: (low, high).
    A side is at most max_side, or a little more where the dilated kernel needs it.
    """
    first, step = TAPS[taps]
    choices = tuple(range(first, max_tap + 1, step))
    if distinct and nsp > 1 and len(choices) >= nsp:
        kernel_taps = tuple(draw(_distinct_picks(choices, nsp)))
    else:
        kernel_taps = per_axis(draw, nsp, one_of(choices), distinct and len(choices) > 1)
    stride_mode = _mode(draw, stride)
    strides = _steps(draw, nsp, stride_mode, max_stride)
    dilation_mode = "one" if max(strides) > 1 else _mode(draw, dilation)
    dilations = _steps(draw, nsp, dilation_mode, max_dilation)
    padding_kind = _mode(draw, padding)
    padding_arg, pads = padding_form(draw, nsp, padding_kind)
    sizes: list[int] = []
    for tap, d, (before, after) in zip(kernel_taps, dilations, pads):
        span = (tap - 1) * d + 1
        low = 1 if padding_kind == "same" else max(1, span - before - after)
        side = ints(low, max(max_side, span + nsp))  # at least nsp + 1 values: a distinct one is left
        sizes.append(draw(side.filter(lambda v: v not in sizes) if distinct and sizes else side))
    c, k = draw(ints(*channels)), draw(ints(*filters))
    is_batched = draw(BOOLEANS) if batched is None else batched
    n = draw(ints(*batch)) if is_batched else None
    kwargs: dict[str, Any] = {}
    if stride_mode != "one":
        kwargs["stride"] = strides[0] if stride_mode == "int" else strides
    if padding_kind != "valid":
        kwargs["padding"] = padding_arg
    if dilation_mode != "one":
        kwargs["dilation"] = dilations[0] if dilation_mode == "int" else dilations
    return ConvShape(tuple(sizes), kernel_taps, c, k, n, kwargs)


def _mode(draw, mode: Modes) -> str:
    return draw(one_of(mode)) if isinstance(mode, tuple) else mode


def _steps(draw, nsp: int, mode: str, high: int) -> tuple[int, ...]:
    """The per-axis values of a stride or dilation drawn in mode 'one', 'int' or 'tuple'."""
    if mode == "one":
        return (1,) * nsp
    if mode == "int":
        return (draw(ints(2, high)),) * nsp
    if mode == "tuple":
        if nsp == 1:
            return (draw(ints(2, high)),)
        return per_axis(draw, nsp, ints(1, high), distinct=True)
    raise ValueError(f"unknown stride/dilation mode {mode!r}")


# ------------------------------------------------------------------------------------ pooling

def _pool_strides(draw, strides: str, ph: int, pw: int) -> tuple[int | None, int | None]:
    if strides == "default":
        return None, None
    if strides == "overlap":
        axis = draw(ints(0, 1))  # this axis surely overlaps, the other may
        return draw(ints(1, ph - 1 if axis == 0 else ph)), draw(ints(1, pw - 1 if axis == 1 else pw))
    if strides == "large":
        return draw(ints(ph + 1, ph + 3)), draw(ints(pw + 1, pw + 3))
    if strides == "per_axis":
        return pair_of(draw, 1, 3, True)
    kind = draw(one_of(("default", "int", "pair")))
    if kind == "int":
        s = draw(ints(1, 3))
        return s, s
    if kind == "pair":
        return draw(ints(1, 3)), draw(ints(1, 3))
    return None, None


def _pool_values(draw, values: str, shape: tuple[int, ...]) -> np.ndarray:
    size = int(np.prod(shape))
    if values in ("distinct", "negative"):
        # A shuffle drawn as one seed: drawing it swap by swap costs more than the whole check.
        order = np.random.default_rng(draw(ints(0, 2**16))).permutation(size).astype(np.float64).reshape(shape)
        return (order - (size // 2 if values == "distinct" else size)) * draw(one_of((1.0, 1.5, 2.0)))
    if values == "ties":
        return draw(int_grid(shape, 0, 2)).astype(np.float64)
    return draw(grid(shape, draw(BOOLEANS)))


@st.composite
def pool_case(draw, values: str = "any", strides: str = "any", padding: str = "valid", square: bool | None = None,
              batched: bool | None = None, min_batch: int = 1, pool: tuple[int, int] = (1, 3), max_side: int = 6,
              channels: tuple[int, int] = (1, 3)) -> tuple[np.ndarray, dict]:
    """(x, kwargs) of one max_pool2d / avg_pool2d call (the backward pass adds its dout).

    values: 'any' (integers or floats), 'distinct' (no two cells equal, at least 1 apart: no
      ties), 'negative' (distinct and all below 0: a padded cell taken for 0 would win),
      'ties' (0, 1 or 2: many tied maxima).
    strides: 'default' (not passed), 'any' (default, int or pair), 'overlap' (smaller than the pool
      on some axis), 'large' (larger than the pool on every axis), 'per_axis' (two different values).
    padding: 'valid', 'same' (with a padded border on some axis) or 'any'.
    square: True the same pool on both axes; False H != W and PH != PW.
    """
    mode = draw(one_of(("valid", "same"))) if padding == "any" else padding
    low, high = pool
    if strides == "overlap":
        low = max(low, 2)
    ph, pw = pair_of(draw, low, high, square is False)
    if square:
        pw = ph
    sh, sw = _pool_strides(draw, strides, ph, pw)
    min_h, min_w = (1, 1) if mode == "same" else (ph, pw)
    h = draw(ints(min_h, max(max_side, min_h)))
    w = draw(ints(min_w, max(max_side, min_w)))
    if square is False and w == h:
        w += 1
    if mode == "same":
        eff_sh, eff_sw = sh or ph, sw or pw
        if not (same_total(h, ph, eff_sh) or same_total(w, pw, eff_sw)):
            # a padded border on some axis, where the 'same' traps are
            w += next((e for e in range(1, eff_sw + 1) if same_total(w + e, pw, eff_sw)), 0)
    c = draw(ints(*channels))
    is_batched = draw(BOOLEANS) if batched is None else batched
    shape = (draw(ints(min_batch, 3)), h, w, c) if is_batched else (h, w, c)
    x = _pool_values(draw, values, shape)
    kwargs: dict[str, Any] = {}
    if (ph, pw) != (2, 2):
        kwargs["pool_size"] = either_form(ph, pw, draw)
    if sh is not None:
        kwargs["strides"] = either_form(sh, sw, draw)
    if mode != "valid":
        kwargs["padding"] = mode
    return x, kwargs

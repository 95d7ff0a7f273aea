"""Shared by the conv1d, conv2d and conv3d exercises: the argument strategies and the wrong versions.

A Case holds x, the kernel and the keyword arguments a check passes: only those that differ from
the contract's defaults (docs/EXERCISES.md), so a function without an optional parameter loses only
the checks that need it. Every strategy keeps the contract's promises: the (dilated) kernel fits
the padded input, and stride > 1 never comes with dilation > 1.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
from hypothesis import strategies as st

import reference as ref
from grader.pack import SCALES, as_array, expect_close
from exercises.shared.strategies import padding_form, per_axis
from reference.conv import conv_nd
from reference.padding import explicit_padding, to_tuple

# Per number of spatial axes: the largest input side, kernel side, channels/filters and batch.
# 3D stays small: its volumes grow fast, and every example costs time.
MAX_SIDE = {1: 8, 2: 6, 3: 4}
MAX_TAP = {1: 5, 2: 4, 3: 3}
MAX_CHANNELS = {1: 3, 2: 3, 3: 2}
MAX_BATCH = {1: 3, 2: 3, 3: 2}
EVEN_TAPS = {1: (2, 4), 2: (2, 4), 3: (2,)}
EXPLICIT = ("zero", "int", "per_axis", "pairs", "flat")


@dataclass
class Case:
    x: np.ndarray
    kernel: np.ndarray
    kwargs: dict = field(default_factory=dict)  # only the non-default arguments

    @property
    def nsp(self) -> int:
        return self.kernel.ndim - 2

    def without(self, *names: str) -> "Case":
        return Case(self.x, self.kernel, {k: v for k, v in self.kwargs.items() if k not in names})

    def expected(self) -> np.ndarray:
        return reference_conv(self.nsp)(self.x, self.kernel, **self.kwargs)


def reference_conv(nsp: int) -> Callable:
    return {1: ref.conv1d, 2: ref.conv2d, 3: ref.conv3d}[nsp]


def function_name(nsp: int) -> str:
    return f"conv{nsp}d"


def call(student, case: Case, x: Any = None, kernel: Any = None, **kwargs) -> Any:
    """student.convNd(x, kernel, <the case's non-default keywords>), optionally with other x/kernel."""
    fn = getattr(student, function_name(case.nsp))
    return fn(case.x if x is None else x, case.kernel if kernel is None else kernel, **{**case.kwargs, **kwargs})


def expect_reference(student, case: Case, what: str = "the result") -> None:
    expect_close(call(student, case), case.expected(), what)


def _mode(draw, mode: str | tuple[str, ...]) -> str:
    return draw(st.sampled_from(mode)) if isinstance(mode, tuple) else mode


@st.composite
def conv_case(draw, nsp: int, padding: str | tuple[str, ...] = "valid", stride: str | tuple[str, ...] = "one",
              dilation: str | tuple[str, ...] = "one", bias: bool | None = False, batched: bool | None = None,
              channels: tuple[int, int] | None = None, filters: tuple[int, int] | None = None,
              taps: str = "any", distinct: bool = False, integer: bool | None = False) -> Case:
    """A generated call of convNd.

    padding: one or several of 'valid', 'same', 'zero' (the int 0), 'int' (1 or 2), 'per_axis'
      (one int per axis), 'pairs' (one (before, after) per axis), 'flat' (2D: top, bottom, left, right).
    stride / dilation: 'one' (the default, not passed), 'int' (> 1), 'tuple' (one per axis, not all
      equal when there are several axes) or a tuple of those; a drawn stride > 1 turns dilation to 'one'.
    taps: 'any', 'odd', 'even' or 'wide' (at least 2) kernel sides; distinct: different sides on
      the spatial axes (the non-square trap), for the input and the kernel.
    bias: True always, False never, None either.
    """
    max_tap = MAX_TAP[nsp]
    if taps == "even":
        candidates = list(EVEN_TAPS[nsp])
    elif taps == "odd":
        candidates = [k for k in (1, 3, 5) if k <= max_tap]
    elif taps == "wide":
        candidates = list(range(2, max_tap + 1))
    else:
        candidates = list(range(1, max_tap + 1))
    tap_values = st.sampled_from(candidates)
    if distinct and nsp > 1 and len(candidates) >= nsp:
        kernel_taps = tuple(draw(st.lists(tap_values, min_size=nsp, max_size=nsp, unique=True)))
    else:
        kernel_taps = per_axis(draw, nsp, tap_values, distinct and nsp > 1 and len(candidates) > 1)

    stride_mode, dilation_mode = _mode(draw, stride), _mode(draw, dilation)
    strides = _draw_step(draw, nsp, stride_mode)
    if any(s > 1 for s in strides):
        dilation_mode = "one"
    dilations = _draw_step(draw, nsp, dilation_mode, high=3)

    padding_kind = _mode(draw, padding)
    if padding_kind == "flat" and nsp != 2:
        padding_kind = "pairs"
    padding_value, pads = padding_form(draw, nsp, padding_kind)

    spans = [(k - 1) * d + 1 for k, d in zip(kernel_taps, dilations)]
    sizes = []
    for axis, span in enumerate(spans):
        low = 1 if padding_kind == "same" else max(1, span - sum(pads[axis]))
        high = max(MAX_SIDE[nsp], span + nsp)
        side = st.integers(low, high)
        if distinct and nsp > 1:
            side = side.filter(lambda v: v not in sizes)
        sizes.append(draw(side))

    c_low, c_high = channels or (1, MAX_CHANNELS[nsp])
    k_low, k_high = filters or (1, MAX_CHANNELS[nsp])
    c, k = draw(st.integers(c_low, c_high)), draw(st.integers(k_low, k_high))
    is_batched = draw(st.booleans()) if batched is None else batched
    shape = tuple(sizes) + (c,)
    if is_batched:
        shape = (draw(st.integers(1, MAX_BATCH[nsp])),) + shape
    with_bias = draw(st.booleans()) if bias is None else bias
    x, kernel, bias_values = draw(values([shape, kernel_taps + (c, k), (k,)], integer))

    kwargs: dict[str, Any] = {}
    if with_bias:
        kwargs["bias"] = bias_values.astype(np.float64)
    if stride_mode != "one":
        kwargs["stride"] = strides[0] if stride_mode == "int" else strides
    if padding_kind != "valid":
        kwargs["padding"] = padding_value
    if dilation_mode != "one":
        kwargs["dilation"] = dilations[0] if dilation_mode == "int" else dilations
    return Case(x, kernel, kwargs)


@st.composite
def values(draw, shapes: list[tuple[int, ...]], integer: bool | None = False) -> list[np.ndarray]:
    """Arrays of the given shapes: nonzero integers in [-m, m] (times a scale unless integer), 2 <= m <= 9.

    One seed draws every cell: drawing them one by one costs Hypothesis several milliseconds per
    example, far too slow for the volumes of conv3d. Shrinking still reaches small shapes and small
    values. No zeros: on a shrunk counterexample of zeros and ones, different mistakes (a flipped
    kernel, padding on the wrong side) often give the same numbers, and the diagnosis could not
    tell them apart.
    """
    is_int = draw(st.booleans()) if integer is None else integer
    magnitude = draw(st.integers(2, 9))
    scale = 1.0 if is_int else draw(SCALES)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    grids = [rng.integers(1, magnitude + 1, size=shape) * rng.choice(np.array([-1, 1]), size=shape)
             for shape in shapes]
    return grids if is_int else [grid * scale for grid in grids]


def _draw_step(draw, nsp: int, mode: str, high: int = 4) -> tuple[int, ...]:
    if mode == "one":
        return (1,) * nsp
    if mode == "int":
        return (draw(st.integers(2, high)),) * nsp
    if mode == "tuple":
        if nsp == 1:
            return (draw(st.integers(2, high)),)
        return per_axis(draw, nsp, st.integers(1, high), distinct=True)
    raise ValueError(f"unknown stride/dilation mode {mode!r}")


# ---------------------------------------------------------------------------------------------
# Metamorphic properties, written once for the three exercises
# ---------------------------------------------------------------------------------------------

def check_linear(student, case: Case, other_x: np.ndarray, other_kernel: np.ndarray, a: int, b: int) -> None:
    """No bias: conv(a x + b y, k) = a conv(x, k) + b conv(y, k); conv(x, k + m) = conv(x, k) + conv(x, m)."""
    name = function_name(case.nsp)
    shape = case.expected().shape
    fx = as_array(call(student, case), f"{name}(x, k)", shape)
    fy = as_array(call(student, case, x=other_x), f"{name}(y, k)", shape)
    expect_close(call(student, case, x=a * case.x + b * other_x), a * fx + b * fy,
                 f"{name}({a}*x + {b}*y, k) compared with {a}*{name}(x, k) + {b}*{name}(y, k)")
    fm = as_array(call(student, case, kernel=other_kernel), f"{name}(x, m)", shape)
    expect_close(call(student, case, kernel=case.kernel + other_kernel), fx + fm,
                 f"{name}(x, k + m) compared with {name}(x, k) + {name}(x, m)")


def check_shift(student, case: Case, data) -> None:
    """Stride 1, 'valid': cropping the first cells of the input crops the output the same way."""
    name = function_name(case.nsp)
    dilation = to_tuple(case.kwargs.get("dilation", 1), case.nsp)
    sizes = case.x.shape[-1 - case.nsp:-1]
    crops = tuple(data.draw(st.integers(0, n - (k - 1) * d - 1), label=f"crop on axis {axis}")
                  for axis, (n, k, d) in enumerate(zip(sizes, case.kernel.shape, dilation)))
    batched = case.x.ndim == case.nsp + 2
    lead = (slice(None),) if batched else ()
    index = lead + tuple(slice(c, None) for c in crops)
    whole = as_array(call(student, case), f"{name}(x, k)", case.expected().shape)
    text = ("..., " if batched else "") + ", ".join(f"{c}:" for c in crops)
    expect_close(call(student, case, x=case.x[index]), whole[index],
                 f"{name}(x[{text}], k) compared with {name}(x, k)[{text}]")


def check_batch(student, case: Case) -> None:
    """conv of a batch equals the stack of the convs of its images."""
    name = function_name(case.nsp)
    expected = case.expected()
    singles = [as_array(call(student, case, x=image), f"{name}(x[{i}], k)", expected.shape[1:])
               for i, image in enumerate(case.x)]
    expect_close(call(student, case), np.stack(singles),
                 f"{name}(batch, k) compared with the stack of {name}(batch[i], k)")


def check_bias(student, case: Case) -> None:
    """conv(x, k, bias=b) - conv(x, k) is b[f] on every output cell of filter f."""
    name = function_name(case.nsp)
    bias = case.kwargs["bias"]
    expected = case.expected()
    plain = as_array(call(student, case.without("bias")), f"{name}(x, k)", expected.shape)
    expect_close(call(student, case), plain + bias,
                 f"{name}(x, k, bias=b) compared with {name}(x, k) + b (each filter gets its own constant)")


# ---------------------------------------------------------------------------------------------
# Wrong versions: one generic implementation with a switch per misconception
# ---------------------------------------------------------------------------------------------

def wrong_conv(nsp: int, bug: str) -> Callable:
    """A convNd(x, kernel, bias=None, stride=1, padding='valid', dilation=1) with one bug."""
    def conv(x, kernel, bias=None, stride=1, padding="valid", dilation=1):
        return _wrong(x, kernel, bias, stride, padding, dilation, nsp, bug)
    conv.__name__ = f"conv{nsp}d_{bug}"
    return conv


def _is_seq(value: Any) -> bool:
    return isinstance(value, (tuple, list))


def _wrong_pads(padding, sizes, taps, strides, dilations, nsp, bug):
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * nsp
        pairs = []
        for n, k, s, d in zip(sizes, taps, strides, dilations):
            span = (k - 1) * d + 1
            out = -(-n // s)
            if bug == "same_symmetric":
                pairs.append(((span - 1) // 2, (span - 1) // 2))
                continue
            if bug == "same_ignores_stride":
                total = span - 1
            elif bug == "same_no_clamp":
                total = (out - 1) * s + span - n
            elif bug == "same_floor":
                total = max((n // s - 1) * s + span - n, 0)
            else:
                total = max((out - 1) * s + span - n, 0)
            before, after = total // 2, total - total // 2
            pairs.append((after, before) if bug == "same_before" else (before, after))
        return tuple(pairs)
    if bug == "tuple_padding_ignored" and _is_seq(padding):
        return ((0, 0),) * nsp
    if bug == "flat_misread" and _is_seq(padding) and len(padding) == 4:
        t, b, l, r = padding
        return ((t, l), (b, r))
    if bug == "pairs_symmetric" and _is_seq(padding) and all(_is_seq(p) for p in padding):
        return tuple((p[0], p[0]) for p in padding)
    if bug == "first_padding_everywhere" and _is_seq(padding):
        first = explicit_padding(padding, nsp)[0]
        return (first,) * nsp
    return explicit_padding(padding, nsp)


def _wrong(x, kernel, bias, stride, padding, dilation, nsp, bug):
    x = np.asarray(x, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    batched = x.ndim == nsp + 2
    xb = x if batched else x[np.newaxis]
    taps = kernel.shape[:nsp]
    strides = to_tuple(stride, nsp, "stride")
    dilations = to_tuple(dilation, nsp, "dilation")
    if bug == "stride_first_axis_everywhere":
        strides = (strides[0],) * nsp
    if bug == "stride_first_axis_only":
        strides = strides[:1] + (1,) * (nsp - 1)
    if bug == "dilation_first_axis_everywhere":
        dilations = (dilations[0],) * nsp
    if bug == "int_steps_only" and (_is_seq(stride) or _is_seq(dilation)):
        raise TypeError("can't multiply sequence by non-int of type 'tuple'")  # i * stride with a tuple
    if bug == "flip":
        kernel = kernel[(slice(None, None, -1),) * nsp]
    if bug == "kernel_transposed":
        kernel = np.transpose(kernel, tuple(reversed(range(nsp))) + (nsp, nsp + 1))
    if bug == "im2col_order":
        # patches flattened as (C, taps...), kernel flattened as (taps..., C)
        c, k = kernel.shape[-2:]
        kernel = np.moveaxis(kernel.reshape(-1, k).reshape((c,) + taps + (k,)), 0, nsp)
    sizes = xb.shape[1:1 + nsp]
    pads = _wrong_pads(padding, sizes, taps, strides, dilations, nsp, bug)
    if bug == "slice_zero" and padding != "valid":
        # xp[:, b:-a] = x: an amount of 0 after gives an empty slice; the assignment fails, or
        # broadcasts a size-1 axis into nothing and leaves zeros
        xp = np.zeros((xb.shape[0],) + tuple(n + b + a for n, (b, a) in zip(sizes, pads)) + (xb.shape[-1],))
        xp[(slice(None),) + tuple(slice(b, -a) for b, a in pads)] = xb
    else:
        xp = np.pad(xb, [(0, 0), *pads, (0, 0)])  # a negative amount raises, as it would for a student
    if bug == "dilation_on_input":
        xp = xp[(slice(None),) + tuple(slice(None, None, d) for d in dilations)]
        dilations = (1,) * nsp
    out = conv_nd(xp, kernel, None, strides, "valid", dilations, nsp=nsp)
    if bias is not None and bug != "no_bias":
        out = out + np.asarray(bias, dtype=np.float64)
    if batched:
        return out
    return np.squeeze(out) if bug == "squeeze" else out[0]


DESCRIPTIONS = {
    "flip": "flips the kernel (true convolution); a CNN layer cross-correlates, it does not flip",
    "kernel_transposed": "reads the kernel's spatial axes in reverse order (e.g. (KW, KH) for (KH, KW))",
    "int_steps_only": "handles an int stride/dilation only: one given per axis breaks the index arithmetic",
    "no_bias": "forgets to add the bias",
    "im2col_order": "mixes up the channels: flattens the patches channel-first but the kernel channel-last",
    "squeeze": "removes the batch axis it added with squeeze(), which also drops every other axis of size 1",
    "same_before": "'same' puts the extra row/column of an odd total padding before instead of after",
    "same_symmetric": "'same' pads (k - 1) // 2 on both sides, one short for an even kernel",
    "same_ignores_stride": "'same' pads k - 1 in total as for stride 1, instead of "
                           "max((out - 1) * s + k - n, 0) with out = ceil(n / s)",
    "same_floor": "'same' output size floor(n / s) instead of ceil(n / s)",
    "same_no_clamp": "'same' forgets max(..., 0): a stride larger than the kernel gives a negative padding",
    "tuple_padding_ignored": "handles an int padding only: a padding given per axis is ignored",
    "pairs_symmetric": "reads a (before, after) pair as 'before' on both sides",
    "first_padding_everywhere": "uses the first axis' padding on every axis",
    "flat_misread": "reads the flat (top, bottom, left, right) as ((top, left), (bottom, right))",
    "slice_zero": "pads with xp[b:-a] = x, which breaks when an amount is 0 (b:-0 is an empty slice)",
    "stride_first_axis_everywhere": "uses the first value of a per-axis stride on every axis",
    "stride_first_axis_only": "strides the first spatial axis only (stride 1 on the others)",
    "dilation_first_axis_everywhere": "uses the first value of a per-axis dilation on every axis",
    "dilation_on_input": "applies the dilation to the input (keeps every d-th cell) instead of spreading "
                         "the kernel taps",
}

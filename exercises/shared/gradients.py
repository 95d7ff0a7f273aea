"""Shared by the gradient exercises (conv2d_backward, relu_backward, pool_backward): the cases,
the comparison of conv2d_backward's three gradients, the gradient check by finite differences,
and the tie-aware check of max pooling's backward pass.

A case keeps only the keyword arguments that differ from the contract's defaults (docs/EXERCISES.md:
the grader passes an optional argument only when a check needs it).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable

import numpy as np
from hypothesis import assume, strategies as st

import reference as ref
from grader.pack import RELATIVE_TOLERANCE, CheckFailed, StudentRaised, _, as_array, close, expect_close, ngettext
from exercises.shared.strategies import BOOLEANS, conv_case, grid, int_grid, padding_kinds
from exercises.shared.strategies import pool_case as pool_call
from reference.padding import output_sizes, resolve_padding, to_tuple
from reference.pooling import pool_windows


def describe(kwargs: dict) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in kwargs.items())


def call_text(function: str, names: str, kwargs: dict) -> str:
    extra = describe(kwargs)
    return f"{function}({names}{', ' + extra if extra else ''})"


def as_batches(dout: Any, x: Any) -> tuple[np.ndarray, np.ndarray, bool]:
    """(dout, x) of a 2D backward pass as float64 batches (N, H, W, C), and whether x had its batch
    axis: the wrong versions of the backward exercises work on batches."""
    dout, x = np.asarray(dout, dtype=np.float64), np.asarray(x, dtype=np.float64)
    batched = x.ndim == 4
    return (dout, x, True) if batched else (dout[np.newaxis], x[np.newaxis], False)


# ---------------------------------------------------------------------------------- conv2d

@dataclass
class ConvCase:
    x: np.ndarray
    kernel: np.ndarray
    dout: np.ndarray
    kwargs: dict = field(default_factory=dict)  # stride, padding, dilation when not the default

    def expected(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return ref.conv2d_backward(self.dout, self.x, self.kernel, **self.kwargs)

    def text(self) -> str:
        return call_text("conv2d_backward", "dout, x, kernel", self.kwargs)


# Small arrays: a gradient check calls the forward pass six times per example.
BACKWARD_BOUNDS = {"padding": padding_kinds(2), "max_side": 5, "max_tap": 3, "max_stride": 3, "max_dilation": 2,
                   "channels": (1, 2), "filters": (1, 2), "batched": None}


@st.composite
def backward_case(draw, **config: Any) -> ConvCase:
    """A generated conv2d_backward call: a conv_case (exercises.shared.strategies) within
    BACKWARD_BOUNDS, which config overrides, its x and kernel, and a dout of the output's shape."""
    shape = draw(conv_case(2, **{**BACKWARD_BOUNDS, **config}))
    is_int = draw(BOOLEANS)  # one draw for both (arrays(integer=None) costs a flatmap each)
    x = draw(grid(shape.x_shape, is_int))
    kernel = draw(grid(shape.kernel_shape, is_int))
    dout = draw(grid(ref.conv2d(x, kernel, **shape.kwargs).shape))
    return ConvCase(x, kernel, dout, shape.kwargs)


def expect_triple(value: Any) -> None:
    """conv2d_backward's result is a tuple (or list) of three items, or CheckFailed."""
    if not isinstance(value, (tuple, list)) or len(value) != 3:
        if isinstance(value, (tuple, list)):
            message = ngettext("conv2d_backward returned a {n}-item {type}; it must return the tuple "
                               "(dx, dkernel, dbias)",
                               "conv2d_backward returned a {n}-item {type}; it must return the tuple "
                               "(dx, dkernel, dbias)", len(value), type=type(value).__name__)
        else:
            message = _("conv2d_backward returned a {type}; it must return the tuple (dx, dkernel, dbias)",
                        type=type(value).__name__)
        raise CheckFailed(message, got=value)


def conv_grads(value: Any, case: ConvCase) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The student's (dx, dkernel, dbias) as float64 arrays of the right shapes, or CheckFailed."""
    expect_triple(value)
    k = case.kernel.shape[-1]
    return (as_array(value[0], "dx", case.x.shape), as_array(value[1], "dkernel", case.kernel.shape),
            as_array(value[2], "dbias", (k,)))


def expect_conv_grads(value: Any, case: ConvCase, note: str = "") -> None:
    """dx, dkernel and dbias each equal the reference's (shape first)."""
    expect_triple(value)
    dx, dk, db = case.expected()
    suffix = f" ({note})" if note else ""
    expect_close(value[0], dx, f"dx{suffix}")
    expect_close(value[1], dk, f"dkernel{suffix}")
    expect_close(value[2], db, f"dbias{suffix}")


# ----------------------------------------------------------------------- gradient checks

def forward_pair(forward: Callable, reference: Callable | None, plus: Callable, minus: Callable):
    """(plus(forward), minus(forward)): the forward pass at p + h*v and at p - h*v.

    With reference (for a gradient check against the student's own forward pass): None when the
    student's forward pass raises or differs from the reference at either point. Such an example
    says nothing about the backward pass (the forward exercise grades the forward pass), so the
    check skips it instead of failing the backward pass for it.
    """
    try:
        pair = plus(forward), minus(forward)
    except StudentRaised:
        if reference is None:
            raise
        return None
    if reference is not None and not (close(pair[0], plus(reference)) and close(pair[1], minus(reference))):
        return None
    return pair


def expect_directional(gradient: np.ndarray, direction: np.ndarray, plus: Any, minus: Any, dout: np.ndarray,
                       h: float, names: tuple[str, str, str]) -> None:
    """The gradient check: (<dout, f(p + h*v)> - <dout, f(p - h*v)>) / 2h == <gradient, v>.

    names = (the gradient, the parameter p, the forward call with p as the placeholder), e.g.
    ("dx", "x", "conv2d(x, kernel)"). plus and minus are f(p + h*v) and f(p - h*v).
    """
    grad_name, param, forward = names
    at_plus, at_minus = _moved(forward, param, "+"), _moved(forward, param, "-")
    plus = as_array(plus, at_plus, dout.shape)
    minus = as_array(minus, at_minus, dout.shape)
    numeric = (float(np.sum(dout * plus)) - float(np.sum(dout * minus))) / (2 * h)
    analytic = float(np.sum(gradient * direction))
    scale = max(1.0, float(np.sum(np.abs(dout * plus)) + np.sum(np.abs(dout * minus))) / (2 * h),
                float(np.sum(np.abs(gradient * direction))))
    if not abs(numeric - analytic) <= RELATIVE_TOLERANCE * scale:
        difference = f"(sum(dout * {at_plus}) - sum(dout * {at_minus})) / (2*h)"
        if direction.size <= 16:
            message = _("gradient check of {gradient}: along a direction v, the finite difference {difference} "
                        "with h = {h} and v = {v} is {numeric}, but sum({gradient} * v) is {analytic}: "
                        "{gradient} is not the gradient of this forward pass", gradient=grad_name,
                        difference=difference, h=f"{h:g}", v=direction.tolist(), numeric=f"{numeric:.6g}",
                        analytic=f"{analytic:.6g}")
        else:
            message = _("gradient check of {gradient}: along a direction v, the finite difference {difference} "
                        "with h = {h} is {numeric}, but sum({gradient} * v) is {analytic}: "
                        "{gradient} is not the gradient of this forward pass", gradient=grad_name,
                        difference=difference, h=f"{h:g}", numeric=f"{numeric:.6g}", analytic=f"{analytic:.6g}")
        raise CheckFailed(message, expected=numeric, got=analytic)


@lru_cache(maxsize=4096)
def _moved(forward: str, param: str, sign: str) -> str:
    """'conv2d(x, kernel)' with the argument param written as 'x + h*v' (sign '+') or 'x - h*v'."""
    head, _, args = forward.partition("(")
    return head + "(" + re.sub(rf"\b{param}\b", f"{param} {sign} h*v", args, count=1)


@lru_cache(maxsize=4096)
def directions(shape: tuple[int, ...]) -> st.SearchStrategy:
    """A direction with entries -1, 0 or 1: with h = 0.25 it moves no value by more than 0.25."""
    return int_grid(tuple(shape), -1, 1).map(lambda a: a.astype(np.float64))


# ---------------------------------------------------------------------------------- pooling

@dataclass
class PoolCase:
    x: np.ndarray
    dout: np.ndarray
    kwargs: dict = field(default_factory=dict)  # pool_size, strides, padding when not the default

    def expected(self, kind: str) -> np.ndarray:
        return getattr(ref, f"{kind}_pool2d_backward")(self.dout, self.x, **self.kwargs)

    def text(self, kind: str) -> str:
        return call_text(f"{kind}_pool2d_backward", "dout, x", self.kwargs)

    def geometry(self):
        """(batched x (N, H, W, C), pool, strides, pads, (H2, W2))."""
        xb = self.x if self.x.ndim == 4 else self.x[np.newaxis]
        pool = to_tuple(self.kwargs.get("pool_size", 2), 2)
        strides = pool if self.kwargs.get("strides") is None else to_tuple(self.kwargs["strides"], 2)
        pads = resolve_padding(self.kwargs.get("padding", "valid"), xb.shape[1:3], pool, strides, (1, 1))
        return xb, pool, strides, pads, output_sizes(xb.shape[1:3], pads, pool, strides, (1, 1))


@st.composite
def pool_case(draw, values="any", strides="any", padding="valid", square=None, batched=None, min_batch=1,
              pool=(1, 3), max_side=5, dout="any", channels=(1, 2)):
    """A generated pooling backward call: exercises.shared.strategies.pool_case and a dout.

    dout: 'any', or 'powers': window number w (row-major) of every map gets 2**w, so that the
      windows that fed each cell of dx can be read back from its value (see expect_max_routing).
    """
    x, kwargs = draw(pool_call(values=values, strides=strides, padding=padding, square=square, batched=batched,
                               min_batch=min_batch, pool=pool, max_side=max_side, channels=channels))
    out_shape = ref.max_pool2d(x, **kwargs).shape
    if dout == "powers":
        h2, w2 = out_shape[-3:-1]
        assume(h2 * w2 <= 20)
        dout_array = np.broadcast_to(2.0 ** np.arange(h2 * w2).reshape(h2, w2, 1), out_shape).copy()
    else:
        dout_array = draw(grid(out_shape))
    return PoolCase(x, dout_array, kwargs)


def expect_max_routing(value: Any, case: PoolCase) -> None:
    """max_pool2d_backward with ties: every window sends its whole gradient to ONE of its maxima.

    dout must be 'powers' (2**w for window w of each map): a correct dx cell holds the sum of the
    powers of the windows that chose it, so its bits tell which windows they were. Any tied cell
    is accepted; a gradient sent to several cells, to none, split, or to a cell that is not a
    maximum of the window is not.
    """
    xb, (ph, pw), (sh, sw), pads, (h2, w2) = case.geometry()
    dx = as_array(value, "dx", case.x.shape)
    dxb = dx if case.x.ndim == 4 else dx[np.newaxis]
    windows = pool_windows(xb, (ph, pw), (sh, sw), pads, -np.inf)     # (N, H2, W2, C, PH, PW)
    top = windows.max(axis=(4, 5))
    pt, pl = pads[0][0], pads[1][0]
    count = h2 * w2
    n_images, height, width, channels = xb.shape
    for n in range(n_images):
        for c in range(channels):

            received: dict[int, list[tuple[int, int]]] = {w: [] for w in range(count)}
            for r in range(height):
                for q in range(width):
                    cell = float(dxb[n, r, q, c])
                    whole = round(cell)
                    index = (n, r, q, c) if case.x.ndim == 4 else (r, q, c)
                    if abs(cell - whole) > 1e-6 * max(1.0, abs(cell)) or whole < 0 or whole >= 2 ** count:
                        raise CheckFailed(_(
                            "dx{index} = {value} is not a sum of whole window gradients (dout holds 1, 2, 4, ... "
                            "in its windows, so it should be): each window must send all of its gradient to one "
                            "cell, never a share of it", index=list(index), value=f"{cell:.6g}"), got=value)
                    for w in range(count):
                        if whole >> w & 1:
                            received[w].append((r, q))
            for w, cells in received.items():
                i, j = divmod(w, w2)
                if case.x.ndim == 4:
                    label = _("window ({i}, {j}) of channel {c} of image {n} (dout = {dout})",
                              i=i, j=j, c=c, n=n, dout=2 ** w)
                else:
                    label = _("window ({i}, {j}) of channel {c} (dout = {dout})", i=i, j=j, c=c, dout=2 ** w)
                if not cells:
                    raise CheckFailed(_("the gradient of {window} reached no cell of dx: was it overwritten "
                                        "(= instead of +=) by an overlapping window?", window=label), got=value)
                if len(cells) > 1:
                    raise CheckFailed(_("the gradient of {window} went to {n} cells {cells}: with tied maxima "
                                        "it must go to ONE of them, whole", window=label, n=len(cells),
                                        cells=cells), got=value)
                r, q = cells[0]
                a, b = r + pt - i * sh, q + pl - j * sw
                if not (0 <= a < ph and 0 <= b < pw):
                    raise CheckFailed(_("the gradient of {window} went to cell ({r}, {q}), which is not in "
                                        "that window", window=label, r=r, q=q), got=value)
                if windows[n, i, j, c, a, b] != top[n, i, j, c]:
                    raise CheckFailed(_("the gradient of {window} went to cell ({r}, {q}) holding {value}, but "
                                        "the window's maximum is {maximum}", window=label, r=r, q=q,
                                        value=f"{windows[n, i, j, c, a, b]:g}", maximum=f"{top[n, i, j, c]:g}"),
                              got=value)


__all__ = ["ConvCase", "PoolCase", "as_batches", "backward_case", "pool_case", "conv_grads", "expect_triple", "expect_conv_grads",
           "expect_directional", "forward_pair", "directions", "expect_max_routing", "describe", "call_text"]

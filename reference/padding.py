"""Normalising stride/dilation/padding arguments, and zero padding.

Everything that takes a `stride`, `dilation`, `pool_size` or `padding` argument goes through
here, so every function accepts exactly the same forms (docs/EXERCISES.md, "Conventions"):

- ints per axis: an int (same on every spatial axis) or one int per spatial axis;
- padding: 'valid', 'same', an int, one int per spatial axis, one (before, after) pair per
  spatial axis, and for 2D also the flat (top, bottom, left, right).

'same' follows TensorFlow: out = ceil(n / s), total = max((out - 1) * s + (k - 1) * d + 1 - n, 0),
the smaller half before and the larger half after.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

Pairs = tuple[tuple[int, int], ...]


def _is_int(value: Any) -> bool:
    # bool is an int subclass, but padding=True is certainly a mistake.
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _is_seq(value: Any) -> bool:
    return isinstance(value, (tuple, list, np.ndarray)) and not isinstance(value, str)


def to_tuple(value: int | Sequence[int], ndim: int, name: str = "value",
             minimum: int = 1) -> tuple[int, ...]:
    """Normalise an int or a per-axis sequence to a tuple of `ndim` Python ints >= `minimum`.

    to_tuple(2, 2) == (2, 2); to_tuple((1, 3), 2) == (1, 3). Raises ValueError otherwise.
    """
    if _is_int(value):
        out = (int(value),) * ndim
    elif _is_seq(value) and len(value) == ndim and all(_is_int(v) for v in value):
        out = tuple(int(v) for v in value)
    else:
        raise ValueError(f"{name} must be an int or a sequence of {ndim} ints, got {value!r}")
    if any(v < minimum for v in out):
        raise ValueError(f"{name} must be >= {minimum} on every axis, got {value!r}")
    return out


def explicit_padding(padding: Any, ndim: int) -> Pairs:
    """Per-axis (before, after) pairs for an explicit padding spec (not 'valid'/'same').

    Accepts an int, one int per axis, one (before, after) pair per axis, for ndim == 2 the
    flat (top, bottom, left, right), and for ndim == 1 the flat (before, after).
    """
    def bad(why: str) -> ValueError:
        return ValueError(f"padding {padding!r} is not a valid padding for {ndim} spatial "
                          f"axis(es): {why}")

    if _is_int(padding):
        pairs = ((int(padding), int(padding)),) * ndim
    elif _is_seq(padding):
        items = list(padding)
        if len(items) == ndim and all(_is_int(p) for p in items):
            pairs = tuple((int(p), int(p)) for p in items)
        elif len(items) == ndim and all(_is_seq(p) and len(p) == 2 and all(_is_int(q) for q in p)
                                        for p in items):
            pairs = tuple((int(p[0]), int(p[1])) for p in items)
        elif len(items) == 2 * ndim and ndim in (1, 2) and all(_is_int(p) for p in items):
            # (top, bottom, left, right) in 2D; in 1D (before, after) is the only reading
            # of two ints, as keras.layers.ZeroPadding1D takes it.
            pairs = tuple((int(items[2 * i]), int(items[2 * i + 1])) for i in range(ndim))
        else:
            raise bad("expected an int, one int per spatial axis, or one (before, after) pair "
                      "per spatial axis" + (" or (top, bottom, left, right)" if ndim == 2 else ""))
    else:
        raise bad("unsupported type")
    if any(p < 0 for pair in pairs for p in pair):
        raise bad("negative padding")
    return pairs


def same_padding(sizes: Sequence[int], kernel: Sequence[int], strides: Sequence[int],
                 dilations: Sequence[int]) -> Pairs:
    """TensorFlow's 'same' padding: (before, after) per axis, the smaller half before."""
    pairs = []
    for n, k, s, d in zip(sizes, kernel, strides, dilations):
        out = -(-n // s)
        total = max((out - 1) * s + (k - 1) * d + 1 - n, 0)
        pairs.append((total // 2, total - total // 2))
    return tuple(pairs)


def resolve_padding(padding: Any, sizes: Sequence[int], kernel: Sequence[int],
                    strides: Sequence[int], dilations: Sequence[int]) -> Pairs:
    """Any padding spec of the contract -> (before, after) per spatial axis.

    sizes, kernel, strides, dilations: one int per spatial axis (input sizes before padding).
    """
    ndim = len(sizes)
    if isinstance(padding, str):
        mode = padding.lower()
        if mode == "valid":
            return ((0, 0),) * ndim
        if mode == "same":
            return same_padding(sizes, kernel, strides, dilations)
        raise ValueError(f"padding must be 'valid', 'same' or explicit, got {padding!r}")
    return explicit_padding(padding, ndim)


def output_sizes(sizes: Sequence[int], pads: Pairs, kernel: Sequence[int],
                 strides: Sequence[int], dilations: Sequence[int]) -> tuple[int, ...]:
    """floor((n + before + after - ((k - 1) * d + 1)) / s) + 1 per axis, as Python ints.

    Raises ValueError when the (dilated) kernel is larger than the padded input.
    """
    out = []
    for n, (b, a), k, s, d in zip(sizes, pads, kernel, strides, dilations):
        span = (k - 1) * d + 1
        if n + b + a < span:
            raise ValueError(f"kernel/window of extent {span} is larger than the padded input "
                             f"of size {n + b + a}")
        out.append((n + b + a - span) // s + 1)
    return tuple(out)


def spatial_axes_2d(ndim: int) -> tuple[int, int]:
    """The two spatial axes of (H, W), (H, W, C) or (N, H, W, C)."""
    if ndim in (2, 3):
        return (0, 1)
    if ndim == 4:
        return (1, 2)
    raise ValueError(f"expected an array (H, W), (H, W, C) or (N, H, W, C), got {ndim} dims")


def pad2d(x: np.ndarray, padding: int | Sequence[Any]) -> np.ndarray:
    """Zero-pad the two spatial axes of x.

    x: (H, W), (H, W, C) or (N, H, W, C).
    padding: int p, (ph, pw), ((top, bottom), (left, right)) or (top, bottom, left, right).
    Returns float64 (H + top + bottom, W + left + right[, C]) (with N first when batched).
    """
    x = np.asarray(x, dtype=np.float64)
    if isinstance(padding, str):
        raise ValueError("pad2d takes explicit padding only (an int, (ph, pw), "
                         "((top, bottom), (left, right)) or (top, bottom, left, right)), "
                         f"not {padding!r}")
    axes = spatial_axes_2d(x.ndim)
    pairs = explicit_padding(padding, 2)
    widths = [(0, 0)] * x.ndim
    for axis, pair in zip(axes, pairs):
        widths[axis] = pair
    return np.pad(x, widths, mode="constant", constant_values=0.0)

"""Max and average pooling over the two spatial axes, as tf.nn.max_pool2d / avg_pool2d.

'same' pads so that out = ceil(n / s); the padded cells never win a max and are not counted
by the average (the mean is over the real cells of each window).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .padding import output_sizes, resolve_padding, to_tuple


def _pool_setup(x: np.ndarray, pool_size: Any, strides: Any, padding: Any, name: str):
    """Shared validation: -> (xb (N, H, W, C) float64, batched, pool, strides, pads, out)."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim not in (3, 4):
        raise ValueError(f"{name}: x must be (H, W, C) or (N, H, W, C), got shape {x.shape}")
    if not isinstance(padding, str) or padding.lower() not in ("valid", "same"):
        raise ValueError(f"{name}: padding must be 'valid' or 'same', got {padding!r}")
    batched = x.ndim == 4
    xb = x if batched else x[np.newaxis]
    pool = to_tuple(pool_size, 2, "pool_size")
    strides = pool if strides is None else to_tuple(strides, 2, "strides")
    sizes = xb.shape[1:3]
    pads = resolve_padding(padding, sizes, pool, strides, (1, 1))
    out = output_sizes(sizes, pads, pool, strides, (1, 1))
    return xb, batched, pool, strides, pads, out


def pool_windows(xb: np.ndarray, pool: tuple[int, int], strides: tuple[int, int], pads,
                 fill: float) -> np.ndarray:
    """View (N, H2, W2, C, PH, PW) of the windows of xb (N, H, W, C) padded with `fill`."""
    xp = np.pad(xb, [(0, 0), *pads, (0, 0)], mode="constant", constant_values=fill)
    win = sliding_window_view(xp, pool, axis=(1, 2))
    return win[:, ::strides[0], ::strides[1]]


def real_cell_counts(sizes: tuple[int, int], pool: tuple[int, int], strides: tuple[int, int],
                     pads) -> np.ndarray:
    """(H2, W2) number of real (unpadded) cells in each pooling window."""
    ones = np.ones((1, *sizes, 1))
    return pool_windows(ones, pool, strides, pads, 0.0).sum(axis=(3, 4, 5))[0]


def max_pool2d(x: np.ndarray, pool_size: Any = 2, strides: Any = None,
               padding: str = "valid") -> np.ndarray:
    """Max pooling, channels last.

    x (H, W, C) or (N, H, W, C) -> (H2, W2, C) or (N, H2, W2, C), float64;
    strides default to pool_size; H2 = (H - PH) // SH + 1 ('valid') or ceil(H / SH) ('same').
    """
    xb, batched, pool, strides, pads, _ = _pool_setup(x, pool_size, strides, padding,
                                                      "max_pool2d")
    out = pool_windows(xb, pool, strides, pads, -np.inf).max(axis=(4, 5))
    return out if batched else out[0]


def avg_pool2d(x: np.ndarray, pool_size: Any = 2, strides: Any = None,
               padding: str = "valid") -> np.ndarray:
    """Average pooling, channels last; 'same' averages over the real cells only.

    x (H, W, C) or (N, H, W, C) -> (H2, W2, C) or (N, H2, W2, C), float64;
    strides default to pool_size.
    """
    xb, batched, pool, strides, pads, _ = _pool_setup(x, pool_size, strides, padding,
                                                      "avg_pool2d")
    sums = pool_windows(xb, pool, strides, pads, 0.0).sum(axis=(4, 5))
    counts = real_cell_counts(xb.shape[1:3], pool, strides, pads)
    out = sums / counts[np.newaxis, :, :, np.newaxis]
    return out if batched else out[0]

"""Backward passes of conv2d, relu and 2D pooling, and a central-difference gradient.

Gradients are summed over the batch. Scatter-adds loop over kernel taps / window cells (a
handful), never over pixels: each tap touches a strided slice of the padded input.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .conv import _pad_batch, _prepare, _windows
from .pooling import _pool_setup, pool_windows, real_cell_counts


def _check_dout(dout: np.ndarray, expected: tuple[int, ...], name: str) -> np.ndarray:
    dout = np.asarray(dout, dtype=np.float64)
    if dout.shape != expected:
        raise ValueError(f"{name}: dout must have shape {expected}, got {dout.shape}")
    return dout


def _crop(dxp: np.ndarray, pads) -> np.ndarray:
    """Drop the padding again: (N, Hp, Wp, C) -> (N, H, W, C)."""
    (t, b), (l, r) = pads
    return dxp[:, t:dxp.shape[1] - b, l:dxp.shape[2] - r]


def conv2d_backward(dout: np.ndarray, x: np.ndarray, kernel: np.ndarray, stride: Any = 1,
                    padding: Any = "valid", dilation: Any = 1
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of conv2d(x, kernel, bias, stride, padding, dilation).

    dout (H2, W2, K) or (N, H2, W2, K) (batched as x); x (H, W, C) or (N, H, W, C);
    kernel (KH, KW, C, K). Returns (dx like x, dkernel like kernel, dbias (K,)), float64,
    dkernel and dbias summed over the batch. dkernel is the input correlated with dout.
    """
    xb, kernel, batched, strides, dilations, pads, out = _prepare(
        x, kernel, stride, padding, dilation, 2, "conv2d_backward")
    k = kernel.shape[-1]
    expected = (xb.shape[0], *out, k) if batched else (*out, k)
    dout = _check_dout(dout, expected, "conv2d_backward")
    db = dout if batched else dout[np.newaxis]          # (N, H2, W2, K)

    xp = _pad_batch(xb, pads)
    kh, kw = kernel.shape[:2]
    win = _windows(xp, (kh, kw), strides, dilations)     # (N, H2, W2, C, KH, KW)
    dkernel = np.tensordot(win, db, axes=([0, 1, 2], [0, 1, 2]))   # (C, KH, KW, K)
    dkernel = dkernel.transpose(1, 2, 0, 3)
    dbias = db.sum(axis=(0, 1, 2))

    (sh, sw), (dh, dw) = strides, dilations
    h2, w2 = out
    dxp = np.zeros_like(xp)
    for i in range(kh):
        for j in range(kw):
            # Tap (i, j) read xp[n, oh*sh + i*dh, ow*sw + j*dw, :] for every output (oh, ow).
            dxp[:, i * dh:i * dh + (h2 - 1) * sh + 1:sh,
                j * dw:j * dw + (w2 - 1) * sw + 1:sw] += db @ kernel[i, j].T
    dx = _crop(dxp, pads)
    return (dx if batched else dx[0]), dkernel, dbias


def relu_backward(dout: np.ndarray, x: np.ndarray) -> np.ndarray:
    """dx = dout where x > 0, else 0 (the gradient at exactly 0 is 0); any shape, float64."""
    x = np.asarray(x, dtype=np.float64)
    dout = _check_dout(dout, x.shape, "relu_backward")
    return np.where(x > 0, dout, 0.0)


def _pool_backward(dout: np.ndarray, x: np.ndarray, pool_size: Any, strides: Any,
                   padding: str, name: str, kind: str) -> np.ndarray:
    xb, batched, pool, strides, pads, out = _pool_setup(x, pool_size, strides, padding, name)
    expected = (xb.shape[0], *out, xb.shape[-1])
    dout = _check_dout(dout, expected if batched else expected[1:], name)
    db = dout if batched else dout[np.newaxis]           # (N, H2, W2, C)
    ph, pw = pool
    if kind == "max":
        win = pool_windows(xb, pool, strides, pads, -np.inf)       # (N, H2, W2, C, PH, PW)
        # argmax returns the first maximum in row-major window order: TensorFlow's tie rule.
        winner = win.reshape(*win.shape[:4], ph * pw).argmax(axis=-1)
    else:
        share = db / real_cell_counts(xb.shape[1:3], pool, strides, pads)[None, :, :, None]
    (sh, sw), (h2, w2) = strides, out
    dxp = np.zeros((xb.shape[0], xb.shape[1] + sum(pads[0]), xb.shape[2] + sum(pads[1]),
                    xb.shape[3]))
    for i in range(ph):
        for j in range(pw):
            contrib = db * (winner == i * pw + j) if kind == "max" else share
            dxp[:, i:i + (h2 - 1) * sh + 1:sh, j:j + (w2 - 1) * sw + 1:sw] += contrib
    # Padded cells never win a max and are excluded from averages, so cropping loses nothing.
    dx = _crop(dxp, pads)
    return dx if batched else dx[0]


def max_pool2d_backward(dout: np.ndarray, x: np.ndarray, pool_size: Any = 2,
                        strides: Any = None, padding: str = "valid") -> np.ndarray:
    """Gradient of max_pool2d: each window's gradient goes to its maximum.

    dout (H2, W2, C) or (N, H2, W2, C) (batched as x); x (H, W, C) or (N, H, W, C)
    -> dx like x, float64. Overlapping windows accumulate; with a tied maximum the whole
    gradient goes to the first maximal cell in row-major window order (as TensorFlow).
    """
    return _pool_backward(dout, x, pool_size, strides, padding, "max_pool2d_backward", "max")


def avg_pool2d_backward(dout: np.ndarray, x: np.ndarray, pool_size: Any = 2,
                        strides: Any = None, padding: str = "valid") -> np.ndarray:
    """Gradient of avg_pool2d: each window's gradient spread evenly over its real cells.

    dout (H2, W2, C) or (N, H2, W2, C) (batched as x); x (H, W, C) or (N, H, W, C)
    -> dx like x, float64. Overlapping windows accumulate.
    """
    return _pool_backward(dout, x, pool_size, strides, padding, "avg_pool2d_backward", "avg")


def numeric_gradient(f: Callable[[np.ndarray], float], x: np.ndarray,
                     h: float = 1e-5) -> np.ndarray:
    """Central differences (f(x + h e_i) - f(x - h e_i)) / 2h for every element i.

    f: scalar function of an array shaped like x; x any shape -> gradient of the same shape,
    float64. x itself is never modified: f sees a float64 working copy.
    """
    xc = np.array(x, dtype=np.float64, copy=True)
    grad = np.zeros_like(xc)
    for idx in np.ndindex(xc.shape):
        orig = xc[idx]
        xc[idx] = orig + h
        fp = float(f(xc))
        xc[idx] = orig - h
        fm = float(f(xc))
        xc[idx] = orig  # restore before the next element, so each probe moves one coordinate
        grad[idx] = (fp - fm) / (2.0 * h)
    return grad

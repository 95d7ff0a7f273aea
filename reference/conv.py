"""Cross-correlation, true convolution, and Keras-style conv1d / conv2d / conv3d.

One N-d core serves the three layers: pad, take every (dilated) window with
sliding_window_view, keep every stride-th window and every dilation-th tap, then contract the
taps and channels against the kernel with tensordot (im2col without the Python loops).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .padding import output_sizes, resolve_padding, to_tuple


def correlate2d(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Valid 2D cross-correlation of a single-channel image, stride 1.

    image (H, W), kernel (KH, KW) -> (H - KH + 1, W - KW + 1), float64;
    out[i, j] = sum_{a, b} image[i + a, j + b] * kernel[a, b].
    """
    image = np.asarray(image, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    if image.ndim != 2 or kernel.ndim != 2:
        raise ValueError(f"correlate2d takes image (H, W) and kernel (KH, KW), got "
                         f"{image.shape} and {kernel.shape}")
    if kernel.shape[0] > image.shape[0] or kernel.shape[1] > image.shape[1]:
        raise ValueError(f"kernel {kernel.shape} is larger than image {image.shape}")
    windows = sliding_window_view(image, kernel.shape)  # (H2, W2, KH, KW)
    return np.tensordot(windows, kernel, axes=([2, 3], [0, 1]))


def convolve2d(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Valid 2D true convolution (kernel flipped on both axes), stride 1.

    image (H, W), kernel (KH, KW) -> (H - KH + 1, W - KW + 1), float64;
    equals correlate2d(image, kernel[::-1, ::-1]).
    """
    kernel = np.asarray(kernel, dtype=np.float64)
    if kernel.ndim != 2:
        raise ValueError(f"convolve2d takes kernel (KH, KW), got {kernel.shape}")
    return correlate2d(image, kernel[::-1, ::-1])


def _prepare(x: np.ndarray, kernel: np.ndarray, stride: Any, padding: Any, dilation: Any,
             nsp: int, name: str):
    """Validate and normalise the arguments shared by the forward and backward passes.

    Returns (xb, kernel, batched, strides, dilations, pads, out_sizes) with xb batched
    (N, *spatial, C) float64 and kernel (*taps, C, K) float64.
    """
    x = np.asarray(x, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    if x.ndim not in (nsp + 1, nsp + 2):
        raise ValueError(f"{name}: x must have {nsp + 1} dims (unbatched) or {nsp + 2} dims "
                         f"(batched), got shape {x.shape}")
    if kernel.ndim != nsp + 2:
        raise ValueError(f"{name}: kernel must have {nsp + 2} dims (*taps, C, K), got shape "
                         f"{kernel.shape}")
    batched = x.ndim == nsp + 2
    xb = x if batched else x[np.newaxis]
    if xb.shape[-1] != kernel.shape[-2]:
        raise ValueError(f"{name}: x has {xb.shape[-1]} channels but kernel expects "
                         f"{kernel.shape[-2]}")
    taps = kernel.shape[:nsp]
    strides = to_tuple(stride, nsp, "stride")
    dilations = to_tuple(dilation, nsp, "dilation")
    sizes = xb.shape[1:1 + nsp]
    pads = resolve_padding(padding, sizes, taps, strides, dilations)
    out = output_sizes(sizes, pads, taps, strides, dilations)
    return xb, kernel, batched, strides, dilations, pads, out


def _windows(xp: np.ndarray, taps: tuple[int, ...], strides: tuple[int, ...],
             dilations: tuple[int, ...]) -> np.ndarray:
    """Strided view (N, *out, C, *taps) of the padded batch xp (N, *spatial, C)."""
    nsp = len(taps)
    span = tuple((k - 1) * d + 1 for k, d in zip(taps, dilations))
    win = sliding_window_view(xp, span, axis=tuple(range(1, 1 + nsp)))
    index = ((slice(None),) + tuple(slice(None, None, s) for s in strides) + (slice(None),)
             + tuple(slice(None, None, d) for d in dilations))
    return win[index]


def _pad_batch(xb: np.ndarray, pads) -> np.ndarray:
    return np.pad(xb, [(0, 0), *pads, (0, 0)], mode="constant")


def conv_nd(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray | None = None, stride: Any = 1,
            padding: Any = "valid", dilation: Any = 1, nsp: int = 2,
            name: str = "conv") -> np.ndarray:
    """Keras-style convolution (cross-correlation) over `nsp` spatial axes, channels last.

    x (*spatial, C) or (N, *spatial, C); kernel (*taps, C, K); bias (K,) or None.
    Returns (*out, K) or (N, *out, K), float64.
    """
    xb, kernel, batched, strides, dilations, pads, _ = _prepare(
        x, kernel, stride, padding, dilation, nsp, name)
    win = _windows(_pad_batch(xb, pads), kernel.shape[:nsp], strides, dilations)
    # win axes: 0 = N, 1..nsp = out, nsp+1 = C, nsp+2.. = taps; kernel: taps..., C, K.
    out = np.tensordot(win, kernel,
                       axes=(list(range(nsp + 1, 2 * nsp + 2)), [nsp] + list(range(nsp))))
    if bias is not None:
        bias = np.asarray(bias, dtype=np.float64)
        if bias.shape != (kernel.shape[-1],):
            raise ValueError(f"{name}: bias must have shape ({kernel.shape[-1]},), got "
                             f"{bias.shape}")
        out = out + bias
    return out if batched else out[0]


def conv1d(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray | None = None, stride: Any = 1,
           padding: Any = "valid", dilation: Any = 1) -> np.ndarray:
    """1D convolution layer (cross-correlation), as keras.layers.Conv1D.

    x (L, C) or (N, L, C); kernel (KL, C, K); bias (K,) or None -> (L2, K) or (N, L2, K).
    padding: 'valid', 'same', int p, (p,), ((before, after),) or (before, after).
    """
    return conv_nd(x, kernel, bias, stride, padding, dilation, nsp=1, name="conv1d")


def conv2d(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray | None = None, stride: Any = 1,
           padding: Any = "valid", dilation: Any = 1) -> np.ndarray:
    """2D convolution layer (cross-correlation), as keras.layers.Conv2D.

    x (H, W, C) or (N, H, W, C); kernel (KH, KW, C, K); bias (K,) or None
    -> (H2, W2, K) or (N, H2, W2, K), H2 = (H + top + bottom - ((KH - 1) * dh + 1)) // sh + 1.
    padding: 'valid', 'same', int p, (ph, pw), ((top, bottom), (left, right)) or
    (top, bottom, left, right).
    """
    return conv_nd(x, kernel, bias, stride, padding, dilation, nsp=2, name="conv2d")


def conv3d(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray | None = None, stride: Any = 1,
           padding: Any = "valid", dilation: Any = 1) -> np.ndarray:
    """3D convolution layer (cross-correlation), as keras.layers.Conv3D.

    x (D, H, W, C) or (N, D, H, W, C); kernel (KD, KH, KW, C, K); bias (K,) or None
    -> (D2, H2, W2, K) or (N, D2, H2, W2, K).
    padding: 'valid', 'same', int p, (pd, ph, pw) or ((before, after),) * 3.
    """
    return conv_nd(x, kernel, bias, stride, padding, dilation, nsp=3, name="conv3d")

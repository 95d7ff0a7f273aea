"""Flatten, output-shape formulas and parameter counts (ints, never arrays)."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .padding import output_sizes, resolve_padding, to_tuple


def flatten(x: np.ndarray) -> np.ndarray:
    """Flatten every axis but the first, row-major, as keras.layers.Flatten.

    x (N, ...) -> (N, prod(...)), float64; (N,) -> (N, 1).
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim < 1:
        raise ValueError("flatten needs a batch axis, got a scalar")
    return x.reshape(x.shape[0], -1)


def _image_shape(input_shape: Sequence[int], name: str) -> tuple[int, int, int]:
    if len(input_shape) != 3:
        raise ValueError(f"{name}: input_shape must be (H, W, C), got {tuple(input_shape)!r}")
    return to_tuple(tuple(input_shape), 3, "input_shape")


def conv_output_shape(input_shape: Sequence[int], filters: int, kernel_size: Any,
                      strides: Any = 1, padding: Any = "valid",
                      dilation_rate: Any = 1) -> tuple[int, int, int]:
    """Output shape of a Conv2D layer: (H, W, C) -> (H2, W2, filters), Python ints.

    H2 = (H + top + bottom - ((KH - 1) * dh + 1)) // sh + 1, which is ceil(H / sh) for 'same'.
    padding: any conv2d padding form.
    """
    h, w, _ = _image_shape(input_shape, "conv_output_shape")
    kernel = to_tuple(kernel_size, 2, "kernel_size")
    strides = to_tuple(strides, 2, "strides")
    dilations = to_tuple(dilation_rate, 2, "dilation_rate")
    pads = resolve_padding(padding, (h, w), kernel, strides, dilations)
    h2, w2 = output_sizes((h, w), pads, kernel, strides, dilations)
    return (h2, w2, int(filters))


def pool_output_shape(input_shape: Sequence[int], pool_size: Any = 2, strides: Any = None,
                      padding: str = "valid") -> tuple[int, int, int]:
    """Output shape of a 2D pooling layer: (H, W, C) -> (H2, W2, C), Python ints.

    strides default to pool_size; 'valid': (H - PH) // SH + 1, 'same': ceil(H / SH).
    """
    h, w, c = _image_shape(input_shape, "pool_output_shape")
    if not isinstance(padding, str) or padding.lower() not in ("valid", "same"):
        raise ValueError(f"pool_output_shape: padding must be 'valid' or 'same', got {padding!r}")
    pool = to_tuple(pool_size, 2, "pool_size")
    strides = pool if strides is None else to_tuple(strides, 2, "strides")
    pads = resolve_padding(padding, (h, w), pool, strides, (1, 1))
    h2, w2 = output_sizes((h, w), pads, pool, strides, (1, 1))
    return (h2, w2, c)


def conv_param_count(kernel_size: Any, in_channels: int, filters: int,
                     use_bias: bool = True) -> int:
    """Trainable parameters of a Conv2D layer: kh * kw * in_channels * filters (+ filters)."""
    kh, kw = to_tuple(kernel_size, 2, "kernel_size")
    return int(kh * kw * int(in_channels) * int(filters) + (int(filters) if use_bias else 0))


def dense_param_count(in_features: int, units: int, use_bias: bool = True) -> int:
    """Trainable parameters of a Dense layer: in_features * units (+ units)."""
    return int(int(in_features) * int(units) + (int(units) if use_bias else 0))

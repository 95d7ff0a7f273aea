"""Keras' layers at inference, in float32 as Keras computes them (channels last, batched).

The exercises' functions (conv.py, pooling.py, activations.py) compute in float64 for any input
form of the contract; these take what a saved Keras layer holds (its config's values, its float32
weights) and a batch (N, *spatial, C), and keep float32 throughout, in the order of operations of
Keras' TensorFlow backend, so that a model read from its file predicts what Keras predicts
(tests/test_catalogue.py compares them layer by layer). Padding, strides and dilation go through
padding.py, as everywhere in the reference.
"""

from __future__ import annotations

import itertools
import math
from typing import Callable, Sequence

import numpy as np

from .padding import output_sizes, resolve_padding

F32 = np.float32


def conv(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray | None, strides: Sequence[int],
         padding: str, dilation: Sequence[int], pool: tuple | None = None) -> np.ndarray:
    """Conv1D/2D/3D: x (N, *spatial, C), kernel (*taps, C, K), bias (K,) or None -> (N, *out, K).

    padding 'valid', 'same' (TensorFlow's: the smaller half before) or 'causal' (Conv1D: every
    pad before). The windows are gathered tap by tap (im2col, one strided copy per tap) and
    contracted with the kernel in one float32 matrix product.

    pool: (pool_size, strides) of a 'valid' MaxPooling that follows: the result is then that
    pooling of the convolution, made one position of the pooling window at a time from the
    convolution outputs it takes (the whole convolution output is never held), the bias added
    after the maximum. The values are the same: x -> x + b rounds monotonically, so the maximum
    of the sums is the sum of the maximum."""
    nsp = kernel.ndim - 2
    taps, channels, filters = kernel.shape[:nsp], kernel.shape[-2], kernel.shape[-1]
    pads = conv_padding(padding, x.shape[1:1 + nsp], taps, strides, dilation)
    out = output_sizes(x.shape[1:1 + nsp], pads, taps, strides, dilation)
    window, step = pool if pool is not None else ((1,) * nsp, (1,) * nsp)
    out = output_sizes(out, ((0, 0),) * nsp, window, step, (1,) * nsp)
    padded = padded_with(x, pads, 0.0)
    matrix = kernel.reshape(-1, filters)
    result = None
    columns = np.empty((x.shape[0], *out, math.prod(taps), channels), dtype=F32)  # every cell rewritten per position
    for position in itertools.product(*(range(w) for w in window)):
        for tap, offsets in enumerate(itertools.product(*(range(k) for k in taps))):
            columns[..., tap, :] = padded[(slice(None), *(
                slice(p * s + o * d, p * s + o * d + s * t * (n - 1) + 1, s * t)
                for p, o, d, s, t, n in zip(position, offsets, dilation, strides, step, out)))]
        product = columns.reshape(-1, math.prod(taps) * channels) @ matrix
        result = product if result is None else np.maximum(result, product, out=result)
    result = result.reshape(x.shape[0], *out, filters)
    if bias is not None:
        result += bias
    return result


def padded_with(x: np.ndarray, pads, fill: float) -> np.ndarray:
    """x (N, *spatial, C) with (before, after) cells of `fill` on each spatial axis (x itself if none)."""
    if not any(p for pair in pads for p in pair):
        return x
    shape = (x.shape[0], *(n + b + a for n, (b, a) in zip(x.shape[1:-1], pads)), x.shape[-1])
    result = np.full(shape, fill, dtype=x.dtype)
    result[(slice(None), *(slice(b, b + n) for n, (b, _) in zip(x.shape[1:-1], pads)))] = x
    return result


def window_slices(offsets: Sequence[int], dilation: Sequence[int], strides: Sequence[int],
                  out: Sequence[int]) -> tuple:
    """The index of one position of every window: (N, *out, C) cells of the padded input."""
    return (slice(None), *(slice(o * d, o * d + s * (n - 1) + 1, s)
                           for o, d, s, n in zip(offsets, dilation, strides, out)))


def conv_padding(padding: str, sizes: Sequence[int], taps: Sequence[int], strides: Sequence[int],
                 dilation: Sequence[int]) -> tuple[tuple[int, int], ...]:
    """(before, after) per spatial axis for a Keras padding word."""
    if padding == "causal":
        return tuple(((k - 1) * d, 0) for k, d in zip(taps, dilation))
    return resolve_padding(padding, sizes, taps, strides, dilation)


def conv_output_shape(sizes: Sequence[int | None], taps: Sequence[int], strides: Sequence[int],
                      padding: str, dilation: Sequence[int]) -> tuple[int | None, ...]:
    """The spatial output sizes of a convolution or pooling window (None stays unknown)."""
    out = []
    for n, k, s, d in zip(sizes, taps, strides, dilation):
        if n is None:
            out.append(None)
        elif padding in ("same", "causal"):
            out.append(-(-n // s) if padding == "same" else (n - 1) // s + 1)
        else:
            out.append(max((n - (k - 1) * d - 1) // s + 1, 0))
    return tuple(out)


def pool(x: np.ndarray, pool_size: Sequence[int], strides: Sequence[int], padding: str,
         kind: str) -> np.ndarray:
    """MaxPooling / AveragePooling over the spatial axes of x (N, *spatial, C).

    'same' pads so that out = ceil(n / s); a padded cell never wins a max and is not counted in
    an average (tf.nn.max_pool / avg_pool). One pass per position in the window, each over a
    strided view of the input the size of the output."""
    nsp = x.ndim - 2
    sizes = x.shape[1:1 + nsp]
    ones = (1,) * nsp
    pads = resolve_padding(padding, sizes, pool_size, strides, ones)
    out = output_sizes(sizes, pads, pool_size, strides, ones)
    padded = padded_with(x, pads, -np.inf if kind == "max" else 0.0)
    result = _window_reduce(padded, pool_size, strides, out, np.maximum if kind == "max" else np.add)
    if kind == "max":
        return result
    result /= _window_reduce(padded_with(np.ones((1, *sizes, 1), dtype=F32), pads, 0.0), pool_size, strides,
                             out, np.add)
    return result


def _window_reduce(x: np.ndarray, window: Sequence[int], strides: Sequence[int], out: Sequence[int],
                   combine) -> np.ndarray:
    """combine (np.maximum, np.add) over every position of a window, the windows at strides."""
    result = None
    for offsets in itertools.product(*(range(w) for w in window)):
        view = x[window_slices(offsets, (1,) * len(window), strides, out)]
        result = view.copy() if result is None else combine(result, view, out=result)
    return result


def global_pool(x: np.ndarray, kind: str, keepdims: bool) -> np.ndarray:
    """GlobalMaxPooling / GlobalAveragePooling: every spatial axis of (N, *spatial, C) reduced."""
    axes = tuple(range(1, x.ndim - 1))
    if kind == "max":
        return x.max(axis=axes, keepdims=keepdims)
    return x.mean(axis=axes, keepdims=keepdims, dtype=F32)


def dense(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray | None) -> np.ndarray:
    """Dense on the last axis: x @ kernel + bias."""
    result = x @ kernel
    if bias is not None:
        result += bias
    return result


def batch_norm(x: np.ndarray, gamma: np.ndarray | None, beta: np.ndarray | None, mean: np.ndarray,
               variance: np.ndarray, epsilon: float) -> np.ndarray:
    """BatchNormalization at inference, on the last axis, as tf.nn.batch_normalization computes
    it: inv = rsqrt(variance + epsilon) * gamma; x * inv + (beta - mean * inv)."""
    inv = (F32(1) / np.sqrt(variance + F32(epsilon))).astype(F32)
    if gamma is not None:
        inv = inv * gamma
    shift = (beta - mean * inv) if beta is not None else -mean * inv
    return x * inv + shift


def rescale(x: np.ndarray, scale, offset) -> np.ndarray:
    """Rescaling: x * scale + offset (scalars, or one value per channel)."""
    return x * np.asarray(scale, dtype=F32) + np.asarray(offset, dtype=F32)


def softmax(x: np.ndarray, axis: int | tuple[int, ...] = -1) -> np.ndarray:
    """exp(x - max) / sum, over axis (tf.nn.softmax); computed in x's own memory."""
    x -= x.max(axis=axis, keepdims=True)
    np.exp(x, out=x)
    x /= x.sum(axis=axis, keepdims=True)
    return x


def log_softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def relu(x: np.ndarray, negative_slope: float = 0.0, max_value: float | None = None,
         threshold: float = 0.0) -> np.ndarray:
    """keras.activations.relu with its options (the ReLU layer's), step by step as Keras does."""
    if negative_slope != 0.0:
        if max_value is None and threshold == 0:
            return leaky_relu(x, negative_slope)
        negative_part = np.maximum(-x + F32(threshold), F32(0)) if threshold != 0 else np.maximum(-x, F32(0))
    if threshold != 0:
        result = np.where(x > F32(threshold), x, F32(0))
    elif max_value == 6:
        result = np.clip(x, F32(0), F32(6))
        max_value = None
    else:
        result = np.maximum(x, F32(0))
    if max_value is not None:
        result = np.clip(result, F32(0), F32(max_value))
    if negative_slope != 0.0:
        result = result - F32(negative_slope) * negative_part
    return result


def leaky_relu(x: np.ndarray, negative_slope: float) -> np.ndarray:
    """tf.nn.leaky_relu: x where x >= 0, negative_slope * x elsewhere (slopes up to 1)."""
    return np.maximum(x, F32(negative_slope) * x)


def sigmoid(x: np.ndarray) -> np.ndarray:
    return F32(1) / (F32(1) + np.exp(-x))


def softplus(x: np.ndarray) -> np.ndarray:
    """log(1 + exp(x)) without overflow."""
    return np.logaddexp(x, F32(0))


def elu(x: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    negative = np.expm1(np.minimum(x, F32(0)))
    return np.where(x > 0, x, F32(alpha) * negative)


def selu(x: np.ndarray) -> np.ndarray:
    alpha, scale = F32(1.6732632423543772848170429916717), F32(1.0507009873554804934193349852946)
    return scale * np.where(x > 0, x, alpha * np.expm1(np.minimum(x, F32(0))))


def hard_sigmoid(x: np.ndarray) -> np.ndarray:
    return np.clip(x + F32(3), F32(0), F32(6)) / F32(6)


# The activations a layer's `activation` may name (Keras' function names), as one-argument functions
# that may compute in their argument's memory (the catalogue gives them arrays it owns).
ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "linear": lambda x: x,
    "relu": lambda x: np.maximum(x, F32(0), out=x),
    "relu6": lambda x: np.clip(x, F32(0), F32(6), out=x),
    "leaky_relu": lambda x: leaky_relu(x, 0.2),
    "sigmoid": sigmoid,
    "tanh": lambda x: np.tanh(x, out=x),
    "softmax": softmax,
    "log_softmax": log_softmax,
    "elu": elu,
    "selu": selu,
    "softplus": softplus,
    "softsign": lambda x: x / (F32(1) + np.abs(x)),
    "silu": lambda x: x * sigmoid(x),
    "exponential": np.exp,
    "hard_sigmoid": hard_sigmoid,
    "hard_silu": lambda x: x * hard_sigmoid(x),
    "mish": lambda x: x * np.tanh(softplus(x)),
}

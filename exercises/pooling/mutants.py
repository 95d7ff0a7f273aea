"""Realistic wrong versions of max_pool2d and avg_pool2d."""
import numpy as np

import reference as ref
from grader.pack import Mutant, N_
from reference.padding import resolve_padding, to_tuple
from reference.pooling import pool_windows, real_cell_counts


def _setup(x, pool_size, strides, padding):
    x = np.asarray(x, dtype=np.float64)
    xb = x if x.ndim == 4 else x[np.newaxis]
    pool = to_tuple(pool_size, 2)
    strides = pool if strides is None else to_tuple(strides, 2)
    return x.ndim == 4, xb, pool, strides


def _unbatch(out, batched):
    return out if batched else out[0]


def _both(make):
    """The same misconception in both functions."""
    return {"max_pool2d": make(ref.max_pool2d), "avg_pool2d": make(ref.avg_pool2d)}


def _stride_one(pool):
    return lambda x, pool_size=2, strides=None, padding="valid": pool(
        x, pool_size, 1 if strides is None else strides, padding)


def _strides_ignored(pool):
    return lambda x, pool_size=2, strides=None, padding="valid": pool(x, pool_size, None, padding)


def _axes_swapped(pool):
    def swapped(x, pool_size=2, strides=None, padding="valid"):
        if isinstance(pool_size, (tuple, list)):
            pool_size = tuple(pool_size)[::-1]
        return pool(x, pool_size, strides, padding)
    return swapped


def _same_floor(pool):
    def floor(x, pool_size=2, strides=None, padding="valid"):
        out = pool(x, pool_size, strides, padding)
        if padding != "same":
            return out
        _, xb, _, (sh, sw) = _setup(x, pool_size, strides, padding)
        h, w = xb.shape[1:3]
        return out[..., :h // sh, :w // sw, :]
    return floor


def avg_counts_padding(x, pool_size=2, strides=None, padding="valid"):
    out = ref.avg_pool2d(x, pool_size, strides, padding)
    _, xb, pool, strides = _setup(x, pool_size, strides, padding)
    pads = resolve_padding(padding, xb.shape[1:3], pool, strides, (1, 1))
    counts = real_cell_counts(xb.shape[1:3], pool, strides, pads)
    return out * counts[..., np.newaxis] / (pool[0] * pool[1])


def max_pads_zeros(x, pool_size=2, strides=None, padding="valid"):
    batched, xb, pool, strides = _setup(x, pool_size, strides, padding)
    pads = resolve_padding(padding, xb.shape[1:3], pool, strides, (1, 1))
    return _unbatch(pool_windows(xb, pool, strides, pads, 0.0).max(axis=(4, 5)), batched)


def _keeps_partial(kind):
    """'valid' that keeps the last, partial window (ceil instead of floor, as PyTorch's ceil_mode)."""
    def partial(x, pool_size=2, strides=None, padding="valid"):
        if padding != "valid":
            return getattr(ref, kind)(x, pool_size, strides, padding)
        batched, xb, pool, strides = _setup(x, pool_size, strides, padding)
        pads = []
        for n, k, s in zip(xb.shape[1:3], pool, strides):
            out = -(-(n - k) // s) + 1
            if (out - 1) * s >= n:  # PyTorch's rule too: the last window starts inside the image
                out -= 1
            pads.append((0, (out - 1) * s + k - n))
        if kind == "max_pool2d":
            out = pool_windows(xb, pool, strides, pads, -np.inf).max(axis=(4, 5))
        else:
            counts = real_cell_counts(xb.shape[1:3], pool, strides, pads)
            out = pool_windows(xb, pool, strides, pads, 0.0).sum(axis=(4, 5)) / counts[..., np.newaxis]
        return _unbatch(out, batched)
    return partial


MUTANTS = [
    Mutant("strides_default_1", N_("strides default to 1 instead of pool_size (Keras: strides=None "
           "means the pool size)"), _both(_stride_one)),
    Mutant("strides_ignored", N_("ignores the strides argument: always moves by pool_size"), _both(_strides_ignored)),
    Mutant("avg_counts_padding", N_("'same' average pooling divides by the full window size, counting the "
           "padded zeros; TensorFlow divides by the number of real cells"), {"avg_pool2d": avg_counts_padding}),
    Mutant("max_pads_zeros", N_("'same' max pooling pads with zeros, so a window of negative values "
           "gives 0; padded cells must never win (pad with -inf)"), {"max_pool2d": max_pads_zeros}),
    Mutant("same_floor", N_("'same' drops the last, partial window: H // strides rows instead of "
           "ceil(H / strides)"), _both(_same_floor)),
    Mutant("valid_keeps_partial", N_("'valid' keeps a last, partial window: ceil((H - PH) / SH) + 1 rows "
           "instead of (H - PH) // SH + 1"), {"max_pool2d": _keeps_partial("max_pool2d"),
                                            "avg_pool2d": _keeps_partial("avg_pool2d")}),
    Mutant("pool_axes_swapped", N_("reads pool_size=(ph, pw) as (width, height): the axes are mixed up"),
           _both(_axes_swapped)),
]

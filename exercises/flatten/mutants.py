"""Realistic wrong versions of flatten."""
import numpy as np

from grader.pack import Mutant, N_


def column_major(x):
    x = np.asarray(x, dtype=np.float64)
    return x.reshape(x.shape[0], -1, order="F")


def whole_array(x):
    return np.asarray(x, dtype=np.float64).ravel()


def channels_first(x):
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 4:
        x = x.transpose(0, 3, 1, 2)
    return x.reshape(x.shape[0], -1)


def keeps_channels(x):
    x = np.asarray(x, dtype=np.float64)
    return x.reshape(-1, x.shape[-1])


def assumes_4d(x):
    x = np.asarray(x, dtype=np.float64)
    n, h, w, c = x.shape
    return x.reshape(n, h * w * c)


MUTANTS = [
    Mutant("column_major", N_("flattens in column-major (Fortran) order, order='F': the first axis varies "
           "fastest; Keras flattens row-major, the channel varying fastest"), {"flatten": column_major}),
    Mutant("flattens_batch", N_("flattens the batch axis too: one long vector instead of one row per example"),
           {"flatten": whole_array}),
    Mutant("channels_first", N_("moves the channels first (PyTorch's layout) before flattening: the order "
           "becomes C, H, W instead of H, W, C"), {"flatten": channels_first}),
    Mutant("keeps_channels", N_("keeps the channel axis: (N*H*W, C) instead of (N, H*W*C)"),
           {"flatten": keeps_channels}),
    Mutant("assumes_4d", N_("unpacks n, h, w, c = x.shape, so only (N, H, W, C) works"),
           {"flatten": assumes_4d}),
]

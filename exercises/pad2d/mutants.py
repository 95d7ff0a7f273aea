"""Realistic wrong versions of pad2d."""
import numpy as np

import reference as ref
from grader.pack import Mutant, N_
from reference.padding import explicit_padding


def _pairs(padding):
    return explicit_padding(padding, 2)


def _pad(x, pairs):
    x = np.asarray(x)
    spatial = {2: 0, 3: 0, 4: 1}[x.ndim]
    full = [(0, 0)] * x.ndim
    full[spatial], full[spatial + 1] = pairs
    return np.pad(x, full)


def one_side(x, padding):
    (t, b), (l, r) = _pairs(padding)
    return _pad(x, ((0, t + b), (0, l + r)))


def flat_misread(x, padding):
    if isinstance(padding, (tuple, list)) and len(padding) == 4:
        t, b, l, r = padding
        return _pad(x, ((t, l), (b, r)))
    return ref.pad2d(x, padding)


def every_axis(x, padding):
    x = np.asarray(x)
    (t, b), (l, r) = _pairs(padding)
    if x.ndim == 2:
        return ref.pad2d(x, padding)
    return np.pad(x, [(t, b)] * (x.ndim - 2) + [(t, b), (l, r)])


def pair_as_top_left(x, padding):
    if isinstance(padding, (tuple, list)) and len(padding) == 2 and all(isinstance(p, int) for p in padding):
        return _pad(x, ((padding[0], 0), (padding[1], 0)))
    return ref.pad2d(x, padding)


MUTANTS = [
    Mutant("one_side", N_("pads on one side only: all of the padding goes after (bottom and right)"), {"pad2d": one_side}),
    Mutant("flat_misread", N_("reads (top, bottom, left, right) as ((top, left), (bottom, right))"), {"pad2d": flat_misread}),
    Mutant("pads_channels", N_("pads the batch/channel axes too, not only H and W"), {"pad2d": every_axis}),
    Mutant("pair_as_top_left", N_("reads (ph, pw) as top and left padding only, not both sides"), {"pad2d": pair_as_top_left}),
]

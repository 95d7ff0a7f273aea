"""Realistic wrong versions of max_pool2d_backward and avg_pool2d_backward: one loop-based
implementation, one bug per switch."""
import numpy as np

from exercises.shared.gradients import as_batches
from grader.pack import Mutant, N_
from reference.padding import resolve_padding, to_tuple


def _backward(dout, x, pool_size, strides, padding, kind, bug):
    gb, xb, batched = as_batches(dout, x)
    n, height, width, channels = xb.shape
    ph, pw = to_tuple(pool_size, 2)
    sh, sw = (ph, pw) if strides is None or bug == "strides_ignored" else to_tuple(strides, 2)
    pads = resolve_padding(padding, (height, width), (ph, pw), (sh, sw), (1, 1))
    if bug == "same_before" and padding == "same":
        pads = tuple((after, before) for before, after in pads)
    (pt, pb), (pl, pr) = pads
    fill = 0.0 if bug == "pads_zeros" else -np.inf
    xp = np.pad(xb, [(0, 0), (pt, pb), (pl, pr), (0, 0)], constant_values=fill)
    real = np.pad(np.ones((height, width)), [(pt, pb), (pl, pr)])
    dxp = np.zeros(xp.shape)
    for i in range(gb.shape[1]):
        for j in range(gb.shape[2]):
            rows, cols = slice(i * sh, i * sh + ph), slice(j * sw, j * sw + pw)
            g = gb[:, i, j, :]                                          # (N, C)
            if kind == "max":
                window = xp[:, rows, cols, :]                           # (N, PH, PW, C)
                top = window.max(axis=(1, 2), keepdims=True)
                if bug in ("all_ties", "split_ties"):
                    mask = (window == top).astype(np.float64)
                    if bug == "split_ties":
                        mask /= mask.sum(axis=(1, 2), keepdims=True)
                    dxp[:, rows, cols, :] += mask * (1.0 if bug == "mask_only" else g[:, None, None, :])
                    continue
                for b in range(n):
                    for c in range(channels):
                        a = int(np.argmax(window[b, :, :, c]))
                        r, q = i * sh + a // pw, j * sw + a % pw
                        value = 1.0 if bug == "mask_only" else g[b, c]
                        if bug == "overwrites":
                            dxp[b, r, q, c] = value
                        else:
                            dxp[b, r, q, c] += value
            else:
                cells = real[rows, cols]
                count = ph * pw if bug == "full_window" else cells.sum()
                share = g / (1.0 if bug == "not_divided" else count)
                contrib = cells[None, :, :, None] * share[:, None, None, :]
                if bug == "overwrites":
                    dxp[:, rows, cols, :] = contrib
                else:
                    dxp[:, rows, cols, :] += contrib
    dx = dxp[:, pt:pt + height, pl:pl + width]
    return dx if batched else dx[0]


def _wrong(kind, bug):
    def backward(dout, x, pool_size=2, strides=None, padding="valid"):
        with np.errstate(divide="ignore", invalid="ignore"):  # a misplaced window may hold no real cell
            return _backward(dout, x, pool_size, strides, padding, kind, bug)
    return {f"{kind}_pool2d_backward": backward}


# Each pooling's mistakes with the misconception behind each, the ones both can make last.
BOTH = [
    ("strides_ignored", N_("ignores the strides argument (uses pool_size as the stride)")),
    ("same_before", N_("'same' puts the extra row/column of an odd total padding before instead of after")),
]
MISTAKES = {
    "max": [
        ("overwrites", N_("writes dx[cell] = dout instead of dx[cell] += dout: when windows overlap, a cell that is "
                       "the maximum of two windows keeps only the last one's gradient")),
        ("all_ties", N_("sends a window's gradient to every cell equal to its maximum: with a tie the gradient must "
                     "go to ONE of them")),
        ("split_ties", N_("splits a window's gradient among its tied maxima: all of it must go to one of them")),
        ("mask_only", N_("puts 1 at each window's maximum instead of the window's gradient dout")),
        ("pads_zeros", N_("'same' pads with zeros, so a padded cell wins over negative values and takes the gradient")),
    ],
    "avg": [
        ("overwrites", N_("writes dx[window] = share instead of +=: when windows overlap, a cell keeps only the last "
                       "window's share")),
        ("full_window", N_("divides by the pool's area in 'same': a window shares its gradient among its real cells "
                        "only")),
        ("not_divided", N_("gives each cell the window's whole gradient: the average divides it by the number of "
                        "cells")),
    ],
}

MUTANTS = [Mutant(f"{kind}_{bug}", text, _wrong(kind, bug)) for kind, own in MISTAKES.items() for bug, text in own + BOTH]

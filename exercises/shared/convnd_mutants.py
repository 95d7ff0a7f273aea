"""The wrong versions of conv1d, conv2d and conv3d: one generic implementation with a switch per
misconception, and the mutants each exercise ships (its mutants.py is conv_mutants(nsp))."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from grader.pack import Mutant, N_
from reference.conv import conv_nd
from reference.padding import explicit_padding, to_tuple


def wrong_conv(nsp: int, bug: str) -> Callable:
    """A convNd(x, kernel, bias=None, stride=1, padding='valid', dilation=1) with one bug."""
    def conv(x, kernel, bias=None, stride=1, padding="valid", dilation=1):
        return _wrong(x, kernel, bias, stride, padding, dilation, nsp, bug)
    conv.__name__ = f"conv{nsp}d_{bug}"
    return conv


def _is_seq(value: Any) -> bool:
    return isinstance(value, (tuple, list))


def _wrong_pads(padding, sizes, taps, strides, dilations, nsp, bug):
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * nsp
        pairs = []
        for n, k, s, d in zip(sizes, taps, strides, dilations):
            span = (k - 1) * d + 1
            out = -(-n // s)
            if bug == "same_symmetric":
                pairs.append(((span - 1) // 2, (span - 1) // 2))
                continue
            if bug == "same_ignores_stride":
                total = span - 1
            elif bug == "same_no_clamp":
                total = (out - 1) * s + span - n
            elif bug == "same_floor":
                total = max((n // s - 1) * s + span - n, 0)
            else:
                total = max((out - 1) * s + span - n, 0)
            before, after = total // 2, total - total // 2
            pairs.append((after, before) if bug == "same_before" else (before, after))
        return tuple(pairs)
    if bug == "tuple_padding_ignored" and _is_seq(padding):
        return ((0, 0),) * nsp
    if bug == "flat_misread" and _is_seq(padding) and len(padding) == 4:
        t, b, l, r = padding
        return ((t, l), (b, r))
    if bug == "pairs_symmetric" and _is_seq(padding) and all(_is_seq(p) for p in padding):
        return tuple((p[0], p[0]) for p in padding)
    if bug == "first_padding_everywhere" and _is_seq(padding):
        first = explicit_padding(padding, nsp)[0]
        return (first,) * nsp
    return explicit_padding(padding, nsp)


def _wrong(x, kernel, bias, stride, padding, dilation, nsp, bug):
    x = np.asarray(x, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    batched = x.ndim == nsp + 2
    xb = x if batched else x[np.newaxis]
    taps = kernel.shape[:nsp]
    strides = to_tuple(stride, nsp, "stride")
    dilations = to_tuple(dilation, nsp, "dilation")
    if bug == "stride_first_axis_everywhere":
        strides = (strides[0],) * nsp
    if bug == "stride_first_axis_only":
        strides = strides[:1] + (1,) * (nsp - 1)
    if bug == "dilation_first_axis_everywhere":
        dilations = (dilations[0],) * nsp
    if bug == "int_steps_only" and (_is_seq(stride) or _is_seq(dilation)):
        # i * stride with a tuple raises this in a student's code: Python's own words
        raise TypeError("can't multiply sequence by non-int of type 'tuple'")  # i18n: not for people
    if bug == "flip":
        kernel = kernel[(slice(None, None, -1),) * nsp]
    if bug == "kernel_transposed":
        kernel = np.transpose(kernel, tuple(reversed(range(nsp))) + (nsp, nsp + 1))
    if bug == "im2col_order":
        # patches flattened as (C, taps...), kernel flattened as (taps..., C)
        c, k = kernel.shape[-2:]
        kernel = np.moveaxis(kernel.reshape(-1, k).reshape((c,) + taps + (k,)), 0, nsp)
    sizes = xb.shape[1:1 + nsp]
    pads = _wrong_pads(padding, sizes, taps, strides, dilations, nsp, bug)
    if bug == "slice_zero" and padding != "valid":
        # xp[:, b:-a] = x: an amount of 0 after gives an empty slice; the assignment fails, or
        # broadcasts a size-1 axis into nothing and leaves zeros
        xp = np.zeros((xb.shape[0],) + tuple(n + b + a for n, (b, a) in zip(sizes, pads)) + (xb.shape[-1],))
        xp[(slice(None),) + tuple(slice(b, -a) for b, a in pads)] = xb
    else:
        xp = np.pad(xb, [(0, 0), *pads, (0, 0)])  # a negative amount raises, as it would for a student
    if bug == "dilation_on_input":
        xp = xp[(slice(None),) + tuple(slice(None, None, d) for d in dilations)]
        dilations = (1,) * nsp
    out = conv_nd(xp, kernel, None, strides, "valid", dilations, nsp=nsp)
    if bias is not None and bug != "no_bias":
        out = out + np.asarray(bias, dtype=np.float64)
    if batched:
        return out
    return np.squeeze(out) if bug == "squeeze" else out[0]


# Every mistake with the misconception behind it, in the order the diagnosis tries them: the
# specific traps first, since on a tiny counterexample a general mistake (a flip) can coincide
# with a specific one.
DESCRIPTIONS = {
    "same_ignores_stride": N_("'same' pads k - 1 in total as for stride 1, instead of "
                           "max((out - 1) * s + k - n, 0) with out = ceil(n / s)"),
    "same_before": N_("'same' puts the extra row/column of an odd total padding before instead of after"),
    "same_symmetric": N_("'same' pads (k - 1) // 2 on both sides, one short for an even kernel"),
    "same_floor": N_("'same' output size floor(n / s) instead of ceil(n / s)"),
    "same_no_clamp": N_("'same' forgets max(..., 0): a stride larger than the kernel gives a negative padding"),
    "flat_misread": N_("reads the flat (top, bottom, left, right) as ((top, left), (bottom, right))"),
    "tuple_padding_ignored": N_("handles an int padding only: a padding given per axis is ignored"),
    "pairs_symmetric": N_("reads a (before, after) pair as 'before' on both sides"),
    "first_padding_everywhere": N_("uses the first axis' padding on every axis"),
    "slice_zero": N_("pads with xp[b:-a] = x, which breaks when an amount is 0 (b:-0 is an empty slice)"),
    "int_steps_only": N_("handles an int stride/dilation only: one given per axis breaks the index arithmetic"),
    "stride_first_axis_everywhere": N_("uses the first value of a per-axis stride on every axis"),
    "stride_first_axis_only": N_("strides the first spatial axis only (stride 1 on the others)"),
    "dilation_first_axis_everywhere": N_("uses the first value of a per-axis dilation on every axis"),
    "dilation_on_input": N_("applies the dilation to the input (keeps every d-th cell) instead of spreading "
                         "the kernel taps"),
    "no_bias": N_("forgets to add the bias"),
    "squeeze": N_("removes the batch axis it added with squeeze(), which also drops every other axis of size 1"),
    "kernel_transposed": N_("reads the kernel's spatial axes in reverse order (e.g. (KW, KH) for (KH, KW))"),
    "im2col_order": N_("mixes up the channels: flattens the patches channel-first but the kernel channel-last"),
    "flip": N_("flips the kernel (true convolution); a CNN layer cross-correlates, it does not flip"),
}

# Mistakes that mix up the spatial axes: with one axis they compute the right thing.
ACROSS_AXES = {"first_padding_everywhere", "stride_first_axis_everywhere", "stride_first_axis_only",
               "dilation_first_axis_everywhere", "kernel_transposed"}


def applies(bug: str, nsp: int) -> bool:
    """Whether the mistake can show with nsp spatial axes (the flat padding form is 2D only)."""
    if bug == "flat_misread":
        return nsp == 2
    return nsp > 1 or bug not in ACROSS_AXES


def conv_mutants(nsp: int) -> list[Mutant]:
    """The wrong versions of convNd, for its mutants.py."""
    return [Mutant(bug, text, {f"conv{nsp}d": wrong_conv(nsp, bug)})
            for bug, text in DESCRIPTIONS.items() if applies(bug, nsp)]

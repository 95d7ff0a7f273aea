"""Realistic wrong versions of conv2d_backward: one loop-based implementation, one bug per switch."""
import numpy as np

from exercises.shared.gradients import as_batches
from grader.pack import Mutant, N_
from reference.padding import resolve_padding, to_tuple


def _backward(dout, x, kernel, stride=1, padding="valid", dilation=1, bug=""):
    gb, xb, batched = as_batches(dout, x)
    kernel = np.asarray(kernel, dtype=np.float64)
    n, height, width, _ = xb.shape
    kh, kw = kernel.shape[:2]
    (sh, sw), (dh, dw) = to_tuple(stride, 2), to_tuple(dilation, 2)
    pads = resolve_padding(padding, (height, width), (kh, kw), (sh, sw), (dh, dw))
    if bug == "same_before" and isinstance(padding, str) and padding.lower() == "same":
        pads = tuple((after, before) for before, after in pads)
    (pt, pb), (pl, pr) = pads
    xp = np.pad(xb, [(0, 0), (pt, pb), (pl, pr), (0, 0)])
    dxp = np.zeros_like(xp)
    dkernel = np.zeros_like(kernel)
    taps = kernel[::-1, ::-1] if bug == "dx_kernel_not_flipped" else kernel
    if bug == "dilation_ignored":
        dh = dw = 1
    for i in range(gb.shape[1]):
        for j in range(gb.shape[2]):
            rows = slice(i * sh, i * sh + (kh - 1) * dh + 1, dh)
            cols = slice(j * sw, j * sw + (kw - 1) * dw + 1, dw)
            g = gb[:, i, j, :]                                      # (N, K)
            dkernel += np.einsum("nhwc,nk->hwck", xp[:, rows, cols, :], g)
            if bug == "stride_ignored_in_dx":
                rows = slice(i, i + (kh - 1) * dh + 1, dh)
                cols = slice(j, j + (kw - 1) * dw + 1, dw)
            dxp[:, rows, cols, :] += np.einsum("nk,hwck->nhwc", g, taps)
    dbias = gb.sum(axis=(0, 1, 2))
    if bug == "averaged":
        dkernel, dbias = dkernel / n, dbias / n
    if bug == "dbias_mean_positions":
        dbias = gb.sum(axis=0).mean(axis=(0, 1))
    if bug == "not_cropped":
        dx = dxp
    elif bug == "crop_end":
        dx = dxp[:, :height, :width]
    elif bug == "slice_zero":
        dx = dxp[:, pt:-pb, pl:-pr]
    else:
        dx = dxp[:, pt:pt + height, pl:pl + width]
    return (dx if batched else dx[0]), dkernel, dbias


def _wrong(bug):
    def conv2d_backward(dout, x, kernel, stride=1, padding="valid", dilation=1):
        return _backward(dout, x, kernel, stride, padding, dilation, bug)
    return {"conv2d_backward": conv2d_backward}


# Each mistake with the misconception behind it.
MISTAKES = {
    "averaged": N_("divides dkernel and dbias by the batch size: the gradients of a batch are summed, not averaged"),
    "dx_kernel_not_flipped": N_("computes dx without flipping the kernel: dx is the full convolution of dout with "
                             "the kernel (a correlation with the kernel rotated by 180 degrees)"),
    "not_cropped": N_("returns the gradient of the padded input: the padding must be cropped from dx"),
    "crop_end": N_("crops the padding from the end only (dxp[:H, :W]) instead of taking off the top/left padding too"),
    "slice_zero": N_("crops with dxp[top:-bottom, left:-right], which is empty when an amount is 0"),
    "dbias_mean_positions": N_("averages dbias over the output positions instead of summing them"),
    "stride_ignored_in_dx": N_("scatters output (i, j) back to x at (i, j) instead of (i * stride, j * stride) when "
                            "computing dx"),
    "dilation_ignored": N_("ignores the dilation: takes contiguous windows instead of every d-th cell"),
    "same_before": N_("'same' puts the extra row/column of an odd total padding before instead of after, so dx is "
                   "cropped one cell off"),
}

MUTANTS = [Mutant(bug, text, _wrong(bug)) for bug, text in MISTAKES.items()]

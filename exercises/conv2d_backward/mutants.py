"""Realistic wrong versions of conv2d_backward: one loop-based implementation, one bug per switch."""
import numpy as np

from grader.pack import Mutant
from reference.padding import resolve_padding, to_tuple


def _backward(dout, x, kernel, stride=1, padding="valid", dilation=1, bug=""):
    x = np.asarray(x, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    dout = np.asarray(dout, dtype=np.float64)
    batched = x.ndim == 4
    xb = x if batched else x[np.newaxis]
    gb = dout if batched else dout[np.newaxis]
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


MUTANTS = [
    Mutant("averaged", "divides dkernel and dbias by the batch size: the gradients of a batch are summed, "
           "not averaged", _wrong("averaged")),
    Mutant("dx_kernel_not_flipped", "computes dx without flipping the kernel: dx is the full convolution "
           "of dout with the kernel (a correlation with the kernel rotated by 180 degrees)",
           _wrong("dx_kernel_not_flipped")),
    Mutant("not_cropped", "returns the gradient of the padded input: the padding must be cropped from dx",
           _wrong("not_cropped")),
    Mutant("crop_end", "crops the padding from the end only (dxp[:H, :W]) instead of taking off "
           "the top/left padding too", _wrong("crop_end")),
    Mutant("slice_zero", "crops with dxp[top:-bottom, left:-right], which is empty when an amount is 0",
           _wrong("slice_zero")),
    Mutant("dbias_mean_positions", "averages dbias over the output positions instead of summing them",
           _wrong("dbias_mean_positions")),
    Mutant("stride_ignored_in_dx", "scatters output (i, j) back to x at (i, j) instead of "
           "(i * stride, j * stride) when computing dx", _wrong("stride_ignored_in_dx")),
    Mutant("dilation_ignored", "ignores the dilation: takes contiguous windows instead of every d-th cell",
           _wrong("dilation_ignored")),
    Mutant("same_before", "'same' puts the extra row/column of an odd total padding before instead of "
           "after, so dx is cropped one cell off", _wrong("same_before")),
]

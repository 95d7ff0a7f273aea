"""conv_backward_averaged: what this submission writes differently from good/cnn.py (see examples/assemble.py)."""
import numpy as np


def conv2d_backward(dout, x, kernel, stride=1, padding='valid', dilation=1):
    xb, added = _add_batch(x, 3)
    xb = xb.astype(np.float64)
    dout = np.asarray(dout, dtype=np.float64)
    if added:
        dout = dout[np.newaxis]
    kernel = np.asarray(kernel, dtype=np.float64)
    kh, kw, _, _ = kernel.shape
    sh, sw = _as_tuple(stride, 2, "stride")
    dh, dw = _as_tuple(dilation, 2, "dilation")
    n, h, w, _ = xb.shape
    (pt, pb), (pl, pr) = _conv_pads(padding, 2, (h, w), (kh, kw), (sh, sw), (dh, dw))
    xp = np.pad(xb, [(0, 0), (pt, pb), (pl, pr), (0, 0)])
    span_h = (kh - 1) * dh + 1
    span_w = (kw - 1) * dw + 1

    dxp = np.zeros_like(xp)
    dkernel = np.zeros_like(kernel)
    out_h, out_w = dout.shape[1], dout.shape[2]
    for i in range(out_h):
        for j in range(out_w):
            rows = slice(i * sh, i * sh + span_h, dh)
            cols = slice(j * sw, j * sw + span_w, dw)
            g = dout[:, i, j, :]                                  # (N, K)
            window = xp[:, rows, cols, :]                         # (N, KH, KW, C)
            dkernel += np.einsum("nhwc,nk->hwck", window, g)
            dxp[:, rows, cols, :] += np.einsum("nk,hwck->nhwc", g, kernel)
    # the loss is a mean over the batch, so average the parameter gradients
    dkernel = dkernel / n
    dbias = dout.sum(axis=(0, 1, 2)) / n
    dx = dxp[:, pt:pt + h, pl:pl + w, :]
    return (dx[0] if added else dx), dkernel, dbias

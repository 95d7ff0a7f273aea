"""conv2d_no_bias: what this submission writes differently from good/cnn.py (see examples/assemble.py)."""
import numpy as np


def conv2d(x, kernel, bias=None, stride=1, padding='valid', dilation=1):
    xb, added = _add_batch(x, 3)
    xb = xb.astype(np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    kh, kw, _, n_filters = kernel.shape
    sh, sw = _as_tuple(stride, 2, "stride")
    dh, dw = _as_tuple(dilation, 2, "dilation")
    n, h, w, _ = xb.shape
    (pt, pb), (pl, pr) = _conv_pads(padding, 2, (h, w), (kh, kw), (sh, sw), (dh, dw))
    xp = np.pad(xb, [(0, 0), (pt, pb), (pl, pr), (0, 0)])

    out_h = _out_size(h, kh, sh, dh, pt, pb)
    out_w = _out_size(w, kw, sw, dw, pl, pr)
    span_h = (kh - 1) * dh + 1
    span_w = (kw - 1) * dw + 1

    out = np.zeros((n, out_h, out_w, n_filters))
    for i in range(out_h):
        for j in range(out_w):
            r, c = i * sh, j * sw
            window = xp[:, r:r + span_h:dh, c:c + span_w:dw, :]   # (N, KH, KW, C)
            out[:, i, j, :] = np.tensordot(window, kernel, axes=([1, 2, 3], [0, 1, 2]))
    return out[0] if added else out

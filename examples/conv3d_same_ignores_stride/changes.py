"""conv3d_same_ignores_stride: what this submission writes differently from good/cnn.py (see examples/assemble.py)."""
import numpy as np


def conv3d(x, kernel, bias=None, stride=1, padding='valid', dilation=1):
    xb, added = _add_batch(x, 4)                       # (N, D, H, W, C)
    xb = xb.astype(np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)      # (KD, KH, KW, C, K)
    ks = kernel.shape[:3]
    strides = _as_tuple(stride, 3, "stride")
    dils = _as_tuple(dilation, 3, "dilation")
    sizes = xb.shape[1:4]
    if padding == 'same':
        # enough zeros for the kernel to fit at every position: (k - 1) * d in all
        pads = [((k - 1) * d // 2, (k - 1) * d - (k - 1) * d // 2) for k, d in zip(ks, dils)]
    else:
        pads = _conv_pads(padding, 3, sizes, ks, strides, dils)
    xp = np.pad(xb, [(0, 0)] + list(pads) + [(0, 0)])
    outs = [_out_size(n, k, s, d, b, a)
            for n, k, s, d, (b, a) in zip(sizes, ks, strides, dils, pads)]

    out = np.zeros((xb.shape[0], *outs, kernel.shape[4]))
    # Loop over the kernel taps: each tap sees a strided sub-grid of the input.
    for tap in itertools.product(*(range(k) for k in ks)):
        index = [slice(None)]
        for t, d, s, o in zip(tap, dils, strides, outs):
            start = t * d
            index.append(slice(start, start + (o - 1) * s + 1, s))
        patch = xp[tuple(index)]                       # (N, D2, H2, W2, C)
        out += np.einsum("ndhwc,ck->ndhwk", patch, kernel[tap])
    if bias is not None:
        out = out + np.asarray(bias, dtype=np.float64)
    return out[0] if added else out

"""avg_pool_counts_padding: what this submission writes differently from good/cnn.py (see examples/assemble.py)."""
import numpy as np


def avg_pool2d(x, pool_size=2, strides=None, padding='valid'):
    xb, added, (ph, pw), (sh, sw), pads, (out_h, out_w) = _pool_setup(
        x, pool_size, strides, padding)
    xb = xb.astype(np.float64)
    widths = [(0, 0), pads[0], pads[1], (0, 0)]
    xp = np.pad(xb, widths)
    out = np.empty((xb.shape[0], out_h, out_w, xb.shape[3]))
    for i in range(out_h):
        for j in range(out_w):
            rows = slice(i * sh, i * sh + ph)
            cols = slice(j * sw, j * sw + pw)
            out[:, i, j, :] = xp[:, rows, cols, :].mean(axis=(1, 2))
    return out[0] if added else out

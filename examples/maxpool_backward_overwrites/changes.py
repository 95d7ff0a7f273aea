"""maxpool_backward_overwrites: what this submission writes differently from good/cnn.py (see examples/assemble.py)."""
import numpy as np


def max_pool2d_backward(dout, x, pool_size=2, strides=None, padding='valid'):
    xb, added, (ph, pw), (sh, sw), pads, (out_h, out_w) = _pool_setup(
        x, pool_size, strides, padding)
    xb = xb.astype(np.float64)
    dout = np.asarray(dout, dtype=np.float64)
    if added:
        dout = dout[np.newaxis]
    n, h, w, c = xb.shape
    xp = np.pad(xb, [(0, 0), pads[0], pads[1], (0, 0)], constant_values=-np.inf)
    dxp = np.zeros(xp.shape)
    batch_idx, chan_idx = np.meshgrid(np.arange(n), np.arange(c), indexing="ij")
    for i in range(out_h):
        for j in range(out_w):
            r, col = i * sh, j * sw
            window = xp[:, r:r + ph, col:col + pw, :].reshape(n, ph * pw, c)
            # argmax picks the first of tied cells: the whole gradient goes there.
            best = window.argmax(axis=1)                          # (N, C)
            rows = r + best // pw
            cols = col + best % pw
            dxp[batch_idx, rows, cols, chan_idx] = dout[:, i, j, :]
    dx = dxp[:, pads[0][0]:pads[0][0] + h, pads[1][0]:pads[1][0] + w, :]
    return dx[0] if added else dx

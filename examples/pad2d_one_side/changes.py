"""pad2d_one_side: what this submission writes differently from good/cnn.py (see examples/assemble.py)."""
import numpy as np


def pad2d(x, padding):
    x = np.asarray(x)
    (top, bottom), (left, right) = _explicit_pads(padding, 2)
    if x.ndim in (2, 3):          # (H, W) or (H, W, C)
        h_axis = 0
    elif x.ndim == 4:             # (N, H, W, C)
        h_axis = 1
    else:
        raise ValueError("pad2d expects (H, W), (H, W, C) or (N, H, W, C)")
    widths = [(0, 0)] * x.ndim
    # all the padding of an axis goes at its end
    widths[h_axis] = (0, top + bottom)
    widths[h_axis + 1] = (0, left + right)
    return np.pad(x, widths, mode="constant", constant_values=0)

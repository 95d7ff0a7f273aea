"""conv1d_padding_passed_to_conv2d: what this submission writes differently from good/cnn.py (see examples/assemble.py)."""
import numpy as np


def conv1d(x, kernel, bias=None, stride=1, padding='valid', dilation=1):
    xb, added = _add_batch(x, 2)                       # (N, L, C)
    kernel = np.asarray(kernel)
    (s,) = _as_tuple(stride, 1, "stride")
    (d,) = _as_tuple(dilation, 1, "dilation")
    # A 1D convolution is a 2D one on images of height 1.
    out = conv2d(xb[:, np.newaxis], kernel[np.newaxis], bias,
                 stride=(1, s), padding=padding, dilation=(1, d))
    out = out[:, 0]
    return out[0] if added else out

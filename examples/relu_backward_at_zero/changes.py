"""relu_backward_at_zero: what this submission writes differently from good/cnn.py (see examples/assemble.py)."""
import numpy as np


def relu_backward(dout, x):
    dout = np.asarray(dout)
    x = np.asarray(x)
    return np.where(x >= 0, dout, 0)

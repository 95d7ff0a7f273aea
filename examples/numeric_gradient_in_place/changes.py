"""numeric_gradient_in_place: what this submission writes differently from good/cnn.py (see examples/assemble.py)."""
import numpy as np


def numeric_gradient(f, x, h=1e-5):
    grad = np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        x[idx] += h                           # nudge one element up...
        f_plus = float(f(x))
        x[idx] -= 2 * h                       # ...and down
        f_minus = float(f(x))
        grad[idx] = (f_plus - f_minus) / (2 * h)
    return grad

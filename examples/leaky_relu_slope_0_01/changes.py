"""leaky_relu_slope_0_01: what this submission writes differently from good/cnn.py (see examples/assemble.py)."""
import numpy as np


def leaky_relu(x, negative_slope=0.01):
    x = np.asarray(x)
    return np.where(x > 0, x, negative_slope * x)

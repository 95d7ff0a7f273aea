"""Element-wise activations (any shape in, the same shape out, float64)."""

from __future__ import annotations

import numpy as np


def relu(x: np.ndarray) -> np.ndarray:
    """max(x, 0) element-wise; x of any shape -> same shape, float64."""
    x = np.asarray(x, dtype=np.float64)
    return np.where(x > 0, x, 0.0)


def leaky_relu(x: np.ndarray, negative_slope: float = 0.3) -> np.ndarray:
    """x where x >= 0, negative_slope * x elsewhere (Keras' default slope 0.3).

    x of any shape -> same shape, float64.
    """
    x = np.asarray(x, dtype=np.float64)
    return np.where(x >= 0, x, negative_slope * x)

"""The trusted answers of image_kernels: 3x3 kernels applied with zero padding, same size out."""
from __future__ import annotations

import numpy as np

SHARPEN = np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], dtype=np.float64)
EDGE = np.array([[0, -1, 0], [-1, 4, -1], [0, -1, 0]], dtype=np.float64)
STRONG_EDGE = np.array([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]], dtype=np.float64)


def filter3x3(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Cross-correlation of an (H, W) image with a 3x3 kernel, zero padding of 1: (H, W) out."""
    padded = np.pad(np.asarray(image, dtype=np.float64), 1)
    windows = np.lib.stride_tricks.sliding_window_view(padded, (3, 3))
    return np.einsum("ijab,ab->ij", windows, kernel)


def sharpen(image: np.ndarray) -> np.ndarray:
    return filter3x3(image, SHARPEN)


def edge_detect(image: np.ndarray) -> np.ndarray:
    return filter3x3(image, EDGE)


def strong_edge_detect(image: np.ndarray) -> np.ndarray:
    return filter3x3(image, STRONG_EDGE)

"""The course's own numbers (docs/EXERCISES.md, "Golden checks from the course"), shared by the checks."""
import numpy as np

IMAGE = np.array([
    [1, 0, 0, 0, 0, 1],
    [0, 1, 0, 0, 1, 0],
    [0, 0, 1, 1, 0, 0],
    [1, 0, 0, 0, 1, 0],
    [0, 1, 0, 0, 1, 0],
    [0, 0, 1, 0, 1, 0],
], dtype=np.float64)
FILTER1 = np.array([[1, -1, -1], [-1, 1, -1], [-1, -1, 1]], dtype=np.float64)
FILTER2 = np.array([[-1, 1, -1], [-1, 1, -1], [-1, 1, -1]], dtype=np.float64)
MAP1 = np.array([[3, -1, -3, -1], [-3, 1, 0, -3], [-3, -3, 0, 1], [3, -2, -2, -1]], dtype=np.float64)
MAP2 = np.array([[-1, -1, -1, -1], [-1, -1, -2, 1], [-1, -1, -2, 1], [-1, 0, -4, 3]], dtype=np.float64)
RELU_MAP1 = np.array([[3, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [3, 0, 0, 0]], dtype=np.float64)
POOLED_MAP1 = np.array([[3, 0], [3, 1]], dtype=np.float64)

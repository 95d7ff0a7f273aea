"""Forward pass of the course model in NumPy, with weights from keras model.get_weights().

Conv2D(32, 3x3, relu, 'same') -> MaxPooling2D(2x2) -> Flatten -> Dense(100, relu)
-> Dense(10, softmax).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .activations import relu
from .conv import conv2d
from .pooling import max_pool2d
from .shapes import flatten

_CHUNK = 256


def softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise softmax of z (N, K) -> (N, K); shifting by the row max avoids overflow."""
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def cnn_forward(x: np.ndarray, weights: Sequence[np.ndarray]) -> np.ndarray:
    """Class probabilities of the course model.

    x (N, 28, 28, 1) pixels in [0, 1]; weights = [conv kernel (3, 3, 1, 32), conv bias (32,),
    dense kernel (6272, 100), dense bias (100,), output kernel (100, 10), output bias (10,)]
    -> (N, 10) float64, each row summing to 1.
    """
    if len(weights) != 6:
        raise ValueError(f"cnn_forward expects the 6 arrays of model.get_weights(), got "
                         f"{len(weights)}")
    ck, cb, dk, dbias, ok, ob = (np.asarray(w, dtype=np.float64) for w in weights)
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 4:
        raise ValueError(f"cnn_forward: x must be (N, 28, 28, 1), got shape {x.shape}")
    # Chunks bound the conv feature maps (N x 28 x 28 x 32 float64) when N is a whole test set.
    chunks = []
    for start in range(0, x.shape[0], _CHUNK):
        h = relu(conv2d(x[start:start + _CHUNK], ck, cb, padding="same"))
        h = flatten(max_pool2d(h, 2))
        h = relu(h @ dk + dbias)
        chunks.append(softmax(h @ ok + ob))
    if not chunks:
        return np.zeros((0, ob.shape[0]))
    return np.concatenate(chunks, axis=0)

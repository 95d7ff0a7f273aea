"""The trusted NumPy reference for every exercise of docs/EXERCISES.md (float64, never in place)."""

from .activations import leaky_relu, relu
from .backward import (avg_pool2d_backward, conv2d_backward, max_pool2d_backward,
                       numeric_gradient, relu_backward)
from .conv import conv1d, conv2d, conv3d, convolve2d, correlate2d
from .model import cnn_forward
from .padding import pad2d
from .pooling import avg_pool2d, max_pool2d
from .shapes import (conv_output_shape, conv_param_count, dense_param_count, flatten,
                     pool_output_shape)

__all__ = [
    "correlate2d", "convolve2d", "pad2d", "conv2d", "conv1d", "conv3d",
    "relu", "leaky_relu", "max_pool2d", "avg_pool2d", "flatten",
    "conv_output_shape", "pool_output_shape", "conv_param_count", "dense_param_count",
    "conv2d_backward", "relu_backward", "max_pool2d_backward", "avg_pool2d_backward",
    "numeric_gradient", "cnn_forward",
]

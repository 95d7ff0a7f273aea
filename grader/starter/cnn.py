"""CNN exercises: your solutions go in this file.

Fill in each function below (replace `raise NotImplementedError` with your code),
then run

    cnngrade check .

in this folder to grade the visible checks. A function that is missing, raises
NotImplementedError or returns None scores zero on the checks that call it and
nothing else, so you can work through the exercises one at a time.

Rules
- Import only numpy and the Python standard library. Imports of tensorflow, keras,
  scipy, torch (or cnngrade) are refused by the grader, and the functions that need
  them fail their checks.
- No function may modify its arguments in place (this is checked): work on copies
  (np.pad, x.copy(), x + 0, ...) instead.
- You may put helpers in other .py files of this folder and import them from here.
- model.keras, your trained MNIST model (exercise mnist_cnn), belongs in this same
  folder, next to cnn.py.

Conventions (Keras, channels last)
- image (H, W) or (H, W, C); batch (N, H, W, C); 1D signal (L, C) or (N, L, C);
  volume (D, H, W, C) or (N, D, H, W, C).
- kernels: 2D (KH, KW, C, K), 1D (KL, C, K), 3D (KD, KH, KW, C, K); bias (K,).
- "convolution" in a CNN layer is cross-correlation (no kernel flip).
- stride, dilation, pool_size, strides, kernel_size: an int (the same on every
  spatial axis) or a tuple with one int per spatial axis. stride > 1 and
  dilation > 1 are never asked together.
- A conv padding is 'valid', 'same', an int, one int per spatial axis, or one
  (before, after) pair per spatial axis; in 2D also the flat (top, bottom, left, right).
- 'same' follows TensorFlow, per spatial axis with input size n, kernel size k,
  stride s, dilation d:
      out = ceil(n / s)
      total padding = max((out - 1) * s + (k - 1) * d + 1 - n, 0)
      before = total // 2, after = total - before   (the larger half after)
- Output size per axis with explicit padding (before, after):
      out = (n + before + after - ((k - 1) * d + 1)) // s + 1
- Results are NumPy arrays compared by value with tolerance
  |got - expected| <= 1e-5 * max(1, max|expected|); float32 arithmetic passes.
"""

import numpy as np


# ---------------------------------------------------------------------------
# correlate2d, convolve2d
# ---------------------------------------------------------------------------

def correlate2d(image, kernel):
    """Cross-correlation of a single-channel image, 'valid', stride 1.

    image (H, W), kernel (KH, KW) -> (H - KH + 1, W - KW + 1), where
    out[i, j] = sum(image[i:i+KH, j:j+KW] * kernel).
    """
    raise NotImplementedError


def convolve2d(image, kernel):
    """True convolution (kernel flipped on both axes), 'valid', stride 1.

    image (H, W), kernel (KH, KW) -> (H - KH + 1, W - KW + 1);
    equals correlate2d(image, kernel[::-1, ::-1]).
    """
    raise NotImplementedError


# ---------------------------------------------------------------------------
# pad2d
# ---------------------------------------------------------------------------

def pad2d(x, padding):
    """Zero padding of the two spatial axes.

    x: (H, W), (H, W, C) or (N, H, W, C); the channel and batch axes are not padded.
    padding: an int p (p on all four sides), (ph, pw) (ph top and bottom, pw left
    and right), ((top, bottom), (left, right)), or the flat (top, bottom, left, right).
    Returns (H + top + bottom, W + left + right, ...) shaped like x otherwise.
    """
    raise NotImplementedError


# ---------------------------------------------------------------------------
# conv2d, conv1d, conv3d
# ---------------------------------------------------------------------------

def conv2d(x, kernel, bias=None, stride=1, padding='valid', dilation=1):
    """2D convolution layer (cross-correlation), as keras.layers.Conv2D.

    x (H, W, C) or (N, H, W, C); kernel (KH, KW, C, K); bias (K,) or None (no bias).
    stride, dilation: int or (sh, sw) / (dh, dw).
    padding: 'valid', 'same' (TensorFlow rule, see the module docstring), an int,
    (ph, pw), ((top, bottom), (left, right)) or (top, bottom, left, right).
    Returns (H2, W2, K), or (N, H2, W2, K) for a batched x, where
    out[n, i, j, k] = sum over a, b, c of
        xpad[n, i*sh + a*dh, j*sw + b*dw, c] * kernel[a, b, c, k]  (+ bias[k]).
    """
    raise NotImplementedError


def conv1d(x, kernel, bias=None, stride=1, padding='valid', dilation=1):
    """1D convolution layer, as keras.layers.Conv1D.

    x (L, C) or (N, L, C); kernel (KL, C, K); bias (K,) or None.
    stride, dilation: int or (s,) / (d,).
    padding: 'valid', 'same', an int, (p,), or ((before, after),).
    Returns (L2, K) or (N, L2, K).
    """
    raise NotImplementedError


def conv3d(x, kernel, bias=None, stride=1, padding='valid', dilation=1):
    """3D convolution layer, as keras.layers.Conv3D.

    x (D, H, W, C) or (N, D, H, W, C); kernel (KD, KH, KW, C, K); bias (K,) or None.
    stride, dilation: int or a 3-tuple.
    padding: 'valid', 'same', an int, (pd, ph, pw), or three (before, after) pairs.
    Returns (D2, H2, W2, K) or (N, D2, H2, W2, K).
    """
    raise NotImplementedError


# ---------------------------------------------------------------------------
# Activations
# ---------------------------------------------------------------------------

def relu(x):
    """max(x, 0) element-wise; same shape as x."""
    raise NotImplementedError


def leaky_relu(x, negative_slope=0.3):
    """x where x > 0, negative_slope * x elsewhere (0.3 is Keras' default slope;
    slopes are between 0 and 1). Same shape as x."""
    raise NotImplementedError


# ---------------------------------------------------------------------------
# Pooling
# ---------------------------------------------------------------------------

def max_pool2d(x, pool_size=2, strides=None, padding='valid'):
    """Max pooling, as keras.layers.MaxPooling2D / tf.nn.max_pool2d.

    x (H, W, C) or (N, H, W, C); pool_size, strides: int or (ph, pw) / (sh, sw);
    strides=None means strides = pool_size. padding 'valid' or 'same' only.
    'valid': out = (n - p) // s + 1.  'same': out = ceil(n / s), total padding
    max((out - 1) * s + p - n, 0), smaller half before; the padded cells are
    ignored (they never win the maximum).
    Returns (H2, W2, C) or (N, H2, W2, C).
    """
    raise NotImplementedError


def avg_pool2d(x, pool_size=2, strides=None, padding='valid'):
    """Average pooling, as keras.layers.AveragePooling2D / tf.nn.avg_pool2d.

    Same arguments and output shape as max_pool2d. With 'same', each window's sum
    is divided by the number of real (not padded) cells in it.
    """
    raise NotImplementedError


def flatten(x):
    """(N, ...) -> (N, prod(rest)) in row-major (C) order, as keras.layers.Flatten."""
    raise NotImplementedError


# ---------------------------------------------------------------------------
# Shapes and parameter counts
# ---------------------------------------------------------------------------

def conv_output_shape(input_shape, filters, kernel_size, strides=1, padding='valid',
                      dilation_rate=1):
    """Output shape of Conv2D(filters, kernel_size, strides, padding, dilation_rate)
    on an input of shape (H, W, C).

    kernel_size, strides, dilation_rate: int or a pair; padding: any conv2d form.
    Returns the tuple of ints (H2, W2, filters).
    Example: conv_output_shape((32, 32, 3), 6, 5) == (28, 28, 6).
    """
    raise NotImplementedError


def pool_output_shape(input_shape, pool_size=2, strides=None, padding='valid'):
    """Output shape of MaxPooling2D(pool_size, strides, padding) on (H, W, C).

    strides=None means strides = pool_size; padding 'valid' or 'same'.
    Returns the tuple of ints (H2, W2, C).
    """
    raise NotImplementedError


def conv_param_count(kernel_size, in_channels, filters, use_bias=True):
    """Number of trainable parameters of a Conv2D layer (an int).

    kernel_size: an int k for k x k, or (kh, kw). Weights kh*kw*in_channels*filters,
    plus one bias per filter when use_bias.
    """
    raise NotImplementedError


def dense_param_count(in_features, units, use_bias=True):
    """Number of trainable parameters of a Dense layer (an int):
    in_features * units weights, plus one bias per unit when use_bias.
    Example: dense_param_count(1024, 100, use_bias=False) == 102400.
    """
    raise NotImplementedError


# ---------------------------------------------------------------------------
# Backward passes
# ---------------------------------------------------------------------------

def conv2d_backward(dout, x, kernel, stride=1, padding='valid', dilation=1):
    """Gradients of conv2d(x, kernel, bias, stride, padding, dilation).

    dout: dLoss/d(output), shaped like conv2d's output ((H2, W2, K) for x (H, W, C),
    (N, H2, W2, K) for x (N, H, W, C)). stride, padding, dilation: as in conv2d.
    Returns (dx, dkernel, dbias) shaped like x, kernel and (K,); dkernel and dbias
    are summed over the batch. Gradients that land on padded cells are dropped.
    """
    raise NotImplementedError


def relu_backward(dout, x):
    """dx = dout where x > 0, else 0 (the gradient at exactly x == 0 is 0).
    Same shape as x."""
    raise NotImplementedError


def max_pool2d_backward(dout, x, pool_size=2, strides=None, padding='valid'):
    """Gradient of max_pool2d(x, pool_size, strides, padding) w.r.t. x.

    dout is shaped like max_pool2d's output. Each window sends its whole gradient
    to the cell holding its maximum; if several cells tie for the maximum, all of it
    goes to one of them. Overlapping windows accumulate (+=). Returns dx shaped like x.
    """
    raise NotImplementedError


def avg_pool2d_backward(dout, x, pool_size=2, strides=None, padding='valid'):
    """Gradient of avg_pool2d(x, pool_size, strides, padding) w.r.t. x.

    Each window shares its gradient equally among its real cells (divided by the
    number of real cells, as in the forward pass). Overlapping windows accumulate.
    Returns dx shaped like x.
    """
    raise NotImplementedError


# ---------------------------------------------------------------------------
# Gradient checking
# ---------------------------------------------------------------------------

def numeric_gradient(f, x, h=1e-5):
    """Numerical gradient of a scalar function f at a float64 array x.

    For every element i: (f(x + h e_i) - f(x - h e_i)) / (2h), central differences.
    Returns an array shaped like x; x itself must be left unchanged.
    """
    raise NotImplementedError


# ---------------------------------------------------------------------------
# The course model
# ---------------------------------------------------------------------------

def cnn_forward(x, weights):
    """Forward pass of the course model, in NumPy:

        Conv2D(32, (3, 3), activation='relu', padding='same')
        MaxPooling2D((2, 2))
        Flatten()
        Dense(100, activation='relu')
        Dense(10, activation='softmax')

    x: (N, 28, 28, 1), pixels in [0, 1].
    weights: as model.get_weights() returns them: conv kernel (3, 3, 1, 32),
    conv bias (32,), dense kernel (6272, 100), dense bias (100,),
    output kernel (100, 10), output bias (10,).
    Returns (N, 10) softmax probabilities (each row sums to 1).
    Must be fast: 1000 images in well under 5 seconds (vectorise).
    """
    raise NotImplementedError

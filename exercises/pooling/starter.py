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

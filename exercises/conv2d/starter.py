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

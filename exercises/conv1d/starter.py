def conv1d(x, kernel, bias=None, stride=1, padding='valid', dilation=1):
    """1D convolution layer, as keras.layers.Conv1D.

    x (L, C) or (N, L, C); kernel (KL, C, K); bias (K,) or None.
    stride, dilation: int or (s,) / (d,).
    padding: 'valid', 'same', an int, (p,), or ((before, after),).
    Returns (L2, K) or (N, L2, K).
    """
    raise NotImplementedError

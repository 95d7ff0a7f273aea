def conv3d(x, kernel, bias=None, stride=1, padding='valid', dilation=1):
    """3D convolution layer, as keras.layers.Conv3D.

    x (D, H, W, C) or (N, D, H, W, C); kernel (KD, KH, KW, C, K); bias (K,) or None.
    stride, dilation: int or a 3-tuple.
    padding: 'valid', 'same', an int, (pd, ph, pw), or three (before, after) pairs.
    Returns (D2, H2, W2, K) or (N, D2, H2, W2, K).
    """
    raise NotImplementedError

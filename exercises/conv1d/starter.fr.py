def conv1d(x, kernel, bias=None, stride=1, padding='valid', dilation=1):
    """Couche de convolution 1D, comme keras.layers.Conv1D.

    x (L, C) ou (N, L, C) ; kernel (KL, C, K) ; bias (K,) ou None.
    stride, dilation : entier ou (s,) / (d,).
    padding : 'valid', 'same', un entier, (p,) ou ((before, after),).
    Renvoie (L2, K) ou (N, L2, K).
    """
    raise NotImplementedError

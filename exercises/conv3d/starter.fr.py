def conv3d(x, kernel, bias=None, stride=1, padding='valid', dilation=1):
    """Couche de convolution 3D, comme keras.layers.Conv3D.

    x (D, H, W, C) ou (N, D, H, W, C) ; kernel (KD, KH, KW, C, K) ; bias (K,) ou None.
    stride, dilation : entier ou tuple de 3 entiers.
    padding : 'valid', 'same', un entier, (pd, ph, pw) ou trois couples (before, after).
    Renvoie (D2, H2, W2, K) ou (N, D2, H2, W2, K).
    """
    raise NotImplementedError

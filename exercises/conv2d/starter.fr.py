def conv2d(x, kernel, bias=None, stride=1, padding='valid', dilation=1):
    """Couche de convolution 2D (corrélation croisée), comme keras.layers.Conv2D.

    x (H, W, C) ou (N, H, W, C) ; kernel (KH, KW, C, K) ; bias (K,) ou None (sans biais).
    stride, dilation : entier ou (sh, sw) / (dh, dw).
    padding : 'valid', 'same' (règle de TensorFlow, voir la docstring du module), un entier,
    (ph, pw), ((top, bottom), (left, right)) ou (top, bottom, left, right).
    Renvoie (H2, W2, K), ou (N, H2, W2, K) pour un x en batch, où
    out[n, i, j, k] = sum over a, b, c of
        xpad[n, i*sh + a*dh, j*sw + b*dw, c] * kernel[a, b, c, k]  (+ bias[k]).
    """
    raise NotImplementedError

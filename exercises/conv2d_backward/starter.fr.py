def conv2d_backward(dout, x, kernel, stride=1, padding='valid', dilation=1):
    """Gradients de conv2d(x, kernel, bias, stride, padding, dilation).

    dout : dLoss/d(output), de la forme de la sortie de conv2d ((H2, W2, K) pour x (H, W, C),
    (N, H2, W2, K) pour x (N, H, W, C)). stride, padding, dilation : comme dans conv2d.
    Renvoie (dx, dkernel, dbias), de formes celles de x, de kernel et (K,) ; dkernel et dbias
    sont sommés sur le batch. Les gradients qui tombent sur des cases de padding sont abandonnés.
    """
    raise NotImplementedError

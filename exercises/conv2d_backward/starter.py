def conv2d_backward(dout, x, kernel, stride=1, padding='valid', dilation=1):
    """Gradients of conv2d(x, kernel, bias, stride, padding, dilation).

    dout: dLoss/d(output), shaped like conv2d's output ((H2, W2, K) for x (H, W, C),
    (N, H2, W2, K) for x (N, H, W, C)). stride, padding, dilation: as in conv2d.
    Returns (dx, dkernel, dbias) shaped like x, kernel and (K,); dkernel and dbias
    are summed over the batch. Gradients that land on padded cells are dropped.
    """
    raise NotImplementedError

def convolve2d(image, kernel):
    """True convolution (kernel flipped on both axes), 'valid', stride 1.

    image (H, W), kernel (KH, KW) -> (H - KH + 1, W - KW + 1);
    equals correlate2d(image, kernel[::-1, ::-1]).
    """
    raise NotImplementedError

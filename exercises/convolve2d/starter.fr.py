def convolve2d(image, kernel):
    """Vraie convolution (noyau retourné sur les deux axes), 'valid', stride 1.

    image (H, W), kernel (KH, KW) -> (H - KH + 1, W - KW + 1) ;
    égale à correlate2d(image, kernel[::-1, ::-1]).
    """
    raise NotImplementedError

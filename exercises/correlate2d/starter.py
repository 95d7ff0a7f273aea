def correlate2d(image, kernel):
    """Cross-correlation of a single-channel image, 'valid', stride 1.

    image (H, W), kernel (KH, KW) -> (H - KH + 1, W - KW + 1), where
    out[i, j] = sum(image[i:i+KH, j:j+KW] * kernel).
    """
    raise NotImplementedError

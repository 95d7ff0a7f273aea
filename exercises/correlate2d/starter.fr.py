def correlate2d(image, kernel):
    """Corrélation croisée d'une image à un canal, 'valid', stride 1.

    image (H, W), kernel (KH, KW) -> (H - KH + 1, W - KW + 1), où
    out[i, j] = sum(image[i:i+KH, j:j+KW] * kernel).
    """
    raise NotImplementedError

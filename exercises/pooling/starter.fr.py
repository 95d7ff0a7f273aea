def max_pool2d(x, pool_size=2, strides=None, padding='valid'):
    """Max pooling, comme keras.layers.MaxPooling2D / tf.nn.max_pool2d.

    x (H, W, C) ou (N, H, W, C) ; pool_size, strides : entier ou (ph, pw) / (sh, sw) ;
    strides=None veut dire strides = pool_size. padding 'valid' ou 'same' seulement.
    'valid' : out = (n - p) // s + 1.  'same' : out = ceil(n / s), padding total
    max((out - 1) * s + p - n, 0), la plus petite moitié avant ; les cases de padding sont
    ignorées (elles ne l'emportent jamais pour le maximum).
    Renvoie (H2, W2, C) ou (N, H2, W2, C).
    """
    raise NotImplementedError


def avg_pool2d(x, pool_size=2, strides=None, padding='valid'):
    """Average pooling, comme keras.layers.AveragePooling2D / tf.nn.avg_pool2d.

    Mêmes arguments et même forme de sortie que max_pool2d. Avec 'same', la somme de
    chaque fenêtre est divisée par le nombre de cases réelles (hors padding) qu'elle contient.
    """
    raise NotImplementedError

def conv_param_count(kernel_size, in_channels, filters, use_bias=True):
    """Nombre de paramètres entraînables d'une couche Conv2D (un entier).

    kernel_size : un entier k pour k x k, ou (kh, kw). Poids : kh*kw*in_channels*filters,
    plus un biais par filtre si use_bias.
    """
    raise NotImplementedError


def dense_param_count(in_features, units, use_bias=True):
    """Nombre de paramètres entraînables d'une couche Dense (un entier) :
    in_features * units poids, plus un biais par neurone si use_bias.
    Exemple : dense_param_count(1024, 100, use_bias=False) == 102400.
    """
    raise NotImplementedError

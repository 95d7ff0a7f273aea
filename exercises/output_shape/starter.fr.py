def conv_output_shape(input_shape, filters, kernel_size, strides=1, padding='valid',
                      dilation_rate=1):
    """Forme de sortie de Conv2D(filters, kernel_size, strides, padding, dilation_rate)
    sur une entrée de forme (H, W, C).

    kernel_size, strides, dilation_rate : entier ou couple ; padding : toute forme de conv2d.
    Renvoie le tuple d'entiers (H2, W2, filters).
    Exemple : conv_output_shape((32, 32, 3), 6, 5) == (28, 28, 6).
    """
    raise NotImplementedError


def pool_output_shape(input_shape, pool_size=2, strides=None, padding='valid'):
    """Forme de sortie de MaxPooling2D(pool_size, strides, padding) sur (H, W, C).

    strides=None veut dire strides = pool_size ; padding 'valid' ou 'same'.
    Renvoie le tuple d'entiers (H2, W2, C).
    """
    raise NotImplementedError

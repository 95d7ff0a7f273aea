def max_pool2d_backward(dout, x, pool_size=2, strides=None, padding='valid'):
    """Gradient de max_pool2d(x, pool_size, strides, padding) par rapport à x.

    dout a la forme de la sortie de max_pool2d. Chaque fenêtre envoie tout son gradient
    à la case qui contient son maximum ; si plusieurs cases sont ex aequo pour le maximum,
    il va tout entier à une seule d'entre elles. Les fenêtres qui se chevauchent s'accumulent
    (+=). Renvoie dx, de même forme que x.
    """
    raise NotImplementedError


def avg_pool2d_backward(dout, x, pool_size=2, strides=None, padding='valid'):
    """Gradient de avg_pool2d(x, pool_size, strides, padding) par rapport à x.

    Chaque fenêtre répartit son gradient à parts égales entre ses cases réelles (divisé par
    le nombre de cases réelles, comme dans la passe avant). Les fenêtres qui se chevauchent
    s'accumulent. Renvoie dx, de même forme que x.
    """
    raise NotImplementedError

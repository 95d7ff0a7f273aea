def relu(x):
    """max(x, 0) élément par élément ; de même forme que x."""
    raise NotImplementedError


def leaky_relu(x, negative_slope=0.3):
    """x là où x > 0, negative_slope * x ailleurs (0.3 est la pente par défaut de
    Keras ; les pentes sont entre 0 et 1). De même forme que x."""
    raise NotImplementedError

def relu(x):
    """max(x, 0) element-wise; same shape as x."""
    raise NotImplementedError


def leaky_relu(x, negative_slope=0.3):
    """x where x > 0, negative_slope * x elsewhere (0.3 is Keras' default slope;
    slopes are between 0 and 1). Same shape as x."""
    raise NotImplementedError

def relu_backward(dout, x):
    """dx = dout where x > 0, else 0 (the gradient at exactly x == 0 is 0).
    Same shape as x."""
    raise NotImplementedError

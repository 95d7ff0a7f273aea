def flatten(x):
    """(N, ...) -> (N, prod(rest)) in row-major (C) order, as keras.layers.Flatten."""
    raise NotImplementedError

def flatten(x):
    """(N, ...) -> (N, prod(rest)) en ordre row-major (ordre C), comme keras.layers.Flatten."""
    raise NotImplementedError

def numeric_gradient(f, x, h=1e-5):
    """Numerical gradient of a scalar function f at a float64 array x.

    For every element i: (f(x + h e_i) - f(x - h e_i)) / (2h), central differences.
    Returns an array shaped like x; x itself must be left unchanged.
    """
    raise NotImplementedError

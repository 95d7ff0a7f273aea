def max_pool2d_backward(dout, x, pool_size=2, strides=None, padding='valid'):
    """Gradient of max_pool2d(x, pool_size, strides, padding) w.r.t. x.

    dout is shaped like max_pool2d's output. Each window sends its whole gradient
    to the cell holding its maximum; if several cells tie for the maximum, all of it
    goes to one of them. Overlapping windows accumulate (+=). Returns dx shaped like x.
    """
    raise NotImplementedError


def avg_pool2d_backward(dout, x, pool_size=2, strides=None, padding='valid'):
    """Gradient of avg_pool2d(x, pool_size, strides, padding) w.r.t. x.

    Each window shares its gradient equally among its real cells (divided by the
    number of real cells, as in the forward pass). Overlapping windows accumulate.
    Returns dx shaped like x.
    """
    raise NotImplementedError

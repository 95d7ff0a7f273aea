def pad2d(x, padding):
    """Zero padding of the two spatial axes.

    x: (H, W), (H, W, C) or (N, H, W, C); the channel and batch axes are not padded.
    padding: an int p (p on all four sides), (ph, pw) (ph top and bottom, pw left
    and right), ((top, bottom), (left, right)), or the flat (top, bottom, left, right).
    Returns (H + top + bottom, W + left + right, ...) shaped like x otherwise.
    """
    raise NotImplementedError

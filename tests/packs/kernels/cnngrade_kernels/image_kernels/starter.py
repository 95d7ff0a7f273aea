def sharpen(image):
    """image (H, W) -> (H, W): cross-correlation with [[0,-1,0],[-1,5,-1],[0,-1,0]], zero padding 1."""
    raise NotImplementedError


def edge_detect(image):
    """image (H, W) -> (H, W): cross-correlation with [[0,-1,0],[-1,4,-1],[0,-1,0]], zero padding 1."""
    raise NotImplementedError


def strong_edge_detect(image):
    """image (H, W) -> (H, W): cross-correlation with [[-1,-1,-1],[-1,8,-1],[-1,-1,-1]], zero padding 1."""
    raise NotImplementedError

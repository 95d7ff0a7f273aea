def sharpen(image):
    """image (H, W) -> (H, W) : corrélation croisée avec [[0,-1,0],[-1,5,-1],[0,-1,0]], padding de zéros de 1."""
    raise NotImplementedError


def edge_detect(image):
    """image (H, W) -> (H, W) : corrélation croisée avec [[0,-1,0],[-1,4,-1],[0,-1,0]], padding de zéros de 1."""
    raise NotImplementedError


def strong_edge_detect(image):
    """image (H, W) -> (H, W) : corrélation croisée avec [[-1,-1,-1],[-1,8,-1],[-1,-1,-1]], padding de zéros de 1."""
    raise NotImplementedError

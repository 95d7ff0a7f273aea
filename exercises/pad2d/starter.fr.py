def pad2d(x, padding):
    """Padding de zéros des deux axes spatiaux.

    x : (H, W), (H, W, C) ou (N, H, W, C) ; les axes des canaux et du batch ne reçoivent pas de padding.
    padding : un entier p (p sur les quatre côtés), (ph, pw) (ph en haut et en bas, pw à gauche
    et à droite), ((top, bottom), (left, right)) ou la forme plate (top, bottom, left, right).
    Renvoie (H + top + bottom, W + left + right, ...), de la forme de x pour le reste.
    """
    raise NotImplementedError

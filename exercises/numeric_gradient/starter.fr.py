def numeric_gradient(f, x, h=1e-5):
    """Gradient numérique d'une fonction scalaire f en un tableau float64 x.

    Pour chaque élément i : (f(x + h e_i) - f(x - h e_i)) / (2h), différences centrées.
    Renvoie un tableau de même forme que x ; x lui-même doit rester inchangé.
    """
    raise NotImplementedError

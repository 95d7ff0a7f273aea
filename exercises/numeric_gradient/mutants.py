"""Realistic wrong versions of numeric_gradient."""
import numpy as np

from grader.pack import Mutant, N_


def _loop(f, x, h, difference):
    work = np.array(x, dtype=np.float64)
    grad = np.zeros_like(work)
    for idx in np.ndindex(work.shape):
        grad[idx] = difference(f, work, idx, h)
    return grad


def _probe(f, work, idx, delta):
    original = work[idx]
    work[idx] = original + delta
    value = float(f(work))
    work[idx] = original
    return value


def forward_differences(f, x, h=1e-5):
    return _loop(f, x, h, lambda f, w, i, h: (_probe(f, w, i, h) - float(f(w))) / h)


def step_not_halved(f, x, h=1e-5):
    return _loop(f, x, h, lambda f, w, i, h: (_probe(f, w, i, h) - _probe(f, w, i, -h)) / h)


def ignores_h(f, x, h=1e-5):
    return _loop(f, x, 1e-5, lambda f, w, i, h: (_probe(f, w, i, h) - _probe(f, w, i, -h)) / (2 * h))


def not_restored(f, x, h=1e-5):
    grad = np.zeros(np.shape(x))
    for idx in np.ndindex(grad.shape):
        x[idx] += h
        plus = float(f(x))
        x[idx] -= 2 * h
        minus = float(f(x))
        grad[idx] = (plus - minus) / (2 * h)
    return grad


def perturbs_all(f, x, h=1e-5):
    x = np.asarray(x, dtype=np.float64)
    slope = (float(f(x + h)) - float(f(x - h))) / (2 * h)
    return np.full(x.shape, slope)


def first_axis_only(f, x, h=1e-5):
    work = np.array(x, dtype=np.float64)
    grad = np.zeros_like(work)
    for i in range(work.shape[0]):
        original = work[i].copy()
        work[i] = original + h
        plus = float(f(work))
        work[i] = original - h
        minus = float(f(work))
        work[i] = original
        grad[i] = (plus - minus) / (2 * h)
    return grad


MUTANTS = [
    Mutant("forward_differences", N_("uses forward differences (f(x + h) - f(x)) / h, whose error is O(h); "
           "central differences (f(x + h) - f(x - h)) / 2h are O(h**2)"),
           {"numeric_gradient": forward_differences}),
    Mutant("step_not_halved", N_("divides f(x + h) - f(x - h) by h instead of 2h: the two points are 2h apart"),
           {"numeric_gradient": step_not_halved}),
    Mutant("ignores_h", N_("ignores the h argument and always uses 1e-5"), {"numeric_gradient": ignores_h}),
    Mutant("not_restored", N_("perturbs x in place and never puts the original value back: x is changed"),
           {"numeric_gradient": not_restored}),
    Mutant("perturbs_all", N_("adds h to every element at once: that is the slope along (1, 1, ...), not the "
           "partial derivative of each element"), {"numeric_gradient": perturbs_all}),
    Mutant("first_axis_only", N_("loops over x[i] only (the first axis): on a 2D x that moves a whole row at once"),
           {"numeric_gradient": first_axis_only}),
]

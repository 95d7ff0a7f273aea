"""Realistic wrong versions of relu_backward."""
import numpy as np

from grader.pack import Mutant, N_


def _f(a):
    return np.asarray(a, dtype=np.float64)


def ge_zero(dout, x):
    return np.where(_f(x) >= 0, _f(dout), 0.0)


def mask_only(dout, x):
    return (_f(x) > 0).astype(np.float64)


def relu_of_dout(dout, x):
    return np.maximum(_f(dout), 0.0)


def in_place(dout, x):
    dout[np.asarray(x) <= 0] = 0
    return dout


def dtype_of_x(dout, x):
    x = np.asarray(x)
    dx = np.zeros_like(x)
    dx[x > 0] = np.asarray(dout)[x > 0]
    return dx


def half_at_zero(dout, x):
    x, dout = _f(x), _f(dout)
    return np.where(x > 0, dout, np.where(x == 0, 0.5 * dout, 0.0))


MUTANTS = [
    Mutant("ge_zero", N_("passes the gradient where x >= 0: at exactly 0 the gradient is 0 (x > 0)"),
           {"relu_backward": ge_zero}),
    Mutant("mask_only", N_("returns the mask x > 0 without multiplying it by dout"), {"relu_backward": mask_only}),
    Mutant("relu_of_dout", N_("applies ReLU to dout instead of masking dout with x > 0"),
           {"relu_backward": relu_of_dout}),
    Mutant("in_place", N_("zeroes dout in place (dout[x <= 0] = 0) and returns it: the caller's dout changes"),
           {"relu_backward": in_place}),
    Mutant("dtype_of_x", N_("allocates dx with np.zeros_like(x), so an integer x truncates the float gradient"),
           {"relu_backward": dtype_of_x}),
    Mutant("half_at_zero", N_("gives half the gradient at exactly 0 (a subgradient); the contract says 0"),
           {"relu_backward": half_at_zero}),
]

"""Realistic wrong versions of relu and leaky_relu."""
import numpy as np

from grader.pack import Mutant, N_


def _f(x):
    return np.asarray(x, dtype=np.float64)


MUTANTS = [
    Mutant("slope_0_01", N_("uses 0.01 as the default slope (common in tutorials); Keras' default is 0.3"),
           {"leaky_relu": lambda x, negative_slope=0.01: np.where(_f(x) > 0, _f(x), negative_slope * _f(x))}),
    Mutant("slope_ignored", N_("ignores the negative_slope argument and always uses 0.3"),
           {"leaky_relu": lambda x, negative_slope=0.3: np.where(_f(x) > 0, _f(x), 0.3 * _f(x))}),
    Mutant("slope_on_positives", N_("multiplies the positive side by the slope instead of the negative side"),
           {"leaky_relu": lambda x, negative_slope=0.3: np.where(_f(x) > 0, negative_slope * _f(x), _f(x))}),
    Mutant("relu_abs", N_("returns |x| instead of max(x, 0)"), {"relu": lambda x: np.abs(_f(x))}),
    Mutant("relu_clips_top", N_("clips to [0, 1] (confuses ReLU with a saturating activation)"),
           {"relu": lambda x: np.clip(_f(x), 0, 1)}),
]

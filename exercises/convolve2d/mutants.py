"""Realistic wrong versions of convolve2d."""
import numpy as np

import reference as ref
from grader.pack import Mutant, N_


MUTANTS = [
    Mutant("not_flipped", N_("does not flip the kernel: that is cross-correlation (correlate2d)"),
           {"convolve2d": lambda image, kernel: ref.correlate2d(image, kernel)}),
    Mutant("flipped_rows_only", N_("flips the kernel upside down only; it must be flipped on both axes"),
           {"convolve2d": lambda image, kernel: ref.correlate2d(image, np.asarray(kernel)[::-1, :])}),
    Mutant("flipped_columns_only", N_("flips the kernel left-right only; it must be flipped on both axes"),
           {"convolve2d": lambda image, kernel: ref.correlate2d(image, np.asarray(kernel)[:, ::-1])}),
    Mutant("transposed", N_("transposes the kernel (kernel.T) instead of flipping it"),
           {"convolve2d": lambda image, kernel: ref.correlate2d(image, np.asarray(kernel).T)
            if np.shape(kernel)[1] <= np.shape(image)[0] and np.shape(kernel)[0] <= np.shape(image)[1]
            else ref.correlate2d(image, kernel)}),
]

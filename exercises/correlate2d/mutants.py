"""Realistic wrong versions of correlate2d, each with the misconception behind it."""
import numpy as np

import reference as ref
from grader.pack import Mutant, N_


def _windows(image, kh, kw):
    image = np.asarray(image, dtype=np.float64)
    return np.lib.stride_tricks.sliding_window_view(image, (kh, kw))


def flipped(image, kernel):
    return ref.convolve2d(image, kernel)


def square_kernel(image, kernel):
    kh = np.shape(kernel)[0]
    return np.einsum("ijab,ab->ij", _windows(image, kh, kh), np.asarray(kernel, float)[:kh, :kh])


def output_too_small(image, kernel):
    return ref.correlate2d(image, kernel)[:-1, :-1]


def averaged(image, kernel):
    return ref.correlate2d(image, kernel) / np.size(kernel)


def dtype_of_image(image, kernel):
    out = ref.correlate2d(image, kernel)
    return out.astype(np.asarray(image).dtype)


MUTANTS = [
    Mutant("kernel_flipped", N_("flips the kernel: this is the true convolution (convolve2d), "
           "a CNN layer does not flip"), {"correlate2d": flipped}),
    Mutant("square_kernel", N_("assumes a square kernel: uses KH for the kernel's width too"), {"correlate2d": square_kernel}),
    Mutant("output_too_small", N_("output size H - KH instead of H - KH + 1 (the +1 is forgotten)"),
           {"correlate2d": output_too_small}),
    Mutant("averaged", N_("divides by the kernel size: a cross-correlation sums the products, it does not average"),
           {"correlate2d": averaged}),
    Mutant("dtype_of_image", N_("allocates the output with the image's dtype, so an integer image truncates "
           "a float result (np.zeros(shape) is float64)"), {"correlate2d": dtype_of_image}),
]

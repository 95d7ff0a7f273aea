"""correlate2d_flipped_kernel: what this submission writes differently from good/cnn.py (see examples/assemble.py)."""
import numpy as np


def correlate2d(image, kernel):
    image = np.asarray(image)
    kernel = np.asarray(kernel)
    kh, kw = kernel.shape
    out_h = image.shape[0] - kh + 1
    out_w = image.shape[1] - kw + 1
    out = np.zeros((out_h, out_w), dtype=np.result_type(image, kernel))
    for i in range(out_h):
        for j in range(out_w):
            # a convolution flips the kernel (hmm, does a CNN layer?)
            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel[::-1, ::-1])
    return out


def convolve2d(image, kernel):
    kernel = np.asarray(kernel)
    image = np.asarray(image)
    kernel = np.asarray(kernel)[::-1, ::-1]
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1), dtype=np.result_type(image, kernel))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)
    return out

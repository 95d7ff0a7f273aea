"""Realistic wrong filters: the sign flipped, 'valid' instead of zero padding, the edge replicated."""
import numpy as np

from cnngrade_kernels import reference as ref
from grader.pack import N_, Mutant


def _valid(image, kernel):
    windows = np.lib.stride_tricks.sliding_window_view(np.asarray(image, dtype=np.float64), (3, 3))
    return np.einsum("ijab,ab->ij", windows, kernel) if min(np.shape(image)) >= 3 else np.zeros((0, 0))


def _replicated(image, kernel):
    padded = np.pad(np.asarray(image, dtype=np.float64), 1, mode="edge")
    return np.einsum("ijab,ab->ij", np.lib.stride_tricks.sliding_window_view(padded, (3, 3)), kernel)


MUTANTS = [
    Mutant("edge_sign_flipped", N_("the edge kernel's signs are flipped (4 around, -1 at the centre is the other way)"),
           {"edge_detect": lambda image: -ref.edge_detect(image)}),
    Mutant("valid_not_padded", N_("no zero padding: the result is (H - 2, W - 2), not the image's size"),
           {"sharpen": lambda image: _valid(image, ref.SHARPEN)}),
    Mutant("edge_replicated", N_("pads by repeating the border pixels (np.pad mode='edge'), not with zeros"),
           {"strong_edge_detect": lambda image: _replicated(image, ref.STRONG_EDGE)}),
    Mutant("sharpen_centre_4", N_("sharpen with 4 at the centre: that is the edge detector with its sign flipped"),
           {"sharpen": lambda image: ref.filter3x3(image, ref.SHARPEN - np.eye(3)[1:2].T @ np.eye(3)[1:2])}),
]

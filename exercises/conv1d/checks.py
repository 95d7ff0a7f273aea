"""Checks for conv1d(x, kernel, bias=None, stride=1, padding='valid', dilation=1), channels last.

x (L, C) or (N, L, C), kernel (KL, C, K). The checks every convNd shares are written once in
exercises/shared/convnd.py; each trap has its own check; only non-default arguments are passed.
"""
import numpy as np

from exercises.shared.convnd import conv_checks
from grader.pack import _, expect_close

SIGNAL = np.array([1, 2, 3, 4, 5], dtype=np.float64)[:, np.newaxis]              # (5, 1)
EDGE_AND_SUM = np.array([[1, 0, -1], [1, 1, 1]], dtype=np.float64).T[:, np.newaxis, :]  # (3, 1, 2)

globals().update(conv_checks(1))


def test_worked_example(student):
    expect_close(student.conv1d(SIGNAL, EDGE_AND_SUM), np.array([[-2, 6], [-2, 9], [-2, 12]]),
                 _("conv1d of the signal 1 2 3 4 5 with the filters 1 0 -1 and 1 1 1"))

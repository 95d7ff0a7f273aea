"""Checks for conv3d(x, kernel, bias=None, stride=1, padding='valid', dilation=1), channels last.

x (D, H, W, C) or (N, D, H, W, C), kernel (KD, KH, KW, C, K). The checks every convNd shares are
written once in exercises/shared/convnd.py; each trap has its own check; only non-default
arguments are passed.
"""
import numpy as np

from exercises.shared.convnd import conv_checks
from exercises.shared.course import FILTER1, FILTER2, IMAGE, MAP1, MAP2
from grader.pack import _, expect_close

globals().update(conv_checks(3))


def test_course_depth_one(student):
    volume = IMAGE[np.newaxis, :, :, np.newaxis]                            # (1, 6, 6, 1)
    kernel = np.stack([FILTER1, FILTER2], axis=-1)[np.newaxis, :, :, np.newaxis, :]  # (1, 3, 3, 1, 2)
    expect_close(student.conv3d(volume, kernel), np.stack([MAP1, MAP2], axis=-1)[np.newaxis],
                 _("conv3d of the course's image as a (1, 6, 6, 1) volume with filters 1 and 2 "
                 "as a (1, 3, 3, 1, 2) kernel"))

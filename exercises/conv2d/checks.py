"""Checks for conv2d(x, kernel, bias=None, stride=1, padding='valid', dilation=1), channels last.

x (H, W, C) or (N, H, W, C), kernel (KH, KW, C, K). The checks every convNd shares are written
once in exercises/shared/convnd.py: each trap of the contract has its own check, so a report says
which one a student misses; the metamorphic checks compare the student with themself. Only
non-default arguments are passed.
"""
import numpy as np

from exercises.shared.convnd import conv_checks
from exercises.shared.course import FILTER1, FILTER2, IMAGE, MAP1, MAP2
from grader.pack import _, expect_close

globals().update(conv_checks(2))


def test_course_two_filters(student):
    kernel = np.stack([FILTER1, FILTER2], axis=-1)[:, :, np.newaxis, :]  # (3, 3, 1, 2)
    expect_close(student.conv2d(IMAGE[:, :, np.newaxis], kernel), np.stack([MAP1, MAP2], axis=-1),
                 _("conv2d of the course's (6, 6, 1) image with filters 1 and 2 as a (3, 3, 1, 2) kernel"))

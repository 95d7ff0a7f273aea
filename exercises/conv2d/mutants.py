"""Realistic wrong versions of conv2d, each with the misconception behind it (see exercises/convnd.py)."""
from exercises.convnd import DESCRIPTIONS, wrong_conv
from grader.exercise import Mutant

BUGS = [
    "flip", "no_bias", "im2col_order", "squeeze",
    "same_before", "same_symmetric", "same_ignores_stride", "same_floor", "same_no_clamp",
    "tuple_padding_ignored", "pairs_symmetric", "first_padding_everywhere", "flat_misread", "slice_zero",
    "stride_first_axis_everywhere", "stride_first_axis_only",
    "dilation_first_axis_everywhere", "dilation_on_input",
]

MUTANTS = [Mutant(bug, DESCRIPTIONS[bug], {"conv2d": wrong_conv(2, bug)}) for bug in BUGS]

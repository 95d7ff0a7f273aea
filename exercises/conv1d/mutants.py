"""Realistic wrong versions of conv1d, each with the misconception behind it (see exercises/convnd.py)."""
from exercises.convnd import DESCRIPTIONS, wrong_conv
from grader.exercise import Mutant

BUGS = [
    "flip", "no_bias", "im2col_order", "squeeze",
    "same_before", "same_symmetric", "same_ignores_stride", "same_floor", "same_no_clamp",
    "tuple_padding_ignored", "pairs_symmetric", "slice_zero",
    "int_steps_only", "dilation_on_input",
]

MUTANTS = [Mutant(bug, DESCRIPTIONS[bug], {"conv1d": wrong_conv(1, bug)}) for bug in BUGS]

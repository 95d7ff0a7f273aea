"""Realistic wrong versions of conv2d, each with the misconception behind it (see exercises/shared/convnd.py)."""
from exercises.shared.convnd import DESCRIPTIONS, wrong_conv
from grader.pack import Mutant

BUGS = [
    # the specific traps first: the diagnosis names the first mutant that reproduces a failure,
    # and on a tiny counterexample a general mistake (a flip) can coincide with a specific one
    "same_ignores_stride", "same_before", "same_symmetric", "same_floor", "same_no_clamp",
    "flat_misread", "tuple_padding_ignored", "pairs_symmetric", "first_padding_everywhere", "slice_zero",
    "stride_first_axis_everywhere", "stride_first_axis_only",
    "dilation_first_axis_everywhere", "dilation_on_input",
    "no_bias", "squeeze", "im2col_order", "flip",
]

MUTANTS = [Mutant(bug, DESCRIPTIONS[bug], {"conv2d": wrong_conv(2, bug)}) for bug in BUGS]

"""Realistic wrong versions of conv1d, each with the misconception behind it (see exercises/shared/convnd.py)."""
from exercises.shared.convnd import DESCRIPTIONS, wrong_conv
from grader.pack import Mutant

BUGS = [
    # the specific traps first: the diagnosis names the first mutant that reproduces a failure,
    # and on a tiny counterexample a general mistake (a flip) can coincide with a specific one
    "same_ignores_stride", "same_before", "same_symmetric", "same_floor", "same_no_clamp",
    "tuple_padding_ignored", "pairs_symmetric", "slice_zero",
    "int_steps_only", "dilation_on_input",
    "no_bias", "squeeze", "im2col_order", "flip",
]

MUTANTS = [Mutant(bug, DESCRIPTIONS[bug], {"conv1d": wrong_conv(1, bug)}) for bug in BUGS]

"""Realistic wrong versions of conv1d, each with the misconception behind it (see exercises/shared/convnd_mutants.py)."""
from exercises.shared.convnd_mutants import conv_mutants

MUTANTS = conv_mutants(1)

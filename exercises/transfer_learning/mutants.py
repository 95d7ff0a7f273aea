"""The correct submission and the classic mistakes of transfer_learning, as files.

Each writes transfer.keras into a folder from a model the pack trains itself (models.py: briefly,
deterministically, cached in the grader's cache folder). `cnngrade selftest transfer_learning`
grades each folder through the sandbox: REFERENCE must get full marks, every mutant less.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from grader.pack import N_, FileMutant
from exercises.models.mnist import Mnist

from exercises.transfer_learning import models


def _writer(variant: str):
    def make(folder: Path, mnist: Mnist) -> None:
        shutil.copyfile(models.model_file(variant, mnist), Path(folder) / "transfer.keras")
    make.__name__ = f"make_{variant}"
    return make


REFERENCE = FileMutant("correct", N_("the base's feature layers frozen, its classifier replaced by Dense(32) and "
                                     "Dense(5, softmax), trained on the digits 5-9"), _writer("correct"))

MUTANTS = [
    FileMutant("not_frozen", N_("the base was not frozen: its weights changed during training"), _writer("not_frozen")),
    FileMutant("head_kept", N_("the base's classification part is still there: a Dense(5) stacked on the base's "
                               "own 0-4 softmax"), _writer("head_kept")),
    FileMutant("from_scratch", N_("no base weights found: the same architecture trained from scratch"),
               _writer("from_scratch")),
    FileMutant("ten_classes", N_("wrong number of classes: Dense(10) trained on the digits themselves (5-9), not "
                                 "on digit - 5"), _writer("ten_classes")),
]

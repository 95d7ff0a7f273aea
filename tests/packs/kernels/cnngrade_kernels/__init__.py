"""cnngrade-kernels: a pack of its own, found through the `cnngrade` entry point.

It brings an exercise (image_kernels), its own fixture (`grayscale_image`: the picture it ships,
or the one given with its own option --kernel-image), its own reference and mutants, and the
header of its part of a starter cnn.py, and its own catalog (locale/: its words in French). The
engine knows nothing of it.
"""
from __future__ import annotations

from pathlib import Path

import click
import numpy as np

from grader.pack import Fixture, FixtureMissing, OptionProblem, _, hookimpl

HERE = Path(__file__).parent
IMAGE = HERE / "data" / "grayscale.npy"


@hookimpl
def cnngrade_exercise_folders() -> list[Path]:
    return [HERE / "image_kernels"]


def _grayscale_image(fixtures) -> np.ndarray:
    given = fixtures.options.get("kernel_image")
    path = Path(given) if given else IMAGE
    try:
        image = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise (OptionProblem if given else FixtureMissing)(_("cannot read the grayscale image {path}: {error}",
                                                             path=path, error=exc)) from None
    if image.ndim != 2 or image.dtype.kind not in "iuf":
        raise (OptionProblem if given else FixtureMissing)(
            _("{path} is not a grayscale image (a 2D numeric array), it has shape {shape}", path=path,
              shape=image.shape))
    return image.astype(np.float64)


@hookimpl
def cnngrade_fixtures() -> list[Fixture]:
    return [Fixture("grayscale_image", _grayscale_image)]


@hookimpl
def cnngrade_options() -> list:
    return [click.Option(["--kernel-image"], metavar="FILE.npy", type=click.Path(path_type=Path), default=None,
                         help=_("A grayscale image (2D .npy) for image_kernels instead of the one the pack ships."))]


@hookimpl
def cnngrade_private_paths(options: dict) -> list[Path]:
    return [HERE / "data"]


@hookimpl
def cnngrade_forbidden_imports() -> list[str]:
    return ["cnngrade_kernels"]


@hookimpl
def cnngrade_locale_dirs() -> list[Path]:
    return [HERE / "locale"]  # its own catalog, kernels.po (locale/babel.cfg says how it is extracted)


@hookimpl
def cnngrade_starter_header() -> str:
    return '"""' + _("Image kernels (pack cnngrade-kernels): each function filters a grayscale image.") + '"""\n'

"""The built-in course pack of cnngrade, registered through the `cnngrade` entry point exactly as
a third-party pack would be (see pyproject.toml): its exercise folders, the MNIST data set and
the course's reference model as fixtures, the --mnist and --keras-models options, the two model
workers (numpy_model: a model file as data on the reference's layers; keras: the models outside
that catalogue), numeric_gradient's test functions as a wire type, and the starter's header."""
from __future__ import annotations

from pathlib import Path

import click

from exercises.models.course_model import reference_model
from exercises.models.mnist import Mnist, MnistNotFound, named_folders, private_paths
from exercises.shared.test_functions import TestFunction
from grader.pack import N_, RELATIVE_TOLERANCE, Fixture, FixtureMissing, OptionProblem, WorkerKind, _, current, hookimpl

HERE = Path(__file__).parent
MNIST_HELP = N_("Folder with the four MNIST files (*-ubyte.gz) or Keras' mnist.npz, for mnist_cnn and "
                "cnn_forward. Default: $CNNGRADE_MNIST, then Keras' cache (~/.keras/datasets), then "
                "Keras' download when online. Without MNIST, only those two exercises go ungraded.")


@hookimpl
def cnngrade_exercise_folders() -> list[Path]:
    return sorted(p.parent for p in HERE.glob("*/spec.toml"))


def _mnist(fixtures):
    mnist = Mnist(fixtures.options.get("mnist"))
    try:
        mnist.source
    except MnistNotFound as missing:
        named = named_folders(fixtures.options.get("mnist"))
        raise (OptionProblem if named else FixtureMissing)(str(missing)) from None
    return mnist


def _course_model(fixtures):
    """A function that returns the course model trained by the grader (trained at its first call,
    then cached), so that a check can fail fast before it pays for training."""
    mnist = fixtures.get("mnist")
    return lambda: reference_model(mnist)


@hookimpl
def cnngrade_fixtures() -> list[Fixture]:
    return [Fixture("mnist", _mnist), Fixture("course_model", _course_model)]


KERAS_MODELS_HELP = N_("Grade model files with Keras (TensorFlow) in the sandbox, as before the layer catalogue: "
                       "slower, the same verdicts; by default a model is read as data and run on the course's "
                       "NumPy reference, and only a model outside the catalogue goes to Keras (said in a notice).")


@hookimpl
def cnngrade_options() -> list:
    return [click.Option(["--mnist"], metavar="DIR", type=click.Path(path_type=Path), default=None,
                         help=_(MNIST_HELP)),
            click.Option(["--keras-models"], is_flag=True, default=False, help=_(KERAS_MODELS_HELP))]


@hookimpl
def cnngrade_private_paths(options: dict) -> list[Path]:
    return private_paths(options.get("mnist"))


@hookimpl
def cnngrade_worker_kinds() -> list[WorkerKind]:
    # numpy_model grades a model file as data on the reference; keras, the models outside its catalogue.
    return [WorkerKind("numpy_model", HERE / "models" / "numpy_worker.py", runs_student_code=False),
            WorkerKind("keras", HERE / "models" / "keras_worker.py", runs_student_code=False)]


@hookimpl
def cnngrade_wire_types() -> list[type]:
    return [TestFunction]


@hookimpl
def cnngrade_forbidden_imports() -> list[str]:
    # docs/EXERCISES.md: a submission is NumPy and the standard library; the frameworks that would do
    # the exercises for it are refused, and so are the course's own reference and checks.
    return ["reference", "exercises", "tensorflow", "keras", "tf_keras", "scipy", "torch", "jax", "sklearn"]


@hookimpl
def cnngrade_locale_dirs() -> list[Path]:
    return [HERE / "locale"]


@hookimpl
def cnngrade_starter_header() -> str:
    # In the language `init` writes the starter in (starter_header.fr.py beside the English one, as
    # the exercises' starter.fr.py); the contract's tolerance said where it is defined
    # (grader.pack.RELATIVE_TOLERANCE).
    localized = HERE / "shared" / f"starter_header.{current()}.py"
    path = localized if localized.is_file() else HERE / "shared" / "starter_header.py"
    return path.read_text(encoding="utf-8").replace("{tolerance}", f"{RELATIVE_TOLERANCE:g}")

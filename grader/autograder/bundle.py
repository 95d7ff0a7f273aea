"""What every grader image needs: cnngrade as a wheel, its dependencies pinned, the harness,
the exercise selection and, optionally, the course's MNIST files.

The wheel is built from the source checkout the running cnngrade was imported from (the folder
above the `grader` package that holds pyproject.toml), copied first to a temporary folder so
that the build leaves nothing behind in the checkout. The pins are the exact versions installed
here, for the whole dependency tree of cnngrade: the versions this grader was tested with. They
hold for this platform and this Python's major.minor version, which is recorded alongside.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import grader

DISTRIBUTION = "cnngrade"
SOURCES = ("pyproject.toml", "README.md", "grader", "exercises", "reference")
HARNESS = Path(__file__).with_name("harness.py")


class BundleError(Exception):
    """A grader image cannot be built (no source checkout, a failed wheel build, bad data)."""


def repo_root() -> Path:
    """The source checkout of the running cnngrade (where pyproject.toml is)."""
    root = Path(grader.__file__).resolve().parent.parent
    if not (root / "pyproject.toml").is_file():
        raise BundleError(f"cnngrade was not imported from a source checkout ({root} has no pyproject.toml): "
                          "run it from a clone of the repository (pip install -e .)")
    return root


def build_wheel(destination: Path) -> Path:
    """Build cnngrade's wheel into `destination` (pip wheel, no dependencies) and return its path."""
    root = repo_root()
    destination.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="cnngrade-wheel-") as scratch:
        source = Path(scratch) / "src"
        source.mkdir()
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "model.keras")
        for name in SOURCES:
            path = root / name
            if path.is_dir():
                shutil.copytree(path, source / name, ignore=ignore)
            elif path.is_file():
                shutil.copy2(path, source / name)
        out = Path(scratch) / "out"
        # No build isolation: the build backend (setuptools) installed here is used, so that
        # building needs no network.
        done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                               "--no-index", "--quiet", "--wheel-dir", str(out), str(source)],
                              capture_output=True, text=True)
        wheels = sorted(out.glob("cnngrade-*.whl"))
        if done.returncode != 0 or not wheels:
            raise BundleError(f"building cnngrade's wheel failed:\n{done.stdout}{done.stderr}")
        target = destination / wheels[0].name
        shutil.copy2(wheels[0], target)
    return target


def _closure(name: str, extras: frozenset[str], seen: dict[str, str]) -> None:
    try:
        dist = metadata.distribution(name)
    except metadata.PackageNotFoundError:
        raise BundleError(f"{name} is required by cnngrade but not installed here") from None
    key = canonicalize_name(dist.metadata["Name"])
    if key in seen and not extras:
        return
    seen[key] = f"{dist.metadata['Name']}=={dist.version}"
    for line in dist.requires or []:
        requirement = Requirement(line)
        marker = requirement.marker
        wanted = marker is None or any(marker.evaluate({"extra": e}) for e in extras | {""})
        if wanted:
            _closure(requirement.name, frozenset(requirement.extras), seen)


def pinned_requirements() -> list[str]:
    """`name==version` for every distribution cnngrade needs here, cnngrade itself excluded."""
    seen: dict[str, str] = {}
    _closure(DISTRIBUTION, frozenset(), seen)
    seen.pop(canonicalize_name(DISTRIBUTION), None)
    return sorted(seen.values(), key=str.lower)


def python_version() -> str:
    return "%d.%d" % sys.version_info[:2]


def requirements_text() -> str:
    lines = [f"# cnngrade's dependencies, pinned to the versions it was built and tested with",
             f"# (Python {python_version()}, {sys.platform}). Written by `cnngrade autograder`."]
    return "\n".join(lines + pinned_requirements()) + "\n"


def check_data(directory: Path) -> list[Path]:
    """The MNIST files of `directory` (the four *-ubyte.gz, or mnist.npz), checked as cnngrade checks them."""
    from grader.mnist import Mnist

    problem = Mnist(directory).prepare()
    if problem:
        raise BundleError(f"--data {directory}: {problem}")
    files = sorted(directory.glob("*-ubyte.gz")) or sorted(directory.glob("mnist.npz"))
    if not files:
        raise BundleError(f"--data {directory}: no MNIST files (*-ubyte.gz or mnist.npz) in it")
    return files


def check_exercises(ids: tuple[str, ...]) -> list[str]:
    """The exercise ids, each known to the installed packs (a typo fails now, not per student)."""
    from grader.exercise import select

    try:
        return [e.id for e in select(ids)] if ids else []
    except KeyError as exc:
        raise BundleError(f"unknown exercise id {exc.args[0]!r} (see `cnngrade list`)") from None


def needs_reference_model(ids: list[str]) -> bool:
    """cnn_forward's reference model is trained once, at image build time, when it is graded."""
    return not ids or "cnn_forward" in ids


def config_text(exercises: list[str], timeout: int | None = None) -> str:
    data: dict = {"exercises": exercises}
    if timeout:
        data["timeout_seconds"] = timeout
    return json.dumps(data, indent=2) + "\n"


WARM_UP = ("from grader.mnist import Mnist; from grader.course_model import reference_model; "
           "reference_model(Mnist())")

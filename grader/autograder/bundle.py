"""What every grader image needs: cnngrade as a wheel, its dependencies pinned, the harness,
the exercise selection and, optionally, the data the packs' options name (`--data NAME=PATH`).

The wheel is built from the source checkout the running cnngrade was imported from (the folder
above the `grader` package that holds pyproject.toml): pyproject.toml, README.md and every
top-level package (a folder with __init__.py; pyproject.toml chooses among them) are copied
first to a temporary folder, so that the build leaves nothing behind in the checkout. The pins are the exact versions installed
here, for the whole dependency tree of cnngrade: the versions this grader was tested with. They
hold for this platform and this Python's major.minor version, which is recorded alongside.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from email.parser import Parser
from importlib import metadata
from pathlib import Path

import click
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import grader
from grader import plugins
from grader.grading.exercise import select
from grader.i18n import DEFAULT, _
from grader.submission import files as submission_files

DISTRIBUTION = "cnngrade"
FILES = ("pyproject.toml", "README.md", "LICENSE")
HARNESS = Path(__file__).with_name("harness.py")
# What the images run outside cnngrade, by the names it runs them under: the harness, and the one
# definition of a submission's files that it imports (both standard library only).
SHIPPED = {"cnngrade_harness.py": HARNESS, "cnngrade_files.py": Path(submission_files.__file__)}


class BundleError(Exception):
    """A grader image cannot be built (no source checkout, a failed wheel build, bad data)."""


def repo_root() -> Path:
    """The source checkout of the running cnngrade (where pyproject.toml is)."""
    root = Path(grader.__file__).resolve().parent.parent
    if not (root / "pyproject.toml").is_file():
        raise BundleError(_("cnngrade was not imported from a source checkout ({root} has no pyproject.toml): run "
                            "it from a clone of the repository (pip install -e .)", root=root))
    return root


def build_wheel(destination: Path) -> Path:
    """Build cnngrade's wheel into `destination` (pip wheel, no dependencies) and return its path."""
    root = repo_root()
    destination.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="cnngrade-wheel-") as scratch:
        source = Path(scratch) / "src"
        source.mkdir()
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
        for path in sorted(root.iterdir()):
            if path.is_dir() and (path / "__init__.py").is_file():
                shutil.copytree(path, source / path.name, ignore=ignore)
            elif path.name in FILES and path.is_file():
                shutil.copy2(path, source / path.name)
        out = Path(scratch) / "out"
        # No build isolation: the build backend (setuptools) installed here is used, so that
        # building needs no network.
        done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                               "--no-index", "--quiet", "--wheel-dir", str(out), str(source)],
                              capture_output=True, text=True)
        wheels = sorted(out.glob("cnngrade-*.whl"))
        if done.returncode != 0 or not wheels:
            raise BundleError(_("building cnngrade's wheel failed:\n{output}", output=done.stdout + done.stderr))
        target = destination / wheels[0].name
        shutil.copy2(wheels[0], target)
    return target


def _closure(requires: list[str], extras: frozenset[str], seen: dict[str, str]) -> None:
    """Pin every requirement in `requires` that applies here, and theirs, into `seen`."""
    for line in requires:
        requirement = Requirement(line)
        marker = requirement.marker
        if marker is not None and not any(marker.evaluate({"extra": e}) for e in extras | {""}):
            continue
        try:
            dist = metadata.distribution(requirement.name)
        except metadata.PackageNotFoundError:
            raise BundleError(_("{name} is required by cnngrade but not installed here",
                                name=requirement.name)) from None
        key = canonicalize_name(dist.metadata["Name"])
        if key in seen and not requirement.extras:
            continue
        seen[key] = f"{dist.metadata['Name']}=={dist.version}"
        _closure(dist.requires or [], frozenset(requirement.extras), seen)


def wheel_requires(wheel: Path) -> list[str]:
    """The Requires-Dist lines of a wheel's METADATA (what pyproject.toml declares now)."""
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        return Parser().parsestr(archive.read(name).decode("utf-8")).get_all("Requires-Dist") or []


def pinned_requirements(wheel: Path | None = None) -> list[str]:
    """`name==version` for every distribution cnngrade needs here, cnngrade itself excluded: the
    dependencies the wheel declares (else the installed cnngrade's), each at its installed version."""
    if wheel is not None:
        requires = wheel_requires(wheel)
    else:
        try:
            requires = metadata.distribution(DISTRIBUTION).requires or []
        except metadata.PackageNotFoundError:
            raise BundleError(_("cnngrade is not installed here (pip install -e .)")) from None
    seen: dict[str, str] = {}
    _closure(requires, frozenset(), seen)
    seen.pop(canonicalize_name(DISTRIBUTION), None)
    return sorted(seen.values(), key=str.lower)


def requirements_text(wheel: Path | None = None) -> str:
    # i18n: not for people (the file's comments, read with its pins)
    lines = [f"# cnngrade's dependencies, pinned to the versions it was built and tested with",  # i18n: not for people
             f"# (Python {python_version()}, {sys.platform}). Written by `cnngrade autograder`."]
    return "\n".join(lines + pinned_requirements(wheel)) + "\n"


def python_version() -> str:
    return "%d.%d" % sys.version_info[:2]


def data_options() -> dict[str, object]:
    """The packs' options that take a path, by the name --data uses (the flag without its dashes)."""
    found = {}
    for option in plugins.options():
        if isinstance(option.type, click.Path):
            for flag in option.opts:
                if flag.startswith("--"):
                    found[flag[2:]] = option
    return found


def check_data(pairs: tuple[str, ...]) -> dict[str, Path]:
    """`--data NAME=PATH` values, checked: NAME a pack option that takes a path, PATH a folder (or
    file) that exists and is not empty. Returns NAME -> PATH; BundleError (one line) otherwise."""
    options = data_options()
    known = ", ".join(sorted(options)) or _("none (no installed pack takes a path)")
    data: dict[str, Path] = {}
    for pair in pairs:
        name, equals, where = pair.partition("=")
        name = name.strip().lstrip("-")
        if not equals or not name or not where:
            raise BundleError(_("--data {pair}: give NAME=PATH, NAME one of the packs' options: {known}", pair=pair,
                                known=known))
        if name not in options:
            raise BundleError(_("--data {pair}: no installed pack has an option --{name} (the options that take a "
                                "path: {known})", pair=pair, name=name, known=known))
        path = Path(where).expanduser()
        if not path.exists():
            raise BundleError(_("--data {pair}: no such file or folder: {path}", pair=pair, path=path))
        if path.is_dir() and not any(path.iterdir()):
            raise BundleError(_("--data {pair}: the folder {path} is empty", pair=pair, path=path))
        if name in data:
            raise BundleError(_("--data {pair}: --data {name}=... given twice", pair=pair, name=name))
        data[name] = path
    return data


def data_files(data: dict[str, Path]) -> list[tuple[Path, str]]:
    """(file, its name in the image) for every bundled file: a folder's files under data/NAME/
    (sub-folders kept), a single file as data/NAME/<its name>."""
    files = []
    for name, path in data.items():
        if path.is_file():
            files.append((path, f"data/{name}/{path.name}"))
            continue
        for item in sorted(path.rglob("*")):
            if item.is_file() and not item.name.startswith("."):
                files.append((item, f"data/{name}/{item.relative_to(path).as_posix()}"))
    return files


def data_arguments(data: dict[str, Path]) -> dict[str, str]:
    """What the harness passes to cnngrade: "--NAME" -> the path relative to the harness' folder."""
    return {f"--{name}": f"data/{name}" + ("" if path.is_dir() else f"/{path.name}") for name, path in data.items()}


def check_exercises(ids: tuple[str, ...]) -> list[str]:
    """The exercise ids, each known to the installed packs (a typo fails now, not per student)."""
    try:
        return [e.id for e in select(ids)] if ids else []
    except KeyError as exc:
        raise BundleError(_("unknown exercise id {id} (see `cnngrade list`)", id=repr(exc.args[0]))) from None


def config_text(exercises: list[str], data: dict[str, Path] | None = None, timeout: int | None = None,
                warm_up: bool = True, lang: str = DEFAULT) -> str:
    """config.json, which the harness reads: the exercises, the data options, the timeout, whether
    the image's build runs the warm-up (`cnngrade selftest` on the same selection), and the
    language students read when it is not the default."""
    config: dict = {"exercises": exercises, "options": data_arguments(data or {}), "warm_up": warm_up}
    if timeout:
        config["timeout_seconds"] = timeout
    if lang != DEFAULT:
        config["lang"] = lang
    return json.dumps(config, indent=2) + "\n"


def shell_quoted(text: str) -> str:
    """text for the inside of a single-quoted shell word (a quote closes, is escaped, reopens)."""
    return text.replace("'", "'\\''")

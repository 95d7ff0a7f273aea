"""Exercises as the grader sees them: a folder with spec.toml, statement.md, checks.py, mutants.py."""
from __future__ import annotations

import importlib.util
import inspect
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import Callable, Iterable

from grader import plugins
from grader.grading.determinism import profile
from grader.i18n import DEFAULT, LANGUAGES, _, current
from grader.sandbox.client import PYTHON, Limits

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

VISIBILITIES = ("visible", "hidden")
HINT_HEADINGS = {"en": "## Hint", "fr": "## Indice"}  # the statement's section shown with failures


class SpecError(Exception):
    """An exercise folder that does not follow the format (a fault of the pack, not the student)."""


@dataclass(frozen=True)
class CheckSpec:
    name: str
    points: float
    visibility: str
    description: str
    function: Callable


@dataclass(frozen=True)
class Mutant:
    """A named, realistic wrong implementation: replacements for some of an exercise's functions."""

    name: str
    description: str
    functions: dict[str, Callable]


@dataclass(frozen=True)
class FileMutant:
    """A named submission of an exercise graded from files (a pack's worker kind): make(folder, ...)
    writes its files into an empty folder, taking the packs' fixtures it names by parameter
    name, as checks do (e.g. make(folder, dataset)). selftest grades that folder as a student's.

    mutants.py of such an exercise lists its mistakes as FileMutants in MUTANTS and names its
    correct submission REFERENCE, a FileMutant too (it must get full marks)."""

    name: str
    description: str
    make: Callable[..., None]


@dataclass(frozen=True)
class Exercise:
    id: str
    title: str
    folder: Path
    order: int
    functions: tuple[str, ...]
    checks: tuple[CheckSpec, ...]
    statements: dict[str, str]  # language -> the statement (Markdown); English always there
    limits: Limits
    kind: str  # "python": calls student functions; else a pack's worker kind (e.g. one that loads a file)
    examples: int
    reference: str  # the module holding the trusted implementation of the functions
    mutants: tuple[Mutant, ...] = field(default=())
    files: tuple[str, ...] = ()  # the files it grades, when not functions (e.g. a trained model)
    starters: dict[str, str] = field(default_factory=dict)  # language -> starter.py / starter.<lang>.py: the stubs `cnngrade init` writes
    file_mutants: tuple[FileMutant, ...] = ()  # an exercise graded from files: its mistakes, as files
    reference_files: FileMutant | None = None  # ... and its correct submission, as files
    starter_files: tuple[str, ...] = ()  # files of the exercise folder that `cnngrade init` copies

    @property
    def provable(self) -> bool:
        """Whether selftest can prove the checks: reference functions, or a reference submission."""
        return self.kind == PYTHON or self.reference_files is not None

    @property
    def has_mutants(self) -> bool:
        return bool(self.mutants or self.file_mutants)

    @property
    def max_score(self) -> float:
        return sum(check.points for check in self.checks)

    def check_functions(self, examples: int, shrink: bool) -> dict[str, Callable]:
        """The check functions by name, their Hypothesis settings made for this run (see
        grader.grading.determinism): the checks module is executed once per (examples, shrink)."""
        key = (str(self.folder), examples, shrink)
        if key not in _LOADED_CHECKS:
            with profile(examples, shrink):
                module = _import_path(f"cnngrade_checks.{self.id}.x{examples}{'s' if shrink else 'v'}",
                                      self.folder / "checks.py")
            _LOADED_CHECKS[key] = {check.name: getattr(module, f"test_{check.name}") for check in self.checks}
        return _LOADED_CHECKS[key]

    @property
    def statement(self) -> str:
        """The statement in the current language (grader.i18n), else in English."""
        return self.statements.get(current(), self.statements[DEFAULT])

    @property
    def starter(self) -> str:
        """The stubs `cnngrade init` writes into cnn.py, in the current language, else in English
        ('' for an exercise without any)."""
        return self.starters.get(current(), self.starters.get(DEFAULT, ""))

    @property
    def title_text(self) -> str:
        """The title in the current language (the pack's catalog)."""
        return _(self.title)

    def hint(self) -> str:
        """The statement's section headed 'Hint' ('Indice' in French), if any, in the current
        language (shown next to failed checks)."""
        language = current() if current() in self.statements else DEFAULT
        text = self.statements[language].split(HINT_HEADINGS[language], 1)
        return text[1].split("\n## ", 1)[0].strip() if len(text) == 2 else ""


_LOADED_CHECKS: dict[tuple, dict[str, Callable]] = {}


def _size(text: str | int) -> int:
    if isinstance(text, int):
        return text
    units = {"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30}
    for unit, factor in units.items():
        if text.endswith(unit):
            return int(float(text[: -len(unit)]) * factor)
    raise SpecError(_("cannot read the size {size} (use e.g. '2GiB')", size=repr(text)))


def _import_path(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # a broken pack is reported in one line, as the pack's fault
        del sys.modules[name]
        raise SpecError(_("cannot load {file}: {error}", file=f"{path.parent.name}/{path.name}",
                          error=f"{type(exc).__name__}: {exc}")) from exc
    return module


def load_exercise(folder: Path) -> Exercise:
    """Read and validate one exercise folder."""
    folder = Path(folder)
    try:
        spec = tomllib.loads((folder / "spec.toml").read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SpecError(_("cannot read {file}: {error}", file=f"{folder.name}/spec.toml", error=exc)) from None
    exercise_id = spec.get("id", folder.name)
    checks_module = _import_path(f"cnngrade_checks.{exercise_id}", folder / "checks.py")
    declared = spec.get("checks", {})
    written = {name[5:]: fn for name, fn in vars(checks_module).items()
               if name.startswith("test_") and callable(fn)}
    if set(declared) != set(written):
        raise SpecError(_("{exercise}: spec.toml and checks.py disagree on the checks: only in spec {spec}, "
                          "only in checks.py {checks}", exercise=exercise_id, spec=sorted(set(declared) - set(written)),
                          checks=sorted(set(written) - set(declared))))
    checks = []
    for name, entry in declared.items():
        if entry.get("visibility") not in VISIBILITIES:
            raise SpecError(_("{check}: visibility must be one of {values}", check=f"{exercise_id}.{name}",
                              values=VISIBILITIES))
        function = written[name]
        checks.append(CheckSpec(name, float(entry["points"]), entry["visibility"],
                                entry.get("description", "") or inspect.getdoc(function) or name, function))
    limits_spec = spec.get("limits", {})
    defaults = Limits()
    limits = Limits(wall_seconds=float(limits_spec.get("wall_seconds", defaults.wall_seconds)),
                    cpu_seconds=int(limits_spec.get("cpu_seconds", defaults.cpu_seconds)),
                    memory_bytes=_size(limits_spec.get("memory", defaults.memory_bytes)),
                    processes=int(limits_spec.get("processes", defaults.processes)))
    mutants: tuple[Mutant, ...] = ()
    file_mutants: tuple[FileMutant, ...] = ()
    reference_files = None
    if (folder / "mutants.py").exists():
        mutants_module = _import_path(f"cnngrade_mutants.{exercise_id}", folder / "mutants.py")
        declared = tuple(getattr(mutants_module, "MUTANTS", ()))
        mutants = tuple(m for m in declared if isinstance(m, Mutant))
        file_mutants = tuple(m for m in declared if isinstance(m, FileMutant))
        reference_files = getattr(mutants_module, "REFERENCE", None)
        if reference_files is not None and not isinstance(reference_files, FileMutant):
            raise SpecError(_("{exercise}: mutants.py's REFERENCE must be a FileMutant", exercise=exercise_id))
    starter_files = _plain_names(exercise_id, "starter_files", spec.get("starter_files", ()))
    for name in starter_files:
        if not (folder / name).is_file():
            raise SpecError(_("{exercise}: the starter file {file} is not in {folder}/", exercise=exercise_id,
                              file=repr(name), folder=folder.name))
    return Exercise(id=exercise_id, title=spec.get("title", exercise_id), folder=folder,
                    order=int(spec.get("order", 1000)), functions=tuple(spec.get("functions", ())),
                    checks=tuple(checks), statements=_statements(folder),
                    limits=limits, kind=spec.get("kind", "python"),
                    examples=int(spec.get("examples", 50)), reference=spec.get("reference", "reference"),
                    mutants=mutants, files=tuple(spec.get("files", ())),
                    starters=_per_language(folder, "starter", ".py"),
                    file_mutants=file_mutants, reference_files=reference_files, starter_files=starter_files)


def _statements(folder: Path) -> dict[str, str]:
    """statement.md (English) and statement.<lang>.md for every other language cnngrade speaks."""
    return {DEFAULT: (folder / "statement.md").read_text(encoding="utf-8"), **_per_language(folder, "statement", ".md")}


def _per_language(folder: Path, stem: str, suffix: str) -> dict[str, str]:
    """A file's text by language: STEM.SUFFIX is English, STEM.<lang>.SUFFIX another language's
    (each one that is there)."""
    found = {}
    for language in LANGUAGES:
        path = folder / (stem + suffix if language == DEFAULT else f"{stem}.{language}{suffix}")
        if path.is_file():
            found[language] = path.read_text(encoding="utf-8")
    return found


def _plain_names(exercise_id: str, key: str, names) -> tuple[str, ...]:
    """A spec's list of file names, each a plain name (no folder, no path separator)."""
    if isinstance(names, str) or not all(isinstance(n, str) for n in names):
        raise SpecError(_("{exercise}: {key} must be a list of file names", exercise=exercise_id, key=key))
    for name in names:
        if not name or name in (".", "..") or "/" in name or "\\" in name:
            raise SpecError(_("{exercise}: {key} holds {name}; only plain file names are allowed", exercise=exercise_id,
                              key=key, name=repr(name)))
    return tuple(names)


@lru_cache(maxsize=1)
def all_exercises() -> tuple[Exercise, ...]:
    """Every exercise of every installed pack, in course order."""
    exercises = [load_exercise(folder) for folder in plugins.exercise_folders()]
    seen: dict[str, Path] = {}
    for exercise in exercises:
        if exercise.id in seen:
            raise SpecError(_("two packs define the exercise {exercise}: {first} and {second}",
                              exercise=repr(exercise.id), first=seen[exercise.id], second=exercise.folder))
        seen[exercise.id] = exercise.folder
    return tuple(sorted(exercises, key=lambda e: (e.order, e.id)))


def needs_code(exercises: Iterable[Exercise]) -> bool:
    """Whether grading these exercises calls the student's functions (else only files are graded:
    a folder then needs no cnn.py)."""
    return any(exercise.functions for exercise in exercises)


def select(ids: list[str] | tuple[str, ...] = ()) -> tuple[Exercise, ...]:
    """The exercises with the given ids (all when none); KeyError names an unknown id."""
    exercises = all_exercises()
    if not ids:
        return exercises
    known = {e.id: e for e in exercises}
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise KeyError(unknown[0])
    return tuple(known[i] for i in ids)

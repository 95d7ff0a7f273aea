"""The plugin interface: what a pack or a reporter brings, and the manager that finds them.

Plugins are found through the `cnngrade` entry-point group, as pytest finds its plugins: a module
with `@hookimpl` functions named like the hooks below. The built-in course (the `exercises`
package) registers itself exactly as a third-party pack would. The engine names no course, data
set or framework: whatever is a course's own arrives through these hooks.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

import pluggy

from grader.i18n import _, add_locale_dirs

hookspec = pluggy.HookspecMarker("cnngrade")
hookimpl = pluggy.HookimplMarker("cnngrade")


class FixtureMissing(Exception):
    """A fixture that cannot be made here; its message is one line saying why and what to do.

    It costs only the checks that ask for the fixture: they are not graded, with this reason.
    """


class OptionProblem(FixtureMissing):
    """A fixture that cannot be made from what the user named (a wrong data folder given with an
    option): the checks that need it are not graded, and the command exits 2 with this line."""


@dataclass(frozen=True)
class Fixture:
    """A value a check asks for by parameter name (`def test_accuracy(student, dataset)`).

    make(fixtures) builds it at first use, once per grading process; `fixtures.options` holds the
    values of the packs' command-line options and `fixtures.get(name)` another fixture. It raises
    FixtureMissing when it cannot be made.
    """

    name: str
    make: Callable[[Any], Any]


@dataclass(frozen=True)
class WorkerKind:
    """A kind of sandboxed worker besides the engine's own "python" (which imports the student's
    module and calls its functions).

    module: a file the worker loads by path before the grader's folders are hidden; it may import
    only the standard library and NumPy at module level and must define handle(folder, request)
    -> (reply dict, values dict). Checks talk to it with `sandbox.ask(request, values)`.
    runs_student_code: False for a worker that only reads files (a model file, say): it may then
    import what submissions may not, and what it prints is not the student's output.
    """

    name: str
    module: Path
    runs_student_code: bool = False


class Hooks:
    """The hooks a cnngrade plugin may implement (each returns a list; packs add up)."""

    @hookspec
    def cnngrade_exercise_folders(self) -> list[Path]:
        """The exercise folders of this pack (spec.toml, statement.md, checks.py, mutants.py,
        optionally starter.py with the stubs that `cnngrade init` writes)."""

    @hookspec
    def cnngrade_reporters(self) -> list[type]:
        """The reporter classes of this plugin (see grader.reporters)."""

    @hookspec
    def cnngrade_fixtures(self) -> list[Fixture]:
        """The fixtures this pack's checks ask for by parameter name."""

    @hookspec
    def cnngrade_options(self) -> list:
        """click.Option objects this pack needs on submit, check, batch and selftest (e.g. a data
        folder); their values reach fixtures as fixtures.options[param name]."""

    @hookspec
    def cnngrade_private_paths(self, options: dict) -> list[Path]:
        """Folders no sandbox may show (the pack's data sets, its caches), given the options."""

    @hookspec
    def cnngrade_worker_kinds(self) -> list[WorkerKind]:
        """The worker kinds this pack's exercises use (spec.toml `kind = NAME`)."""

    @hookspec
    def cnngrade_wire_types(self) -> list[type]:
        """Value types that may cross the sandbox boundary as plain data (see grader.sandbox.wire:
        each has a `wire_name`, to_wire() and from_wire(); its module imports only the standard
        library and NumPy, since the worker loads it by path)."""

    @hookspec
    def cnngrade_forbidden_imports(self) -> list[str]:
        """Top-level packages a submission may not import, however spelled (the engine always
        refuses its own); checks of functions that need one fail."""

    @hookspec
    def cnngrade_locale_dirs(self) -> list[Path]:
        """Folders of this pack's gettext catalogs, each holding <lang>/LC_MESSAGES/*.mo (the
        words of its checks, descriptions and messages in other languages); its statements in
        other languages are statement.<lang>.md files beside statement.md."""

    @hookspec
    def cnngrade_starter_header(self) -> str:
        """The text that opens a starter cnn.py written by `cnngrade init` (rules, conventions,
        imports); each exercise's starter.py follows, in course order."""


@lru_cache(maxsize=1)
def plugin_manager() -> pluggy.PluginManager:
    manager = pluggy.PluginManager("cnngrade")
    manager.add_hookspecs(Hooks)
    manager.load_setuptools_entrypoints("cnngrade")
    # The packs' catalogs join the engine's, so that `_()` finds a check's words in its language.
    add_locale_dirs(Path(p) for p in _collected(manager.hook.cnngrade_locale_dirs()))
    return manager


def _collected(results: list) -> list:
    """A hook's lists, oldest registration first (pluggy calls the newest first)."""
    return [item for batch in reversed(results) for item in (batch or [])]


def exercise_folders() -> list[Path]:
    return [Path(f) for f in _collected(plugin_manager().hook.cnngrade_exercise_folders())]


def pack_locations() -> list[Path]:
    """The folders of every registered exercise (hidden from the sandboxed worker)."""
    return [folder.resolve() for folder in exercise_folders()]


@lru_cache(maxsize=1)
def fixtures() -> dict[str, Fixture]:
    found: dict[str, Fixture] = {}
    for fixture in _collected(plugin_manager().hook.cnngrade_fixtures()):
        if fixture.name in found:
            raise ValueError(_("two packs define the fixture {name}", name=repr(fixture.name)))
        found[fixture.name] = fixture
    return found


@lru_cache(maxsize=1)
def options() -> tuple:
    return tuple(_collected(plugin_manager().hook.cnngrade_options()))


def private_paths(values: dict) -> list[Path]:
    return [Path(p) for p in _collected(plugin_manager().hook.cnngrade_private_paths(options=values))]


@lru_cache(maxsize=1)
def worker_kinds() -> dict[str, WorkerKind]:
    return {kind.name: kind for kind in _collected(plugin_manager().hook.cnngrade_worker_kinds())}


@lru_cache(maxsize=1)
def wire_types() -> tuple[type, ...]:
    return tuple(_collected(plugin_manager().hook.cnngrade_wire_types()))


@lru_cache(maxsize=1)
def forbidden_imports() -> tuple[str, ...]:
    return tuple(dict.fromkeys(["cnngrade", "grader", *_collected(plugin_manager().hook.cnngrade_forbidden_imports())]))


def starter_headers() -> list[str]:
    return [text for text in reversed(plugin_manager().hook.cnngrade_starter_header()) if text]

"""The plugin manager: exercise packs and reporters are found through the `cnngrade` entry points.

The built-in pack (the `exercises` package) registers itself exactly as a third-party pack would:
a module with `@hookimpl` functions, named in the `cnngrade` entry-point group of its distribution.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pluggy

hookspec = pluggy.HookspecMarker("cnngrade")
hookimpl = pluggy.HookimplMarker("cnngrade")


class Hooks:
    """The hooks a cnngrade plugin may implement."""

    @hookspec
    def cnngrade_exercise_folders(self) -> list[Path]:
        """Return the exercise folders this pack provides.

        Each folder holds spec.toml, statement.md, checks.py and optionally mutants.py.
        """

    @hookspec
    def cnngrade_reporters(self) -> list[type]:
        """Return the reporter classes this plugin provides (see grader.reporters)."""


@lru_cache(maxsize=1)
def plugin_manager() -> pluggy.PluginManager:
    manager = pluggy.PluginManager("cnngrade")
    manager.add_hookspecs(Hooks)
    manager.load_setuptools_entrypoints("cnngrade")
    return manager


def exercise_folders() -> list[Path]:
    folders: list[Path] = []
    for batch in reversed(plugin_manager().hook.cnngrade_exercise_folders()):
        folders.extend(Path(f) for f in batch)
    return folders


def pack_locations() -> list[Path]:
    """The folders of every registered exercise (hidden from the sandboxed worker)."""
    return [folder.resolve() for folder in exercise_folders()]

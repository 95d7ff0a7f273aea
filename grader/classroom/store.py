"""The batch's results store: one JSON file per student, written atomically as each finishes.

A stored result is reused when its key still matches: a hash of the submission's files, of the
versions of cnngrade and of the installed packs (and of the selected exercises' own files, so
that an edited check in a development checkout counts as a new version), and of the options
that change a grade (the exercise selection, --examples, the packs' options). Anything else
(--jobs, --scheduler, the reports asked for) never changes a grade, so it is not in the key.
"""
from __future__ import annotations

import hashlib
import json
import os
from importlib import metadata
from pathlib import Path
from typing import Iterable

from grader import __version__, plugins
from grader.atomic import write_atomically

SKIPPED = {"__pycache__", ".git", ".ipynb_checkpoints"}


def folder_digest(folder: Path) -> str:
    """sha256 over the relative paths and contents of a folder's files (links by their target text)."""
    digest = hashlib.sha256()
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED)
        for name in sorted(files):
            path = Path(root) / name
            digest.update(str(path.relative_to(folder)).encode() + b"\0")
            if path.is_symlink():
                digest.update(b"link:" + os.readlink(path).encode())
            else:
                with open(path, "rb") as handle:
                    for block in iter(lambda: handle.read(1 << 20), b""):
                        digest.update(block)
            digest.update(b"\0")
    return digest.hexdigest()


def grading_context(exercises: Iterable, examples: int | None, options: dict) -> str:
    """The part of every key that is the same for the whole class."""
    distributions = sorted({f"{dist.project_name}=={dist.version}"
                            for _, dist in plugins.plugin_manager().list_plugin_distinfo()})
    selected = list(exercises)
    described = {
        "cnngrade": __version__,
        "packs": distributions,
        "exercises": [[e.id, folder_digest(e.folder)] for e in selected],
        "examples": examples,
        "options": {k: str(v) for k, v in sorted(options.items()) if v is not None},
        "hypothesis": _version("hypothesis"),
    }
    return hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "none"


class ResultStore:
    """folder/<student>.json: {"key", "result" (the result-3 record), "faults", "seconds"}."""

    def __init__(self, folder: Path, context: str):
        self.folder = Path(folder)
        self.context = context

    def key(self, submission: Path) -> str:
        return hashlib.sha256((self.context + folder_digest(submission)).encode()).hexdigest()

    def path(self, name: str) -> Path:
        return self.folder / f"{name}.json"

    def get(self, name: str, key: str) -> dict | None:
        """The stored record of this student, if it was graded with this key; else None."""
        try:
            record = json.loads(self.path(name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return record if isinstance(record, dict) and record.get("key") == key else None

    def put(self, name: str, key: str, record: dict) -> None:
        # Insertion order kept: reports render a counterexample's arguments in the order they were given.
        write_atomically(self.path(name), json.dumps({**record, "key": key}) + "\n")

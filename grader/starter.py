"""The starter cnn.py that `cnngrade init` writes, built from the installed packs: each pack's
header, then each exercise's starter.py (its stubs), in course order."""
from __future__ import annotations

from typing import Iterable

from grader import plugins
from grader.exercise import Exercise

RULE = "# " + "-" * 75


def starter_module(exercises: Iterable[Exercise]) -> str:
    parts = [header.rstrip() + "\n" for header in plugins.starter_headers()]
    for exercise in exercises:
        if exercise.starter.strip():
            parts.append(f"{RULE}\n# {exercise.title} ({exercise.id})\n{RULE}\n\n{exercise.starter.strip()}\n")
    return "\n\n".join(parts)

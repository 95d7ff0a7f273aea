"""The starter cnn.py that `cnngrade init` writes, built from the installed packs: each pack's
header, then each exercise's starter.py (its stubs), in course order; or, with --notebook, the
same as a notebook: the headers' code first, then per exercise its statement and its stubs, and a
last cell that runs the self-check. And the files an exercise gives the student to start from
(its spec's starter_files, e.g. a model to build on)."""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Iterable

from grader import plugins
from grader.grading.exercise import Exercise

RULE = "# " + "-" * 75


def starter_module(exercises: Iterable[Exercise]) -> str:
    parts = [header.rstrip() + "\n" for header in plugins.starter_headers()]
    for exercise in exercises:
        if exercise.starter.strip():
            parts.append(f"{RULE}\n# {exercise.title} ({exercise.id})\n{RULE}\n\n{exercise.starter.strip()}\n")
    return "\n\n".join(parts)


def copy_starter_files(exercises: Iterable[Exercise], directory: Path, force: bool = False) -> list[Path]:
    """Copy each exercise's starter_files from its folder into the student's directory; a file
    already there is kept unless force (it may be the student's own work). Returns those written."""
    written = []
    for exercise in exercises:
        for name in exercise.starter_files:
            target = Path(directory) / name
            if target.exists() and not force:
                continue
            shutil.copyfile(exercise.folder / name, target)
            written.append(target)
    return written


CHECK_CELL = "# Save the notebook (Ctrl+S), then run this cell: it grades the saved file.\n" \
             "from cnngrade.notebook import check\ncheck()"


def starter_notebook(exercises: Iterable[Exercise], path: Path) -> None:
    """Write the starter notebook to `path` (grader.notebook.starter_notebook lays it out)."""
    from grader.submission.notebook import starter_notebook as write

    headers = "\n\n".join(header.rstrip() for header in plugins.starter_headers())
    parts = [("Run this cell first: the imports and conventions every exercise uses.", headers + "\n")] \
        if headers.strip() else []
    for exercise in exercises:
        stub = exercise.starter.strip()
        if not stub and not exercise.files:
            continue
        parts.append((exercise.statement.strip(), stub + "\n" if stub else
                      f"# {exercise.title}: graded from the file(s) {', '.join(exercise.files)} beside this notebook\n"))
    write(parts, CHECK_CELL, path)

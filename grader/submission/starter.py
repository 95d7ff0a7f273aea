"""The starter cnn.py that `cnngrade init` writes, built from the installed packs: each pack's
header, then each exercise's starter.py (its stubs), in course order; or, with --notebook, the
same as a notebook: the headers' code first, then per exercise its statement and its stubs, and a
last cell that runs the self-check. And the files an exercise gives the student to start from
(its spec's starter_files, e.g. a model to build on). All in the current language: each
exercise's starter and statement in it (Exercise.starter, Exercise.statement), the words added
here from the engine's catalog."""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Iterable

from grader import plugins
from grader.grading.exercise import Exercise
from grader.i18n import DEFAULT, _, current

RULE = "# " + "-" * 75


def starter_module(exercises: Iterable[Exercise]) -> str:
    parts = [header.rstrip() + "\n" for header in plugins.starter_headers()]
    for exercise in exercises:
        if exercise.starter.strip():
            parts.append(f"{RULE}\n# {exercise.title_text} ({exercise.id})\n{RULE}\n\n{exercise.starter.strip()}\n")
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


def check_cell() -> str:
    """The notebook's last cell: the self-check (in the language the notebook is written in, when
    it is not the default: a kernel's locale may not be the student's)."""
    call = "check()" if current() == DEFAULT else f"check(lang={current()!r})"
    return "# " + _("Save the notebook (Ctrl+S), then run this cell: it grades the saved file.") \
        + f"\nfrom cnngrade.notebook import check\n{call}"


def starter_notebook(exercises: Iterable[Exercise], path: Path) -> None:
    """Write the starter notebook to `path` (grader.notebook.starter_notebook lays it out)."""
    from grader.submission.notebook import starter_notebook as write

    headers = "\n\n".join(header.rstrip() for header in plugins.starter_headers())
    parts = [(_("Run this cell first: the imports and conventions every exercise uses."), headers + "\n")] \
        if headers.strip() else []
    for exercise in exercises:
        stub = exercise.starter.strip()
        if not stub and not exercise.files:
            continue
        parts.append((exercise.statement.strip(), stub + "\n" if stub else "# " + _(
            "{title}: graded from the file(s) {files} beside this notebook", title=exercise.title_text,
            files=", ".join(exercise.files)) + "\n"))
    write(parts, check_cell(), path)

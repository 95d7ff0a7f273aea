"""What makes a folder gradeable, said once for `submit`, `check` and `batch`, and what is graded in it.

A folder is graded through its cnn.py or, when it has none, its notebook (cnn.ipynb, or its only
.ipynb file): the notebook's graded functions are cut out as text by grader.submission.notebook in this
trusted process and written as cnn.py into each sandbox's scratch copy, so that the sandbox
imports them exactly as it imports a cnn.py. `Submission` then puts every message back in the
notebook's terms: "cell 7, line 3" for a traceback frame or an import error, the syntax error of
the cell that defines a function, a reproduce line to run in the notebook.
"""
from __future__ import annotations

import ast
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:  # grader.submission.notebook needs nbformat and IPython, the optional extra `cnngrade[notebook]`
    from grader.submission.notebook import Extracted

MAX_BYTES = 256 << 20  # the folder is copied for every sandbox: a stray data set must not be
MODULE = "cnn.py"
NOTEBOOK_EXTRA = "pip install 'cnngrade[notebook]'"
MAX_LEFT_OUT = 12  # cells listed as left out in the report's notices


class Unreadable(Exception):
    """A notebook that cannot be graded (corrupt, several, a link, the extra not installed): one line."""


def problem(folder: Path) -> str:
    """'' when the folder can be graded, else why not, in words for the person who submitted it."""
    folder = Path(folder)
    module = folder / MODULE
    if module.is_symlink():
        return "cnn.py is a symbolic link: copy the file itself into the folder"
    if not module.is_file():
        try:
            notebook = notebook_of(folder)
            if notebook is None:
                return "there is no cnn.py (nor a notebook cnn.ipynb) in the folder"
            _read(notebook)
        except Unreadable as exc:
            return str(exc)
    size = _size(folder)
    if size > MAX_BYTES:
        return (f"the folder holds {size / (1 << 20):.0f} MiB, more than the {MAX_BYTES >> 20} MiB cnngrade "
                "copies: keep only cnn.py, its helper modules and the files the exercises grade")
    return ""


def notebook_of(folder: Path) -> Path | None:
    """The notebook graded in a folder without cnn.py (None when it has none); Unreadable when
    there are several, it is a link, or nbformat and IPython are not installed."""
    try:
        from grader.submission.notebook import NotebookError, notebook_in
        import IPython.core.inputtransformer2  # noqa: F401  (what extract() uses to read magics)
    except ImportError as exc:
        found = sorted(p.name for p in Path(folder).glob("*.ipynb"))
        if found:
            raise Unreadable(f"{found[0]} is a notebook, and reading notebooks needs {exc.name or 'nbformat'}: "
                             f"{NOTEBOOK_EXTRA}") from None
        return None
    try:
        return notebook_in(folder)
    except NotebookError as exc:
        raise Unreadable(str(exc)) from None


def _read(path: Path):
    from grader.submission.notebook import NotebookError, read_notebook

    try:
        return read_notebook(path)
    except NotebookError as exc:
        raise Unreadable(str(exc)) from None


@dataclass
class Submission:
    """What is graded in a folder: its cnn.py, or the module cut out of its notebook.

    generated: files the sandbox writes into its copy (cnn.py from the notebook); notices: how the
    folder was read, for the report; extracted: the notebook's module and its map back to cells.
    """

    folder: Path
    notebook: Path | None = None
    extracted: "Extracted | None" = None
    generated: dict[str, str] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)

    def import_error(self, where: dict, error: str) -> str:
        """The import failure of the generated module, by cell and line."""
        line = (where or {}).get("line")
        place = self.extracted.where(int(line)) if line and (where.get("file") in (None, MODULE)) else ""
        return f"running the notebook's code failed: {place + ': ' if place else ''}{error}"

    def broken(self, functions: Iterable[str]) -> dict[str, str]:
        """The graded functions missing because the cell that defines them has a syntax error,
        with the message their checks get: only those functions' checks lose points."""
        if self.extracted is None:
            return {}
        found = {}
        for name in functions:
            error = self.extracted.syntax_error_of(name)
            if error is not None:
                found[name] = f"{name} is not graded: {error} (that cell was left out; fix it and save the notebook)"
        return found

    def relocate(self, counterexample: dict | None) -> None:
        """A counterexample's traceback by cell and line, and its reproduce line for the notebook."""
        if self.extracted is None or not counterexample:
            return
        if counterexample.get("traceback"):
            counterexample["traceback"] = self.extracted.retrace(counterexample["traceback"])
        line, function = counterexample.get("reproduce"), counterexample.get("function")
        if line and function:
            cell = self.defining_cell(function)
            line = line.replace(f"from cnn import {function}; ", "")
            counterexample["reproduce"] = line + (f"  # in the notebook, after running cell {cell}, where "
                                                  f"{function} is defined" if cell else "  # in the notebook")

    def defining_cell(self, name: str) -> int | None:
        """The cell of the last top-level definition of `name` in the graded code."""
        try:
            tree = ast.parse(self.extracted.source)
        except SyntaxError:
            return None
        lines = [node.lineno for node in tree.body
                 if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == name
                 or isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)]
        place = self.extracted.location(lines[-1]) if lines else None
        return place[0] if place else None


def read_submission(folder: Path, functions: Iterable[str], notebook: Path | None = None) -> Submission:
    """What is graded in `folder` for the graded `functions`; `notebook` names one to grade even
    when the folder holds a cnn.py (the in-notebook check). Unreadable for a notebook that cannot be."""
    folder = Path(folder)
    submission = Submission(folder)
    if notebook is None:
        if (folder / MODULE).is_file():
            others = sorted(p.name for p in folder.glob("*.ipynb"))
            if others:
                submission.notices.append(f"graded cnn.py; the notebook {others[0]} beside it was not "
                                          "(a folder's cnn.py comes first)")
            return submission
        notebook = notebook_of(folder)
        if notebook is None:
            return submission
    from grader.submission.notebook import extract

    functions = list(dict.fromkeys(functions))
    extracted = extract(_read(Path(notebook)), functions)
    submission.notebook, submission.extracted = Path(notebook), extracted
    submission.generated = {MODULE: extracted.source}
    kept = len({place[0] for place in extracted.line_map if place})
    submission.notices.append(f"graded the notebook {Path(notebook).name} without running it: the code of {kept} "
                              f"cell(s) that the graded functions need, magics and shell escapes left out")
    # The cells left out for what they do (training, magics, a syntax error) first, then the ones
    # only no graded function needs (another exercise's, when some are graded); capped.
    left_out = sorted(extracted.left_out, key=lambda item: (item.reason.startswith("not used") and ";" not in item.reason, item.cell))
    submission.notices += [f"left out: {item}" for item in left_out[:MAX_LEFT_OUT]]
    if len(left_out) > MAX_LEFT_OUT:
        submission.notices.append(f"left out: ... and {len(left_out) - MAX_LEFT_OUT} more cell(s)")
    return submission


def _size(folder: Path) -> int:
    total = 0
    for root, _, files in os.walk(folder):  # links are not followed: they are copied as links
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                pass
            if total > MAX_BYTES:
                return total  # enough to refuse; no need to walk a huge tree to the end
    return total

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

from grader.i18n import _, ngettext
from grader.submission.files import Manifest, Refused, manifest, shown

if TYPE_CHECKING:  # grader.submission.notebook needs nbformat and IPython, the optional extra `cnngrade[notebook]`
    from grader.submission.notebook import Extracted

MODULE = "cnn.py"
NOTEBOOK = "cnn.ipynb"  # graded when the folder has no cnn.py (or the only notebook there)
NOTEBOOK_EXTRA = "pip install 'cnngrade[notebook]'"
MAX_LEFT_OUT = 12  # cells listed as left out in the report's notices


class Unreadable(Exception):
    """A notebook or a folder that cannot be graded (corrupt, several, a link, the extra not
    installed; a folder grader.submission.files refuses): one line."""


def problem(folder: Path, files: Manifest | None = None, needs_code: bool = True) -> str:
    """'' when the folder can be graded, else why not, in words for the person who submitted it.
    files: the folder's manifest, when the caller has it (grader.submission.files); needs_code:
    whether the exercises graded call functions (a folder graded only on its files, e.g. a
    trained model, needs no cnn.py: a missing file costs the checks that grade it)."""
    folder = Path(folder)
    try:
        files = files or manifest(folder)
    except Refused as exc:
        return str(exc)
    if needs_code and files.file(MODULE) is None:
        left_out = files.why_left_out(MODULE)
        if left_out:
            return _("{file} is {reason}", file=MODULE, reason=left_out)
        try:
            notebook = notebook_of(folder, files)
            if notebook is None:
                return _("there is no cnn.py (nor a notebook cnn.ipynb) in the folder")
            _read(notebook)
        except Unreadable as exc:
            return str(exc)
    return ""


def notebook_of(folder: Path, files: Manifest | None = None) -> Path | None:
    """The notebook to grade in a folder (files: its manifest, when the caller has it): cnn.ipynb
    when there is one; else, when there is no cnn.py, the only .ipynb file; None when there is none.
    Its path is in the folder (a link that grader.submission.files keeps is read through, to its
    file inside the folder). Unreadable when there are several, when cnn.ipynb was left out (a link
    out of the folder, say), or when nbformat and IPython are not installed."""
    try:
        files = files or manifest(folder)
    except Refused as exc:
        raise Unreadable(str(exc)) from None
    left_out = files.why_left_out(NOTEBOOK)
    if left_out:
        raise Unreadable(_("{file} is {reason}", file=NOTEBOOK, reason=left_out))
    found = [f.path for f in files.files if b"/" not in f.path and f.path.endswith(b".ipynb")
             and not f.path.startswith(b".")]
    if os.fsencode(NOTEBOOK) in found:
        chosen = os.fsencode(NOTEBOOK)
    elif files.file(MODULE) is not None or not found:
        return None
    elif len(found) > 1:
        raise Unreadable(_("the folder holds several notebooks ({notebooks}) and no {file}: name the one to grade "
                           "{file}", notebooks=", ".join(shown(p) for p in found), file=NOTEBOOK))
    else:
        chosen = found[0]
    try:
        import IPython.core.inputtransformer2  # noqa: F401  (what extract() uses to read magics)
        import nbformat  # noqa: F401  (the optional extra cnngrade[notebook])
    except ImportError as exc:
        raise Unreadable(_("{file} is a notebook, and reading notebooks needs {package}: {install}",
                           file=shown(chosen), package=exc.name or "nbformat", install=NOTEBOOK_EXTRA)) from None
    return Path(folder) / os.fsdecode(chosen)


def _read(path: Path):
    from grader.submission.notebook import NotebookError, read_notebook

    try:
        return read_notebook(path)
    except NotebookError as exc:
        raise Unreadable(str(exc)) from None
    except Exception as exc:  # noqa: BLE001  (whatever nbformat raises on a hostile file is the file's fault)
        raise Unreadable(_("{file} is not a notebook cnngrade can read ({error} while reading it)",
                           file=shown(Path(path).name), error=type(exc).__name__)) from None


@dataclass
class Submission:
    """What is graded in a folder: its cnn.py, or the module cut out of its notebook.

    generated: files the sandbox writes into its copy (cnn.py from the notebook); notices: how the
    folder was read, for the report; extracted: the notebook's module and its map back to cells.
    """

    folder: Path
    files: Manifest | None = None  # what the folder holds (grader.submission.files), copied into each sandbox
    notebook: Path | None = None
    extracted: "Extracted | None" = None
    generated: dict[str, str] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)

    def import_error(self, where: dict, error: str) -> str:
        """The import failure of the generated module, by cell and line."""
        line = (where or {}).get("line")
        if line and where.get("file") in (None, MODULE):
            return _("running the notebook's code failed: {place}: {error}", place=self.extracted.where(int(line)),
                     error=error)
        return _("running the notebook's code failed: {error}", error=error)

    def broken(self, functions: Iterable[str]) -> dict[str, str]:
        """The graded functions missing because the cell that defines them has a syntax error,
        with the message their checks get: only those functions' checks lose points."""
        if self.extracted is None:
            return {}
        found = {}
        for name in functions:
            error = self.extracted.syntax_error_of(name)
            if error is not None:
                found[name] = _("{function} is not graded: {error} (that cell was left out; fix it and save the "
                                "notebook)", function=name, error=error)
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
            line = line.replace(f"from cnn import {function}; ", "")  # i18n: not for people (code)
            counterexample["reproduce"] = line + "  # " + (
                _("in the notebook, after running cell {cell}, where {function} is defined", cell=cell,
                  function=function) if cell else _("in the notebook"))

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


def read_submission(folder: Path, functions: Iterable[str], notebook: Path | None = None,
                    files: Manifest | None = None) -> Submission:
    """What is graded in `folder` for the graded `functions`; `notebook` names one to grade even
    when the folder holds a cnn.py (the in-notebook check); files: the folder's manifest when the
    caller has it. Unreadable for a notebook, or a folder, that cannot be."""
    folder = Path(folder)
    try:
        files = files or manifest(folder)
    except Refused as exc:
        raise Unreadable(str(exc)) from None
    submission = Submission(folder, files, notices=files.notices())
    if notebook is None:
        if files.file(MODULE) is not None:
            others = sorted(shown(f.path) for f in files.files if b"/" not in f.path and f.path.endswith(b".ipynb"))
            if others:
                submission.notices.append(_("graded cnn.py; the notebook {notebook} beside it was not (a folder's "
                                            "cnn.py comes first)", notebook=others[0]))
            return submission
        notebook = notebook_of(folder, files)
        if notebook is None:
            return submission
    from grader.submission.notebook import extract

    functions = list(dict.fromkeys(functions))
    extracted = extract(_read(Path(notebook)), functions)
    submission.notebook, submission.extracted = Path(notebook), extracted
    submission.generated = {MODULE: extracted.source}
    kept = len({place[0] for place in extracted.line_map if place})
    # English says "cell(s)" whatever the count; French agrees with it (the plural forms).
    submission.notices.append(ngettext(
        "graded the notebook {notebook} without running it: the code of {count} cell(s) that the graded functions "
        "need, magics and shell escapes left out",
        "graded the notebook {notebook} without running it: the code of {count} cell(s) that the graded functions "
        "need, magics and shell escapes left out", kept, notebook=shown(Path(notebook).name), count=kept))
    # The cells left out for what they do (training, magics, a syntax error) first, then the ones
    # only no graded function needs (another exercise's, when some are graded); capped.
    left_out = sorted(extracted.left_out, key=lambda item: (item.unused_only, item.cell))
    submission.notices += [_("left out: {entry}", entry=item) for item in left_out[:MAX_LEFT_OUT]]
    if len(left_out) > MAX_LEFT_OUT:
        more = len(left_out) - MAX_LEFT_OUT
        submission.notices.append(ngettext("left out: ... and {count} more cell(s)",
                                           "left out: ... and {count} more cell(s)", more, count=more))
    return submission

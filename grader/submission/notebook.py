"""Notebook submissions, the trusted text-only part: read a .ipynb, slice out the graded code.

A student may hand in a Jupyter notebook instead of cnn.py. The notebook is full of things the
grader must not run: package installs, data downloads, training, plots, a Drive mount. This module
turns it into a plain module that holds only what the graded functions need, so that the sandbox
can import it as it imports a cnn.py, and maps every line of that module back to a notebook cell.

Everything here works on text and syntax trees: nothing of the notebook is executed, imported or
evaluated (compile() only checks syntax). The slice is NOT a security boundary — a kept function
may do anything when called, a kept assignment runs at import — the sandbox stays the boundary.
The slice only keeps a notebook's side work (training, downloads) out of grading.

The notebook is the student's, so every piece of work on it is bounded, each bound checked before
the work it bounds (the MAX_ constants below): the file's size, its JSON values and nesting, its
cells and code are the notebook's (a NotebookError: one line, nothing graded); a cell nested too
deep, past the notebook's statements or IPython budget is left out with its reason, and so are
only the functions it defines. The work is linear in the code: a cell that parses as Python never
goes through IPython's transformer (it would change nothing), the lines IPython rewrites are
mapped back in one pass, and no syntax tree is walked by recursion.

Conventions, used by every message:
- "cell N" is the N-th cell of the notebook counting every cell (Markdown and raw included) from 1,
  as a reader counts them from the top; "line M" is the M-th line of that cell's text, from 1.
- the graded function names are passed in (the exercise contract); this module knows none.

What the slice keeps, statement by statement at the top level of every code cell, in cell order:
- `def`, `async def`, `class`, assignments (plain, augmented, annotated, tuple targets, `d[k] = v`
  and `obj.attr = v`, which count as binding d and obj), `import` and `from ... import` — when a
  name they bind is needed. The graded functions are needed; so, transitively, is every global
  name a kept statement reads: free names in function and class bodies (nested functions, lambdas
  and comprehensions resolved as Python resolves them, `global` honoured), default arguments,
  decorators, annotations, class bases, right-hand sides. Every binding of a needed name is kept,
  so the last one wins, as when the notebook runs from top to bottom.
- a top-level `if`, `try` or `match` is kept WHOLE when it binds a needed name anywhere in its
  branches (`try: import x / except ImportError: x = None`, a function defined in both branches of
  an `if`): which branch runs is only known at run time, so the statement keeps its own logic.
- `from x import *` is always kept (it may bind any name); `from __future__` imports are always
  kept and moved to the top of the module, where Python requires them.
- never kept: bare expressions (calls such as `model.fit(...)`, `print(...)`, `plt.plot(...)`,
  `drive.mount(...)`; a top-level call that fills a kept list is lost too), `for`/`while` loops
  and `with` blocks (that is how training, data loading and file writing look), `del`, `assert`,
  `raise`, IPython magics and shell escapes, statements that need top-level `await`, `__all__`
  (nothing reads it by name; the grader finds functions by name).
Inside kept code, a magic or shell escape that stands alone as a statement (`!ls` in a function)
becomes `pass` (`%time y = f(x)` becomes `y = f(x)`, which is what it runs), so importing the
module never needs IPython; `x = !ls` inside a function is left as it is and fails with a
NameError (get_ipython) only when that code runs.
"""
from __future__ import annotations

import ast
import json
import os
import re
import stat
import symtable
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import nbformat

from grader import i18n  # i18n.number: `number` is a cell's number here
from grader.i18n import N_, _

MODULE = "cnn.py"  # the name the extracted source is imported under; tracebacks say this file
MAX_REASONS = 20
# Bounds on the work this trusted process does on a student's notebook, each checked before the
# work it bounds. Reaching one is the student's one-line reason (a NotebookError for the file, a
# cell left out for a cell), never a fault of the grader.
MAX_NOTEBOOK_BYTES = 32 << 20  # read before parsing; outputs (plots) make a notebook big, its code does not
MAX_JSON_VALUES = 1_000_000  # estimated from the text before parsing: what json.loads would allocate
MAX_JSON_DEPTH = 64  # nbformat's reader and validator recurse into the JSON; real notebooks nest about 10
MAX_CELLS = 2_000
MAX_CODE_CHARS = 256 << 10  # all code cells together; a course's notebook holds well under 100 KB of code
MAX_DEPTH = 100  # syntax nesting of one statement (the deepest in NumPy's own sources is 45)
MAX_STATEMENTS = 10_000  # top-level statements, each analysed on its own (good/cnn.py has 40)
# IPython's transformer tokenises the whole cell again after each magic it rewrites (quadratic):
# characters x (magics + 1), summed over the cells it is run on, at most this in one notebook
# (about 3 s at worst, bench/trusted_bounds.py). A cell without a line IPython could rewrite
# skips that pass.
MAX_TRANSFORM_WORK = 1_000_000
TRAINING_METHODS = {"fit", "fit_generator", "train_on_batch"}  # "a training call" in a reason
# The kinds of statement left out (N_: each said where a cell's reason is written, _reason).
MAGIC, CELL_MAGIC, SHELL = N_("a magic"), N_("a cell magic"), N_("a shell escape")
TRAINING, CALL, UNUSED = N_("a training call"), N_("a call"), N_("not used by a graded function")
_MAGIC_METHODS = {"run_line_magic": MAGIC, "run_cell_magic": CELL_MAGIC, "magic": MAGIC,
                  "system": SHELL, "getoutput": SHELL}
_KEEPABLE = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Assign, ast.AugAssign,
             ast.AnnAssign, ast.Import, ast.ImportFrom, ast.If, ast.Try, ast.Match) \
    + tuple(getattr(ast, name) for name in ("TryStar", "TypeAlias") if hasattr(ast, name))
_COMPOUND = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.If, ast.For, ast.AsyncFor, ast.While,
             ast.With, ast.AsyncWith, ast.Try, ast.Match)
# A tolerant scan for what a cell that does not parse would have defined at its top level.
_DEFINES = re.compile(r"^(?:async[ \t]+def|def|class)[ \t]+([A-Za-z_]\w*)"
                      r"|^([A-Za-z_]\w*)[ \t]*(?::[^=\n]*)?=(?!=)", re.MULTILINE)
_TRACEBACK_LINE = re.compile(r'File "(?P<file>[^"]+)", line (?P<line>\d+)')
# Lines IPython may rewrite, over-counted (a match inside a string counts too): an escaped command
# (`%magic`, `!shell`, `?help`, autocall `/f x`), `x = !cmd` or `x = %magic`, `obj?` at the end.
_IPYTHON_LINE = re.compile(r"^[ \t]*[%!?/,;]|=[ \t]*(?:\\\n[ \t]*)*[%!]|\?[ \t]*$", re.MULTILINE)
# Input prompts that IPython strips (pasted from a console or a doctest), even from text that parses.
_PROMPT = re.compile(r"^[ \t]*(?:>>>|\.\.\.)|^(?:\[(?:nav|ins)\] )?In \[\d+\]:", re.MULTILINE)


class _PastStatements(Exception):
    """A cell that would take the notebook past MAX_STATEMENTS (found before the cell is analysed)."""


class NotebookError(Exception):
    """A notebook that cannot be used, said in one line that names the file (the student's fault)."""


@dataclass(frozen=True)
class LeftOut:
    """A code cell left out of the module, wholly or partly, and why in a few words."""

    cell: int
    reason: str
    whole: bool = True
    unused_only: bool = False  # left out only because no graded function needs it

    def __str__(self) -> str:
        if self.whole:
            return _("cell {cell}: {reason}", cell=self.cell, reason=self.reason)
        return _("cell {cell}, partly: {reason}", cell=self.cell, reason=self.reason)


@dataclass(frozen=True)
class CellSyntaxError:
    """A code cell that does not parse, or that cnngrade does not read because one of its bounds
    is reached (`bound`: why, in words that follow "cell N"): left out whole; `defines` are the
    top-level names a tolerant scan finds in it (functions, classes, assignments), which the
    module therefore lacks."""

    cell: int
    line: int
    message: str
    defines: tuple[str, ...]
    bound: str = ""

    def __str__(self) -> str:
        if self.bound:
            return _("cell {cell} {bound}", cell=self.cell, bound=self.bound)
        return _("cell {cell} has a syntax error at line {line}: {error}", cell=self.cell, line=self.line,
                 error=self.message)

    @property
    def reason(self) -> str:
        """Why the cell is left out, as its LeftOut says it."""
        return self.bound or _("a syntax error at line {line}: {error}", line=self.line, error=self.message)


@dataclass
class Extracted:
    """The module cut out of a notebook.

    source: plain Python, a `# cell N` comment before each cell's kept code.
    line_map: line_map[i] is (cell, line in cell) of line i + 1 of source, None for the comments
        and blank lines this module adds.
    left_out: code cells, or parts of them, that are not in source (empty cells are not listed).
    syntax_errors: cells left out because they do not parse.
    """

    source: str
    line_map: list[tuple[int, int] | None]
    left_out: list[LeftOut] = field(default_factory=list)
    syntax_errors: list[CellSyntaxError] = field(default_factory=list)
    bound: frozenset[str] = frozenset()  # the top-level names the kept statements bind

    def location(self, module_line: int) -> tuple[int, int] | None:
        """(cell, line) of a line of source, counted from 1; None for an added line or out of range."""
        if 1 <= module_line <= len(self.line_map):
            return self.line_map[module_line - 1]
        return None

    def where(self, module_line: int) -> str:
        """'cell 7, line 3' for a line of source, as a traceback or an import error reports it."""
        place = self.location(module_line)
        if place:
            return _("cell {cell}, line {line}", cell=place[0], line=place[1])
        return _("line {line} of the code taken from the notebook", line=module_line)

    def retrace(self, text: str, filename: str = MODULE) -> str:
        """A traceback or message with every `File "cnn.py", line N` shown as `cell C, line L`."""
        def replace(match: re.Match) -> str:
            if match["file"] != filename:
                return match[0]
            place = self.location(int(match["line"]))
            return _("cell {cell}, line {line}", cell=place[0], line=place[1]) if place else match[0]
        return _TRACEBACK_LINE.sub(replace, text)

    def syntax_error_of(self, name: str) -> CellSyntaxError | None:
        """The syntax error that explains why `name` is missing from the module: the last broken
        cell that defines it, when no kept code binds it. None when the name is there (a valid
        cell defines it too, so it costs nothing) or no broken cell mentions it."""
        if name in self.bound:
            return None
        for error in reversed(self.syntax_errors):
            if name in error.defines:
                return error
        return None

    def reasons(self, limit: int = MAX_REASONS) -> list[str]:
        """One line per left-out cell, the first `limit` and then '... and N more'."""
        lines = [str(item) for item in self.left_out[:limit]]
        if len(self.left_out) > limit:
            lines.append(_("... and {count} more", count=len(self.left_out) - limit))
        return lines


# ---------------------------------------------------------------------------------------------
# Reading notebooks

def read_notebook(path: Path | str) -> nbformat.NotebookNode:
    """The notebook at `path` as nbformat v4 (versions 1-3 are converted, as Jupyter does).

    Raises NotebookError with one line naming the file for an unreadable or corrupt file, JSON that
    is no notebook, an unsupported nbformat version, a notebook that nbformat rejects (its schema
    check or any other exception of its readers), or one beyond the bounds above (its size, JSON
    values and nesting, cells, code), each checked before the work it bounds. The messages never
    quote the file's content: the file is the student's, the message may be read by others. Extra
    properties some editors add are tolerated (relax_add_props): the grader reads only each
    cell's type and source.
    """
    path = Path(path)
    name = path.name
    raw = _read_bounded(path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise NotebookError(_("{file} is not a notebook: it is not UTF-8 text (a corrupt or binary file?)",
                              file=name)) from None
    # Every JSON value but the first follows a comma or opens a container: an upper bound, at C speed.
    values = raw.count(b",") + raw.count(b"[") + raw.count(b"{")
    if values > MAX_JSON_VALUES:
        raise NotebookError(_("{file} holds about {count} JSON values; cnngrade reads notebooks of at most {limit}: "
                              "{advice}", file=name, count=i18n.number(values), limit=i18n.number(MAX_JSON_VALUES),
                              advice=_(CLEAR_OUTPUTS)))
    del raw
    too_deep = NotebookError(_("{file} nests its JSON more than {limit} levels deep; cnngrade reads notebooks nested "
                               "at most {limit} deep (is it a notebook? save it again from Jupyter)", file=name,
                               limit=MAX_JSON_DEPTH))
    try:
        data = json.loads(text)
    except RecursionError:  # deeper than Python's JSON parser goes
        raise too_deep from None
    except ValueError as exc:
        if isinstance(exc, json.JSONDecodeError):
            raise NotebookError(_("{file} is not a notebook: it is not valid JSON (line {line}, column {column}); is "
                                  "the file cut short or corrupt? Save it again from Jupyter", file=name,
                                  line=exc.lineno, column=exc.colno)) from None
        raise NotebookError(_("{file} is not a notebook: it is not valid JSON; is the file cut short or corrupt? "
                              "Save it again from Jupyter", file=name)) from None
    if _json_depth(data) > MAX_JSON_DEPTH:
        raise too_deep
    if not isinstance(data, dict) or "cells" not in data and "worksheets" not in data \
            or "nbformat" not in data:
        raise NotebookError(_("{file} is JSON but not a Jupyter notebook (no nbformat version and cells)", file=name))
    version = data["nbformat"]
    if not isinstance(version, int) or isinstance(version, bool) or version not in nbformat.versions:
        raise NotebookError(_("{file} has nbformat version {version}, which cnngrade cannot read (it reads versions "
                              "{first} to {last})", file=name, version=repr(version), first=min(nbformat.versions),
                              last=nbformat.current_nbformat))
    cells = _cell_count(data)
    if cells > MAX_CELLS:
        raise NotebookError(_("the notebook {file} has {count} cells; cnngrade reads notebooks of at most {limit} "
                              "cells", file=name, count=i18n.number(cells), limit=i18n.number(MAX_CELLS)))
    notebook = _nbformat_read(data, version, name)
    code = sum(len(cell.get("source", "")) for cell in notebook.get("cells", []) if cell.get("cell_type") == "code")
    if code > MAX_CODE_CHARS:
        raise NotebookError(_("the notebook {file} holds {size} of code; cnngrade reads at most {limit} (is a data "
                              "set pasted into a cell? load it from a file)", file=name, size=_size(code),
                              limit=_size(MAX_CODE_CHARS)))
    return notebook


CLEAR_OUTPUTS = N_("clear its outputs (Edit > Clear all outputs) and save it again")


def _read_bounded(path: Path) -> bytes:
    """The file's bytes, when it is a regular file of at most MAX_NOTEBOOK_BYTES; its size is
    checked before anything is read (a sparse file may claim a terabyte), and a FIFO never blocks."""
    name = path.name
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise _unreadable(name, exc) from None
    with os.fdopen(descriptor, "rb") as handle:
        try:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise NotebookError(_("{file} is not a notebook: it is not a regular file", file=name))
            data = b"" if info.st_size > MAX_NOTEBOOK_BYTES else handle.read(MAX_NOTEBOOK_BYTES + 1)
        except OSError as exc:
            raise _unreadable(name, exc) from None
    size = max(info.st_size, len(data))
    if size > MAX_NOTEBOOK_BYTES:
        raise NotebookError(_("{file} is {size}; cnngrade reads notebooks of at most {limit}: {advice}", file=name,
                              size=_size(size), limit=_size(MAX_NOTEBOOK_BYTES), advice=_(CLEAR_OUTPUTS)))
    return data


def _unreadable(name: str, exc: OSError) -> NotebookError:
    return NotebookError(_("cannot read {file}: {error}", file=name, error=exc.strerror or exc))


def _size(count: int) -> str:
    """'600 MiB', '1.5 MiB', '300 KiB' for a count of bytes or characters (the current language's
    decimal mark)."""
    if count >= 10 << 20:
        return f"{i18n.number(count / (1 << 20), 0, grouping=False)} MiB"
    if count >= 1 << 20:
        return f"{i18n.number(count / (1 << 20), 1, grouping=False)} MiB"
    return f"{i18n.number(count / 1024, 0, grouping=False)} KiB"


def _invalid(name: str, reason: str) -> NotebookError:
    return NotebookError(_("{file} is not a valid notebook: {reason}", file=name, reason=reason))


def _json_depth(data: object) -> int:
    """How deep JSON values nest (a scalar is 0), walked without recursion, stopping once it is
    deeper than MAX_JSON_DEPTH."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if not isinstance(value, (dict, list)):
            continue
        deepest = max(deepest, depth)
        if deepest > MAX_JSON_DEPTH:
            break
        children = value.values() if isinstance(value, dict) else value
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return deepest


def _cell_count(data: dict) -> int:
    """Cells of a notebook's JSON before it is validated (v4 `cells`; v1-v3 `worksheets`)."""
    def length(value: object) -> int:
        return len(value) if isinstance(value, list) else 0
    if "cells" in data:
        return length(data["cells"])
    worksheets = data["worksheets"] if isinstance(data["worksheets"], list) else []
    return sum(length(sheet.get("cells")) for sheet in worksheets if isinstance(sheet, dict))


def _nbformat_read(data: dict, version: int, name: str) -> nbformat.NotebookNode:
    """The parsed JSON through nbformat's validator and reader for its version; any exception of
    nbformat is the notebook's fault, said in one line."""
    try:
        # Warnings (cells without ids, old formats) would go to the teacher's terminal: the
        # grader needs none of what they say.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if version == 4:  # validate before reading: nbformat's reader assumes a valid structure
                nbformat.validate(nbformat.from_dict(data), relax_add_props=True)
            # nbformat's own reader for the version (joins line lists).
            notebook = nbformat.versions[version].to_notebook_json(data, minor=data.get("nbformat_minor", 0))
            if version != 4:  # older formats have no schema of their own in nbformat: check the result
                notebook = nbformat.convert(notebook, 4)
                nbformat.validate(notebook, relax_add_props=True)
    except nbformat.ValidationError as exc:
        path_parts = list(getattr(exc, "absolute_path", ()) or ())
        place = _("cell {cell}", cell=path_parts[1] + 1) if path_parts[:1] == ["cells"] and len(path_parts) > 1 \
            and isinstance(path_parts[1], int) else "/".join(map(str, path_parts))
        # Most schema messages quote the offending value (a whole cell, say): only the ones that
        # name keys are shown as they are.
        check = getattr(exc, "validator", None)
        message = _short(str(exc.message), 100) if check in ("required", "additionalProperties") \
            else _("it does not follow the notebook format (nbformat schema check {check} failed)", check=repr(check))
        if place:
            raise NotebookError(_("{file} is not a valid notebook: {reason} (in {place})", file=name, reason=message,
                                  place=place)) from None
        raise _invalid(name, message) from None
    except (AttributeError, KeyError, TypeError, ValueError) as exc:  # a structure the converters cannot walk
        raise _invalid(name, _short(f"{type(exc).__name__}: {exc}", 100)) from None
    except Exception as exc:  # noqa: BLE001  (nbformat's readers assert and recurse: still the file's fault)
        raise _invalid(name, _("nbformat cannot read it ({error})", error=type(exc).__name__)) from None
    return notebook


# ---------------------------------------------------------------------------------------------
# Starter notebooks

def starter_notebook(parts: list[tuple[str, str]], check_call: str,
                     path: Path | str | None = None) -> nbformat.NotebookNode:
    """A v4 notebook: per exercise a Markdown cell (its statement) and a code cell (its stub), then
    a last code cell with `check_call`. Written to `path` when given. Cell ids are fixed, not
    random, so the same parts always give the same file."""
    from nbformat import v4

    cells = []
    for number, (statement, stub) in enumerate(parts, start=1):
        cells.append(v4.new_markdown_cell(statement, id=f"exercise-{number}-statement"))
        cells.append(v4.new_code_cell(stub, id=f"exercise-{number}-code"))
    cells.append(v4.new_code_cell(check_call, id="check"))
    notebook = v4.new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"}})
    nbformat.validate(notebook)
    if path is not None:
        nbformat.write(notebook, str(path))
    return notebook


# ---------------------------------------------------------------------------------------------
# Extraction

@dataclass
class _Statement:
    cell: int
    node: ast.stmt
    binds: set[str]
    uses: set[str]
    always: bool = False  # star and __future__ imports
    hoist: bool = False  # __future__ imports go first
    label: tuple[str, str] | None = None  # (what, e.g. "a call", and which, e.g. "print") when never kept


@dataclass
class _Budget:
    """What is left of a bounded amount of work."""

    left: int

    def take(self, work: int) -> bool:
        """Whether `work` fits in what is left; taken from it when it does."""
        if work > self.left:
            return False
        self.left -= work
        return True


@dataclass
class _Cell:
    number: int
    lines: list[str]  # the transformed source, the text the statements' positions refer to
    original: list[str]  # the cell as the student wrote it
    to_original: list[int]  # transformed line index -> original line index
    statements: list[_Statement]
    ipython: bool = False  # the text calls get_ipython(): magics to find
    awaits: bool = False  # some statement needs Jupyter's top-level await


def extract(notebook: nbformat.NotebookNode, functions: Iterable[str]) -> Extracted:
    """The module a notebook's graded `functions` need, with its map back to cells (module doc)."""
    cells: list[_Cell] = []
    left_out: list[LeftOut] = []
    errors: list[CellSyntaxError] = []
    future_annotations = False
    budget = _Budget(MAX_TRANSFORM_WORK)
    statements = _Budget(MAX_STATEMENTS)
    for number, cell in enumerate(notebook.get("cells", []), start=1):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        try:
            parsed = _parse_cell(number, source, budget, statements)
        except _PastStatements:
            statements.left = -1  # and every code cell after it
            parsed = CellSyntaxError(number, 1, "", _tolerant_defines(source), _(
                "was not read: the notebook has more than {limit} top-level statements up to it; cnngrade reads at "
                "most {limit}", limit=i18n.number(MAX_STATEMENTS)))
        if isinstance(parsed, CellSyntaxError):
            errors.append(parsed)
            left_out.append(LeftOut(number, parsed.reason))
        elif isinstance(parsed, str):
            left_out.append(LeftOut(number, parsed))
        elif parsed is not None:
            cells.append(parsed)
            future_annotations |= any(_is_future(s.node, "annotations") for s in parsed.statements)
    for cell in cells:
        for statement in cell.statements:
            _analyse(statement, cell, future_annotations)
    kept = _slice([s for cell in cells for s in cell.statements], set(functions))
    extracted = _assemble(cells, kept)
    extracted.syntax_errors = errors
    left_out += [item for cell in cells if (item := _reason(cell, kept))]
    extracted.left_out = sorted(left_out, key=lambda item: item.cell)
    return extracted


def _parse_cell(number: int, source: str, budget: _Budget, statements: _Budget) -> _Cell | CellSyntaxError | str | None:
    """The cell's top-level statements; a CellSyntaxError; a reason it is left out whole (a cell
    magic); None for a cell with no statements. `budget`: what is left of MAX_TRANSFORM_WORK;
    `statements`: of MAX_STATEMENTS (_PastStatements when the cell's are more)."""
    if statements.left < 0:
        raise _PastStatements
    original = source.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    text = "\n".join(original)
    tree = _parse(text, number, statements)
    if isinstance(tree, SyntaxError) or isinstance(tree, _Tree) and _PROMPT.search(text):
        # IPython syntax, a syntax error or a pasted prompt: read as IPython reads it. A cell
        # without a line IPython could rewrite skips IPython's token pass (it would find nothing),
        # and its linear clean-up (prompts, indentation) is all that runs; the token pass, once
        # per magic, runs within the notebook's budget, past which such a cell is not read.
        magics = len(_IPYTHON_LINE.findall(text))
        if magics and not budget.take((magics + 1) * len(text)):
            return CellSyntaxError(number, 1, "", _tolerant_defines(source), _(
                "was not read: its IPython magics and shell escapes ({count} lines in {size}) are more than cnngrade "
                "reads in one notebook; put them in small cells of their own", count=i18n.number(magics),
                size=_size(len(text))))
        lines = _transform(text, magics > 0).split("\n")
        to_original = _align(original, lines)
        tree = _parse("\n".join(lines), number, statements)
    else:
        lines, to_original = original, list(range(len(original)))
    if isinstance(tree, SyntaxError):
        line = to_original[min(max((tree.lineno or 1) - 1, 0), len(to_original) - 1)] + 1
        return CellSyntaxError(number, line, tree.msg or "invalid syntax", _tolerant_defines(source))
    if isinstance(tree, int):  # nested deeper than MAX_DEPTH at this line, or for the parser (0)
        line = to_original[min(max(tree - 1, 0), len(to_original) - 1)] + 1
        deep = _("was not read: its code nests more than {limit} levels deep at line {line}; cnngrade reads at most "
                 "{limit}", limit=MAX_DEPTH, line=line) if tree else \
            _("was not read: its code nests more than {limit} levels deep; cnngrade reads at most {limit}",
              limit=MAX_DEPTH)
        return CellSyntaxError(number, line, "", _tolerant_defines(source), deep)
    body = tree.module.body
    if not body:
        return None
    # No get_ipython() in the text, no magic to find: the walks below are skipped.
    ipython = any("get_ipython" in line for line in lines)
    if ipython and len(body) == 1 and _magic_kind(body[0]) == CELL_MAGIC:
        first = next((line.strip() for line in original if line.strip()), "%%")
        return _("a cell magic ({magic})", magic=_short(first))
    plain = list(lines)
    if ipython and _silence_nested_magics(tree.module, plain):
        silenced = _parse("\n".join(plain), number, _Budget(len(body)))
        if isinstance(silenced, _Tree):  # the same lines, now without get_ipython()
            tree, lines, body = silenced, plain, silenced.module.body
    statements.take(len(body))
    return _Cell(number, lines, original, to_original, [_Statement(number, node, set(), set()) for node in body],
                 ipython, tree.awaits)


@dataclass(frozen=True)
class _Tree:
    """A cell's syntax tree, and whether a statement of it needs Jupyter's top-level await."""

    module: ast.Module
    awaits: bool


def _parse(text: str, number: int, statements: _Budget) -> _Tree | SyntaxError | int:
    """The cell's syntax tree, checked as Python compiles it; else its SyntaxError, or the line
    (from 1; 0 when unknown) where it nests deeper than MAX_DEPTH; _PastStatements when it has more
    top-level statements than `statements` has left. Compiling runs nothing: it finds errors that
    parsing does not ('return' outside a function, a misplaced __future__ import)."""
    try:
        tree = ast.parse(text, filename=f"cell {number}")
    except SyntaxError as exc:
        return exc
    except (RecursionError, MemoryError):  # nested past what the parser takes
        return 0
    except ValueError as exc:  # a null byte
        return SyntaxError(f"{type(exc).__name__}: {exc}".splitlines()[0][:120], ("", 1, 0, ""))
    if len(tree.body) > statements.left:
        raise _PastStatements
    deep = _too_deep(tree)
    if deep is not None:
        return deep
    try:
        try:
            compile(tree, f"cell {number}", "exec", dont_inherit=True)
            return _Tree(tree, False)
        except SyntaxError:
            # Top-level await is allowed, as in Jupyter; statements needing it are dropped later.
            compile(tree, f"cell {number}", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)
            return _Tree(tree, True)
    except SyntaxError as exc:
        return exc
    except (ValueError, RecursionError, MemoryError) as exc:
        return SyntaxError(f"{type(exc).__name__}: {exc}".splitlines()[0][:120], ("", 1, 0, ""))


def _too_deep(tree: ast.Module) -> int | None:
    """The line of the first node nested deeper than MAX_DEPTH, walked without recursion (Python
    compiles deeper code, but the depth it takes depends on the caller's stack: the bound makes
    the verdict the same wherever the notebook is read); None when none is."""
    stack: list[tuple[ast.AST, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            return getattr(node, "lineno", 0)
        depth += 1
        for name in node._fields:  # ast.iter_child_nodes, inlined: this walk is the slicer's longest
            value = getattr(node, name, None)
            if isinstance(value, list):
                stack.extend((item, depth) for item in value if isinstance(item, ast.AST))
            elif isinstance(value, ast.AST) and not isinstance(value, ast.expr_context):
                stack.append((value, depth))
    return None


def _transform(source: str, tokens: bool = True) -> str:
    """The cell as IPython would run it: magics and shell escapes become get_ipython() calls.
    Without `tokens`, only IPython's clean-up and line transforms (prompts, common indentation, a
    cell magic) are applied: its token transforms, which find magics, are left out."""
    from IPython.core.inputtransformer2 import TransformerManager

    manager = TransformerManager()
    try:
        if tokens:
            return manager.transform_cell(source).rstrip("\n")
        lines = (source + "\n").splitlines(keepends=True)  # as transform_cell splits it
        for transform in manager.cleanup_transforms + manager.line_transforms:
            lines = transform(lines)
        return "".join(lines).rstrip("\n")
    except Exception:  # noqa: BLE001  (IPython chokes on some broken cells: parse them as written)
        return source


_LOOKAHEAD = 8  # lines searched ahead to find the original of a line again after a rewritten one


def _align(original: list[str], transformed: list[str]) -> list[int]:
    """For each transformed line, the index of the original line it came from, in one pass.

    IPython drops leading blank lines, strips prompts and common indentation (the rest of the line
    is unchanged: it ends the original), and turns a magic or shell escape, with its lines continued
    by a backslash, into one line; a rewritten line maps to the first line of its original, and the
    lines after it are looked for a few lines ahead (a help call `f(a,\n b)?` joins bracketed lines)."""
    mapping: list[int] = []
    last = len(original) - 1
    i = 0
    while i < last and not original[i].strip():
        i += 1
    for line in transformed:
        kept = line.strip()
        if i <= last and not _same(original[i], kept) and kept:
            ahead = next((k for k in range(i + 1, min(i + _LOOKAHEAD, last) + 1) if _same(original[k], kept)), None)
            if ahead is None:  # rewritten by IPython
                mapping.append(i)
                i += 1
                while i <= last and original[i - 1].endswith("\\"):
                    i += 1
                continue
            i = ahead
        mapping.append(min(i, last))
        i += 1
    return mapping


def _same(original: str, kept: str) -> bool:
    """Whether a transformed line, stripped, is this original line with at most a prompt or
    indentation taken off its start."""
    return original.strip() == kept or bool(kept) and original.rstrip().endswith(kept)


def _tolerant_defines(source: str) -> tuple[str, ...]:
    names = [m[1] or m[2] for m in _DEFINES.finditer(source)]
    return tuple(dict.fromkeys(names))


def _magic_kind(node: ast.AST) -> str:
    """'a magic', 'a cell magic' or 'a shell escape' when the simple statement is a transformed
    magic (its value calls get_ipython()), else ''."""
    if not isinstance(node, (ast.Expr, ast.Assign, ast.AugAssign, ast.AnnAssign)) or node.value is None:
        return ""
    for sub in ast.walk(node.value):
        if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute) \
                and isinstance(sub.func.value, ast.Call) and isinstance(sub.func.value.func, ast.Name) \
                and sub.func.value.func.id == "get_ipython":
            return _MAGIC_METHODS.get(sub.func.attr, MAGIC)
        if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name) and sub.func.id == "get_ipython":
            return MAGIC
    return ""


def _silence_nested_magics(tree: ast.Module, lines: list[str]) -> bool:
    """Turn a magic that is a statement of its own inside a def, class, if or try into `pass`, in
    the text, line for line, so that the kept code never calls get_ipython() at import; `%time
    STATEMENT` becomes the statement, which is what it runs. True when a line changed."""
    changed = False
    for top in tree.body:
        if not any("get_ipython" in line for line in lines[top.lineno - 1:top.end_lineno]):
            continue  # only statements whose text calls IPython are walked
        starts = {top.lineno: 1}  # statements starting on each line
        for node in ast.walk(top):
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.stmt):
                    starts[child.lineno] = starts.get(child.lineno, 0) + 1
        for node in ast.walk(top):
            if node is top or not isinstance(node, ast.Expr) or not _magic_kind(node):
                continue
            if starts[node.lineno] > 1 or node.end_lineno != node.lineno:
                continue  # shares its line with another statement: leave it (it fails only when run)
            line = lines[node.lineno - 1]
            indent = line[: len(line) - len(line.lstrip())]
            timed = _timed_statement(node)
            lines[node.lineno - 1] = f"{indent}{timed}  # %time, untimed" if timed \
                else f"{indent}pass  # an IPython magic, left out"  # i18n: not for people (a line of the graded module)
            changed = True
    return changed


def _timed_statement(node: ast.Expr) -> str:
    """The statement of `%time STATEMENT` when it is one line of Python, else ''."""
    call = node.value
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
            and call.func.attr == "run_line_magic" and len(call.args) == 2
            and all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in call.args)
            and call.args[0].value == "time"):
        return ""
    code = call.args[1].value.strip()
    try:
        body = ast.parse(code).body
    except SyntaxError:
        return ""
    simple = len(body) == 1 and not isinstance(body[0], _COMPOUND) and "\n" not in code
    return code if simple else ""


def _is_future(node: ast.AST, feature: str | None = None) -> bool:
    return isinstance(node, ast.ImportFrom) and node.module == "__future__" and node.level == 0 \
        and (feature is None or any(alias.name == feature for alias in node.names))


def _analyse(statement: _Statement, cell: _Cell, future_annotations: bool) -> None:
    """Fill in what the statement binds and reads at the top level, or why it is never kept."""
    node = statement.node
    magic = _magic_kind(node) if cell.ipython else ""
    if magic:
        statement.label = (magic, _short(_original_text(cell, node)))
        return
    if not isinstance(node, _KEEPABLE):
        statement.label = _describe(node, cell)
        return
    if isinstance(node, ast.ImportFrom) and (_is_future(node) or any(a.name == "*" for a in node.names)):
        statement.always, statement.hoist = True, _is_future(node)
        return
    try:
        # A statement that needs Jupyter's top-level await cannot be part of an importable module.
        if cell.awaits:
            compile(ast.Module(body=[node], type_ignores=[]), "cell", "exec", dont_inherit=True)
    except SyntaxError:
        statement.label = (N_("a statement that needs top-level await"), "")
        return
    # The statement's own text, as the cell has it (the syntax tree is that text, parsed).
    text = ("from __future__ import annotations\n" if future_annotations else "") + _text(cell, node)
    table = symtable.symtable(text, "cell", "exec")
    statement.binds = {s.get_name() for s in table.get_symbols() if s.is_assigned() or s.is_imported()}
    statement.uses = {s.get_name() for s in table.get_symbols() if s.is_referenced()}
    _nested_names(table, statement)
    statement.binds |= _mutated_bases(node)


def _nested_names(table: symtable.SymbolTable, statement: _Statement) -> None:
    """Globals read in nested scopes are uses; globals assigned there (`global x; x = ...`) bind."""
    scopes = list(table.get_children())
    while scopes:
        scope = scopes.pop()
        for symbol in scope.get_symbols():
            if symbol.is_global() and symbol.is_referenced():
                statement.uses.add(symbol.get_name())
            if symbol.is_declared_global() and symbol.is_assigned():
                statement.binds.add(symbol.get_name())
        scopes.extend(scope.get_children())


def _mutated_bases(node: ast.stmt) -> set[str]:
    """Names whose object a module-level `d[k] = v` or `obj.attr = v` changes: such a statement
    belongs with the name's bindings (a kernel table filled entry by entry)."""
    names: set[str] = set()
    stack: list[ast.AST] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue  # another scope
        targets: list[ast.AST] = []
        if isinstance(current, ast.Assign):
            targets = list(current.targets)
        elif isinstance(current, (ast.AugAssign, ast.AnnAssign)):
            targets = [current.target]
        while targets:
            target = targets.pop()
            if isinstance(target, (ast.Tuple, ast.List)):
                targets.extend(target.elts)
            elif isinstance(target, ast.Starred):
                targets.append(target.value)
            elif isinstance(target, (ast.Attribute, ast.Subscript)):
                base = target.value
                while isinstance(base, (ast.Attribute, ast.Subscript)):
                    base = base.value
                if isinstance(base, ast.Name):
                    names.add(base.id)
        # Assignments are statements: only the bodies of if, for, while, with, try and match can
        # hold more at the top level (expressions hold none, and are not walked).
        for body in ("body", "orelse", "finalbody"):
            stack.extend(getattr(current, body, ()))
        for part in [*getattr(current, "handlers", ()), *getattr(current, "cases", ())]:
            stack.extend(part.body)
    return names


def _slice(statements: list[_Statement], roots: set[str]) -> set[int]:
    """ids of the kept statements: every binding of every needed name, transitively."""
    binders: dict[str, list[_Statement]] = {}
    for statement in statements:
        for name in statement.binds:
            binders.setdefault(name, []).append(statement)
    kept = {id(s) for s in statements if s.always}
    needed, queue = set(roots), list(roots)
    while queue:
        for statement in binders.get(queue.pop(), ()):
            if id(statement) in kept:
                continue
            kept.add(id(statement))
            for name in statement.uses - needed:
                needed.add(name)
                queue.append(name)
    return kept


def _span(cell: _Cell, index: int) -> tuple[int, int, int, int]:
    """(first line, first column, last line, end column) of a top-level statement, 0-based lines,
    decorators included; columns only matter where another statement shares the line."""
    statements = cell.statements
    node = statements[index].node
    first, last = _first_line(node), node.end_lineno - 1
    shares_first = index > 0 and statements[index - 1].node.end_lineno - 1 == first
    shares_last = index + 1 < len(statements) and _first_line(statements[index + 1].node) == last
    start = _column(cell.lines[first], node.col_offset) if shares_first else 0
    end = _column(cell.lines[last], node.end_col_offset) if shares_last else len(cell.lines[last])
    return first, start, last, end


def _first_line(node: ast.stmt) -> int:
    return min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])]) - 1


def _column(line: str, byte_offset: int) -> int:
    """ast columns count UTF-8 bytes; str slicing counts characters."""
    return len(line.encode("utf-8")[:byte_offset].decode("utf-8", errors="ignore"))


def _assemble(cells: list[_Cell], kept: set[int]) -> Extracted:
    out: list[str] = []
    line_map: list[tuple[int, int] | None] = []
    bound: set[str] = set()

    def emit(text: str, place: tuple[int, int] | None) -> None:
        out.append(text)
        line_map.append(place)

    def emit_cell(cell: _Cell, chosen: list[int]) -> None:
        if out:
            emit("", None)
        emit(f"# cell {cell.number}", None)
        previous_end = -1
        for index in chosen:
            statement = cell.statements[index]
            bound.update(statement.binds)
            first, start, last, end = _span(cell, index)
            gap = list(range(_gap_start(cell, index), first))
            if previous_end < 0 or previous_end + 1 < _gap_start(cell, index):
                # Something was left out just above: bring only the comment lines that introduce
                # this statement, after one blank line.
                comments = []
                for i in reversed(gap):
                    if not cell.lines[i].lstrip().startswith("#"):
                        break
                    comments.append(i)
                if previous_end >= 0:
                    emit("", None)
                gap = comments[::-1]
            for i in gap:  # after the kept statement before it: the lines between, as written
                emit(cell.lines[i], (cell.number, cell.to_original[i] + 1))
            for i in range(first, last + 1):
                text = cell.lines[i]
                text = text[: end] if i == last else text
                text = text[start:] if i == first else text
                emit(text, (cell.number, cell.to_original[i] + 1))
            previous_end = last

    for cell in cells:  # __future__ imports first: Python accepts them only at the top
        hoisted = [i for i, s in enumerate(cell.statements) if s.hoist]
        if hoisted:
            emit_cell(cell, hoisted)
    for cell in cells:
        chosen = [i for i, s in enumerate(cell.statements) if id(s) in kept and not s.hoist]
        if chosen:
            emit_cell(cell, chosen)
    return Extracted("\n".join(out) + "\n" if out else "", line_map, bound=frozenset(bound))


def _gap_start(cell: _Cell, index: int) -> int:
    return cell.statements[index - 1].node.end_lineno if index > 0 else 0


def _reason(cell: _Cell, kept: set[int]) -> LeftOut | None:
    """One line on what of the cell was left out, grouped by kind (`a call (plt.plot, print)`);
    None when nothing was (a `pass` does not count)."""
    groups: dict[str, dict[str, None]] = {}  # kind -> its items, in order, once each
    dropped = [s for s in cell.statements if id(s) not in kept and not isinstance(s.node, ast.Pass)]
    for statement in dropped:
        kind, item = statement.label or _unused(statement, cell)
        groups.setdefault(kind, {}).update(dict.fromkeys(item.split(", ") if item else ()))
    if not groups:
        return None
    # The kinds are marked N_ where they are named, and said here (a kind that names a statement
    # Python's syntax has, "a for loop", is a phrase of the catalog too).
    parts = [_(kind) + (f" ({', '.join(list(items)[:4])}{', ...' if len(items) > 4 else ''})" if items else "")
             for kind, items in groups.items()]
    separator = _("; ")
    text = separator.join(parts[:3]) + (separator + "..." if len(parts) > 3 else "")
    whole = len(dropped) == len([s for s in cell.statements if not isinstance(s.node, ast.Pass)])
    if whole and len(parts) == 1 and UNUSED not in groups:
        text = _("only {what}", what=text)
    return LeftOut(cell.number, text, whole, unused_only=set(groups) == {UNUSED})


def _unused(statement: _Statement, cell: _Cell) -> tuple[str, str]:
    """The label of a statement that could have been kept but no graded function needs."""
    node = statement.node
    value = getattr(node, "value", None)
    if isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(value, ast.Call) \
            and _dotted(value.func).rpartition(".")[2] in TRAINING_METHODS:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return TRAINING, f"{' = '.join(_short(_text(cell, t), 200) for t in targets)} = {_dotted(value.func)}"
    return UNUSED, ", ".join(sorted(statement.binds))


def _describe(node: ast.stmt, cell: _Cell) -> tuple[str, str]:
    """(what, which) for a statement that is never kept."""
    value = node.value if isinstance(node, ast.Expr) else None
    if isinstance(value, ast.Call):
        name = _dotted(value.func)
        if name.rpartition(".")[2] in TRAINING_METHODS:
            return TRAINING, name
        return CALL, name
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return N_("a string"), ""
    if isinstance(value, ast.Await):
        return N_("a top-level await"), ""
    if value is not None:
        return N_("a bare expression"), _short(_text(cell, value))
    words = {ast.For: N_("a for loop"), ast.AsyncFor: N_("a for loop"), ast.While: N_("a while loop"),
             ast.With: N_("a with block"), ast.AsyncWith: N_("a with block"), ast.Delete: N_("a del statement"),
             ast.Assert: N_("an assert"), ast.Raise: N_("a raise"), ast.Global: N_("a global statement"),
             ast.Nonlocal: N_("a nonlocal statement")}
    # No other statement Python parses at a cell's top level is left out here (return, break and
    # continue are syntax errors there); a name of ast's, should one come, is shown as it is.
    return words.get(type(node), f"a {type(node).__name__.lower()} statement"), ""


def _dotted(node: ast.AST) -> str:
    """'model.fit' for a call's function when it is a plain dotted name, else ''; through calls,
    'model.compile(...).fit'."""
    pieces: list[str] = []  # from the end: 'fit', 'compile(...)', 'model'
    while True:
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if isinstance(node, ast.Call) and parts:  # model.compile(...).fit -> name the last part
            pieces.append(".".join(parts[::-1]))
            node = node.func
            continue
        if isinstance(node, ast.Name):
            pieces.append(".".join([node.id] + parts[::-1]))
        elif isinstance(node, ast.Call):  # a call of a call: name what is called
            node = node.func
            continue
        else:
            pieces.append("")
        break
    # A piece that cannot be named ends the name there, as before: 'x[0].fit' -> '', and
    # 'f()(...).fit' -> 'fit' when the inner call has no name.
    name = pieces.pop()
    while pieces:
        name = (name + "(...)." if name else "") + pieces.pop()
    return name


def _text(cell: _Cell, node: ast.AST) -> str:
    """The text of a node of the cell as written (a statement from its first decorator on): what
    its syntax tree was parsed from, without a recursive walk of that tree."""
    first = _first_line(node) if isinstance(node, ast.stmt) else node.lineno - 1
    last = node.end_lineno - 1
    start = _column(cell.lines[first], node.col_offset) if first == node.lineno - 1 else 0
    end = _column(cell.lines[last], node.end_col_offset)
    if first == last:
        return cell.lines[first][start:end]
    return "\n".join([cell.lines[first][start:], *cell.lines[first + 1:last], cell.lines[last][:end]])


def _original_text(cell: _Cell, node: ast.stmt) -> str:
    return cell.original[cell.to_original[node.lineno - 1]].strip()


def _short(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."

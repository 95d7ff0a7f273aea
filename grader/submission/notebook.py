"""Notebook submissions, the trusted text-only part: read a .ipynb, slice out the graded code.

A student may hand in a Jupyter notebook instead of cnn.py. The notebook is full of things the
grader must not run: package installs, data downloads, training, plots, a Drive mount. This module
turns it into a plain module that holds only what the graded functions need, so that the sandbox
can import it as it imports a cnn.py, and maps every line of that module back to a notebook cell.

Everything here works on text and syntax trees: nothing of the notebook is executed, imported or
evaluated (compile() only checks syntax). The slice is NOT a security boundary — a kept function
may do anything when called, a kept assignment runs at import — the sandbox stays the boundary.
The slice only keeps a notebook's side work (training, downloads) out of grading.

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
import difflib
import json
import re
import symtable
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import nbformat

MODULE = "cnn.py"  # the name the extracted source is imported under; tracebacks say this file
MAX_REASONS = 20
TRAINING_METHODS = {"fit", "fit_generator", "train_on_batch"}  # "a training call" in a reason
_MAGIC_METHODS = {"run_line_magic": "a magic", "run_cell_magic": "a cell magic", "magic": "a magic",
                  "system": "a shell escape", "getoutput": "a shell escape"}
_KEEPABLE = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Assign, ast.AugAssign,
             ast.AnnAssign, ast.Import, ast.ImportFrom, ast.If, ast.Try, ast.Match) \
    + tuple(getattr(ast, name) for name in ("TryStar", "TypeAlias") if hasattr(ast, name))
_COMPOUND = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.If, ast.For, ast.AsyncFor, ast.While,
             ast.With, ast.AsyncWith, ast.Try, ast.Match)
# A tolerant scan for what a cell that does not parse would have defined at its top level.
_DEFINES = re.compile(r"^(?:async[ \t]+def|def|class)[ \t]+([A-Za-z_]\w*)"
                      r"|^([A-Za-z_]\w*)[ \t]*(?::[^=\n]*)?=(?!=)", re.MULTILINE)
_TRACEBACK_LINE = re.compile(r'File "(?P<file>[^"]+)", line (?P<line>\d+)')


class NotebookError(Exception):
    """A notebook that cannot be used, said in one line that names the file (the student's fault)."""


@dataclass(frozen=True)
class LeftOut:
    """A code cell left out of the module, wholly or partly, and why in a few words."""

    cell: int
    reason: str
    whole: bool = True

    def __str__(self) -> str:
        return f"cell {self.cell}{'' if self.whole else ', partly'}: {self.reason}"


@dataclass(frozen=True)
class CellSyntaxError:
    """A code cell that does not parse: left out whole; `defines` are the top-level names a
    tolerant scan finds in it (functions, classes, assignments), which the module therefore lacks."""

    cell: int
    line: int
    message: str
    defines: tuple[str, ...]

    def __str__(self) -> str:
        return f"cell {self.cell} has a syntax error at line {self.line}: {self.message}"


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
        return f"cell {place[0]}, line {place[1]}" if place else f"line {module_line} of the code taken from the notebook"

    def retrace(self, text: str, filename: str = MODULE) -> str:
        """A traceback or message with every `File "cnn.py", line N` shown as `cell C, line L`."""
        def replace(match: re.Match) -> str:
            if match["file"] != filename:
                return match[0]
            place = self.location(int(match["line"]))
            return f"cell {place[0]}, line {place[1]}" if place else match[0]
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
            lines.append(f"... and {len(self.left_out) - limit} more")
        return lines


# ---------------------------------------------------------------------------------------------
# Reading notebooks

def read_notebook(path: Path | str) -> nbformat.NotebookNode:
    """The notebook at `path` as nbformat v4 (versions 1-3 are converted, as Jupyter does).

    Raises NotebookError with one line naming the file for an unreadable or corrupt file, JSON that
    is no notebook, an unsupported nbformat version, or a notebook that fails nbformat's schema.
    The messages never quote the file's content: the file is the student's, the message may be read
    by others. Extra properties some editors add are tolerated (relax_add_props): the grader reads
    only each cell's type and source.
    """
    path = Path(path)
    name = path.name
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise NotebookError(f"{name} is not a notebook: it is not UTF-8 text (a corrupt or binary file?)") from None
    except OSError as exc:
        raise NotebookError(f"cannot read {name}: {exc.strerror or exc}") from None
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        where = f" (line {exc.lineno}, column {exc.colno})" if isinstance(exc, json.JSONDecodeError) else ""
        raise NotebookError(f"{name} is not a notebook: it is not valid JSON{where}; is the file cut short "
                            "or corrupt? Save it again from Jupyter") from None
    if not isinstance(data, dict) or "cells" not in data and "worksheets" not in data \
            or "nbformat" not in data:
        raise NotebookError(f"{name} is JSON but not a Jupyter notebook (no nbformat version and cells)")
    version = data["nbformat"]
    if not isinstance(version, int) or isinstance(version, bool) or version not in nbformat.versions:
        raise NotebookError(f"{name} has nbformat version {version!r}, which cnngrade cannot read "
                            f"(it reads versions {min(nbformat.versions)} to {nbformat.current_nbformat})")
    try:
        if version == 4:  # validate before reading: nbformat's reader assumes a valid structure
            _validate(nbformat.from_dict(data))
        # The parsed JSON goes through nbformat's own reader for its version (joins line lists).
        notebook = nbformat.versions[version].to_notebook_json(data, minor=data.get("nbformat_minor", 0))
        if version != 4:  # older formats have no schema of their own in nbformat: check the result
            notebook = nbformat.convert(notebook, 4)
            _validate(notebook)
    except nbformat.ValidationError as exc:
        path_parts = list(getattr(exc, "absolute_path", ()) or ())
        place = f"cell {path_parts[1] + 1}" if path_parts[:1] == ["cells"] and len(path_parts) > 1 \
            and isinstance(path_parts[1], int) else "/".join(map(str, path_parts))
        # Most schema messages quote the offending value (a whole cell, say): only the ones that
        # name keys are shown as they are.
        check = getattr(exc, "validator", None)
        message = _short(str(exc.message), 100) if check in ("required", "additionalProperties") \
            else f"it does not follow the notebook format (nbformat schema check {check!r} failed)"
        raise NotebookError(f"{name} is not a valid notebook: {message}"
                            + (f" (in {place})" if place else "")) from None
    except (AttributeError, KeyError, TypeError, ValueError) as exc:  # a structure the converters cannot walk
        raise NotebookError(f"{name} is not a valid notebook: {_short(f'{type(exc).__name__}: {exc}', 100)}") from None
    return notebook


def _validate(notebook: nbformat.NotebookNode) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. cells without ids: nbformat warns, and we need none
        nbformat.validate(notebook, relax_add_props=True)


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
class _Cell:
    number: int
    lines: list[str]  # the transformed source, the text the statements' positions refer to
    original: list[str]  # the cell as the student wrote it
    to_original: list[int]  # transformed line index -> original line index
    statements: list[_Statement]


def extract(notebook: nbformat.NotebookNode, functions: Iterable[str]) -> Extracted:
    """The module a notebook's graded `functions` need, with its map back to cells (module doc)."""
    cells: list[_Cell] = []
    left_out: list[LeftOut] = []
    errors: list[CellSyntaxError] = []
    future_annotations = False
    for number, cell in enumerate(notebook.get("cells", []), start=1):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        parsed = _parse_cell(number, source)
        if isinstance(parsed, CellSyntaxError):
            errors.append(parsed)
            left_out.append(LeftOut(number, f"a syntax error at line {parsed.line}: {parsed.message}"))
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


def _parse_cell(number: int, source: str) -> _Cell | CellSyntaxError | str | None:
    """The cell's top-level statements; a CellSyntaxError; a reason it is left out whole (a cell
    magic); None for a cell with no statements."""
    original = source.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    transformed = _transform("\n".join(original))
    lines = transformed.split("\n")
    to_original = _align(original, lines)
    try:
        tree = ast.parse(transformed, filename=f"cell {number}")
        # Compile too: some errors ('return' outside a function, a misplaced __future__ import) are
        # found only there. Top-level await is allowed, as in Jupyter; statements needing it are
        # dropped later. Compiling runs nothing.
        compile(tree, f"cell {number}", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)
    except SyntaxError as exc:
        line = to_original[min(max((exc.lineno or 1) - 1, 0), len(to_original) - 1)] + 1
        return CellSyntaxError(number, line, exc.msg or "invalid syntax", _tolerant_defines(source))
    except (ValueError, RecursionError, MemoryError) as exc:  # null bytes, absurd nesting
        return CellSyntaxError(number, 1, f"{type(exc).__name__}: {exc}".splitlines()[0][:120],
                               _tolerant_defines(source))
    if not tree.body:
        return None
    magic = _magic_kind(tree.body[0])
    if len(tree.body) == 1 and magic == "a cell magic":
        first = next((line.strip() for line in original if line.strip()), "%%")
        return f"a cell magic ({_short(first)})"
    plain = list(lines)
    if _silence_nested_magics(tree, plain):
        try:  # the same lines, now without get_ipython(); parsed again so the slice sees them
            tree, lines = ast.parse("\n".join(plain), filename=f"cell {number}"), plain
        except SyntaxError:  # not expected; keep the cell as IPython made it
            pass
    return _Cell(number, lines, original, to_original, [_Statement(number, node, set(), set()) for node in tree.body])


def _transform(source: str) -> str:
    """The cell as IPython would run it: magics and shell escapes become get_ipython() calls."""
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        return TransformerManager().transform_cell(source).rstrip("\n")
    except Exception:  # noqa: BLE001  (IPython chokes on some broken cells: parse them as written)
        return source


def _align(original: list[str], transformed: list[str]) -> list[int]:
    """For each transformed line, the index of the original line it came from. IPython drops
    leading blank lines, dedents, and joins a magic's continuation lines; the rest is unchanged."""
    mapping = [0] * len(transformed)
    matcher = difflib.SequenceMatcher(None, original, transformed, autojunk=False)
    for _, i1, i2, j1, j2 in matcher.get_opcodes():
        # Where lines differ, pair them in order, skipping the blank lines IPython dropped.
        sources = [i for i in range(i1, i2) if original[i].strip()] or list(range(i1, i2)) or [i1]
        for j in range(j1, j2):
            mapping[j] = min(sources[min(j - j1, len(sources) - 1)], len(original) - 1)
    return mapping


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
            return _MAGIC_METHODS.get(sub.func.attr, "a magic")
        if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name) and sub.func.id == "get_ipython":
            return "a magic"
    return ""


def _silence_nested_magics(tree: ast.Module, lines: list[str]) -> bool:
    """Turn a magic that is a statement of its own inside a def, class, if or try into `pass`, in
    the text, line for line, so that the kept code never calls get_ipython() at import; `%time
    STATEMENT` becomes the statement, which is what it runs. True when a line changed."""
    changed = False
    starts: dict[int, list[ast.stmt]] = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.stmt):
                starts.setdefault(child.lineno, []).append(child)
    for top in tree.body:
        for node in ast.walk(top):
            if node is top or not isinstance(node, ast.Expr) or not _magic_kind(node):
                continue
            if len(starts.get(node.lineno, ())) > 1 or node.end_lineno != node.lineno:
                continue  # shares its line with another statement: leave it (it fails only when run)
            line = lines[node.lineno - 1]
            indent = line[: len(line) - len(line.lstrip())]
            timed = _timed_statement(node)
            lines[node.lineno - 1] = f"{indent}{timed}  # %time, untimed" if timed \
                else f"{indent}pass  # an IPython magic, left out"
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
    magic = _magic_kind(node)
    if magic:
        statement.label = (magic, _short(_original_text(cell, node)))
        return
    if not isinstance(node, _KEEPABLE):
        statement.label = _describe(node)
        return
    if isinstance(node, ast.ImportFrom) and (_is_future(node) or any(a.name == "*" for a in node.names)):
        statement.always, statement.hoist = True, _is_future(node)
        return
    try:
        # A statement that needs Jupyter's top-level await cannot be part of an importable module.
        compile(ast.Module(body=[node], type_ignores=[]), "cell", "exec", dont_inherit=True)
    except SyntaxError:
        statement.label = ("a statement that needs top-level await", "")
        return
    text = ("from __future__ import annotations\n" if future_annotations else "") + ast.unparse(node)
    table = symtable.symtable(text, "cell", "exec")
    statement.binds = {s.get_name() for s in table.get_symbols() if s.is_assigned() or s.is_imported()}
    statement.uses = {s.get_name() for s in table.get_symbols() if s.is_referenced()}
    for child in table.get_children():
        _nested_names(child, statement)
    statement.binds |= _mutated_bases(node)


def _nested_names(table: symtable.SymbolTable, statement: _Statement) -> None:
    """Globals read in nested scopes are uses; globals assigned there (`global x; x = ...`) bind."""
    for symbol in table.get_symbols():
        if symbol.is_global() and symbol.is_referenced():
            statement.uses.add(symbol.get_name())
        if symbol.is_declared_global() and symbol.is_assigned():
            statement.binds.add(symbol.get_name())
    for child in table.get_children():
        _nested_names(child, statement)


def _mutated_bases(node: ast.stmt) -> set[str]:
    """Names whose object a module-level `d[k] = v` or `obj.attr = v` changes: such a statement
    belongs with the name's bindings (a kernel table filled entry by entry)."""
    names: set[str] = set()
    stack: list[ast.AST] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)) and current is not node:
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
        if isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue  # the def itself: its body is another scope
        stack.extend(ast.iter_child_nodes(current))
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
                    comments.insert(0, i)
                if previous_end >= 0:
                    emit("", None)
                gap = comments
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
    groups: dict[str, list[str]] = {}
    dropped = [s for s in cell.statements if id(s) not in kept and not isinstance(s.node, ast.Pass)]
    for statement in dropped:
        kind, item = statement.label or _unused(statement)
        items = groups.setdefault(kind, [])
        for name in item.split(", ") if item else ():
            if name not in items:
                items.append(name)
    if not groups:
        return None
    parts = [kind + (f" ({', '.join(items[:4])}{', ...' if len(items) > 4 else ''})" if items else "")
             for kind, items in groups.items()]
    text = "; ".join(parts[:3]) + ("; ..." if len(parts) > 3 else "")
    whole = len(dropped) == len([s for s in cell.statements if not isinstance(s.node, ast.Pass)])
    only = whole and len(parts) == 1 and "not used" not in text
    return LeftOut(cell.number, ("only " if only else "") + text, whole)


def _unused(statement: _Statement) -> tuple[str, str]:
    """The label of a statement that could have been kept but no graded function needs."""
    node = statement.node
    value = getattr(node, "value", None)
    if isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(value, ast.Call) \
            and _dotted(value.func).rpartition(".")[2] in TRAINING_METHODS:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return "a training call", f"{' = '.join(ast.unparse(t) for t in targets)} = {_dotted(value.func)}"
    return "not used by a graded function", ", ".join(sorted(statement.binds))


def _describe(node: ast.stmt) -> tuple[str, str]:
    """(what, which) for a statement that is never kept."""
    value = node.value if isinstance(node, ast.Expr) else None
    if isinstance(value, ast.Call):
        name = _dotted(value.func)
        if name.rpartition(".")[2] in TRAINING_METHODS:
            return "a training call", name
        return "a call", name
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return "a string", ""
    if isinstance(value, ast.Await):
        return "a top-level await", ""
    if value is not None:
        return "a bare expression", _short(ast.unparse(value))
    words = {ast.For: "a for loop", ast.AsyncFor: "a for loop", ast.While: "a while loop",
             ast.With: "a with block", ast.AsyncWith: "a with block", ast.Delete: "a del statement",
             ast.Assert: "an assert", ast.Raise: "a raise", ast.Global: "a global statement",
             ast.Nonlocal: "a nonlocal statement"}
    return words.get(type(node), f"a {type(node).__name__.lower()} statement"), ""


def _dotted(node: ast.AST) -> str:
    """'model.fit' for a call's function when it is a plain dotted name, else ''."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return ".".join([node.id] + parts[::-1])
    if isinstance(node, ast.Call):  # model.compile(...).fit -> name the last part
        inner = _dotted(node.func)
        return (inner + "(...)." if inner else "") + ".".join(parts[::-1]) if parts else inner
    return ""


def _original_text(cell: _Cell, node: ast.stmt) -> str:
    return cell.original[cell.to_original[node.lineno - 1]].strip()


def _short(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."

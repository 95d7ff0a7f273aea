"""Assemble the example submissions: each mistake folder stores only what differs from good/.

    python examples/assemble.py OUT [NAME...]     # writes OUT/NAME/, a whole submission each

A mistake folder holds expected.toml (what it loses), changes.py (the functions it writes
differently from good/cnn.py; none when its mistake is elsewhere) and any other file of its own
(e.g. make_model.py). Its cnn.py is good/cnn.py with each function of changes.py put in place of
the function of the same name, so that only the mistake costs points and a fix to good/cnn.py
reaches every example. `cnngrade submit OUT/NAME` then grades it as a student's folder.
"""
from __future__ import annotations

import argparse
import ast
import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent
OWN_FILES = ("changes.py", "expected.toml")  # the example's description, not part of the submission


def names() -> list[str]:
    """Every example, good first."""
    found = sorted(p.parent.name for p in HERE.glob("*/expected.toml"))
    return ["good"] + [name for name in found if name != "good"]


def definitions(source: str) -> dict[str, tuple[int, int]]:
    """Top-level function and class definitions: name -> (first line, last line), 1-based,
    decorators included."""
    spans = {}
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            spans[node.name] = (first, node.end_lineno)
    return spans


def changed(name: str) -> list[str]:
    """The functions the example writes differently from good/cnn.py."""
    path = HERE / name / "changes.py"
    return sorted(definitions(path.read_text())) if path.is_file() else []


def cnn_source(name: str) -> str:
    """good/cnn.py with the example's changes.py functions in place of good's."""
    good = (HERE / "good" / "cnn.py").read_text()
    path = HERE / name / "changes.py"
    if name == "good" or not path.is_file():
        return good
    changes = path.read_text()
    replacement_lines = changes.splitlines(keepends=True)
    replacements = {fn: "".join(replacement_lines[a - 1:b]) for fn, (a, b) in definitions(changes).items()}
    lines = good.splitlines(keepends=True)
    spans = definitions(good)
    unknown = sorted(set(replacements) - set(spans))
    if unknown:
        raise ValueError(f"examples/{name}/changes.py defines {unknown}, which good/cnn.py does not")
    # From the bottom up, so that the line numbers above stay valid.
    for fn, (a, b) in sorted(((fn, spans[fn]) for fn in replacements), key=lambda item: -item[1][0]):
        lines[a - 1:b] = [replacements[fn]]
    return "".join(lines)


def assemble(name: str, out: Path) -> Path:
    """Write the whole submission folder of example `name` into out/name and return it."""
    target = out / name
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for path in (HERE / name).iterdir():
        if path.is_file() and path.name not in OWN_FILES and path.name != "cnn.py":
            shutil.copy2(path, target / path.name)
    (target / "cnn.py").write_text(cnn_source(name))
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path, help="where to write the assembled folders")
    parser.add_argument("names", nargs="*", help="examples to assemble (default: all)")
    args = parser.parse_args()
    for name in args.names or names():
        print(assemble(name, args.out))


if __name__ == "__main__":
    main()

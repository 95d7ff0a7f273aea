"""Benchmark: the trusted process's work on students' text, up to the largest inputs its caps allow.

    python bench/trusted_bounds.py [--quick]

Each case runs in a child process of its own, which reports its CPU seconds and its peak
memory (the child's maxrss, this interpreter and its imports included: the first line, `idle`,
is that floor). CPU seconds, not wall time, because the machine is shared; ratios are against
a baseline measured in the same run, so they compare across machines.

  slicer       grader.submission.notebook: read_notebook + extract, on examples/good as a notebook
               (the baseline), then on realistic code of 1/8 to 1 times MAX_CODE_CHARS (linear:
               the time per KiB stays flat), then on the worst shapes at the caps: a long
               literal, 10,000 statements and past, IPython's budget spent on magics, cells
               nested 600 calls deep, a notebook of the largest JSON allowed, and issue 18's
               hostile notebooks (a 600 MB file, 300 KB of repeated lines).
  similarity   grader.integrity.similarity.find_similar: good against its renamed copy (the
               baseline); two identical students (the worst: all their code is shared) of 1/8
               to 1 times MAX_SOURCE_CHARS (linear); issue 18's two 600 KB files of 6,500
               identical helpers; then classes of 2 to 400 identical students at the cap (one
               student prepared once, so that the pairs are measured): pairing definitions stops
               at CLASS_PAIRING and scoring at CLASS_WORK (the largest students cut alike), the
               notes say so, and past them only the pairs' fixed cost grows; and a class of 500
               ordinary students, which no bound cuts.
"""
from __future__ import annotations

import argparse
import ast
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

GOOD = (ROOT / "examples" / "good" / "cnn.py").read_text()


# ---------------------------------------------------------------- inputs

def course_code(size: int) -> str:
    """examples/good/cnn.py, then renamed copies of its functions, and a last relu that refers to
    every copy (so that the slicer keeps them and similarity compares them: they are helpers of a
    graded function), at most `size` characters in all."""
    tree = ast.parse(GOOD)
    names = sorted(n.name for n in tree.body if isinstance(n, ast.FunctionDef))
    copies: list[tuple[str, str]] = []  # (name, text) of each renamed function
    for k in range(1, size // len(GOOD) + 2):
        copy = ast.parse(GOOD)
        for node in ast.walk(copy):
            if isinstance(node, ast.FunctionDef) and node.name in names:
                node.name = f"{node.name}_v{k}"
            elif isinstance(node, ast.Name) and node.id in names:
                node.id = f"{node.id}_v{k}"
        copies += [(n.name, ast.unparse(n) + "\n\n") for n in copy.body if isinstance(n, ast.FunctionDef)]
    total, kept = len(GOOD) + 80, []
    for name, text in copies:
        if total + len(text) + len(name) + 2 > size:
            break
        kept.append(name)
        total += len(text) + len(name) + 2
    body = "".join(text for name, text in copies[:len(kept)])
    relu = f"def relu(x):\n    used = [{', '.join(kept)}]\n    return np.maximum(x, 0)\n"
    return GOOD + "\n\n" + body + relu


def cells_of(source: str) -> list[str]:
    """One cell per top-level statement, as students write notebooks."""
    lines = source.splitlines()
    tree = ast.parse(source)
    return ["\n".join(lines[n.lineno - 1 - len(getattr(n, "decorator_list", [])):n.end_lineno]) for n in tree.body]


def write_notebook(path: Path, cells: list[str], **top) -> Path:
    path.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, **top, "cells": [
        {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": c} for c in cells]}))
    return path


def helpers(count: int, vary: bool = False) -> str:
    """relu calling `count` helpers of one shape (issue 18's similarity case)."""
    calls = "sum([" + ", ".join(f"h{i}(x)" for i in range(count)) + "])"
    return f"import numpy as np\n\ndef relu(x):\n    return {calls}\n\n" + "".join(
        f"def h{i}(x):\n    y = x * 2 + {i if vary else 1}\n    z = np.maximum(y, 0) * 3\n    return y - x + z / 2\n\n"
        for i in range(count))


# ---------------------------------------------------------------- cases (run in a child)

def slicer_case(name: str, scratch: Path) -> dict:
    from grader.grading.exercise import all_exercises
    from grader.submission import notebook as nb

    functions = [f for e in all_exercises() for f in e.functions]
    cap = nb.MAX_CODE_CHARS
    path = scratch / "cnn.ipynb"
    if name == "good (baseline)":
        write_notebook(path, cells_of(GOOD))
    elif name.startswith("code "):
        fraction = eval(name.split()[1])  # "code 1/8 cap": our own argument
        write_notebook(path, cells_of(course_code(int(cap * fraction) - 1000)))
    elif name == "long literal at cap":
        write_notebook(path, cells_of(GOOD)[:3] + ["table = [" + "1," * ((cap - 20_000) // 2) + "]"])
    elif name == "statements past cap":
        write_notebook(path, [GOOD] + ["".join(f"v{i} = {i}\n" for i in range(nb.MAX_STATEMENTS + 10))])
    elif name == "magics: IPython budget":
        write_notebook(path, [GOOD] + ["!ls\n" * 100 + "x = [" + "1," * 1000 + "]"] * 10)
    elif name == "repeated lines at cap":
        write_notebook(path, [GOOD, "x = 1\n" * ((cap - len(GOOD)) // 6 - 100)])
    elif name == "repeated lines + magic at cap":
        write_notebook(path, [GOOD, "!ls\n" + "x = 1\n" * ((cap - len(GOOD)) // 6 - 100)])
    elif name == "600-deep cells":
        write_notebook(path, [GOOD] + [f"unused_{i} = np" + ".copy()" * 600 for i in range(50)])
    elif name == "JSON at the values cap":
        per = nb.MAX_JSON_VALUES // 1000 - 20
        cells = [{"cell_type": "code", "metadata": {}, "execution_count": None, "source": "x = 1",
                  "outputs": [{"output_type": "stream", "name": "stdout", "text": ["loss: 0.1\n"] * per}]}] * 999
        path.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells}))
    elif name == "issue 18: 600 MB notebook":
        with path.open("w") as handle:
            handle.write('{"cells": [')
            handle.truncate(600 << 20)
    elif name == "issue 18: 300 KB repeated lines":
        write_notebook(path, [GOOD, "x = 1\n" * 50_000])
    start = time.process_time()
    try:
        extracted = nb.extract(nb.read_notebook(path), functions)
        outcome = f"{len(extracted.source) >> 10} KiB kept, {len(extracted.left_out)} cells left out"
        bound = next((r for r in extracted.reasons() if "was not read" in r), "")
    except nb.NotebookError as exc:
        outcome, bound = "refused", str(exc)
    return {"cpu": time.process_time() - start, "size": path.stat().st_size, "outcome": outcome, "note": bound}


def similarity_case(name: str, scratch: Path) -> dict:
    from dataclasses import replace

    from test_similarity import ALICE, BOB, CAROL, DANA, ERIN, STARTER, from_starter, renamed_and_reordered
    from grader.grading.exercise import all_exercises
    from grader.integrity import similarity as sim

    functions = [f for e in all_exercises() for f in e.functions]
    cap = sim.MAX_SOURCE_CHARS
    starter = sim.boilerplate(STARTER)
    if name.startswith("class of "):
        # One student at the cap, prepared once and given every name: reading students is linear
        # (the "2 identical" lines measure it); this measures the pairs, which the bounds cap.
        count = int(name.split()[2])
        start = time.process_time()
        one = sim.prepare("s", course_code(cap - 100), functions, starter)
        middle = time.process_time()
        result = sim.compare(replace(one, name=f"s{k:03d}") for k in range(count))
        end = time.process_time()
        sizes, size = [one.size] * count, cap * count
    else:
        if name == "good and its copy (baseline)":
            sources = {"good": GOOD, "zoe": renamed_and_reordered(GOOD, set(functions))}
        elif name.startswith("2 identical "):
            fraction = eval(name.split()[2])  # "2 identical 1/8 cap": our own argument
            code = course_code(int(cap * fraction) - 100)
            sources = {"a": code, "b": code}
        elif name == "issue 18: 2 x 600 KB of helpers":
            sources = {"a": helpers(6500), "b": helpers(6500)}
        elif name == "500 ordinary students":
            pool = [GOOD, renamed_and_reordered(GOOD, set(functions))] + [
                from_starter(s) for s in (ALICE, BOB, CAROL, DANA, ERIN)]
            sources = {f"s{k:03d}": pool[k % len(pool)] + f"\nOFFSET_{k} = {k}\n" for k in range(500)}
        start = time.process_time()
        prepared = [sim.prepare(n, s, functions, starter) for n, s in sources.items()]
        middle = time.process_time()
        result = sim.compare(prepared)
        end = time.process_time()
        sizes, size = [s.size for s in prepared], sum(map(len, sources.values()))
    top = result.pairs[0]
    work = (len(sizes) - 1) * sum(sizes)
    return {"cpu": end - start, "prepare": middle - start, "compare": end - middle, "size": size,
            "outcome": f"{len(result.pairs):,} pairs, top {top.score:.2f} ({len(top.matches)} matches), "
                       f"scoring {work / sim.CLASS_WORK:.2f} of CLASS_WORK",
            "note": f"{len(result.notes)} notes" + (f", the last: {result.notes[-1]}" if result.notes else "")}


def child(kind: str, name: str) -> None:
    with tempfile.TemporaryDirectory(prefix="cnngrade-bench-") as scratch:
        result = {} if kind == "idle" else (slicer_case if kind == "slicer" else similarity_case)(name, Path(scratch))
    result["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def measure(kind: str, name: str) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", kind, name], capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    if done.returncode != 0:
        raise SystemExit(f"{kind} {name!r} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer sizes and classes")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    from grader.integrity.similarity import CLASS_WORK, MAX_SOURCE_CHARS
    from grader.submission.notebook import MAX_CODE_CHARS

    idle = measure("idle", "")
    print(f"idle interpreter: {idle['maxrss_mb']:.0f} MB")
    fractions = ["1/4", "1"] if args.quick else ["1/8", "1/4", "1/2", "1"]
    print(f"\nslicer (read_notebook + extract), MAX_CODE_CHARS = {MAX_CODE_CHARS >> 10} KiB")
    print(f"  {'case':<34}{'file':>9}{'cpu s':>8}{'x base':>8}{'ms/KiB':>8}{'peak MB':>9}  outcome")
    base = None
    for name in ["good (baseline)"] + [f"code {f} cap" for f in fractions] + [
            "long literal at cap", "statements past cap", "repeated lines at cap", "repeated lines + magic at cap",
            "magics: IPython budget", "600-deep cells",
            "JSON at the values cap", "issue 18: 600 MB notebook", "issue 18: 300 KB repeated lines"]:
        r = measure("slicer", name)
        base = base or r["cpu"]
        size = r["size"] / 1024
        print(f"  {name:<34}{size:>8.0f}K{r['cpu']:>8.2f}{r['cpu'] / base:>8.1f}{1000 * r['cpu'] / size:>8.2f}"
              f"{r['maxrss_mb']:>9.0f}  {r['outcome']}" + (f"; {r['note'][:110]}" if r["note"] else ""))
    print(f"\nsimilarity (prepare + compare), MAX_SOURCE_CHARS = {MAX_SOURCE_CHARS >> 10} KiB, "
          f"CLASS_WORK = {CLASS_WORK:,}")
    print(f"  {'case':<34}{'code':>9}{'cpu s':>8}{'x base':>8}{'prepare':>9}{'compare':>9}{'peak MB':>9}  outcome")
    classes = [2, 16, 64] if args.quick else [2, 8, 32, 64, 128, 256, 400]
    base = None
    for name in ["good and its copy (baseline)"] + [f"2 identical {f} cap" for f in fractions] + [
            "issue 18: 2 x 600 KB of helpers"] + [f"class of {n} at cap" for n in classes] + ["500 ordinary students"]:
        r = measure("similarity", name)
        base = base or r["cpu"]
        print(f"  {name:<34}{r['size'] / 1024:>8.0f}K{r['cpu']:>8.2f}{r['cpu'] / base:>8.1f}{r['prepare']:>9.2f}"
              f"{r['compare']:>9.2f}{r['maxrss_mb']:>9.0f}  {r['outcome']}; {r['note'][:150]}")


if __name__ == "__main__":
    main()

"""Notebook submissions graded end to end (issue 12): real notebooks written with nbformat, the
real CLI in a subprocess, the in-notebook check run in a real Jupyter kernel (nbclient).

The notebooks are examples/good/cnn.py cut into one cell per top-level statement, plus what a
student's notebook really holds: magics, `!pip install`, a Colab mount, a plot, a training loop.
"""
from __future__ import annotations

import ast
import csv
import html
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
from nbformat import v4

from conftest import EXAMPLES, ROOT, run_cnngrade

EXERCISES = ("-e", "correlate2d", "-e", "pad2d", "-e", "flatten")


def good_cells() -> list[str]:
    """examples/good/cnn.py as cells: the imports and each top-level definition, one per cell."""
    source = (EXAMPLES / "good" / "cnn.py").read_text()
    lines = source.splitlines()
    tree = ast.parse(source)
    return ["\n".join(lines[node.lineno - 1 - len(getattr(node, "decorator_list", [])):node.end_lineno])
            for node in tree.body if not isinstance(node, ast.Expr)]


def cell_of(cells: list, name: str) -> int:
    """The index in `cells` of the code cell that defines `name`."""
    return next(i for i, c in enumerate(cells) if c.cell_type == "code" and f"def {name}(" in c.source)


def write_notebook(folder: Path, cells: list, name: str = "cnn.ipynb") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    notebook = v4.new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                                     "language": "python"}})
    nbformat.write(notebook, str(folder / name))
    return folder / name


def code(*sources: str) -> list:
    return [v4.new_code_cell(s) for s in sources]


def student_notebook(marker: Path) -> list:
    """A realistic notebook around the good functions; its training cell would write `marker`."""
    return [v4.new_markdown_cell("# CNN exercises\nMy solutions.")] + code(
        "!pip install numpy matplotlib\n%matplotlib inline",
        "from google.colab import drive\ndrive.mount('/content/drive')",
    ) + code(*good_cells()) + code(
        "import matplotlib.pyplot as plt\nplt.imshow(np.zeros((28, 28)))\nplt.show()",
        f"import time\nfor epoch in range(3600):  # an hour of training\n"
        f"    open({str(marker)!r}, 'w').write('trained')\n    time.sleep(1)\nhistory = model.fit(x, y, epochs=100)",
        "raise RuntimeError('a top-level exception in a left-out cell')",
        "%%time\nresult = correlate2d(np.ones((3, 3)), np.ones((2, 2)))",
        "from cnngrade.notebook import check\ncheck()",
    )


def _by_check(result: dict) -> dict:
    return {(e["id"], c["name"]): c for e in result["exercises"] for c in e["checks"]}


def test_a_notebook_gets_the_verdicts_of_the_same_functions_in_cnn_py_and_runs_nothing_else(tmp_path):
    marker = tmp_path / "TRAINED"
    write_notebook(tmp_path / "notebook", student_notebook(marker))
    module = tmp_path / "module"
    module.mkdir()
    (module / "cnn.py").write_text((EXAMPLES / "good" / "cnn.py").read_text())
    from_notebook = run_cnngrade("submit", tmp_path / "notebook", *EXERCISES, json_path=tmp_path / "nb.json")
    from_module = run_cnngrade("submit", module, *EXERCISES, json_path=tmp_path / "py.json")
    assert from_notebook.code == from_module.code == 0, from_notebook.stdout + from_notebook.stderr
    assert from_notebook.result["exercises"] == from_module.result["exercises"]
    assert not marker.exists()  # the training cell never ran, neither here nor in the sandbox
    notices = from_notebook.result["notices"]
    assert notices[0].startswith("graded the notebook cnn.ipynb without running it")
    assert "left out: cell 2: a shell escape (!pip install numpy matplotlib); a magic (%matplotlib inline)" in notices
    assert any(n.startswith("left out: cell 3: ") and "a call (drive.mount)" in n for n in notices), notices
    assert any("a for loop" in n and "a training call (history = model.fit)" in n for n in notices), notices
    assert any("a raise" in n for n in notices) and any("a cell magic (%%time)" in n for n in notices)
    assert "notes:" in from_notebook.stdout and "left out: cell 2" in from_notebook.stdout
    assert from_module.result["notices"] == []


def test_a_syntax_error_costs_the_functions_of_that_cell_only_and_names_it(tmp_path):
    cells = [v4.new_markdown_cell("intro")] + code(*good_cells())
    broken = cell_of(cells, "pad2d")
    cells[broken].source += "\n    return = x\n"
    line = cells[broken].source.count("\n")  # the broken line is the cell's last
    write_notebook(tmp_path / "s", cells)
    run = run_cnngrade("submit", tmp_path / "s", *EXERCISES, json_path=tmp_path / "r.json")
    assert run.code == 1 and "Traceback" not in run.stdout + run.stderr
    assert run.scores == {"correlate2d": 10, "pad2d": 0, "flatten": run.scores["flatten"]} and run.scores["flatten"] > 0
    for (exercise, _), check in _by_check(run.result).items():
        if exercise == "pad2d":
            assert check["status"] == "error"
            assert check["message"] == (f"pad2d is not graded: cell {broken + 1} has a syntax error at line {line}: "
                                        "invalid syntax (that cell was left out; fix it and save the notebook)")
        else:
            assert check["status"] == "passed"
    assert f"left out: cell {broken + 1}: a syntax error at line {line}: invalid syntax" in run.result["notices"]


def test_a_function_defined_twice_is_graded_as_the_later_cell_defines_it(tmp_path):
    wrong = "def correlate2d(image, kernel):\n    return np.zeros((1, 1))"
    base = code(*good_cells())
    at = cell_of(base, "correlate2d")
    before = base[:at] + code(wrong) + base[at:]
    after = base + code(wrong)
    write_notebook(tmp_path / "before", before)
    write_notebook(tmp_path / "after", after)
    first = run_cnngrade("submit", tmp_path / "before", "-e", "correlate2d", json_path=tmp_path / "1.json")
    last = run_cnngrade("submit", tmp_path / "after", "-e", "correlate2d", json_path=tmp_path / "2.json")
    assert first.scores == {"correlate2d": 10}
    assert last.scores == {"correlate2d": 0}


def test_tracebacks_and_the_reproduce_line_point_at_cells(tmp_path):
    raising = ("def correlate2d(image, kernel):\n    return helper(image)\n\n\n"
               "def helper(image):\n    return image[100, 100, 100]")
    cells = code(*good_cells()) + code(raising)
    number = len(cells)
    write_notebook(tmp_path / "s", cells)
    run = run_cnngrade("check", tmp_path / "s", "-e", "correlate2d", json_path=tmp_path / "r.json")
    checks = [c for c in _by_check(run.result).values() if c["counterexample"]]
    example = checks[0]["counterexample"]
    assert f"cell {number}, line 2, in correlate2d" in example["traceback"]
    assert f"cell {number}, line 6, in helper" in example["traceback"]
    assert 'File "cnn.py"' not in example["traceback"]
    assert "from cnn import" not in example["reproduce"]
    assert example["reproduce"].startswith("import numpy as np; print(correlate2d(")
    assert example["reproduce"].endswith(f"# in the notebook, after running cell {number}, where correlate2d is defined")


def test_an_import_error_of_a_kept_cell_is_said_by_cell_and_line(tmp_path):
    cells = code(*good_cells()) + code("# the scale\nSCALE = np.float64(1) / undefined_name",
                                        "def flatten(x):\n    return x.reshape(len(x), -1) * SCALE")
    write_notebook(tmp_path / "s", cells)
    run = run_cnngrade("check", tmp_path / "s", "-e", "flatten", json_path=tmp_path / "r.json")
    for check in _by_check(run.result).values():
        assert check["status"] == "error"
        assert check["message"] == (f"running the notebook's code failed: cell {len(cells) - 1}, line 2: "
                                    "NameError: name 'undefined_name' is not defined")


def test_a_corrupt_notebook_is_one_line_for_submit_and_a_zero_row_in_batch(tmp_path):
    bad = tmp_path / "class" / "alice"
    bad.mkdir(parents=True)
    (bad / "cnn.ipynb").write_text('{"cells": [')
    write_notebook(tmp_path / "class" / "bob", code(*good_cells()))
    run = run_cnngrade("submit", bad)
    assert run.code == 2 and run.stdout == ""
    assert run.stderr.strip().splitlines() == [
        f"cnngrade: error: cannot grade {bad}: cnn.ipynb is not a notebook: it is not valid JSON "
        "(line 1, column 12); is the file cut short or corrupt? Save it again from Jupyter"]
    batch = run_cnngrade("batch", tmp_path / "class", "-e", "flatten", "--out", tmp_path / "out",
                         json_path=tmp_path / "class.json")
    assert "Traceback" not in batch.stdout + batch.stderr
    rows = {r["submission"]: r for r in batch.result}
    assert rows["alice"]["score"] == 0 and rows["bob"]["score"] == rows["bob"]["max_score"] > 0
    messages = {c["message"] for e in rows["alice"]["exercises"] for c in e["checks"]}
    assert messages == {"nothing graded: cnn.ipynb is not a notebook: it is not valid JSON (line 1, column 12); "
                        "is the file cut short or corrupt? Save it again from Jupyter"}


BLOCKED = """
import sys
class Blocker:
    def find_spec(self, name, path=None, target=None):
        if name.partition('.')[0] == 'nbformat':
            raise ImportError(f"No module named {name!r}", name=name)
sys.meta_path.insert(0, Blocker())
from grader.cli import main
sys.argv = ['cnngrade'] + sys.argv[1:]
main()
"""


def test_without_the_notebook_extra_submit_says_what_to_install(tmp_path):
    write_notebook(tmp_path / "s", code(*good_cells()))
    done = subprocess.run([sys.executable, "-c", BLOCKED, "submit", str(tmp_path / "s")], capture_output=True,
                          text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip() == (f"cnngrade: error: cannot grade {tmp_path / 's'}: cnn.ipynb is a notebook, and "
                                   "reading notebooks needs nbformat: pip install 'cnngrade[notebook]'")


def test_init_notebook_writes_statements_stubs_and_the_check_cell(tmp_path):
    folder = tmp_path / "s"
    assert run_cnngrade("init", "--notebook", folder).code == 0
    notebook = nbformat.read(str(folder / "cnn.ipynb"), as_version=4)
    markdown = [c.source for c in notebook.cells if c.cell_type == "markdown"]
    sources = [c.source for c in notebook.cells if c.cell_type == "code"]
    assert any("correlate2d" in m for m in markdown[1:]) and "def correlate2d(" in "\n".join(sources)
    assert sources[-1].endswith("from cnngrade.notebook import check\ncheck()")
    assert run_cnngrade("init", "--notebook", folder).code == 2  # never overwrites without --force
    run = run_cnngrade("check", folder, "-e", "flatten", json_path=tmp_path / "r.json")
    assert run.code == 1
    assert {c["status"] for c in _by_check(run.result).values()} == {"missing"}


def test_init_notebook_in_french_writes_the_french_statements_and_a_french_check(tmp_path):
    folder = tmp_path / "s"
    assert run_cnngrade("init", "--notebook", folder, "--lang", "fr").code == 0
    notebook = nbformat.read(str(folder / "cnn.ipynb"), as_version=4)
    markdown = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    sources = [c.source for c in notebook.cells if c.cell_type == "code"]
    statement = (ROOT / "exercises" / "correlate2d" / "statement.fr.md").read_text(encoding="utf-8")
    assert statement.splitlines()[0] in markdown and "## Indice" in markdown
    assert sources[-1].endswith("from cnngrade.notebook import check\ncheck(lang='fr')")
    assert "def correlate2d(" in "\n".join(sources)


def test_the_in_notebook_check_in_a_real_kernel_shows_the_score_of_cnngrade_check(tmp_path):
    from nbclient import NotebookClient

    folder = tmp_path / "s"
    cells = code(*good_cells()) + code("def flatten(x):\n    return x  # wrong: not flattened",
                                        "from cnngrade.notebook import check\ncheck('correlate2d', 'flatten')",
                                        "check('correlate2d', 'flatten', lang='fr')")
    path = write_notebook(folder, cells)
    cli = run_cnngrade("check", folder, "-e", "correlate2d", "-e", "flatten", json_path=tmp_path / "r.json")
    environment = {"PYTHONPATH": str(ROOT), "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    saved = {key: os.environ.get(key) for key in environment}
    os.environ.update(environment)  # what the kernel process inherits
    try:
        notebook = nbformat.read(str(path), as_version=4)
        NotebookClient(notebook, timeout=600, kernel_name="python3",
                       resources={"metadata": {"path": str(folder)}}).execute()
    finally:
        for key, value in saved.items():
            os.environ.pop(key) if value is None else os.environ.__setitem__(key, value)
    outputs = notebook.cells[-2].outputs
    shown = [o for o in outputs if o.output_type == "display_data"]
    assert len(shown) == 1, outputs
    page = shown[0].data["text/html"]
    score = f"{cli.result['score']:g}/{cli.result['max_score']:g}"
    assert 0 < cli.result["score"] < cli.result["max_score"]
    assert f"cnngrade check of cnn.ipynb (as last saved): {score} points" in page
    inner = html.unescape(re.search(r'srcdoc="([^"]*)"', page).group(1))
    total = re.search(r'id="total">([^<]*)<', inner).group(1)
    assert total.replace(" ", "") == score
    assert "flatten" in inner and "How the submission was read" in inner
    assert shown[0].data["text/plain"].startswith(f"cnngrade check of cnn.ipynb (as last saved): {score} points")
    # The same check in French: the same score, said in French.
    french = [o for o in notebook.cells[-1].outputs if o.output_type == "display_data"]
    assert len(french) == 1, notebook.cells[-1].outputs
    said = french[0].data["text/plain"]
    assert said.startswith(f"cnngrade check de cnn.ipynb (tel qu'enregistré en dernier)\u00a0: {score} points"), said
    inner = html.unescape(re.search(r'srcdoc="([^"]*)"', french[0].data["text/html"]).group(1))
    assert '<html lang="fr">' in inner and "Comment le rendu a été lu" in inner
    assert re.search(r'id="total">([^<]*)<', inner).group(1).replace(" ", "") == score


def test_hostile_notebooks_cost_their_own_rows_and_notebook_copies_are_compared(tmp_path):
    """Issue 18 and 19 in one class. Notebooks that nbformat rejects otherwise than by its schema
    check, or that reach one of cnngrade's bounds, are each a zero row with a one-line reason; an
    unused cell nested 600 calls deep costs its author nothing; everyone else is graded. Then
    `--similarity` compares the notebook students by what is graded (their extracted modules): the
    two who copied each other rank first, and the cnn.py student who copied them is found too."""
    klass = tmp_path / "class"
    cells = good_cells()
    write_notebook(klass / "bob", code(*cells))
    write_notebook(klass / "dave", code("import numpy as np", f"unused = np{'.copy()' * 600}", *cells,
                                        "plt.plot(history)"))
    (klass / "frank").mkdir()
    (klass / "frank" / "cnn.py").write_text(ast.unparse(ast.parse("\n\n".join(cells))) + "\n")
    for name, top in (("erin", {"nbformat_minor": "x"}), ("gina", {"metadata": json.loads("{\"a\": " * 500 + "1"
                                                                                          + "}" * 500)})):
        (klass / name).mkdir()
        (klass / name / "cnn.ipynb").write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {},
                                                            "cells": [], **top}))
    (klass / "hank").mkdir()
    with (klass / "hank" / "cnn.ipynb").open("w") as handle:  # sparse: costs no disk
        handle.write('{"cells": [')  # over the notebook's cap, under the folder's (submission/files.py)
        handle.truncate(100 << 20)
    out = tmp_path / "out"
    run = run_cnngrade("batch", klass, "-e", "correlate2d", "-e", "flatten", "--examples", "3", "-j", "2",
                       "--out", out, "--similarity", json_path=tmp_path / "class.json")
    assert run.code == 1, run.stdout[-3000:] + run.stderr[-3000:]
    assert "Traceback" not in run.stdout + run.stderr and "fault of the grader" not in run.stdout + run.stderr
    assert "0 grader fault(s)" in run.stdout and "grader fault:" not in run.stderr
    rows = {r["submission"]: r for r in run.result}
    for name in ("bob", "dave", "frank"):
        assert rows[name]["score"] == rows[name]["max_score"] > 0, name
    reasons = {name: {c["message"] for e in rows[name]["exercises"] for c in e["checks"]}
               for name in ("erin", "gina", "hank")}
    assert reasons == {
        "erin": {"nothing graded: cnn.ipynb is not a valid notebook: nbformat cannot read it (AssertionError)"},
        "gina": {"nothing graded: cnn.ipynb nests its JSON more than 64 levels deep; cnngrade reads notebooks "
                 "nested at most 64 deep (is it a notebook? save it again from Jupyter)"},
        "hank": {"nothing graded: cnn.ipynb is 100 MiB; cnngrade reads notebooks of at most 32 MiB: clear its "
                 "outputs (Edit > Clear all outputs) and save it again"}}
    assert all(rows[name]["score"] == 0 for name in reasons)
    assert any("was not read: its code nests more than 100 levels deep" in n for n in rows["dave"]["notices"])
    with (out / "similarity.csv").open(newline="") as handle:
        pairs = [(r["student_a"], r["student_b"], float(r["score"])) for r in csv.DictReader(handle)]
    assert pairs[0][:2] == ("bob", "dave") and pairs[0][2] > 0.9
    assert {(a, b) for a, b, score in pairs if score > 0.9} == {("bob", "dave"), ("bob", "frank"), ("dave", "frank")}

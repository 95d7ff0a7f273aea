"""Notebook submissions, the trusted text-only part (grader.submission.notebook): real notebooks written by
nbformat; the extracted module is run in a subprocess, in a temporary folder, as the sandbox would
import it, to prove what it does and does not do."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import traceback
from pathlib import Path

import nbformat
import pytest
from nbformat import v4

from grader.submission import notebook as notebook_module
from grader.submission.notebook import (CellSyntaxError, Extracted, NotebookError, extract, read_notebook,
                             starter_notebook)
from grader.submission.folder import Unreadable, notebook_of

MARKER = "trained.marker"
TRAINING = f"""class Model:
    def fit(self, *args):
        open({MARKER!r}, "w").write("trained")
        return "history"

model = Model()
model.fit(None)
history = model.fit(None)
"""


def notebook(*cells: str | tuple[str, str]) -> nbformat.NotebookNode:
    """A notebook of code cells; ("md", text) is a Markdown cell."""
    return v4.new_notebook(cells=[v4.new_markdown_cell(c[1]) if isinstance(c, tuple) else v4.new_code_cell(c)
                                  for c in cells])


def run(source: str, folder: Path, code: str) -> str:
    """Import the extracted source as cnn.py in `folder`, run `code` after it, return stdout."""
    (folder / "cnn.py").write_text(source)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([sys.executable, "-c", "import cnn\n" + code], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def cell_line(extracted: Extracted, text: str) -> tuple[int, int]:
    """(cell, line) of the first line of the source that contains `text`."""
    lines = extracted.source.splitlines()
    number = next(i for i, line in enumerate(lines, start=1) if text in line)
    return extracted.location(number)


# ---------------------------------------------------------------------------------------------

COURSE = notebook(
    ("md", "# Exercise 1\nWrite correlate2d."),
    "!pip install numpy\n%matplotlib inline\nimport numpy as np\nimport matplotlib.pyplot as plt",
    "from google.colab import drive\ndrive.mount('/content/drive')",
    "sobel = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]])\n"
    "rfftn = np.fft.rfftn\n"
    "act = lambda x: np.maximum(x, 0)\n"
    "\n"
    "def _window_sum(patch, kernel):\n"
    "    return float((patch * kernel).sum())\n",
    ("md", "Now the function itself."),
    "def correlate2d(image, kernel):\n"
    "    kh, kw = kernel.shape\n"
    "    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))\n"
    "    for i in range(out.shape[0]):\n"
    "        for j in range(out.shape[1]):\n"
    "            out[i, j] = _window_sum(image[i:i + kh, j:j + kw], kernel)\n"
    "    return act(out)\n"
    "\n"
    "def edges(image):\n"
    "    return correlate2d(image, sobel)\n"
    "\n"
    "def spectrum(x):\n"
    "    return rfftn(x)\n",
    TRAINING,
    "plt.imshow(correlate2d(np.eye(4), np.ones((2, 2))))\nplt.show()\nprint('done')",
    "%%writefile helper.py\nopen('helper.marker', 'w').write('x')\n",
)


def test_a_notebook_runs_without_its_installs_mount_plots_and_training(tmp_path):
    extracted = extract(COURSE, ["correlate2d", "edges", "spectrum"])
    source = extracted.source
    for absent in ("pip", "matplotlib", "plt", "google", "drive", "fit", "Model", MARKER, "helper", "print"):
        assert absent not in source, absent
    compile(source, "cnn.py", "exec")
    out = run(source, tmp_path, "import numpy as np\n"
                                "print(cnn.correlate2d(np.arange(9.0).reshape(3, 3), np.eye(2)).tolist())\n"
                                "print(cnn.edges(np.tile(np.arange(4.0), (3, 1))).tolist())\n"
                                "print(cnn.spectrum(np.ones(4)).real.tolist())\n")
    assert out.split("\n")[:3] == ["[[4.0, 6.0], [10.0, 12.0]]", "[[0.0, 0.0]]", "[4.0, 0.0, 0.0]"]
    assert not (tmp_path / MARKER).exists()
    assert not (tmp_path / "helper.py").exists() and not (tmp_path / "helper.marker").exists()


def test_the_training_cell_does_write_the_marker_when_it_runs(tmp_path):
    # The control for the test above: the marker is a real effect of the training cell.
    run(TRAINING, tmp_path, "")
    assert (tmp_path / MARKER).read_text() == "trained"


def test_left_out_cells_say_why_in_one_line_each():
    reasons = extract(COURSE, ["correlate2d", "edges", "spectrum"]).reasons()
    assert reasons == [
        "cell 2, partly: a shell escape (!pip install numpy); a magic (%matplotlib inline); "
        "not used by a graded function (plt)",
        "cell 3: not used by a graded function (drive); a call (drive.mount)",
        "cell 7: not used by a graded function (Model, model); a training call (model.fit, history = model.fit)",
        "cell 8: only a call (plt.imshow, plt.show, print)",
        "cell 9: a cell magic (%%writefile helper.py)",
    ]


def test_reasons_are_capped():
    extracted = extract(notebook(*[f"print({i})" for i in range(25)]), ["f"])
    reasons = extracted.reasons()
    assert len(reasons) == 21 and reasons[0] == "cell 1: only a call (print)" and reasons[-1] == "... and 5 more"


def test_a_function_defined_twice_the_later_wins(tmp_path):
    nb = notebook("def relu(x):\n    return 'first'", "relu('warm up')", "def relu(x):\n    return 'second'")
    extracted = extract(nb, ["relu"])
    assert "'first'" in extracted.source and "'second'" in extracted.source
    assert run(extracted.source, tmp_path, "print(cnn.relu(0))") == "second\n"


def test_scopes_are_resolved_as_python_does(tmp_path):
    # Each `marker(...)` binding would write a file if it were kept: the names it binds only look
    # used (a comprehension variable, a local, a nonlocal, a method's parameter, a string in __all__).
    nb = notebook(
        "import os\nimport numpy as np\n"
        "def marker(name):\n    open(name, 'w').close()\n    return 1\n",
        "i = marker('i')\nx = marker('x')\nk = marker('k')\nself = marker('self')\n"
        "__all__ = ['pooled', 'x']\n",
        "SCALE = 2\nOFFSETS = [1, 2]\nclass Base:\n    def scaled(self, x):\n        return x * SCALE\n",
        "def counter():\n    k = 0\n    def step():\n        nonlocal k\n        k += 1\n        return k\n    return step\n",
        "def shift(f):\n    return lambda x: f(x) + OFFSETS[-1]\n"
        "class Pool(Base):\n    pass\n"
        "@shift\ndef pooled(x, size=len(OFFSETS)):\n"
        "    tick = counter()\n"
        "    return Pool().scaled(sum(i * x for i in range(size))) + tick() + tick()\n",
    )
    extracted = extract(nb, ["pooled"])
    for absent in ("marker", "import os", "__all__"):
        assert absent not in extracted.source, absent
    # pooled(3) = (0*3 + 1*3) * 2 + 1 + 2 + 2 (shift adds OFFSETS[-1])
    assert run(extracted.source, tmp_path, "print(cnn.pooled(3))") == "11\n"
    assert [p.name for p in tmp_path.iterdir()] == ["cnn.py"]


def test_globals_star_imports_try_and_if_blocks(tmp_path):
    nb = notebook(
        "from numpy import *",
        "try:\n    import not_installed_anywhere as accel\nexcept ImportError:\n    accel = None\n",
        "if accel is None:\n    def backend():\n        return 'numpy'\nelse:\n    def backend():\n        return 'accel'\n",
        "for epoch in range(3):\n    open('loop.marker', 'w').close()\n",
        "with open('with.marker', 'w') as f:\n    f.write('x')\n",
        "cache = {}\ncache['scale'] = 3\n",
        "def reset():\n    global state\n    state = zeros(2)\n",
        "def flatten(x):\n    reset()\n    return reshape(x, (x.shape[0], -1)) * cache['scale'] + state[0], backend()\n",
    )
    extracted = extract(nb, ["flatten"])
    assert "loop.marker" not in extracted.source and "with.marker" not in extracted.source
    assert "except ImportError" in extracted.source and "return 'accel'" in extracted.source
    out = run(extracted.source, tmp_path, "import numpy as np\nv, b = cnn.flatten(np.ones((2, 2, 2)))\n"
                                          "print(v.shape, v.max(), b, cnn.state.tolist())")
    assert out == "(2, 4) 3.0 numpy [0.0, 0.0]\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cnn.py"]


def test_future_annotations_are_hoisted_and_make_annotations_free():
    nb = notebook(
        "import numpy as np\nfrom heavy_framework import Tensor",
        "from __future__ import annotations\ndef relu(x: Tensor) -> Tensor:\n    return np.maximum(x, 0)",
    )
    extracted = extract(nb, ["relu"])
    assert extracted.source.splitlines()[:2] == ["# cell 2", "from __future__ import annotations"]
    assert "heavy_framework" not in extracted.source
    compile(extracted.source, "cnn.py", "exec")
    # Without the future import annotations are evaluated at def time, so the import is needed.
    plain = extract(notebook(nb.cells[0].source, "def relu(x: Tensor):\n    return x"), ["relu"])
    assert "from heavy_framework import Tensor" in plain.source


def test_a_syntax_error_costs_only_the_functions_of_its_cell(tmp_path):
    nb = notebook(
        "import numpy as np",
        "def relu(x):\n    return np.maximum(x, 0)",
        "\n%matplotlib inline\ndef correlate2d(image, kernel):\n    return image +* kernel\n",
        ("md", "notes"),
        "def leaky_relu(x, negative_slope=0.3):\n    return np.where(x > 0, x, negative_slope * x)",
    )
    extracted = extract(nb, ["relu", "correlate2d", "leaky_relu"])
    assert extracted.syntax_errors == [CellSyntaxError(3, 4, "invalid syntax", ("correlate2d",))]
    assert str(extracted.syntax_error_of("correlate2d")) == "cell 3 has a syntax error at line 4: invalid syntax"
    assert extracted.syntax_error_of("relu") is None and extracted.syntax_error_of("leaky_relu") is None
    assert "cell 3: a syntax error at line 4: invalid syntax" in extracted.reasons()
    assert run(extracted.source, tmp_path, "print(cnn.relu(-1), cnn.leaky_relu(-1.0), hasattr(cnn, 'correlate2d'))") \
        == "0 -0.3 False\n"


def test_a_syntax_error_in_a_cell_that_defines_nothing_graded_changes_nothing():
    cells = ["import numpy as np", "def relu(x):\n    return np.maximum(x, 0)"]
    clean = extract(notebook(*cells), ["relu"])
    broken = extract(notebook(*cells, "plot(history.history['loss'] "), ["relu"])
    assert broken.source == clean.source and broken.line_map == clean.line_map
    assert broken.syntax_errors[0].cell == 3 and broken.syntax_errors[0].defines == ()
    assert broken.syntax_error_of("relu") is None


def test_a_syntax_error_is_not_blamed_when_another_cell_defines_the_function():
    extracted = extract(notebook("def relu(x):\n    return x", "def relu(x)\n    return 0"), ["relu"])
    assert extracted.syntax_errors[0].defines == ("relu",) and extracted.syntax_error_of("relu") is None


def test_an_exception_in_a_kept_function_maps_to_its_cell_and_line():
    nb = notebook(
        ("md", "# Title"),
        "!pip install numpy\n\nimport numpy as np",
        "print('left out, shifts nothing')",
        "\n\n%load_ext autoreload\n# the kernel\nkernel = np.ones((2, 2))\nunused = 1\n\n"
        "def pad2d(x, padding):\n    width = padding + kernel.shape[0]\n    raise ValueError(f'no padding {width}')\n",
    )
    extracted = extract(nb, ["pad2d"])
    namespace: dict = {}
    exec(compile(extracted.source, "cnn.py", "exec"), namespace)
    with pytest.raises(ValueError) as raised:
        namespace["pad2d"](None, 1)
    line = [f for f in traceback.extract_tb(raised.value.__traceback__) if f.filename == "cnn.py"][-1].lineno
    assert extracted.where(line) == "cell 4, line 10"
    assert nb.cells[3].source.splitlines()[9].strip().startswith("raise ValueError")
    assert extracted.retrace(f'  File "cnn.py", line {line}, in pad2d') == "  cell 4, line 10, in pad2d"
    assert cell_line(extracted, "# the kernel") == (4, 4)
    assert "cell 4, partly: a magic (%load_ext autoreload); not used by a graded function (unused)" in extracted.reasons()
    assert extracted.where(1) == "line 1 of the code taken from the notebook"  # the "# cell 2" comment
    assert len(extracted.line_map) == len(extracted.source.splitlines())


def test_an_error_at_import_maps_to_its_cell_and_line():
    nb = notebook("import numpy as np", "x = 1; scale = 1 / 0; print(x)\ndef relu(v):\n    return v * scale")
    extracted = extract(nb, ["relu"])
    assert "print" not in extracted.source
    with pytest.raises(ZeroDivisionError) as raised:
        exec(compile(extracted.source, "cnn.py", "exec"), {})
    line = traceback.extract_tb(raised.value.__traceback__)[-1].lineno
    assert extracted.where(line) == "cell 2, line 1"


def test_a_magic_inside_a_kept_function_is_silenced(tmp_path):
    nb = notebook("def _shift(x):\n    return x + 1",
                  "def relu(x):\n    !echo hi > shell.marker\n    %time x = _shift(x)\n    return max(x, 0)\n")
    extracted = extract(nb, ["relu"])
    assert "get_ipython" not in extracted.source and "def _shift" in extracted.source
    assert run(extracted.source, tmp_path, "print(cnn.relu(-2), cnn.relu(2))") == "0 3\n"
    assert not (tmp_path / "shell.marker").exists()


# ---------------------------------------------------------------------------------------------

def test_read_notebook_round_trips_a_notebook(tmp_path):
    path = tmp_path / "cnn.ipynb"
    nbformat.write(COURSE, str(path))
    read = read_notebook(path)
    assert read.nbformat == 4 and [c.source for c in read.cells] == [c.source for c in COURSE.cells]


@pytest.mark.parametrize("content, says", [
    ('{"cells": [{"cell_type": "code", "sour', "is not valid JSON (line 1, column"),
    ("\x00\x01 not json", "is not valid JSON"),
    ('["a", "list"]', "is JSON but not a Jupyter notebook"),
    ('{"name": "package.json"}', "is JSON but not a Jupyter notebook"),
    ('{"nbformat": 99, "nbformat_minor": 0, "cells": [], "metadata": {}}',
     "has nbformat version 99, which cnngrade cannot read (it reads versions 1 to 4)"),
    ('{"nbformat": 4, "nbformat_minor": 4, "metadata": {}, "cells": [{"cell_type": "code", "source": "x"}]}',
     "is not a valid notebook: 'metadata' is a required property (in cell 1)"),
    ('{"nbformat": 4, "nbformat_minor": 4, "metadata": {}, "cells": [{"cell_type": "code", "metadata": {}, '
     '"outputs": [], "execution_count": null, "source": "' + "x = 1; " * 500 + '", "cell_type": "picture"}]}',
     "is not a valid notebook: it does not follow the notebook format (nbformat schema check"),
    ('{"nbformat": 4, "nbformat_minor": 4, "metadata": {}, "cells": "no list"}', "is not a valid notebook"),
])
def test_a_bad_file_is_one_line_naming_it(tmp_path, content, says):
    path = tmp_path / "work.ipynb"
    path.write_text(content)
    with pytest.raises(NotebookError) as raised:
        read_notebook(path)
    message = str(raised.value)
    assert message.startswith("work.ipynb ") and says in message and "\n" not in message and "x = 1" not in message
    # No chained exception for a traceback printer to show.
    assert raised.value.__cause__ is None and (raised.value.__context__ is None or raised.value.__suppress_context__)


def test_a_binary_file_is_one_line(tmp_path):
    (tmp_path / "cnn.ipynb").write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    with pytest.raises(NotebookError, match=r"^cnn.ipynb is not a notebook: it is not UTF-8 text"):
        read_notebook(tmp_path / "cnn.ipynb")


def test_an_old_notebook_is_converted(tmp_path):
    v3 = {"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": [{"cells": [
        {"cell_type": "code", "input": "def relu(x):\n    return x", "language": "python", "outputs": []}]}]}
    (tmp_path / "old.ipynb").write_text(json.dumps(v3))
    assert "def relu" in extract(read_notebook(tmp_path / "old.ipynb"), ["relu"]).source


def test_starter_notebook(tmp_path):
    parts = [("## correlate2d\nWrite it.", "def correlate2d(image, kernel):\n    raise NotImplementedError"),
             ("## relu", "def relu(x):\n    raise NotImplementedError")]
    path = tmp_path / "cnn.ipynb"
    nb = starter_notebook(parts, "from cnngrade.notebook import check; check()", path=path)
    read = read_notebook(path)
    assert [(c.cell_type, c.source) for c in read.cells] == [
        ("markdown", parts[0][0]), ("code", parts[0][1]), ("markdown", parts[1][0]), ("code", parts[1][1]),
        ("code", "from cnngrade.notebook import check; check()")]
    # Fixed cell ids: the same parts give the same file, byte for byte.
    assert nbformat.writes(nb) == nbformat.writes(starter_notebook(parts, "from cnngrade.notebook import check; check()"))
    extracted = extract(read, ["correlate2d", "relu"])
    assert "check" not in extracted.source and cell_line(extracted, "def relu") == (4, 1)


def test_notebook_of(tmp_path):
    assert notebook_of(tmp_path) is None
    nbformat.write(notebook("x = 1"), str(tmp_path / "mine.ipynb"))
    assert notebook_of(tmp_path) == tmp_path / "mine.ipynb"
    (tmp_path / "cnn.py").write_text("x = 1\n")
    assert notebook_of(tmp_path) is None  # cnn.py is graded
    (tmp_path / "cnn.py").unlink()
    nbformat.write(notebook("x = 2"), str(tmp_path / "copy.ipynb"))
    with pytest.raises(Unreadable, match=r"several notebooks \(copy.ipynb, mine.ipynb\) and no cnn.ipynb"):
        notebook_of(tmp_path)
    nbformat.write(notebook("x = 3"), str(tmp_path / "cnn.ipynb"))
    assert notebook_of(tmp_path) == tmp_path / "cnn.ipynb"


def test_notebook_of_refuses_a_link_out_of_the_folder_and_reads_one_inside(tmp_path):
    outside = tmp_path / "outside.ipynb"
    nbformat.write(notebook("x = 1"), str(outside))
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "cnn.ipynb").symlink_to(outside)
    with pytest.raises(Unreadable, match="cnn.ipynb is a symbolic link out of the folder"):
        notebook_of(tmp_path / "sub")
    (tmp_path / "sub" / "cnn.ipynb").unlink()
    (tmp_path / "sub" / "work").mkdir()
    nbformat.write(notebook("x = 2"), str(tmp_path / "sub" / "work" / "draft.ipynb"))
    (tmp_path / "sub" / "cnn.ipynb").symlink_to("work/draft.ipynb")  # inside: read as cnn.ipynb
    assert notebook_of(tmp_path / "sub") == tmp_path / "sub" / "cnn.ipynb"


# ---------------------------------------------------------------------------------------------
# Bounds: every piece of work on the student's notebook is bounded, and reaching a bound is the
# student's one-line reason (a NotebookError, or a cell left out), never an exception of ours.

def _code_cell(source: str) -> dict:
    return {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": source}


def _nested(depth: int) -> dict:
    value: dict = {}
    for _ in range(depth):
        value = {"a": value}
    return value


def _json(cells: list, **top) -> str:
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells, **top})


@pytest.mark.parametrize("write, says", [
    # a sparse file: its size is refused before a byte is read or parsed
    (lambda p: (p.write_text('{"cells": ['), os.truncate(p, 600 << 20)),
     f"cnn.ipynb is 600 MiB; cnngrade reads notebooks of at most {notebook_module.MAX_NOTEBOOK_BYTES >> 20} MiB: "
     "clear its outputs (Edit > Clear all outputs) and save it again"),
    (lambda p: p.write_text(_json([_code_cell("x = 1")], metadata={"a": [[]] * (notebook_module.MAX_JSON_VALUES // 2)})),
     f"JSON values; cnngrade reads notebooks of at most {notebook_module.MAX_JSON_VALUES:,}: clear its outputs"),
    (lambda p: p.write_text(_json([_code_cell("x = 1")], metadata=_nested(500))),
     f"cnn.ipynb nests its JSON more than {notebook_module.MAX_JSON_DEPTH} levels deep"),
    (lambda p: p.write_text('{"nbformat": 4, "metadata": ' + "[" * 100_000 + "]" * 100_000 + "}"),
     f"cnn.ipynb nests its JSON more than {notebook_module.MAX_JSON_DEPTH} levels deep"),
    (lambda p: p.write_text(_json([_code_cell("x = 1")] * (notebook_module.MAX_CELLS + 1))),
     f"the notebook cnn.ipynb has {notebook_module.MAX_CELLS + 1:,} cells; cnngrade reads notebooks of at most "
     f"{notebook_module.MAX_CELLS:,} cells"),
    (lambda p: p.write_text(_json([_code_cell("x = 1\n" * (notebook_module.MAX_CODE_CHARS // 6 + 1))])),
     "the notebook cnn.ipynb holds 256 KiB of code; cnngrade reads at most 256 KiB (is a data set pasted"),
    # what nbformat's readers raise besides their schema check: a rejected notebook, not a crash
    (lambda p: p.write_text(_json([_code_cell("x = 1")], nbformat_minor="x")),
     "cnn.ipynb is not a valid notebook: nbformat cannot read it (AssertionError)"),
    (lambda p: os.mkfifo(p), "cnn.ipynb is not a notebook: it is not a regular file"),
])
def test_reading_is_bounded_before_the_work_it_bounds(tmp_path, write, says):
    path = tmp_path / "cnn.ipynb"
    write(path)
    with pytest.raises(NotebookError) as raised:
        read_notebook(path)
    message = str(raised.value)
    assert says in message and "cnn.ipynb " in message.split(";")[0] and "\n" not in message, message
    assert raised.value.__cause__ is None and (raised.value.__context__ is None or raised.value.__suppress_context__)


def test_a_notebook_at_the_bounds_is_read(tmp_path):
    """The controls of the test above: just under each bound, the notebook is read."""
    path = tmp_path / "cnn.ipynb"
    cells = [_code_cell("x = 1")] * (notebook_module.MAX_CELLS - 1) + [_code_cell("def relu(x):\n    return x\n")]
    path.write_text(_json(cells, metadata=_nested(notebook_module.MAX_JSON_DEPTH - 2)))
    assert "def relu" in extract(read_notebook(path), ["relu"]).source


def _chain(depth: int) -> str:
    return "np" + ".copy()" * depth


def test_deep_code_is_left_out_with_its_reason_and_costs_nothing_else(tmp_path):
    """An unused cell whose code nests deeper than Python's recursion allows in the slicer (600,
    and 300, where the syntax tree parses and compiles but its recursive walks did not) is left
    out with its reason; a graded function in such a cell is said to be not graded, and why."""
    nb = notebook(
        "import numpy as np\ndef relu(x):\n    return np.maximum(x, 0) + " + " + ".join(["0"] * 60),
        f"unused = {_chain(600)}",
        f"also_unused = {_chain(300)}",
        f"def flatten(x):\n    return {_chain(150)}",
    )
    extracted = extract(nb, ["relu", "flatten"])
    bound = f"was not read: its code nests more than {notebook_module.MAX_DEPTH} levels deep"
    assert [r for r in extracted.reasons() if bound in r] == [
        f"cell 2: {bound} at line 1; cnngrade reads at most {notebook_module.MAX_DEPTH}",
        f"cell 3: {bound} at line 1; cnngrade reads at most {notebook_module.MAX_DEPTH}",
        f"cell 4: {bound} at line 2; cnngrade reads at most {notebook_module.MAX_DEPTH}"]
    assert str(extracted.syntax_error_of("flatten")) == \
        f"cell 4 {bound} at line 2; cnngrade reads at most {notebook_module.MAX_DEPTH}"
    assert extracted.syntax_error_of("relu") is None
    assert run(extracted.source, tmp_path, "print(cnn.relu(-1), cnn.relu(2), hasattr(cnn, 'flatten'))") == "0 2 False\n"


def test_statements_and_magics_are_bounded_per_notebook():
    many = "x = 1\n" * (notebook_module.MAX_STATEMENTS + 1)
    extracted = extract(notebook("def relu(x):\n    return x", many, "def flatten(x):\n    return x"),
                        ["relu", "flatten"])
    cap = f"{notebook_module.MAX_STATEMENTS:,}"
    past = f"was not read: the notebook has more than {cap} top-level statements up to it; cnngrade reads at most {cap}"
    assert extracted.reasons()[-2:] == [f"cell 2: {past}", f"cell 3: {past}"]
    assert "def relu" in extracted.source and str(extracted.syntax_error_of("flatten")) == f"cell 3 {past}"
    # IPython rewrites one magic per pass over the cell: a cell of thousands is not read, and
    # takes nothing from the notebook's budget, which a later cell with one magic still gets.
    magics = "!ls\n" * 5000
    extracted = extract(notebook(magics, "!pip install numpy\ndef relu(x):\n    return x"), ["relu"])
    assert extracted.reasons() == [
        "cell 1: was not read: its IPython magics and shell escapes (5,000 lines in 20 KiB) are more than "
        "cnngrade reads in one notebook; put them in small cells of their own",
        "cell 2, partly: a shell escape (!pip install numpy)"]
    assert "def relu" in extracted.source and [e.cell for e in extracted.syntax_errors] == [1]


def test_lines_map_back_through_blank_lines_and_rewritten_magics():
    """Each line of the module maps to its own line of the cell, read as plain Python or through
    IPython (a magic continued over two lines, a help call, leading blank lines), in a long cell."""
    filler = "".join(f"value_{i} = {i}\n\n" for i in range(3000))
    plain = "import numpy as np\n\n@np.vectorize\ndef relu(v):\n\n    return max(v, 0)\n\n" + filler + \
        "def flatten(x):\n\n    raise ValueError('flatten')\n"
    magic = "\n\n!ls \\\n  -la\nnp?\n" + plain
    for source, shift in ((plain, 0), (magic, 5)):
        extracted = extract(notebook(source), ["relu", "flatten"])
        cell_lines = source.split("\n")
        for module_line, text in enumerate(extracted.source.splitlines(), start=1):
            place = extracted.location(module_line)
            if place is not None:
                assert cell_lines[place[1] - 1] == text, (module_line, place, text)
        assert cell_line(extracted, "raise ValueError") == (1, 7 + 2 * 3000 + 3 + shift)
        assert cell_line(extracted, "def relu") == (1, 4 + shift)

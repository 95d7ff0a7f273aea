"""Similar submissions, for review (grader/integrity/similarity.py and its HTML pages), on a real class.

The class, built in a temporary folder: examples/good/cnn.py; three short, correct solutions
written from the starter code in different styles (loops, vectorised, comprehensions); a copy of
good whose every variable, parameter, helper and module alias is renamed and whose functions are
in reverse order; and two submissions that are the untouched starter plus one function each.
Pages are opened in headless Chromium (tests/chromium.py).
"""
from __future__ import annotations

import ast
import builtins
import csv
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from markupsafe import escape

from chromium import Browser, find_chromium
from conftest import EXAMPLES, ROOT
from grader.grading.exercise import all_exercises
from grader.submission.starter import starter_module
from grader.reporters.similarity import CSV_HEADER, TITLE, csv_text, pair_files, render_pair, similarity_pages
from grader.integrity import similarity
from grader.integrity.review import ClassReview, summary_lines
from grader.integrity.similarity import (DEFAULT_THRESHOLD, code_to_compare, find_similar, identical_models,
                                         model_fingerprint, module_source)

# The starter cnn.py as `cnngrade init` writes it, from the installed packs.
STARTER = starter_module(all_exercises())
WORDS_NOT_USED = re.compile(r"cheat|plagiar|copied|copying|\bcopy\b|fraud|guilt", re.IGNORECASE)

ALICE = {  # explicit loops
    "correlate2d": """
    rows = image.shape[0] - kernel.shape[0] + 1
    cols = image.shape[1] - kernel.shape[1] + 1
    result = np.zeros((rows, cols))
    for r in range(rows):
        for c in range(cols):
            total = 0.0
            for a in range(kernel.shape[0]):
                for b in range(kernel.shape[1]):
                    total += image[r + a, c + b] * kernel[a, b]
            result[r, c] = total
    return result""",
    "convolve2d": """
    return correlate2d(image, np.flip(kernel))""",
    "relu": """
    out = np.array(x, dtype=float, copy=True)
    out[out < 0] = 0
    return out""",
    "leaky_relu": """
    x = np.asarray(x, dtype=float)
    return np.where(x > 0, x, negative_slope * x)""",
    "flatten": """
    x = np.asarray(x)
    size = 1
    for d in x.shape[1:]:
        size *= d
    return x.reshape(x.shape[0], size)""",
    "dense_param_count": """
    count = in_features * units
    if use_bias:
        count += units
    return count""",
}

BOB = {  # vectorised: sliding windows and einsum
    "correlate2d": """
    from numpy.lib.stride_tricks import sliding_window_view
    windows = sliding_window_view(np.asarray(image, dtype=float), np.shape(kernel))
    return np.einsum("ijkl,kl->ij", windows, kernel)""",
    "convolve2d": """
    return correlate2d(image, np.asarray(kernel)[::-1, ::-1])""",
    "pad2d": """
    x = np.asarray(x)
    if isinstance(padding, int):
        spatial = [(padding, padding)] * 2
    elif len(padding) == 4:
        spatial = [tuple(padding[:2]), tuple(padding[2:])]
    elif isinstance(padding[0], int):
        spatial = [(padding[0], padding[0]), (padding[1], padding[1])]
    else:
        spatial = [tuple(p) for p in padding]
    batch = [(0, 0)] if x.ndim == 4 else []
    channels = [(0, 0)] if x.ndim >= 3 else []
    return np.pad(x, batch + spatial + channels)""",
    "relu": """
    return np.clip(x, 0, None)""",
    "conv_param_count": """
    kh, kw = (kernel_size, kernel_size) if np.isscalar(kernel_size) else kernel_size
    return kh * kw * in_channels * filters + (filters if use_bias else 0)""",
}

CAROL = {  # comprehensions and arithmetic
    "correlate2d": """
    kh, kw = kernel.shape
    return np.array([[float((image[i:i + kh, j:j + kw] * kernel).sum())
                      for j in range(image.shape[1] - kw + 1)]
                     for i in range(image.shape[0] - kh + 1)])""",
    "relu": """
    return x * (x > 0)""",
    "relu_backward": """
    return np.asarray(dout) * (np.asarray(x) > 0)""",
    "pool_output_shape": """
    import math
    ph, pw = pool_size if isinstance(pool_size, tuple) else (pool_size, pool_size)
    if strides is None:
        sh, sw = ph, pw
    else:
        sh, sw = strides if isinstance(strides, tuple) else (strides, strides)
    h, w, c = input_shape
    if padding == 'same':
        return (math.ceil(h / sh), math.ceil(w / sw), c)
    return ((h - ph) // sh + 1, (w - pw) // sw + 1, c)""",
    "dense_param_count": """
    return units * (in_features + int(bool(use_bias)))""",
}

# Two submissions that share nothing but the starter: one function each, different ones.
DANA = {"max_pool2d": """
    x4 = x[None] if x.ndim == 3 else x
    ph, pw = (pool_size, pool_size) if isinstance(pool_size, int) else pool_size
    sh, sw = (ph, pw) if strides is None else ((strides, strides) if isinstance(strides, int) else strides)
    n, h, w, c = x4.shape
    out = np.full((n, (h - ph) // sh + 1, (w - pw) // sw + 1, c), -np.inf)
    for i in range(out.shape[1]):
        for j in range(out.shape[2]):
            out[:, i, j, :] = x4[:, i * sh:i * sh + ph, j * sw:j * sw + pw, :].max(axis=(1, 2))
    return out[0] if x.ndim == 3 else out"""}
ERIN = {"numeric_gradient": """
    grad = np.zeros_like(x, dtype=float)
    for index in np.ndindex(x.shape):
        step = np.zeros_like(x, dtype=float)
        step[index] = h
        grad[index] = (f(x + step) - f(x - step)) / (2 * h)
    return grad"""}



def write_pages(result, folder: Path, models=(), **kwargs) -> dict:
    """The similarity pages written under folder; the class page's section returned."""
    pages, section = similarity_pages(result, folder, models, **kwargs)
    for path, text in pages.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return section

def from_starter(bodies: dict[str, str]) -> str:
    """The starter code with the given functions' `raise NotImplementedError` replaced."""
    text = STARTER
    for name, body in bodies.items():
        start = text.index(f"\ndef {name}(")
        stub = text.index("    raise NotImplementedError", start)
        text = text[:stub] + body.strip("\n") + text[stub + len("    raise NotImplementedError"):]
    return text


def renamed_and_reordered(source: str, keep: set[str]) -> str:
    """source with every variable, parameter, helper function and module alias given a new name
    (the graded functions in `keep` keep theirs, as they must to be graded), functions in reverse
    order, comments and layout lost (ast.unparse)."""
    tree = ast.parse(source)
    local_functions = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} | \
            {a.arg for a in ast.walk(tree) if isinstance(a, ast.arg)} | local_functions | \
            {(a.asname or a.name) for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    names -= keep | set(dir(builtins))
    new = {old: f"q{i}" for i, old in enumerate(sorted(names))}

    class Rename(ast.NodeTransformer):
        def visit_Name(self, node):
            node.id = new.get(node.id, node.id)
            return node

        def visit_arg(self, node):
            node.arg = new.get(node.arg, node.arg)
            return node

        def visit_FunctionDef(self, node):
            node.name = new.get(node.name, node.name)
            return self.generic_visit(node)

        def visit_Call(self, node):
            if isinstance(node.func, ast.Name) and node.func.id in local_functions:
                for keyword in node.keywords:  # keywords of the student's own functions follow the rename
                    keyword.arg = new.get(keyword.arg, keyword.arg)
            return self.generic_visit(node)

        def visit_Import(self, node):
            for alias in node.names:
                alias.asname = new.get(alias.asname or alias.name)
            return node

    tree = Rename().visit(tree)
    imports = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom, ast.Expr))]
    rest = [n for n in tree.body if n not in imports]
    tree.body = imports + rest[::-1]
    return ast.unparse(tree) + "\n"


@pytest.fixture(scope="module")
def functions() -> list[str]:
    return [f for exercise in all_exercises() for f in exercise.functions]


@pytest.fixture(scope="module")
def class_dir(tmp_path_factory, functions) -> Path:
    root = tmp_path_factory.mktemp("class")
    good = (EXAMPLES / "good" / "cnn.py").read_text()
    sources = {"good": good, "alice": from_starter(ALICE), "bob": from_starter(BOB), "carol": from_starter(CAROL),
               "dana": from_starter(DANA), "erin": from_starter(ERIN),
               "zoe": renamed_and_reordered(good, set(functions))}
    for name, source in sources.items():
        (root / name).mkdir()
        (root / name / "cnn.py").write_text(source)
    return root


def sources_of(class_dir: Path) -> dict[str, str]:
    return {p.parent.name: p.read_text() for p in sorted(class_dir.glob("*/cnn.py"))}


@pytest.fixture(scope="module")
def result(class_dir, functions):
    return find_similar(sources_of(class_dir), functions, STARTER)


def test_the_class_is_what_it_claims(class_dir, functions):
    """The copy is really renamed everywhere and still computes what good computes, and the
    style solutions are correct: otherwise the tests below would prove less than they say."""
    good, zoe = (class_dir / "good" / "cnn.py").read_text(), (class_dir / "zoe" / "cnn.py").read_text()
    identifiers = lambda src: {n.id for n in ast.walk(ast.parse(src)) if isinstance(n, ast.Name)} | \
        {a.arg for a in ast.walk(ast.parse(src)) if isinstance(a, ast.arg)}
    assert identifiers(good) & identifiers(zoe) <= set(dir(builtins)) | set(functions)
    order = lambda src: [n.name for n in ast.parse(src).body if isinstance(n, ast.FunctionDef) and n.name in functions]
    assert order(zoe) == order(good)[::-1]
    modules = {}
    for name in ("good", "zoe", "alice", "bob", "carol"):
        namespace: dict = {}
        exec(compile((class_dir / name / "cnn.py").read_text(), name, "exec"), namespace)  # our own test code
        modules[name] = namespace
    rng = np.random.default_rng(0)
    x, k = rng.normal(size=(2, 6, 5, 3)), rng.normal(size=(3, 2, 3, 4))
    # positionally: the copy renamed the graded functions' parameters too
    np.testing.assert_allclose(modules["zoe"]["conv2d"](x, k, None, 2, "same"),
                               modules["good"]["conv2d"](x, k, None, 2, "same"))
    image, kernel = rng.normal(size=(7, 6)), rng.normal(size=(3, 2))
    for name in ("alice", "bob", "carol"):
        np.testing.assert_allclose(modules[name]["correlate2d"](image, kernel), modules["good"]["correlate2d"](image, kernel))
        np.testing.assert_allclose(modules[name]["relu"](image), modules["good"]["relu"](image))


def test_code_to_compare_takes_graded_functions_and_what_they_use():
    source = '''import numpy as np
SCALE = 2.0
UNUSED = 1

def _twice(x):
    return SCALE * x

def _unused(x):
    return x

@staticmethod
def relu(x):
    return _twice(np.maximum(x, 0)) / SCALE

def relu(x):
    return _twice(np.maximum(x, 0)) / SCALE
'''
    segments = code_to_compare(source, ["relu", "flatten"])
    assert [(s.name, s.kind, s.first_line, s.last_line) for s in segments] == \
        [("SCALE", "helper", 2, 2), ("_twice", "helper", 5, 6), ("relu", "graded", 15, 16)]
    assert segments[-1].text == source.splitlines(keepends=True)[14] + source.splitlines(keepends=True)[15]
    # A file that does not parse is compared whole, never executed.
    broken = code_to_compare("def relu(x):\n    return (x\n", ["relu"])
    assert [(s.name, s.kind, s.first_line, s.last_line) for s in broken] == [("(whole file)", "module", 1, 2)]


def test_renamed_reordered_copy_ranks_first(result, functions):
    top, second = result.pairs[0], result.pairs[1]
    assert (top.a, top.b) == ("good", "zoe")
    assert top.score > 0.9 and min(top.share_a, top.share_b) > 0.9
    assert second.score < DEFAULT_THRESHOLD < top.score
    # Each graded function of good is matched with the same function of the copy, whatever its place.
    good = result.submissions["good"]
    compared = [s.name for s, p in zip(good.segments, good.prints) if s.kind == "graded" and p.coverage]
    assert len(compared) >= 15
    assert set(compared) <= {fa for fa, fb in top.matching_functions if fa == fb}
    assert all(fa == fb for fa, fb in top.matching_functions)
    # Highlighting: nearly every line of good's conv2d is in a matching range.
    conv2d = next(s for s in good.segments if s.name == "conv2d")
    lines = set(range(conv2d.first_line, conv2d.last_line + 1))
    highlighted = {n for first, last in top.lines_a for n in range(first, last + 1)}
    assert len(lines & highlighted) >= 0.8 * len(lines)
    zoe = result.submissions["zoe"]
    assert all(zoe.owner(first) is not None for first, _ in top.lines_b)


def test_submissions_sharing_only_the_starter_rank_low(result):
    ranking = [(p.a, p.b) for p in result.pairs]
    pair = result.pairs[ranking.index(("dana", "erin"))]
    assert pair.score <= 0.02 and pair.matches == () and pair.lines_a == ()
    assert ranking.index(("dana", "erin")) >= len(ranking) // 2
    # The starter itself counts for nothing: dana has nothing in common with the untouched starter.
    starter = find_similar({"dana": from_starter(DANA), "starter": STARTER},
                           ["max_pool2d", "relu", "conv2d"], STARTER)
    assert starter.pairs[0].score == 0.0
    # Independently written solutions are below the section's threshold.
    assert all(p.score < DEFAULT_THRESHOLD for p in result.pairs[1:])


def test_a_few_functions_taken_from_another_are_listed(functions):
    """Three graded functions and the helpers they need, taken from good and renamed, in a
    submission that is otherwise the starter: listed (above the threshold), with those three."""
    good = (EXAMPLES / "good" / "cnn.py").read_text()
    taken = ast.parse(renamed_and_reordered(good, set(functions)))
    keep = {"correlate2d", "conv2d", "max_pool2d"}
    dropped = set(functions) - keep
    taken.body = [n for n in taken.body if not (isinstance(n, ast.FunctionDef) and n.name in dropped)]
    # pasted below the starter's stubs, which it replaces (the last definition is the one used)
    part = STARTER + "\n\n" + ast.unparse(taken) + "\n"
    result = find_similar({"good": good, "part": part}, functions, STARTER)
    (pair,) = result.pairs
    assert pair.score >= DEFAULT_THRESHOLD and pair.share_b > 0.9
    assert {fa for fa, fb in pair.matching_functions} == keep
    assert all(fa == fb for fa, fb in pair.matching_functions)


def test_csv_has_every_pair_ranked(result, tmp_path):
    path = tmp_path / "similarity.csv"
    path.write_bytes(csv_text(result.pairs).encode())
    with path.open(newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
        handle.seek(0)
        rows = list(csv.DictReader(handle))
    assert tuple(header) == CSV_HEADER
    assert len(rows) == 7 * 6 // 2
    assert (rows[0]["student_a"], rows[0]["student_b"]) == ("good", "zoe")
    scores = [float(r["score"]) for r in rows]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0.9
    assert "conv2d=conv2d" in rows[0]["matching_functions"].split("; ")
    below = [r for r in rows if float(r["score"]) < DEFAULT_THRESHOLD]
    assert len(below) == len(rows) - 1  # all pairs go to the CSV, however low


def keras_file(path: Path, weights: bytes, config: str = '{"class_name": "Sequential"}') -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("config.json", config)
        archive.writestr("metadata.json", '{"keras_version": "3.0.0"}')
        archive.writestr("model.weights.h5", weights)
    return path


def test_identical_model_weights_are_listed(tmp_path):
    weights = bytes(range(256)) * 400
    models = {
        "amy": keras_file(tmp_path / "amy.keras", weights),
        # the same weights in an archive with another config: the weights (the largest member) count
        "ben": keras_file(tmp_path / "ben.keras", weights, '{"class_name": "Sequential", "name": "mine"}'),
        "cal": keras_file(tmp_path / "cal.keras", weights[:-1] + b"\x00"),
        "dan": tmp_path / "dan.keras",  # not a zip: all its bytes count
        "eve": tmp_path / "eve.keras",  # a zip without weights
        "fay": tmp_path / "missing.keras",
        "gil": tmp_path / "gil.keras",  # a symbolic link to amy's file: never read
    }
    models["dan"].write_bytes(b"\x89HDF\r\n\x1a\n" + weights)
    with zipfile.ZipFile(models["eve"], "w") as archive:
        archive.writestr("config.json", "{}")
    models["gil"].symlink_to(models["amy"])
    pairs = identical_models(models, "model.keras")
    assert [(p.a, p.b, p.file) for p in pairs] == [("amy", "ben", "model.keras")]
    assert pairs[0].fingerprint == model_fingerprint(models["amy"]) != model_fingerprint(models["cal"])
    assert model_fingerprint(models["dan"]) not in (None, pairs[0].fingerprint)
    assert model_fingerprint(models["eve"]) is not None  # fingerprinted, and like no other
    assert model_fingerprint(models["fay"]) is None and model_fingerprint(models["gil"]) is None
    # dan's bytes again, under another name: listed, by the whole file
    (tmp_path / "hal.bin").write_bytes(models["dan"].read_bytes())
    assert [(p.a, p.b) for p in identical_models({"dan": models["dan"], "hal": tmp_path / "hal.bin"})] == [("dan", "hal")]


@pytest.fixture(scope="module")
def browser():
    assert find_chromium(), "Chromium is needed for the HTML tests (Debian: apt-get install chromium)"
    with Browser() as chromium:
        yield chromium


def assert_clean(page) -> None:
    assert page.errors() == [], page.errors()
    assert all(url.startswith(("file:", "data:")) for url in page.requests), page.requests
    assert page.evaluate("document.querySelectorAll('script').length") == 0  # readable without JS
    # the words of the page, not the students' code (which may well call x.copy())
    text = page.evaluate("(() => { const c = document.body.cloneNode(true);"
                         " c.querySelectorAll('table.code').forEach(t => t.remove()); return c.textContent; })()")
    assert not WORDS_NOT_USED.search(text), WORDS_NOT_USED.search(text)


def test_pair_page_and_section_render_with_highlighted_lines(result, browser, tmp_path):
    models = identical_models({"good": keras_file(tmp_path / "g.keras", b"w" * 100),
                               "zoe": keras_file(tmp_path / "z.keras", b"w" * 100)})
    section = write_pages(result, tmp_path / "html", models)
    assert section["title"] == TITLE == "Similar submissions, for review"
    assert [(p["a"], p["b"]) for p in section["pairs"]] == [("good", "zoe")]  # the default threshold
    assert section["below"] == len(result.pairs) - 1
    top = result.pairs[0]
    href = section["pairs"][0]["href"]
    assert href == "similarity/" + pair_files([top])["good", "zoe"]

    page = browser.page((tmp_path / "html" / href).resolve().as_uri())
    try:
        assert_clean(page)
        for side, ranges in (("a", top.lines_a), ("b", top.lines_b)):
            marked = page.evaluate(f"Array.from(document.querySelectorAll('section[data-side={side}] tr.match'))"
                                   ".map(tr => Number(tr.dataset.line))")
            expected = sorted({n for first, last in ranges for n in range(first, last + 1)})
            assert marked == expected and len(marked) > 100
            # a highlighted line shows the student's own text, and looks different from the others
            number = expected[0]
            row = page.evaluate(f"""(() => {{ const tr = document.getElementById('{side}-L{number}');
                const plain = document.querySelector('section[data-side={side}] tr:not(.match)');
                return [tr.cells[1].textContent, getComputedStyle(tr.cells[1]).backgroundColor,
                        plain ? getComputedStyle(plain.cells[1]).backgroundColor : null]; }})()""")
            source = result.submissions[top.a if side == "a" else top.b].source.splitlines()
            assert row[0] == source[number - 1]
            assert row[1] != row[2]
        # the two columns sit side by side on a wide screen
        lefts = page.evaluate("Array.from(document.querySelectorAll('section.side')).map(s => s.getBoundingClientRect().left)")
        assert len(lefts) == 2 and lefts[1] > lefts[0] + 300
        assert page.evaluate("document.querySelectorAll('#pair-matches tr[data-match=\"conv2d|conv2d\"]').length") == 1
        assert page.evaluate("document.getElementById('same-model') !== null")
    finally:
        page.close()

    # A pair below the threshold has no page written, but renders the same way; stubs left as
    # the starter has them are named, not shown.
    alice_bob = next(p for p in result.pairs if (p.a, p.b) == ("alice", "bob"))
    (tmp_path / "alice-bob.html").write_text(render_pair(alice_bob, result), encoding="utf-8")
    page = browser.page((tmp_path / "alice-bob.html").resolve().as_uri())
    try:
        assert_clean(page)
        shown = page.evaluate("Array.from(document.querySelectorAll('section[data-side=a] .segment')).map(s => s.dataset.segment)")
        assert shown == list(ALICE)  # in the order of the file, which is the starter's
        assert "conv2d" in page.evaluate("document.querySelector('section[data-side=a] .untouched').textContent")
    finally:
        page.close()

    page = browser.page((tmp_path / "html" / "similarity" / "index.html").resolve().as_uri())
    try:
        assert_clean(page)
        assert page.evaluate("document.querySelector('#similar h2').textContent") == TITLE
        rows = page.evaluate("Array.from(document.querySelectorAll('#similar-pairs tbody tr')).map(tr => tr.dataset.pair)")
        assert rows == ["good|zoe"]
        link = page.evaluate("document.querySelector('#similar-pairs a').href")
        assert link.startswith("file:") and Path(link[len("file://"):]).is_file()
        assert page.evaluate("Array.from(document.querySelectorAll('#similar-model-pairs tbody tr')).map(tr => tr.dataset.pair)") == ["good|zoe"]
    finally:
        page.close()


def test_same_class_gives_identical_output(class_dir, functions, tmp_path):
    """In two processes with different hash seeds (nothing written may depend on the order of a
    set of strings, or on Python's salted hash), and twice in this process, whatever the order
    in which the students are given."""
    script = ("import sys; from pathlib import Path; from grader.integrity.similarity import find_similar\n"
              "from grader.reporters.similarity import csv_text, similarity_pages\n"
              "d = Path(sys.argv[1]); out = Path(sys.argv[2])\n"
              "sources = {p.parent.name: p.read_text() for p in sorted(d.glob('*/cnn.py'))}\n"
              "r = find_similar(sources, sys.argv[4].split(','), Path(sys.argv[3]).read_text())\n"
              "(out / 'pairs.csv').write_bytes(csv_text(r.pairs).encode())\n"
              "pages, _ = similarity_pages(r, out, threshold=0.0, limit=5)\n"
              "[(path.parent.mkdir(parents=True, exist_ok=True), path.write_text(text)) for path, text in pages.items()]\n")
    starter = tmp_path / "starter.py"
    starter.write_text(STARTER)
    outputs = []
    for seed in ("1", "2"):
        out = tmp_path / seed
        out.mkdir()
        subprocess.run([sys.executable, "-c", script, str(class_dir), str(out), str(starter), ",".join(functions)],
                       check=True, cwd=ROOT, env={**os.environ, "PYTHONHASHSEED": seed,
                                                  "PYTHONPATH": str(ROOT)})
        outputs.append({p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()})
    assert outputs[0] == outputs[1] and len(outputs[0]) == 1 + 1 + 5
    first = find_similar(sources_of(class_dir), functions, STARTER)
    again = find_similar(dict(reversed(list(sources_of(class_dir).items()))), functions, STARTER)
    assert first.pairs == again.pairs
    (tmp_path / "here.csv").write_bytes(csv_text(first.pairs).encode())
    assert (tmp_path / "here.csv").read_bytes() == outputs[0]["pairs.csv"]


# ---------------------------------------------------------------- bounds and what is compared

def test_only_copydetects_public_api_is_used():
    """copydetect's package exports CopyDetector, CodeFingerprint and compare_files (its docs: the
    API for general comparisons); its utils and defaults are internals."""
    imported = set()
    for path in (ROOT / "grader").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("copydetect"):
                imported |= {f"{node.module}.{alias.name}" for alias in node.names}
            elif isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names if alias.name.startswith("copydetect")}
    import copydetect
    assert imported and {name.rpartition(".")[2] for name in imported} <= {"CopyDetector", "CodeFingerprint",
                                                                           "compare_files"}
    assert all(name.startswith("copydetect.") and name.count(".") == 1 for name in imported)
    assert all(hasattr(copydetect, name.rpartition(".")[2]) for name in imported)


def _helpers(count: int, vary: bool) -> str:
    """relu calling `count` helpers, every one the same shape (with vary, each its own constant)."""
    calls = "sum([" + ", ".join(f"h{i}(x)" for i in range(count)) + "])"
    helpers = "".join(f"def h{i}(x):\n    y = x * 2 + {i if vary else 1}\n    z = np.maximum(y, 0) * 3\n"
                      f"    return y - x + z / 2\n\n" for i in range(count))
    return f"import numpy as np\n\ndef relu(x):\n    return {calls}\n\n{helpers}"


def test_two_huge_files_of_identical_helpers_are_compared_within_the_bounds(tmp_path):
    """Issue 18: two 600 KB files of thousands of identical helpers, all used by a graded function,
    kept `--similarity` busy for minutes. Now each is read up to MAX_SOURCE_CHARS and compared on
    MAX_DEFINITIONS definitions, the graded one first, and the notes say so; the copy is found."""
    source = _helpers(6500, vary=False)
    assert len(source) > 600_000
    result = find_similar({"ann": source, "ben": source, "cy": _helpers(6500, vary=True)}, ["relu"], STARTER)
    top = result.pairs[0]
    assert (top.a, top.b, top.score) == ("ann", "ben", 1.0) and ("relu", "relu") in top.matching_functions
    for name in ("ann", "ben", "cy"):
        submission = result.submissions[name]
        assert len(submission.source) <= similarity.MAX_SOURCE_CHARS
        assert len(submission.segments) == similarity.MAX_DEFINITIONS
        assert [s.name for s in submission.segments if s.kind == "graded"] == ["relu"]
    assert result.notes == tuple(
        f"{name}: compared the first {len(result.submissions[name].source) >> 10} KiB of the code, which is longer (cnngrade "
        f"reads {similarity.MAX_SOURCE_CHARS >> 10} KiB of a student's code); compared {similarity.MAX_DEFINITIONS} "
        f"of its {result.submissions[name].source.count(chr(10) + 'def ')} definitions, the graded functions "
        f"first (cnngrade compares at most {similarity.MAX_DEFINITIONS})" for name in ("ann", "ben", "cy"))
    # Said on the class page and after the batch.
    pages, section = similarity_pages(result, tmp_path)
    assert section["notes"] == list(result.notes)
    assert "Not compared whole" in pages[tmp_path / "similarity" / "index.html"]
    assert all(str(escape(note)) in pages[tmp_path / "similarity" / "index.html"] for note in result.notes)
    lines = summary_lines(ClassReview(result, ()), [tmp_path / "similarity.csv"])
    assert [line for line in lines if "not compared whole" in line] == [f"  not compared whole: {note}"
                                                                        for note in result.notes]


def test_the_class_bound_cuts_the_largest_students_only_and_says_so(monkeypatch, functions):
    good = (EXAMPLES / "good" / "cnn.py").read_text()
    sources = {"good": good, "zoe": renamed_and_reordered(good, set(functions)), "alice": from_starter(ALICE),
               "bob": from_starter(BOB)}
    whole = find_similar(sources, functions, STARTER)
    sizes = {name: s.size for name, s in whole.submissions.items()}
    assert whole.notes == () and sizes["alice"] < sizes["bob"] < 1000 < sizes["good"]
    # A class bound that fits alice and bob whole, not good and zoe.
    limit = 2000
    monkeypatch.setattr(similarity, "CLASS_WORK", 3 * (sizes["alice"] + sizes["bob"] + 2 * limit))
    cut = find_similar(sources, functions, STARTER)
    assert {name: s.size for name, s in cut.submissions.items()} == {**sizes, "good": limit, "zoe": limit}
    assert [note.partition(":")[0] for note in cut.notes] == ["good", "zoe"]
    assert cut.notes[0] == (f"good: compared {limit:,} of its {sizes['good']:,} fingerprints, the graded functions "
                            f"first (a class with this much code is compared on at most {limit:,} a student)")
    # What is compared whole compares as before; the copy is still found first.
    assert [p for p in cut.pairs if (p.a, p.b) == ("alice", "bob")] == [p for p in whole.pairs if (p.a, p.b) == ("alice", "bob")]
    assert (cut.pairs[0].a, cut.pairs[0].b) == ("good", "zoe") and cut.pairs[0].score > 0.9


def test_a_notebook_students_code_is_the_module_cut_out_of_the_notebook(tmp_path, functions):
    """Issue 19: `module_source` read only cnn.py, so notebook students were never compared."""
    import nbformat
    from nbformat import v4

    good = (EXAMPLES / "good" / "cnn.py").read_text()
    folder = tmp_path / "nina"
    folder.mkdir()
    cells = ["!pip install numpy", good, "history = model.fit(x, y)"]
    nbformat.write(v4.new_notebook(cells=[v4.new_code_cell(c) for c in cells]), str(folder / "cnn.ipynb"))
    source = module_source(folder, functions)
    assert source is not None and "def conv2d(" in source and "pip" not in source and "model.fit" not in source
    (tmp_path / "olga").mkdir()
    (tmp_path / "olga" / "cnn.ipynb").write_text('{"nbformat": 4, "nbformat_minor": "x", "cells": [], "metadata": {}}')
    assert module_source(tmp_path / "olga", functions) is None  # its grading row says why
    result = find_similar({"nina": source, "zoe": renamed_and_reordered(good, set(functions))}, functions, STARTER)
    assert result.pairs[0].score > 0.9


def test_definitions_are_paired_for_the_most_similar_pairs_first_within_the_class_bound(monkeypatch, result,
                                                                                        class_dir, functions):
    """CLASS_PAIRING bounds the pairing of definitions; the most similar pairs are paired first,
    the pairs after the bound keep their scores and lines, and the notes say from where."""
    top = result.pairs[0]
    monkeypatch.setattr(similarity, "CLASS_PAIRING", 1)
    cut = find_similar(sources_of(class_dir), functions, STARTER)
    assert [(p.a, p.b, p.score, p.lines_a, p.lines_b) for p in cut.pairs] == \
        [(p.a, p.b, p.score, p.lines_a, p.lines_b) for p in result.pairs]
    assert all(p.matches == () for p in cut.pairs)
    paired = sum(1 for p in result.pairs if p.score)
    assert cut.notes == (f"definitions were paired for the 0 most similar pairs; the {paired} pairs from good and zoe "
                         f"({top.score:.0%}) down list none: the class shares more code than cnngrade pairs in one "
                         "comparison",)
    monkeypatch.setattr(similarity, "CLASS_PAIRING", 10 ** 9)
    again = find_similar(sources_of(class_dir), functions, STARTER)
    assert again.pairs == result.pairs and again.notes == ()
    # The lines (the pages' highlighting) are kept for the LINED_PAIRS most similar pairs only.
    monkeypatch.setattr(similarity, "LINED_PAIRS", 1)
    lined = find_similar(sources_of(class_dir), functions, STARTER)
    assert lined.pairs[0] == result.pairs[0] and lined.pairs[1].lines_a == lined.pairs[1].lines_b == ()
    assert [(p.a, p.b, p.score, p.matches) for p in lined.pairs] == [(p.a, p.b, p.score, p.matches) for p in result.pairs]

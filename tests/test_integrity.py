"""Class integrity, for review, end to end: `cnngrade batch CLASS --similarity` on a real class.

The class (built in a temporary folder): good (examples/good/cnn.py and a course model trained
honestly, one epoch on the 60,000 training images); zoe (good's code with every name changed and
the functions in reverse order, and a course model trained by this test ON the 10,000 MNIST
test images, one epoch); alice and bob (correct solutions written from the starter in their own
styles); dana and erin (the starter and one function each; dana's model.keras is a copy of
good's). TensorFlow trains both models in a subprocess (about 20 s on two cores); the real CLI
grades them in the sandboxed keras worker; pages are opened in headless Chromium.
"""
from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from chromium import Browser, find_chromium
from conftest import EXAMPLES, MNIST, ROOT, run_cnngrade
from test_similarity import ALICE, BOB, DANA, ERIN, WORDS_NOT_USED, from_starter, renamed_and_reordered

# Exercises graded (kept few, so that the batch takes seconds): the similarity compares their functions.
EXERCISES = ("correlate2d", "convolve2d", "pad2d", "activations", "pooling", "flatten", "mnist_cnn")
FUNCTIONS = {"correlate2d", "convolve2d", "pad2d", "relu", "leaky_relu", "max_pool2d", "avg_pool2d", "flatten"}
REVIEW = tomllib.loads((ROOT / "exercises" / "mnist_cnn" / "spec.toml").read_text())["review"]

TRAIN = """
import sys
sys.path.insert(0, sys.argv[1])
import keras, numpy as np
from train import build_model, load_mnist, prepare
(x_train, y_train), (x_test, y_test) = load_mnist(sys.argv[2])
for images, labels, out in ((x_train, y_train, sys.argv[3]), (x_test, y_test, sys.argv[4])):
    keras.utils.set_random_seed(0)
    model = build_model()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(prepare(images), labels, epochs=1, batch_size=128, verbose=0)
    model.save(out)
"""


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> dict[str, Path]:
    """The course model trained honestly (training set) and on the test images, one epoch each."""
    folder = tmp_path_factory.mktemp("models")
    honest, on_test = folder / "honest.keras", folder / "on_test.keras"
    done = subprocess.run([sys.executable, "-c", TRAIN, str(EXAMPLES / "good"), str(MNIST), str(honest), str(on_test)],
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return {"honest": honest, "on_test": on_test}


@pytest.fixture(scope="module")
def graded(tmp_path_factory, models):
    root = tmp_path_factory.mktemp("integrity")
    good = (EXAMPLES / "good" / "cnn.py").read_text()
    students = {"good": (good, models["honest"]), "zoe": (renamed_and_reordered(good, FUNCTIONS), models["on_test"]),
                "alice": (from_starter(ALICE), None), "bob": (from_starter(BOB), None),
                "dana": (from_starter(DANA), models["honest"]), "erin": (from_starter(ERIN), None)}
    for name, (source, model) in students.items():
        (root / "class" / name).mkdir(parents=True)
        (root / "class" / name / "cnn.py").write_text(source)
        if model is not None:
            shutil.copyfile(model, root / "class" / name / "model.keras")
    out = root / "out"
    selected = [arg for e in EXERCISES for arg in ("-e", e)]
    run = run_cnngrade("batch", root / "class", *selected, "--examples", "3", "-j", "2", "--out", out,
                       "--similarity", "--html", root / "html", timeout=1800)
    assert run.code in (0, 1), run.stdout[-3000:] + run.stderr[-3000:]
    return root, out, run


def _results(out: Path) -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text()) for p in (out / "results").glob("*.json")}


def test_the_renamed_reordered_copy_ranks_first_and_starter_only_pairs_rank_low(graded):
    root, out, run = graded
    with (out / "similarity.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 15  # every pair of six students
    assert (rows[0]["student_a"], rows[0]["student_b"]) == ("good", "zoe")
    assert float(rows[0]["score"]) > 0.9
    assert set(rows[0]["matching_functions"].split("; ")) >= {"correlate2d=correlate2d", "pad2d=pad2d"}
    scores = {(r["student_a"], r["student_b"]): float(r["score"]) for r in rows}
    # dana and erin share the starter code only (each filled in a different function)
    assert scores["dana", "erin"] < 0.05
    assert all(score < 0.25 for pair, score in scores.items() if pair != ("good", "zoe"))
    assert "similar submissions, for review: 6 submissions, 15 pairs compared; 1 pair at 25% or more" in run.stdout
    assert "good and zoe" in run.stdout and "identical model.keras: dana and good" in run.stdout
    # the CSV in --out and the section in both class pages (--out and --html)
    for folder in (out, root / "html"):
        assert (folder / "similarity" / "index.html").is_file() and (folder / "similarity" / "good--zoe.html").is_file()


def test_a_model_trained_on_the_test_images_is_flagged_and_the_honest_one_is_not(graded):
    _, out, run = graded
    results = _results(out)
    flagged = {name for name, result in results.items() if result["review"]}
    assert flagged == {"zoe"}
    (review,) = results["zoe"]["review"]
    assert review["kind"] == "test_set_training" and review["exercise"] == "mnist_cnn"
    assert "points above its accuracy on 10,000 images of the training set" in review["message"]
    assert not WORDS_NOT_USED.search(review["message"])
    for name in ("good", "zoe", "dana"):
        accuracy = next(c for e in results[name]["exercises"] if e["id"] == "mnist_cnn"
                        for c in e["checks"] if c["name"] == "accuracy")
        details = accuracy["details"]
        gap = round(details["accuracy"] - details["training_accuracy"], 9)
        print(f"{name}: test {details['accuracy']:.4f} (loss {details['test_loss']:.4f}), training slice "
              f"{details['training_accuracy']:.4f} (loss {details['training_loss']:.4f}), gap {100 * gap:+.2f} points")
        # the flag follows the spec's margin, both ways, and costs no points
        assert (gap > REVIEW["margin"]) == (name == "zoe"), (name, gap)
        thresholds = tomllib.loads((ROOT / "exercises" / "mnist_cnn" / "spec.toml").read_text())["accuracy"]
        fraction = min(max((details["accuracy"] - thresholds["zero"]) / (thresholds["full"] - thresholds["zero"]), 0), 1)
        assert accuracy["score"] == pytest.approx(7 * fraction, abs=1e-3)
        assert details["training_slice"] == "#0-#9999" and 0 < details["training_loss"] < 3
    assert results["good"]["review"] == [] and results["dana"]["review"] == []


@pytest.fixture(scope="module")
def browser():
    assert find_chromium(), "Chromium is needed for the HTML tests (Debian: apt-get install chromium)"
    with Browser() as chromium:
        yield chromium


def test_class_and_student_pages_show_both_for_review(graded, browser):
    root, out, _ = graded
    page = browser.page((out / "index.html").resolve().as_uri())
    try:
        assert page.errors() == [], page.errors()
        assert all(url.startswith(("file:", "data:")) for url in page.requests), page.requests
        pairs = page.evaluate("Array.from(document.querySelectorAll('#similar-pairs tbody tr')).map(tr => tr.dataset.pair)")
        assert pairs == ["good|zoe"]
        link = page.evaluate("document.querySelector('#similar-pairs a').href")
        assert link.endswith("/similarity/good--zoe.html") and Path(link[len("file://"):]).is_file()
        models = page.evaluate("Array.from(document.querySelectorAll('#similar-model-pairs tbody tr')).map(tr => tr.dataset.pair)")
        assert models == ["dana|good"]
        flagged = page.evaluate("Array.from(document.querySelectorAll('#review-table tbody tr'))"
                                ".map(tr => [tr.dataset.student, tr.dataset.kind, tr.cells[1].textContent])")
        assert [(s, k) for s, k, _ in flagged] == [("zoe", "test_set_training")]
        assert "test images" in flagged[0][2]
        text = page.evaluate("document.body.textContent")
        assert not WORDS_NOT_USED.search(text), WORDS_NOT_USED.search(text)
        student = page.evaluate("document.querySelector('#review-table a').href")
    finally:
        page.close()
    for name, expect in (("zoe", True), ("good", False)):
        page = browser.page(student.replace("zoe.html", f"{name}.html"))
        try:
            assert page.errors() == [], page.errors()
            box = page.evaluate("(() => { const b = document.getElementById('review'); return b && "
                                "[b.querySelector('h2').textContent, b.querySelectorAll('li').length, "
                                "getComputedStyle(b).backgroundColor]; })()")
            if expect:
                assert box[0] == "For review" and box[1] == 1 and box[2] != "rgba(0, 0, 0, 0)"
            else:
                assert box is None
        finally:
            page.close()
    page = browser.page((root / "html" / "similarity" / "good--zoe.html").resolve().as_uri())
    try:
        assert page.errors() == [], page.errors()
        assert page.evaluate("document.querySelectorAll('section[data-side=a] tr.match').length") > 50
    finally:
        page.close()


def test_similarity_needs_nothing_else_and_says_what_is_wrong(tmp_path):
    (tmp_path / "class" / "a").mkdir(parents=True)
    run = run_cnngrade("batch", tmp_path / "class", "--similarity-csv", tmp_path / "x.csv")
    assert run.code == 2 and run.stderr.strip() == "cnngrade: error: --similarity-csv needs --similarity"
    run = run_cnngrade("batch", tmp_path / "class", "--similarity", "--similarity-csv", tmp_path / "no" / "x.csv")
    assert run.code == 2 and "no such folder" in run.stderr and "Traceback" not in run.stderr


def test_the_review_rule_is_the_specs_margin_and_ceiling():
    """The rule alone, on numbers: strictly more than the margin, or at least the ceiling."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("mnist_cnn_checks", ROOT / "exercises" / "mnist_cnn" / "checks.py")
    checks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(checks)
    rule = lambda test, train: checks._test_set_review(test, train, 10000, "#0-#9999")
    margin, ceiling = REVIEW["margin"], REVIEW["ceiling"]
    assert rule(0.98, 0.98 - margin) == () and rule(0.97, 0.99) == ()
    assert len(rule(0.98, 0.98 - margin - 0.0001)) == 1
    (flag,) = rule(ceiling, 1.0)  # at the ceiling, even below the training slice
    assert flag.kind == "test_set_training" and flag.exercise is None  # the engine names the exercise
    assert f"{ceiling:.1%}" in flag.message and "points above" not in flag.message

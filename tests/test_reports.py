"""Reports for people and for machines, each checked by what really consumes it.

- Gradescope's results.json: validated against a JSON schema of the documented fields
  (tests/schemas/gradescope-results.schema.json), which allows no other field.
- JUnit XML: parsed with junitparser, as CI plugins do.
- The CSV gradebook: read back with the csv module, header as LMS imports expect.
- HTML: opened in headless Chromium (tests/chromium.py drives it over the DevTools protocol);
  the assertions are on the rendered DOM, the console and the network log. Screenshots are kept
  in tests/artifacts/ (ignored by git); test_submit_writes_every_format writes student-page.png
  there, the current page, of which docs/student-page.png (shown in the README) is a copy.
"""
from __future__ import annotations

import csv
import json
import math
import shutil
from pathlib import Path

import jsonschema
import numpy as np
import pytest
from junitparser import JUnitXml

from chromium import Browser, find_chromium
import assemble
from conftest import EXAMPLES, ROOT, run_cnngrade
from grader.grading.exercise import all_exercises
from grader.reporters.outputs import ReportContext, write_outputs
from grader.results import CheckResult, ExerciseResult, GradeReport, jsonable

SCHEMA = json.loads((Path(__file__).parent / "schemas" / "gradescope-results.schema.json").read_text())
ARTIFACTS = Path(__file__).parent / "artifacts"
SCREENSHOT = ARTIFACTS / "student-page.png"  # README shows a copy of it: docs/student-page.png
CSV_HEADER = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Total"]
MAX_GRIDS = 12
BATCH_EXERCISES = ("-e", "correlate2d", "-e", "pad2d", "-e", "activations")

# conv2d with the kernel flipped: the classic misconception, caught by visible properties.
CONV2D_FLIPPED = '''
def conv2d(x, kernel, bias=None, stride=1, padding='valid', dilation=1):
    kernel = np.asarray(kernel)[::-1, ::-1, :, :]
    xb, added = _add_batch(x, 3)
    xb = xb.astype(np.float64)
    kh, kw, _, n_filters = kernel.shape
    sh, sw = _as_tuple(stride, 2, "stride")
    dh, dw = _as_tuple(dilation, 2, "dilation")
    n, h, w, _ = xb.shape
    (pt, pb), (pl, pr) = _conv_pads(padding, 2, (h, w), (kh, kw), (sh, sw), (dh, dw))
    xp = np.pad(xb, [(0, 0), (pt, pb), (pl, pr), (0, 0)])
    out_h = _out_size(h, kh, sh, dh, pt, pb)
    out_w = _out_size(w, kw, sw, dw, pl, pr)
    out = np.zeros((n, out_h, out_w, n_filters))
    for i in range(out_h):
        for j in range(out_w):
            window = xp[:, i * sh:i * sh + (kh - 1) * dh + 1:dh, j * sw:j * sw + (kw - 1) * dw + 1:dw, :]
            out[:, i, j, :] = np.tensordot(window, kernel, axes=([1, 2, 3], [0, 1, 2]))
    if bias is not None:
        out = out + np.asarray(bias, dtype=np.float64)
    return out[0] if added else out
'''


@pytest.fixture(scope="module")
def browser():
    assert find_chromium(), "Chromium is needed for the HTML tests (Debian: apt-get install chromium)"
    with Browser() as chromium:
        yield chromium


# ------------------------------------------------------------------ checks shared by every test

def checks_of(result: dict):
    for exercise in result["exercises"]:
        for check in exercise["checks"]:
            yield exercise, check


def full(check: dict) -> bool:
    return check["status"] == "passed" and check["score"] >= check["max_score"]


def assert_gradescope(path: Path, result: dict) -> None:
    data = json.loads(path.read_text())
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    jsonschema.validate(data, SCHEMA, cls=jsonschema.Draft202012Validator)
    expected = list(checks_of(result))
    assert len(data["tests"]) == len(expected)
    assert math.isclose(data["score"], result["score"])
    assert math.isclose(sum(t["score"] for t in data["tests"]), result["score"])
    for test, (exercise, check) in zip(data["tests"], expected):
        assert test["name"] == f"{exercise['id']}: {check['name']}"
        assert (test["score"], test["max_score"]) == (check["score"], check["max_score"])
        assert test["status"] == ("passed" if full(check) else "failed")
        assert test["visibility"] == ("visible" if check["visibility"] == "visible" else "after_published")
        if not full(check):
            assert check["message"].splitlines()[0] in test["output"]
        if check["visibility"] == "hidden":
            assert "reproduce:" not in test["output"] and "smallest failing input" not in test["output"]


def assert_junit(path: Path, results: list[dict]) -> None:
    xml = JUnitXml.fromfile(str(path))
    suites = {suite.name: suite for suite in xml}
    several = len(results) > 1
    for result in results:
        for exercise in result["exercises"]:
            name = f"{result['submission']}.{exercise['id']}" if several else exercise["id"]
            suite = suites.pop(name)
            cases = {case.name: case for case in suite}
            assert len(cases) == len(exercise["checks"]) == suite.tests
            assert suite.failures == sum(not full(c) for c in exercise["checks"])
            for check in exercise["checks"]:
                case = cases[check["name"]]
                if full(check):
                    assert case.is_passed
                else:
                    (failure,) = case.result
                    assert failure.type == check["status"]
                    assert check["message"].splitlines()[0][:60] in failure.message
    assert not suites, f"suites for nothing that was graded: {sorted(suites)}"


def assert_csv(path: Path, results: list[dict]) -> None:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
        handle.seek(0)
        header = next(csv.reader(handle))
    exercise_ids = [e["id"] for e in results[0]["exercises"]]
    reasons = [GradeReport.from_json(r).reason for r in results]
    assert header == CSV_HEADER + exercise_ids + (["Notes"] if any(reasons) else [])
    assert [r["Student"] for r in rows] == [r["submission"] for r in results]
    for row, result, reason in zip(rows, results, reasons):
        assert row["SIS Login ID"] == result["submission"]
        assert row.get("Notes", "") == reason
        assert math.isclose(float(row["Total"]), result["score"])
        for exercise in result["exercises"]:
            assert math.isclose(float(row[exercise["id"]]), exercise["score"])


def differing_cells(expected: dict, got: dict) -> int | None:
    """How many cells of `got` the page must outline (None: not comparable cell by cell)."""
    if not (isinstance(expected, dict) and isinstance(got, dict) and "values" in expected and "values" in got):
        return None
    e = np.array(expected["values"], dtype=float)
    g = np.array(got["values"], dtype=float)
    if e.shape != g.shape or e.size == 0:
        return None
    tolerance = 1e-5 * max(1.0, float(np.max(np.abs(e[np.isfinite(e)]), initial=0)))
    finite = np.isfinite(e) & np.isfinite(g)
    differs = np.where(finite, np.abs(g - e) > tolerance, ~((np.isnan(e) & np.isnan(g)) | (e == g)))
    return int(np.sum(differs))


def slices(record, name: str = "") -> int:
    """How many 2D pictures an array makes, channels last: a picture per channel (and filter,
    for a kernel (KH, KW, C, K); and sample, for a batch (N, H, W, C))."""
    shape = record.get("shape", []) if isinstance(record, dict) else []
    if len(shape) <= 2:
        return 1
    if "kernel" in name:
        spatial = (0, 1) if len(shape) <= 4 else (len(shape) - 4, len(shape) - 3)
    else:
        spatial = {3: (0, 1), 4: (1, 2), 5: (2, 3)}.get(len(shape), (len(shape) - 3, len(shape) - 2))
    return math.prod(shape) // (shape[spatial[0]] * shape[spatial[1]]) if math.prod(shape) else 0


def assert_student_page(browser: Browser, page_path: Path, result: dict, screenshot: Path | None = None,
                        layouts: bool = True):
    page = browser.page(page_path.resolve().as_uri())
    try:
        assert page.errors() == [], page.errors()
        assert all(url.startswith(("file:", "data:")) for url in page.requests), page.requests
        external = page.evaluate("""Array.from(document.querySelectorAll('[src],[href]'))
            .map(e => e.getAttribute('src') || e.getAttribute('href')).filter(u => /^(https?:)?\\/\\//.test(u))""")
        assert external == []
        assert page.evaluate("document.querySelectorAll('script').length") == 0  # readable without JS
        assert page.evaluate("document.getElementById('total').textContent.replace(/\\s+/g, ' ').trim()") == \
            f"{result['score']:g} / {result['max_score']:g}"
        for exercise, check in checks_of(result):
            selector = json.dumps(f'li[data-check="{exercise["id"]}.{check["name"]}"]')
            info = page.evaluate(f"""(() => {{ const li = document.querySelector({selector});
                if (!li) return null;
                return {{status: li.dataset.status, text: li.innerText,
                         inputs: li.querySelectorAll('.example .inputs .grid, .example .inputs pre').length,
                         grids: li.querySelectorAll('.grid').length,
                         examples: li.querySelectorAll('.example').length,
                         diff: li.querySelectorAll('.outputs [data-panel="yours"] td.diff').length,
                         diagnosis: (li.querySelector('.diagnosis') || {{}}).innerText || '',
                         reproduce: (li.querySelector('.reproduce') || {{}}).innerText || ''}}; }})()""")
            assert info is not None, f"no entry for {exercise['id']}.{check['name']}"
            assert info["status"] == check["status"]
            if check["diagnosis"]:
                assert check["diagnosis"] in info["diagnosis"]
            if check["message"]:
                assert check["message"].splitlines()[0] in info["text"]
            example = check["counterexample"] or {}
            if check["visibility"] == "hidden":
                assert info["examples"] == 0 and info["grids"] == 0 and info["reproduce"] == ""
                if not full(check):
                    assert "inputs are not shown" in info["text"]
            elif example.get("arguments") is not None:
                assert info["examples"] == 1
                assert info["inputs"] >= len(example["arguments"])
                assert info["reproduce"].strip() == example["reproduce"]
                cells = differing_cells(example.get("expected"), example.get("got"))
                if cells is not None and slices(example["got"], "yours") <= MAX_GRIDS:
                    assert info["diff"] == cells, (exercise["id"], check["name"])
        # The statement's hint once for each exercise that lost points (when it has one).
        hints = page.evaluate("Array.from(document.querySelectorAll('aside.hint'))"
                              ".map(a => a.closest('section').dataset.exercise)")
        known = {e.id: e for e in all_exercises()}
        lost = {e["id"] for e, c in checks_of(result) if not full(c)}
        assert sorted(hints) == sorted(i for i in lost if i in known and known[i].hint())
        # A phone: the page never scrolls sideways (wide grids scroll inside their own box).
        page.set_viewport(390, 844, mobile=True, scale=2)
        width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width <= inner, f"wider than a phone: {width} > {inner}"
        page.set_viewport(1000, 900)
        if layouts:
            # Print: with the print stylesheet nothing is wider than the paper, and Chromium makes a PDF.
            page.send("Emulation.setEmulatedMedia", {"media": "print"})
            page.set_viewport(700, 900)
            width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            assert width <= inner, f"wider than the paper: {width} > {inner}"
            page.send("Emulation.setEmulatedMedia", {"media": ""})
            page.set_viewport(1000, 900)
            pdf = page.send("Page.printToPDF", {"printBackground": True}, timeout=60)["data"]
            assert len(pdf) > 1000
        if screenshot is not None:
            page.set_viewport(900, 900)
            page.screenshot(screenshot)
        return page
    finally:
        page.close()


# ------------------------------------------------------------------ submit: one student

def test_submit_writes_every_format(student_folder, tmp_path, browser):
    folder = student_folder({"conv2d": CONV2D_FLIPPED, "banner": "print('debug: my conv2d is loaded')"},
                            name="student-conv2d")
    out = tmp_path / "out"
    run = run_cnngrade("submit", folder, "-e", "conv2d", "--html", out / "html", "--gradescope",
                       out / "results.json", "--junit", out / "junit.xml", "--csv", out / "grades.csv",
                       json_path=out / "result.json")
    assert run.code == 1, run.stderr
    result = run.result
    failed = [c for _, c in checks_of(result) if not full(c)]
    with_example = [c for c in failed if c["visibility"] == "visible" and c["counterexample"]]
    assert with_example, "the flipped kernel should fail a visible conv2d property"
    assert any(c["diagnosis"] and "flips the kernel" in c["diagnosis"] for c in with_example)

    assert_gradescope(out / "results.json", result)
    assert_junit(out / "junit.xml", [result])
    assert_csv(out / "grades.csv", [result])
    page_path = out / "html" / "index.html"
    assert sorted(p.name for p in (out / "html").iterdir()) == ["index.html"]
    ARTIFACTS.mkdir(exist_ok=True)
    assert_student_page(browser, page_path, result, screenshot=ARTIFACTS / "student-page-conv2d.png")
    page = browser.page(page_path.resolve().as_uri(), width=900)
    try:
        # The README's picture (docs/student-page.png is a copy), from the page just checked: its
        # top part, the score, then the first failed property with its counterexample.
        page.screenshot(SCREENSHOT, max_height=1500)
        assert SCREENSHOT.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        # The hint sits with the first failed property, under its counterexample.
        hint = page.evaluate(f"document.querySelector('li[data-check=\"conv2d.{with_example[0]['name']}\"]"
                             f" .example ~ aside.hint').innerText")
        assert hint.startswith("Hint") and len(hint) > 30
        # The counterexample's input is drawn as grids, one per channel (or per channel and filter).
        example = with_example[0]["counterexample"]
        for name, value in example["arguments"].items():
            if isinstance(value, dict) and "values" in value:
                count = page.evaluate(f"document.querySelectorAll('li[data-check=\"conv2d.{with_example[0]['name']}\"]"
                                      f" .inputs [data-panel=\"{name}\"] figure.grid').length")
                assert count == min(slices(value, name), MAX_GRIDS), name
        # What the student printed (their debugging) is on the page, once.
        assert page.evaluate("document.querySelector('#printed pre').innerText") == "debug: my conv2d is loaded\n"
    finally:
        page.close()


# ------------------------------------------------------------------ batch: the examples as a class

def test_batch_of_the_examples(tmp_path, browser):
    """examples/good and every mistake folder as a class, plus a folder without cnn.py and a
    student whose cnn.py kills its process on import, graded by `cnngrade batch --jobs 2`: every
    format written, and each read by its consumer. (One test, so that pytest -n runs the batch once.)"""
    run, out, names = grade_the_examples(tmp_path)
    check_batch_rows(run, names)
    check_batch_machine_formats(run, out, names)
    check_batch_student_pages(run, out, browser)
    check_class_page(run, out, names, browser)


def grade_the_examples(root: Path):
    klass = root / "class"
    klass.mkdir()
    examples = assemble.names()
    for name in examples:
        assemble.assemble(name, klass)
    (klass / "no_code").mkdir()
    (klass / "no_code" / "notes.txt").write_text("forgot to upload\n")
    (klass / "crash_on_import").mkdir()
    (klass / "crash_on_import" / "cnn.py").write_text("import os\nos._exit(7)\n")
    # Three quick exercises that three of the mistakes are about, so that the class page has
    # failures and diagnoses to show; the time grows by a couple of seconds per folder, whatever
    # the number of exercises. (tests/test_examples.py grades every folder on every exercise.)
    out = root / "out"
    run = run_cnngrade("batch", klass, *BATCH_EXERCISES, "--jobs", "2", "--examples", "3", "--out", out / "store",
                       "--html", out / "html", "--gradescope", out / "gradescope", "--junit", out / "junit.xml",
                       "--csv", out / "grades.csv", json_path=out / "results.json")
    names = sorted(examples + ["no_code", "crash_on_import"])
    return run, out, names


def check_batch_rows(run, names):
    assert run.code == 1, run.stderr  # the mistakes lose points; no grader fault (that would be 3)
    assert isinstance(run.result, list)
    assert [r["submission"] for r in run.result] == names
    by_name = {r["submission"]: r for r in run.result}
    assert by_name["no_code"]["score"] == 0
    assert all("no cnn.py" in c["message"] for _, c in checks_of(by_name["no_code"]))
    assert by_name["crash_on_import"]["score"] == 0
    assert by_name["good"]["max_score"] == by_name["no_code"]["max_score"] > 0
    assert by_name["good"]["score"] == by_name["good"]["max_score"]
    if "correlate2d_flipped_kernel" in by_name:  # its mistake is in the exercises graded here
        flipped = by_name["correlate2d_flipped_kernel"]
        assert any(c["diagnosis"] and c["counterexample"] for _, c in checks_of(flipped))
    # A line per student, as each finished.
    finished = [line for line in run.stdout.splitlines() if line.startswith("[")]
    assert len(finished) == len(names)
    assert {line.split("] ", 1)[1].split(":")[0] for line in finished} == set(names)


def check_batch_machine_formats(run, out, names):
    for result in run.result:
        assert_gradescope(out / "gradescope" / result["submission"] / "results.json", result)
    assert sorted(p.name for p in (out / "gradescope").iterdir()) == names
    assert_junit(out / "junit.xml", run.result)
    assert_csv(out / "grades.csv", run.result)


def check_batch_student_pages(run, out, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    for result in run.result:
        name = result["submission"]
        assert_student_page(browser, out / "html" / "students" / f"{name}.html", result,
                            screenshot=ARTIFACTS / f"batch-{name}.png", layouts=False)


def check_class_page(run, out, names, browser):
    index = out / "html" / "index.html"
    page = browser.page(index.resolve().as_uri())
    try:
        assert page.errors() == []
        assert all(url.startswith(("file:", "data:")) for url in page.requests), page.requests
        rows = page.evaluate("Array.from(document.querySelectorAll('#student-table tbody tr'))"
                             ".map(r => [r.dataset.student, r.querySelector('a').getAttribute('href')])")
        assert [r[0] for r in rows] == names
        for _, href in rows:
            assert (index.parent / href).is_file(), href
        counts = page.evaluate("Array.from(document.querySelectorAll('svg.histogram [data-count]'))"
                               ".map(g => +g.dataset.count)")
        assert len(counts) == 10 and sum(counts) == len(names)
        rates = page.evaluate("Object.fromEntries(Array.from(document.querySelectorAll('#check-rates tbody tr'))"
                              ".map(r => [r.dataset.check, +r.dataset.rate]))")
        expected_rates: dict[str, list[bool]] = {}
        for result in run.result:
            for exercise, check in checks_of(result):
                expected_rates.setdefault(f"{exercise['id']}.{check['name']}", []).append(full(check))
        assert set(rates) == set(expected_rates)
        for key, passes in expected_rates.items():
            assert math.isclose(rates[key], sum(passes) / len(passes), abs_tol=1e-4), key
        diagnoses = {c["diagnosis"] for r in run.result for _, c in checks_of(r) if c["diagnosis"]}
        shown = page.evaluate("document.getElementById('diagnoses').nextElementSibling.innerText")
        for diagnosis in list(diagnoses)[:12]:
            assert diagnosis in shown
        # Sorting: a click on "Total" sorts by score, a second click reverses the order.
        total = "document.querySelectorAll('#student-table thead th')[1].querySelector('button').click()"
        scores = ("Array.from(document.querySelectorAll('#student-table tbody tr'))"
                  ".map(r => +r.cells[1].dataset.value)")
        page.evaluate(total)
        ascending = page.evaluate(scores)
        assert ascending == sorted(ascending) and len(ascending) == len(names)
        page.evaluate(total)
        assert page.evaluate(scores) == sorted(ascending, reverse=True)
        assert page.errors() == []
        page.screenshot(ARTIFACTS / "class-page.png")
    finally:
        page.close()


# ------------------------------------------------------------------ batch: usage mistakes

def test_batch_usage_mistakes(tmp_path):
    missing = run_cnngrade("batch", tmp_path / "nowhere")
    assert missing.code == 2 and "no such folder" in missing.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    run = run_cnngrade("batch", empty)
    assert run.code == 2 and "no student folder" in run.stderr
    (tmp_path / "single").mkdir()
    shutil.copyfile(EXAMPLES / "good" / "cnn.py", tmp_path / "single" / "cnn.py")
    run = run_cnngrade("batch", tmp_path / "single")
    assert run.code == 2 and "cnngrade submit" in run.stderr
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    assert run_cnngrade("batch", a_file).code == 2
    unknown = run_cnngrade("batch", tmp_path, "-e", "no_such_exercise")
    assert unknown.code == 2 and "no_such_exercise" in unknown.stderr


def test_batch_full_marks_exit_zero(tmp_path):
    klass = tmp_path / "class"
    for name in ("ann", "ben"):
        (klass / name).mkdir(parents=True)
        shutil.copyfile(EXAMPLES / "good" / "cnn.py", klass / name / "cnn.py")
    run = run_cnngrade("batch", klass, "-e", "pad2d", "--out", tmp_path / "out", "--csv", tmp_path / "g.csv",
                       "--junit", tmp_path / "j.xml",
                       json_path=tmp_path / "all.json")
    assert run.code == 0, run.stdout + run.stderr
    assert [r["submission"] for r in run.result] == ["ann", "ben"]
    assert all(r["score"] == r["max_score"] > 0 for r in run.result)
    assert_csv(tmp_path / "g.csv", run.result)
    assert_junit(tmp_path / "j.xml", run.result)


# ------------------------------------------------------------------ details: the trained model's page

def mnist_like_report() -> GradeReport:
    """A result shaped as exercises/mnist_cnn reports one: accuracy, a confusion matrix, the
    worst-classified test images (here with their pixels, drawn as pictures)."""
    rng = np.random.default_rng(0)
    matrix = np.diag(rng.integers(900, 1100, 10)) + rng.integers(0, 4, (10, 10)) * (1 - np.eye(10, dtype=int))
    digit = np.zeros((28, 28), dtype=np.uint8)
    digit[6:22, 12:16] = 255  # a "1"
    worst = [{"index": int(i), "label": 1, "predicted": 7, "probability_of_label": 0.01,
              "image": jsonable(np.roll(digit, k, axis=1))} for k, i in enumerate((17, 404, 2020))]
    details = {"accuracy": 0.9712, "correct": 9712, "total": 10000, "confusion_matrix": matrix.tolist(),
               "worst": worst}
    accuracy = CheckResult("accuracy", "failed", 4.4, 7, "visible",
                           message="accuracy 0.9712 on the 10,000 MNIST test images\nconfusion matrix ...",
                           details=jsonable(details))
    architecture = CheckResult("architecture", "passed", 3, 3, "visible", message="input (28, 28, 1)")
    return GradeReport("trained", "submit", [ExerciseResult("mnist_cnn", "The course model", [architecture, accuracy])])


def test_model_details_drawn(tmp_path, browser):
    report = mnist_like_report()
    write_outputs(ReportContext((report,)), {"html": tmp_path / "html"})
    page = browser.page((tmp_path / "html" / "index.html").resolve().as_uri())
    try:
        assert page.errors() == []
        li = 'li[data-check="mnist_cnn.accuracy"]'
        text = page.evaluate(f"document.querySelector('{li} dl.details').innerText")
        assert "97.12%" in text and "9712" in text
        matrix = page.evaluate(f"Array.from(document.querySelectorAll('{li} table.confusion tr'))"
                               ".slice(1).map(r => Array.from(r.querySelectorAll('td')).map(td => +td.innerText))")
        assert matrix == report.exercises[0].checks[1].details["confusion_matrix"]
        images = page.evaluate(f"Array.from(document.querySelectorAll('{li} .gallery img'))"
                               ".map(i => [i.naturalWidth, i.naturalHeight, i.src.slice(0, 22), i.alt])")
        assert len(images) == 3
        for width, height, src, alt in images:
            assert (width, height, src) == (28, 28, "data:image/png;base64,")  # decoded by Chromium
            assert "label 1" in alt and "predicted 7" in alt
        page.screenshot(ARTIFACTS / "model-details.png")
    finally:
        page.close()


def test_several_outputs_drawn_each_with_its_differences(tmp_path, browser):
    """A function that returns several arrays (conv2d_backward's dx, dkernel, dbias): each is
    drawn, and only the cells that differ are outlined, in the array they belong to."""
    rng = np.random.default_rng(1)
    dx, dkernel, dbias = rng.integers(-3, 4, (1, 3, 3, 1)), rng.integers(-3, 4, (2, 2, 1, 2)), np.array([4, 2])
    wrong = dkernel.copy()
    wrong[0, 1, 0, :] += 1
    example = {"function": "conv2d_backward",
               "arguments": {"dout": jsonable(rng.integers(-2, 3, (1, 2, 2, 2)).astype(float)),
                             "x": jsonable(dx.astype(float)), "kernel": jsonable(dkernel.astype(float))},
               "expected": jsonable([dx.astype(float), dkernel.astype(float), dbias.astype(float)]),
               "got": jsonable([dx.astype(float), wrong.astype(float), dbias.astype(float)]),
               "reproduce": "import numpy as np; from cnn import conv2d_backward; print(conv2d_backward(...))"}
    check = CheckResult("matches_reference", "failed", 0, 3, "visible", message="dkernel differs",
                        counterexample=example)
    report = GradeReport("several", "submit", [ExerciseResult("conv2d_backward", "Backward", [check])])
    write_outputs(ReportContext((report,)), {"html": tmp_path / "html"})
    page = browser.page((tmp_path / "html" / "index.html").resolve().as_uri())
    try:
        assert page.errors() == []
        outlined = page.evaluate("""Object.fromEntries(['yours[0]', 'yours[1]', 'yours[2]'].map(name =>
            [name, document.querySelectorAll(`.outputs [data-panel="${name}"] td.diff`).length]))""")
        assert outlined == {"yours[0]": 0, "yours[1]": 2, "yours[2]": 0}
        # dkernel (2, 2, 1, 2): one picture per input channel and filter.
        assert page.evaluate("document.querySelectorAll('.outputs [data-panel=\"expected[1]\"] figure.grid')"
                             ".length") == 2
    finally:
        page.close()

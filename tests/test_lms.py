"""PrairieLearn results, the roster-named gradebook and the CI workflows, each run for real.

- The --prairielearn reporter: real gradings (a good folder, a mistake, a syntax error) validated
  against tests/schemas/prairielearn-results.schema.json; the 1 MB cap on a report built to exceed it.
- grader.classroom.roster: a Canvas export (with its "Points Possible" row) and a Moodle export, applied to
  a real batch grading through the CSV reporter; without a roster the CSV is unchanged.
  `cnngrade batch --roster` itself, with one roster student missing and one folder not in the
  roster: the gradebook's identity columns, the "no submission" row, the unknown folder in the
  summary line and on the class page (opened in headless Chromium, no console errors).
- grader.autograder.ci: the GitHub and GitLab workflows (written by `cnngrade init --ci`) parsed
  with PyYAML, and their run steps executed in order, as the runner would, in a copy of a student
  repository.
"""
from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml
from junitparser import JUnitXml

from chromium import Browser, find_chromium
from conftest import ROOT, example_folder, run_cnngrade
from grader.autograder.ci import HTML, JUNIT, github_workflow, gitlab_ci, write_ci
from grader.reporters.csv_report import dumps, unknown_path
from grader.reporters.outputs import ReportContext, write_outputs
from grader.reporters.prairielearn import MAX_BYTES, SHORTENED, capped, results, ungradable
from grader.results import CheckResult, ExerciseResult, GradeReport
from grader.classroom.roster import NO_SUBMISSION, RosterError, read_roster

PL_SCHEMA = json.loads((Path(__file__).parent / "schemas" / "prairielearn-results.schema.json").read_text())
QUICK = ("-e", "correlate2d", "-e", "pad2d")  # 18 points in a couple of seconds
SYNTAX_ERROR = "import numpy as np\n\ndef correlate2d(image, kernel)\n    return image\n"


def assert_prairielearn(data: dict) -> None:
    jsonschema.Draft202012Validator.check_schema(PL_SCHEMA)
    jsonschema.validate(data, PL_SCHEMA, cls=jsonschema.Draft202012Validator)
    assert len(json.dumps(data, indent=2).encode()) < MAX_BYTES


def folder_with(tmp_path: Path, name: str, source: str | None) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    if source is not None:
        (folder / "cnn.py").write_text(source)
    return folder


# ------------------------------------------------------------------ PrairieLearn reporter

def test_prairielearn_good_and_mistake(tmp_path):
    for name, expected, points in (("good", 1.0, 18), ("correlate2d_flipped_kernel", 13 / 18, 13)):
        out = tmp_path / f"{name}.json"
        run = run_cnngrade("submit", example_folder(name), *QUICK, "--prairielearn", out, json_path=tmp_path / f"{name}.r.json")
        assert run.code == (0 if points == 18 else 1), run.stderr
        data = json.loads(out.read_text())
        assert_prairielearn(data)
        assert data["gradable"] is True
        assert data["score"] == pytest.approx(expected)
        assert data["cnngrade"]["points"] == points and data["cnngrade"]["max_points"] == 18
        checks = [(e["id"], c) for e in run.result["exercises"] for c in e["checks"]]
        assert [t["name"] for t in data["tests"]] == [f"{e}: {c['name']}" for e, c in checks]
        assert sum(t["points"] for t in data["tests"]) == pytest.approx(points)
        for test, (_, check) in zip(data["tests"], checks):
            assert (test["points"], test["max_points"]) == (check["score"], check["max_score"])
            if check["status"] != "passed":
                assert test["message"] == check["message"].splitlines()[0]
                if check["visibility"] == "hidden":
                    assert "reproduce:" not in test["output"] and "smallest failing input" not in test["output"]
                    assert "hidden check" in test["output"]
    flipped = json.loads((tmp_path / "correlate2d_flipped_kernel.json").read_text())
    assert any("flips the kernel" in t["output"] and "reproduce:" in t["output"] for t in flipped["tests"])


def test_prairielearn_syntax_error_is_not_gradable(tmp_path):
    folder = folder_with(tmp_path, "syntax", SYNTAX_ERROR)
    out = tmp_path / "pl.json"
    run = run_cnngrade("submit", folder, *QUICK, "--prairielearn", out)
    assert run.code == 1, run.stderr
    data = json.loads(out.read_text())
    assert_prairielearn(data)
    assert data["gradable"] is False and "score" not in data
    (error,) = data["format_errors"]
    assert error.startswith("importing cnn.py failed:") and "line 3" in error and "SyntaxError" in error


def test_prairielearn_rule_needs_every_check_to_fail_on_import():
    failed = "importing cnn.py failed: cnn.py, line 3: SyntaxError: expected ':'"
    exercise = ExerciseResult("pad2d", "Zero padding", [CheckResult("a", "error", 0, 2, "visible", failed),
                                                        CheckResult("b", "error", 0, 1, "hidden", failed)])
    assert results(GradeReport("s", "submit", [exercise]))["gradable"] is False
    exercise.checks.append(CheckResult("c", "passed", 1, 1, "visible"))  # something still ran
    kept = results(GradeReport("s", "submit", [exercise]))
    assert kept["gradable"] is True and kept["score"] == pytest.approx(1 / 4)
    timeout = ExerciseResult("x", "x", [CheckResult("a", "error", 0, 1, "visible", "importing cnn.py took too long")])
    assert results(GradeReport("s", "submit", [timeout]))["gradable"] is True
    assert results(GradeReport("s", "submit", []))["gradable"] is True


def test_ungradable_result_is_valid():
    data = ungradable("there is no cnn.py in the submission")
    assert_prairielearn(data)
    assert data["format_errors"] == ["there is no cnn.py in the submission"] and data["gradable"] is False


def test_prairielearn_results_capped_at_one_megabyte(tmp_path):
    huge = "é" * 400_000  # two bytes each in UTF-8: every check alone is close to the limit
    checks = [CheckResult(f"c{i}", "failed", 0, 1, "visible", "wrong\n" + huge) for i in range(5)]
    report = GradeReport("big", "submit", [ExerciseResult("pad2d", "Zero padding", checks)], output="x" * 3_000_000)
    data = capped(results(report))
    assert_prairielearn(data)
    assert len(json.dumps(data, indent=2).encode()) + 1 <= MAX_BYTES
    assert len(data["tests"]) == 5 and all(t["message"] == "wrong" for t in data["tests"])
    assert SHORTENED in data["output"] and all(SHORTENED in t["output"] for t in data["tests"])
    out = tmp_path / "results.json"
    write_outputs(ReportContext((report,)), {"prairielearn": out})
    assert out.stat().st_size <= MAX_BYTES
    assert_prairielearn(json.loads(out.read_text(encoding="utf-8")))


# ------------------------------------------------------------------ roster

CANVAS_ROSTER = """\
Student,ID,SIS User ID,SIS Login ID,Section,Homework 3 (1234)
    Points Possible,,,,,18
"Lovelace, Ada",101,S001,ada,CS-A,
"Babbage, Charles",102,S002,charles,CS-A,
"Hopper, Grace",103,S003,grace,CS-B,
"""

MOODLE_ROSTER = """\
\ufeffFirst name,Last name,ID number,Institution,Department,Email address,Assignment: Homework 3 (Real),Last downloaded from this course
Ada,Lovelace,S001,Uni,CS,ada@uni.example,-,1700000000
Charles,Babbage,S002,Uni,CS,charles@uni.example,-,1700000000
"""


@pytest.fixture(scope="module")
def roster_batch(tmp_path_factory):
    """A real `cnngrade batch --roster`: ada and charles (one good, one mistake) are in the Canvas
    roster, grace is in it without a folder, mallory has a folder and is in no roster."""
    root = tmp_path_factory.mktemp("class")
    klass = root / "class"
    for name, example in (("ada", "good"), ("charles", "correlate2d_flipped_kernel"), ("mallory", "good")):
        (klass / name).mkdir(parents=True)
        shutil.copy(example_folder(example) / "cnn.py", klass / name / "cnn.py")
    (root / "canvas.csv").write_text(CANVAS_ROSTER)
    run = run_cnngrade("batch", klass, *QUICK, "--roster", root / "canvas.csv", "--csv", root / "grades.csv",
                       "--html", root / "html", "--out", root / "out", json_path=root / "all.json")
    assert run.code == 1, run.stderr
    return root, run


@pytest.fixture(scope="module")
def graded_class(roster_batch):
    return [GradeReport.from_json(r) for r in roster_batch[1].result]


def test_batch_with_roster(roster_batch):
    root, run = roster_batch
    lines = run.stdout.strip().splitlines()
    assert "3 of 3 students graded: 2 with full marks." in lines, run.stdout
    assert lines[-1] == ("  1 roster student without a submission (Hopper, Grace (grace)); "
                         "1 folder not in the roster, unknown (mallory)."), run.stdout
    header, rows = read_csv(root / "grades.csv")
    assert header[:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert [(r["Student"], r["ID"], r["SIS User ID"], r["Total"]) for r in rows] == [
        ("Lovelace, Ada", "101", "S001", "18"), ("Babbage, Charles", "102", "S002", "13"),
        ("Hopper, Grace", "103", "S003", NO_SUBMISSION)]
    _, unknown = read_csv(unknown_path(root / "grades.csv"))
    assert [u["Folder"] for u in unknown] == ["mallory"]


def test_class_page_lists_unknown_folders(roster_batch):
    root, _ = roster_batch
    assert find_chromium(), "Chromium is needed for the HTML tests (Debian: apt-get install chromium)"
    with Browser() as browser:
        page = browser.page((root / "html" / "index.html").resolve().as_uri())
        try:
            assert page.errors() == [], page.errors()
            assert all(url.startswith(("file:", "data:")) for url in page.requests), page.requests
            unknown = page.evaluate("Array.from(document.querySelectorAll('#unknown-folders li'))"
                                    ".map(li => li.dataset.folder)")
            missing = page.evaluate("Array.from(document.querySelectorAll('#no-submission li'))"
                                    ".map(li => li.textContent.trim())")
            heading = page.evaluate("document.querySelector('#roster h2').textContent")
        finally:
            page.close()
    assert (unknown, missing, heading) == (["mallory"], ["Hopper, Grace (grace)"], "Roster")


def test_batch_roster_mistakes_are_one_line(tmp_path):
    (tmp_path / "class" / "ada").mkdir(parents=True)
    (tmp_path / "roster.csv").write_text(CANVAS_ROSTER)
    wrong_key = run_cnngrade("batch", tmp_path / "class", *QUICK, "--roster", tmp_path / "roster.csv",
                             "--roster-key", "Email address", "--out", tmp_path / "out")
    assert wrong_key.code == 2 and wrong_key.stderr.count("\n") == 1, wrong_key.stderr
    assert "has no column 'Email address'" in wrong_key.stderr
    absent = run_cnngrade("batch", tmp_path / "class", "--roster", tmp_path / "nope.csv")
    assert absent.code == 2 and "does not exist" in absent.stderr
    page = run_cnngrade("batch", "--help")
    assert "--roster FILE" in page.stdout and "--roster-key COLUMN" in page.stdout


def read_csv(path: Path) -> tuple[list[str], list[dict]]:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    return rows[0], [dict(zip(rows[0], row)) for row in rows[1:]]


def test_canvas_roster_names_the_gradebook(graded_class, tmp_path):
    (tmp_path / "roster.csv").write_text(CANVAS_ROSTER)
    roster = read_roster(tmp_path / "roster.csv")
    assert roster.kind == "canvas" and [s["SIS Login ID"] for s in roster.students] == ["ada", "charles", "grace"]
    out = tmp_path / "grades.csv"
    write_outputs(ReportContext(tuple(graded_class), batch=True, roster=roster), {"csv": out})
    header, rows = read_csv(out)
    assert header == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Total", "correlate2d", "pad2d"]
    assert [r["Student"] for r in rows] == ["Lovelace, Ada", "Babbage, Charles", "Hopper, Grace"]
    ada, charles, grace = rows
    assert (ada["ID"], ada["SIS User ID"], ada["Section"], ada["Total"]) == ("101", "S001", "CS-A", "18")
    assert (charles["Total"], charles["correlate2d"], charles["pad2d"]) == ("13", "5", "8")
    assert (grace["SIS Login ID"], grace["Total"], grace["correlate2d"]) == ("grace", NO_SUBMISSION, "")
    assert "mallory" not in out.read_text()
    _, unknown = read_csv(unknown_path(out))
    assert [(u["Folder"], u["Total"]) for u in unknown] == [("mallory", "18")]
    # Every folder in the roster: the list of unknown folders goes away.
    write_outputs(ReportContext(tuple(graded_class[:2]), batch=True, roster=roster), {"csv": out})
    assert not unknown_path(out).exists()


def test_moodle_roster_keyed_by_email(graded_class, tmp_path):
    (tmp_path / "moodle.csv").write_text(MOODLE_ROSTER, encoding="utf-8")
    roster = read_roster(tmp_path / "moodle.csv", key="Email address")
    assert roster.kind == "moodle"
    assert roster.columns == ["First name", "Last name", "ID number", "Institution", "Department", "Email address"]
    renamed = [GradeReport(f"{r.submission.upper()}@uni.example", r.mode, r.exercises) for r in graded_class]
    out = tmp_path / "grades.csv"
    write_outputs(ReportContext(tuple(renamed), batch=True, roster=roster), {"csv": out})
    header, rows = read_csv(out)
    assert header == roster.columns + ["Total", "correlate2d", "pad2d"]
    assert [(r["First name"], r["ID number"], r["Total"]) for r in rows] == [("Ada", "S001", "18"), ("Charles", "S002", "13")]
    _, unknown = read_csv(unknown_path(out))
    assert [u["Folder"] for u in unknown] == ["MALLORY@uni.example"]
    with pytest.raises(RosterError, match="no column 'SIS Login ID'"):
        read_roster(tmp_path / "moodle.csv")


def test_csv_without_roster_is_unchanged(graded_class, tmp_path):
    expected = ("Student,ID,SIS User ID,SIS Login ID,Section,Total,correlate2d,pad2d\n"
                "ada,,,ada,,18,10,8\ncharles,,,charles,,13,5,8\nmallory,,,mallory,,18,10,8\n")
    assert dumps(graded_class) == expected
    write_outputs(ReportContext(tuple(graded_class), batch=True), {"csv": tmp_path / "g.csv"})
    assert (tmp_path / "g.csv").read_bytes() == expected.encode()
    assert not unknown_path(tmp_path / "g.csv").exists()


# ------------------------------------------------------------------ CI workflows

def run_steps(provider: str, text: str) -> list[str]:
    """The shell commands the runner executes, in order, with the install commands left out:
    the test's own environment (this venv's bin on PATH, this checkout on PYTHONPATH) stands in
    for `pip install cnngrade`, and copying the repository stands in for actions/checkout."""
    data = yaml.safe_load(text)
    if provider == "github":
        steps = data["jobs"]["cnngrade"]["steps"]
        assert data[True if True in data else "on"] is not None  # PyYAML reads `on:` as True unless quoted
        assert any(s.get("name") == "Install cnngrade" and "pip install" in s["run"] for s in steps)
        return [s["run"] for s in steps if "run" in s and s.get("name") != "Install cnngrade"]
    job = data["cnngrade"]
    assert all("pip install" in line for line in job["before_script"])
    return list(job["script"])


def artifact_paths(provider: str, text: str) -> list[str]:
    data = yaml.safe_load(text)
    if provider == "github":
        (upload,) = [s for s in data["jobs"]["cnngrade"]["steps"] if s.get("uses", "").startswith("actions/upload-artifact")]
        assert upload["if"] == "always()"
        return [p for p in upload["with"]["path"].splitlines() if p]
    artifacts = data["cnngrade"]["artifacts"]
    assert artifacts["when"] == "always" and artifacts["reports"]["junit"] == JUNIT
    return artifacts["paths"]


@pytest.mark.parametrize("provider", ["github", "gitlab"])
def test_ci_workflow_passes_good_and_fails_mistake(provider, tmp_path):
    env = {**os.environ, "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"],
           "PYTHONPATH": str(ROOT)}
    for example, should_pass in (("good", True), ("correlate2d_flipped_kernel", False)):
        repo = tmp_path / f"{provider}-{example}"
        repo.mkdir()
        shutil.copy(example_folder(example) / "cnn.py", repo / "cnn.py")
        written = run_cnngrade("init", "--ci", provider, repo, "--install", "cnngrade @ git+https://example.invalid/cnngrade",
                               *QUICK)
        assert written.code == 0, written.stderr
        target = repo / (".github/workflows/cnngrade.yml" if provider == "github" else ".gitlab-ci.yml")
        assert f"wrote {target}" in written.stdout
        text = target.read_text()
        assert "keras" not in text.lower()
        assert "cnngrade @ git+https://example.invalid/cnngrade" in text
        codes = []
        for command in run_steps(provider, text):
            done = subprocess.run(["bash", "-eo", "pipefail", "-c", command], cwd=repo, env=env,
                                  capture_output=True, text=True, timeout=300)
            codes.append(done.returncode)
            if done.returncode:
                break  # the runner stops the job at the first failing step
        assert codes and (all(c == 0 for c in codes) if should_pass else codes[-1] == 1), (codes, done.stderr)
        for path in artifact_paths(provider, text):
            assert (repo / path).exists(), path
        suites = {s.name: s for s in JUnitXml.fromfile(str(repo / JUNIT))}
        assert set(suites) == {"correlate2d", "pad2d"}
        assert (suites["correlate2d"].failures == 0) == should_pass
        assert (repo / HTML / "index.html").read_text().startswith("<!")
    with pytest.raises(FileExistsError):
        write_ci(provider, repo)
    again = run_cnngrade("init", "--ci", provider, repo)
    assert again.code == 2 and again.stderr.strip().endswith("exists already (use --force to overwrite it)")
    assert run_cnngrade("init", "--ci", provider, repo, "--force").code == 0


def test_ci_default_install_and_selection():
    for text in (github_workflow(), gitlab_ci()):
        assert "python -m pip install cnngrade==" in text
        assert "cnngrade check . --junit" in text and "--exercise" not in text
    steps = yaml.safe_load(github_workflow())["jobs"]["cnngrade"]["steps"]
    (cache,) = [s for s in steps if s.get("uses", "").startswith("actions/cache")]
    assert cache["with"]["path"] == "~/.cache/cnngrade"
    assert yaml.safe_load(gitlab_ci())["cnngrade"]["variables"]["CNNGRADE_CACHE"] == "$CI_PROJECT_DIR/.cache/cnngrade"
    assert "--exercise conv2d" in gitlab_ci(exercises=("conv2d",))
    with pytest.raises(ValueError):
        write_ci("jenkins", Path("."))


def test_init_install_needs_ci(tmp_path):
    run = run_cnngrade("init", tmp_path / "repo", "--install", "cnngrade==0.1.0")
    assert run.code == 2 and run.stderr.strip() == ("cnngrade: error: --install goes with --ci "
                                                    "(the pip requirement the CI runner installs)")
    assert not (tmp_path / "repo").exists()
    page = run_cnngrade("init", "--help")
    assert "--ci [github|gitlab]" in page.stdout and "--install SPEC" in page.stdout


def test_roster_and_similarity_together_keep_both_sections(tmp_path):
    klass = tmp_path / "class"
    for name, example in (("ada", "good"), ("charles", "correlate2d_flipped_kernel"), ("mallory", "good")):
        (klass / name).mkdir(parents=True)
        shutil.copy(example_folder(example) / "cnn.py", klass / name / "cnn.py")
    (tmp_path / "canvas.csv").write_text(CANVAS_ROSTER)
    run = run_cnngrade("batch", klass, *QUICK, "--roster", tmp_path / "canvas.csv", "--similarity",
                       "--out", tmp_path / "out")
    assert run.code == 1, run.stdout + run.stderr
    page = (tmp_path / "out" / "index.html").read_text()
    assert 'data-section="roster"' in page and "mallory" in page
    assert "Similar submissions, for review" in page

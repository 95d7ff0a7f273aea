"""The command line as users meet it: exit codes, messages, the JSON contract, determinism."""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from grader.grading.exercise import all_exercises
from conftest import EXAMPLES, run_cnngrade, example_folder

SCHEMA = json.loads((Path(__file__).parent / "schemas" / "result-3.json").read_text())
FIRST = ("-e", "correlate2d", "-e", "convolve2d", "-e", "pad2d", "-e", "activations")


def test_good_gets_full_marks_and_exit_0(cnngrade):
    run = cnngrade("submit", EXAMPLES / "good", *FIRST, json=True)
    assert run.code == 0, run.stdout + run.stderr
    jsonschema.validate(run.result, SCHEMA)
    assert run.result["score"] == run.result["max_score"] == 35
    assert "Total: 35/35 points" in run.stdout


def test_a_mistake_names_the_property_its_counterexample_and_its_cause(cnngrade):
    run = cnngrade("submit", example_folder("pad2d_one_side"), *FIRST, json=True)
    assert run.code == 1
    jsonschema.validate(run.result, SCHEMA)
    pad = next(e for e in run.result["exercises"] if e["id"] == "pad2d")
    failed = [c for c in pad["checks"] if c["status"] == "failed"]
    visible = next(c for c in failed if c["visibility"] == "visible" and c["counterexample"])
    example = visible["counterexample"]
    assert example["function"] == "pad2d"
    assert set(example["arguments"]) == {"x", "padding"}
    assert example["expected"]["shape"] == example["got"]["shape"]
    assert example["reproduce"].startswith("import numpy as np; from cnn import pad2d;")
    assert visible["diagnosis"].startswith("pads on one side only")
    hidden = [c for c in failed if c["visibility"] == "hidden"]
    assert hidden and all(c["counterexample"] is None for c in hidden)
    assert "likely cause: pads on one side only" in run.stdout


def test_the_shrunk_counterexample_is_minimal(cnngrade):
    run = cnngrade("submit", example_folder("correlate2d_flipped_kernel"), "-e", "correlate2d", json=True)
    check = next(c for c in run.result["exercises"][0]["checks"] if c["name"] == "matches_reference")
    arguments = check["counterexample"]["arguments"]
    # Flipping shows only with a kernel of two cells or more, and Hypothesis finds the smallest.
    assert sorted(arguments["kernel"]["shape"]) == [1, 2]
    assert arguments["image"]["shape"] == arguments["kernel"]["shape"]


def test_the_json_is_byte_identical_run_after_run_and_whatever_the_jobs(tmp_path):
    outputs = []
    for run, jobs in enumerate(("2", "2", "1")):
        path = tmp_path / f"{run}.json"
        run_cnngrade("submit", example_folder("correlate2d_flipped_kernel"), *FIRST, "--jobs", jobs, json_path=path)
        outputs.append(path.read_bytes())
    assert outputs[0] == outputs[1] == outputs[2]
    assert json.loads(outputs[0])["score"] < 35


@pytest.mark.parametrize("args, message", [
    (("submit", "no/such/folder"), "no such folder: no/such/folder"),
    (("submit", "pyproject.toml"), "not a folder"),
    (("submit", "grader"), "has no cnn.py"),
    (("submit", str(EXAMPLES / "good"), "-e", "nope"), "unknown exercise id 'nope'"),
    (("show", "nope"), "unknown exercise id 'nope'"),
])
def test_user_mistakes_get_one_line_and_exit_2(cnngrade, args, message):
    run = cnngrade(*args)
    assert run.code == 2
    assert message in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    assert "Traceback" not in run.stderr + run.stdout


def test_init_writes_stubs_that_check_reports_as_missing(cnngrade, tmp_path):
    """What a student sees on the first `check` of a fresh starter: every check missing, each
    message naming the function it needs (or the file) and saying it is not written yet."""
    folder = tmp_path / "mine"
    assert cnngrade("init", folder).code == 0
    run = cnngrade("check", folder, json=True)
    assert run.code == 1
    by_id = {e.id: e for e in all_exercises()}
    for exercise in run.result["exercises"]:
        spec = by_id[exercise["id"]]
        for check in exercise["checks"]:
            assert check["status"] == "missing" and check["visibility"] == "visible", check
            if spec.functions:
                named = [f for f in spec.functions if check["message"].startswith(f"{f} ")]
                assert named and check["message"] == f"{named[0]} is not implemented yet (it raises " \
                    "NotImplementedError)", check["message"]
                assert f"{named[0]} is not implemented yet" in run.stdout
            else:  # graded from files: the file to save is named
                assert any(f"there is no {name}" in check["message"] for name in spec.files), check["message"]
    assert cnngrade("init", folder).code == 2  # never overwrites without --force


def test_a_syntax_error_scores_zero_everywhere_with_file_and_line(cnngrade, student_folder):
    folder = student_folder(source="import numpy as np\n\ndef relu(x):\n    return np.maximum(x, 0\n")
    run = cnngrade("submit", folder, "-e", "activations", "-e", "pad2d", json=True)
    assert run.code == 1 and run.result["score"] == 0
    messages = {c["message"] for e in run.result["exercises"] for c in e["checks"]}
    assert messages == {"importing cnn.py failed: cnn.py, line 4: SyntaxError: '(' was never closed"}


def test_a_hostile_submission_costs_only_its_own_checks(cnngrade, student_folder):
    folder = student_folder({
        "correlate2d": "def correlate2d(image, kernel):\n    while True:\n        pass",
        "convolve2d": "def convolve2d(image, kernel):\n    return np.ones((1024, 1024, 1024))",
        "relu": "def relu(x):\n    import os\n    os._exit(3)",
        "leaky_relu": "def leaky_relu(x, negative_slope=0.3):\n    import sys\n    sys.exit(1)",
    })
    run = cnngrade("submit", folder, *FIRST, json=True)
    assert run.code == 1
    statuses = {e["id"]: {c["status"] for c in e["checks"]} for e in run.result["exercises"]}
    assert statuses["correlate2d"] == {"timeout"}
    assert statuses["convolve2d"] == {"memory"}
    assert statuses["pad2d"] == {"passed"}
    checks = {c["name"]: c for c in run.result["exercises"][3]["checks"]}
    assert checks["relu_course_map"]["status"] == "error" and "code 3" in checks["relu_course_map"]["message"]
    assert checks["leaky_default_slope"]["status"] == "error"
    assert "SystemExit" in checks["leaky_default_slope"]["message"]


def test_a_function_that_modifies_its_argument_fails(cnngrade, student_folder):
    folder = student_folder({"relu": "def relu(x):\n    x[x < 0] = 0\n    return x"})
    run = cnngrade("submit", folder, "-e", "activations", json=True)
    check = run.result["exercises"][0]["checks"][0]
    assert check["status"] == "failed" and "modified its argument 1 in place" in check["message"]


def test_list_and_show(cnngrade):
    listing = cnngrade("list")
    assert listing.code == 0 and listing.stdout.splitlines()[0].startswith("correlate2d")
    shown = cnngrade("show", "correlate2d")
    assert shown.code == 0 and shown.stdout.startswith("# 2D cross-correlation")


def test_a_symlinked_cnn_py_is_refused_in_one_line(cnngrade, tmp_path):
    folder = tmp_path / "linked"
    folder.mkdir()
    (folder / "cnn.py").symlink_to(EXAMPLES / "good" / "cnn.py")
    run = cnngrade("submit", folder)
    assert run.code == 2
    assert run.stderr.strip().endswith("cnn.py is a symbolic link out of the folder: not followed; "
                                       "copy the file itself into the folder")


def test_what_the_submission_prints_is_kept_once_in_course_order(cnngrade, student_folder):
    folder = student_folder({
        "banner": "print('hello from import')",
        "convolve2d": "_c = convolve2d\ndef convolve2d(image, kernel):\n    print('convolve2d called')\n"
                      "    return _c(image, kernel)",
        "relu": "_r = relu\ndef relu(x):\n    print('relu called')\n    return _r(x)",
    })
    run = cnngrade("submit", folder, *FIRST, "--jobs", "2", json=True)
    assert run.code == 0, run.stderr
    output = run.result["output"]
    # Both sandboxes import cnn.py; the report shows it once, then each exercise's prints in order.
    assert output.startswith("hello from import\n") and output.count("hello from import") == 1
    assert output.index("convolve2d called") < output.index("relu called")
    assert "  printed by cnn.py (the first 20 of" in run.stdout and "    | hello from import" in run.stdout


def test_a_folder_too_large_to_copy_is_refused_in_one_line(cnngrade, student_folder):
    folder = student_folder()
    with open(folder / "train-images.npy", "wb") as data:
        data.truncate(300 << 20)  # sparse: 300 MiB to the grader, nothing on the disk
    run = cnngrade("submit", folder, "-e", "pad2d")
    assert run.code == 2
    assert len(run.stderr.strip().splitlines()) == 1
    assert "holds 300 MiB, more than the 256 MiB cnngrade copies" in run.stderr


def test_what_a_folder_needs_depends_on_the_exercises_graded(cnngrade, tmp_path):
    """A student who hands in the model exercise alone: a folder with only model.keras is graded
    for mnist_cnn, and refused (one line, exit 2) for an exercise that calls functions."""
    folder = tmp_path / "model_only"
    folder.mkdir()
    (folder / "model.keras").write_bytes((EXAMPLES / "good" / "model.keras").read_bytes())
    run = cnngrade("submit", folder, "-e", "mnist_cnn", json=True)
    assert run.code == 0, run.stdout + run.stderr
    assert run.result["score"] == run.result["max_score"] == 10
    refused = cnngrade("submit", folder, "-e", "mnist_cnn", "-e", "pad2d")
    assert refused.code == 2 and "has no cnn.py" in refused.stderr and len(refused.stderr.strip().splitlines()) == 1

"""The MNIST exercises end to end, through the real CLI: train -> save -> `cnngrade submit`.

TensorFlow runs here: examples/good/train.py trains the course model for one epoch on the
60,000 training images (once per session; about a minute on two cores), the grader trains its
own reference model for cnn_forward (once per session, into the session's CNNGRADE_CACHE), and
the numpy_model worker reads the model files as data and runs them on the course's reference (the
keras worker, asked by the tests that compare both paths, loads them with Keras). Model files that
must be refused (a Lambda layer, a custom object, damaged or foreign files, damaged weights inside
a sound archive) are refused by either worker reading them as data, before Keras could see them.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import textwrap
import tomllib
import zipfile
from pathlib import Path

import numpy as np
import pytest

from conftest import EXAMPLES, MNIST, ROOT, example_folder, run_cnngrade
from model_paths import assert_same_verdicts

def _run(*command, timeout: float = 1800) -> subprocess.CompletedProcess:
    done = subprocess.run([str(c) for c in command], capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done


def _student(folder: Path, model: Path | bytes | None = None) -> Path:
    """A student folder: the good cnn.py and the given model.keras (a file to copy, or bytes)."""
    folder.mkdir(parents=True)
    shutil.copyfile(EXAMPLES / "good" / "cnn.py", folder / "cnn.py")
    if isinstance(model, Path):
        shutil.copyfile(model, folder / "model.keras")
    elif isinstance(model, bytes):
        (folder / "model.keras").write_bytes(model)
    return folder


def _checks(result: dict, exercise: str) -> dict:
    return {c["name"]: c for e in result["exercises"] if e["id"] == exercise for c in e["checks"]}


# -- the good folder, trained for one epoch -------------------------------------------------------

@pytest.fixture(scope="session")
def trained_good(tmp_path_factory):
    """A copy of examples/good with model.keras from its train.py, one epoch on all 60,000 images."""
    folder = tmp_path_factory.mktemp("trained") / "good"
    shutil.copytree(EXAMPLES / "good", folder, ignore=shutil.ignore_patterns("model.keras", "__pycache__"))
    done = _run(sys.executable, folder / "train.py", "--epochs", "1", "--mnist", MNIST)
    # One epoch over all 60,000 images: 469 steps of 128 (Keras prints no "Epoch 1/1" line).
    assert done.stdout.count("469/469") == 1 and (folder / "model.keras").is_file()
    keras_accuracy = float(re.search(r"test accuracy ([0-9.]+)", done.stdout).group(1))
    return folder, keras_accuracy


def test_train_save_submit_reports_the_accuracy(trained_good, cnngrade):
    folder, keras_accuracy = trained_good
    run = cnngrade("submit", folder, "-e", "mnist_cnn", "-e", "cnn_forward", "-e", "pad2d", json=True)
    assert run.result is not None, run.stderr
    assert run.code in (0, 1), run.stderr  # graded; no grader fault
    checks = _checks(run.result, "mnist_cnn")
    assert checks["architecture"]["status"] == "passed" and checks["architecture"]["score"] == 3
    assert checks["architecture"]["details"]["params"] == 628630
    details = checks["accuracy"]["details"]
    accuracy = details["accuracy"]
    assert accuracy >= 0.97
    # The grader's accuracy (the worker's predictions, our labels) is what Keras' evaluate said.
    assert abs(accuracy - keras_accuracy) < 1.5e-4
    thresholds = tomllib.loads((ROOT / "exercises" / "mnist_cnn" / "spec.toml").read_text())["accuracy"]
    expected = 7 * min(max((accuracy - thresholds["zero"]) / (thresholds["full"] - thresholds["zero"]), 0), 1)
    assert checks["accuracy"]["score"] == pytest.approx(expected, abs=1e-3)
    matrix = np.array(details["confusion_matrix"])
    assert matrix.shape == (10, 10) and matrix.sum() == 10000 and np.trace(matrix) == details["correct"]
    assert matrix.sum(axis=1).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    worst = details["worst"]
    assert len(worst) == 10 and len({w["index"] for w in worst}) == 10
    assert all(w["predicted"] != w["label"] and w["probability_of_label"] < 0.5 for w in worst)
    assert [w["probability_of_label"] for w in worst] == sorted(w["probability_of_label"] for w in worst)
    # The terminal shows the same numbers.
    assert f"accuracy {accuracy:.4f} on the 10,000 MNIST test images" in run.stdout
    assert "confusion matrix (rows: true digit, columns: predicted digit)" in run.stdout
    assert f"#{worst[0]['index']}: {worst[0]['label']} -> {worst[0]['predicted']}" in run.stdout
    assert run.scores["cnn_forward"] == 11 and run.scores["pad2d"] == 8
    keras_check = _checks(run.result, "cnn_forward")["matches_keras"]
    assert keras_check["details"]["class_agreement"] >= 0.999
    assert keras_check["details"]["largest_difference"] <= 1e-4


def test_the_course_model_gets_the_same_verdicts_on_both_paths(trained_good):
    folder, _ = trained_good
    graded = assert_same_verdicts(folder, "mnist_cnn", "model.keras")
    assert graded.checks["architecture"][1] == "passed"


def test_every_exercise_gives_byte_identical_json_run_after_run(trained_good, tmp_path):
    """The MNIST exercises included: nothing a framework logs, no timing, ever reaches the result."""
    folder, _ = trained_good
    outputs = []
    for run in range(2):
        path = tmp_path / f"{run}.json"
        done = run_cnngrade("submit", folder, json_path=path)
        assert done.code in (0, 1) and done.result is not None, done.stderr
        outputs.append(path.read_bytes())
    assert outputs[0] == outputs[1]
    result = json.loads(outputs[0])
    assert {e["id"] for e in result["exercises"]} >= {"mnist_cnn", "cnn_forward", "correlate2d"}
    assert result["output"] == ""  # examples/good prints nothing; TensorFlow's log lines are not its output


# -- the mistake folders ---------------------------------------------------------------------------

def _expected(name: str) -> dict:
    return tomllib.loads((EXAMPLES / name / "expected.toml").read_text())["lost"]


def test_untrained_model_keeps_the_architecture_points_only(tmp_path, cnngrade):
    folder = tmp_path / "mnist_untrained"
    shutil.copytree(example_folder("mnist_untrained"), folder, ignore=shutil.ignore_patterns("model.keras"))
    _run(sys.executable, folder / "make_model.py")
    assert (folder / "model.keras").is_file()
    run = cnngrade("submit", folder, "-e", "mnist_cnn", "-e", "cnn_forward", json=True)
    assert run.code == 1, run.stderr
    assert run.scores == {"mnist_cnn": _expected("mnist_untrained")["mnist_cnn"], "cnn_forward": 11}
    accuracy = _checks(run.result, "mnist_cnn")["accuracy"]
    assert accuracy["status"] == "failed" and accuracy["score"] == 0
    assert 0.03 < accuracy["details"]["accuracy"] < 0.25  # chance, give or take an untrained bias
    assert "no points" in accuracy["message"]


def test_forward_without_relu_loses_the_checks_that_see_it(cnngrade):
    run = cnngrade("submit", example_folder("cnn_forward_no_relu"), "-e", "cnn_forward", json=True)
    assert run.code == 1, run.stderr
    assert run.scores == {"cnn_forward": _expected("cnn_forward_no_relu")["cnn_forward"]}
    checks = _checks(run.result, "cnn_forward")
    failed = {name for name, c in checks.items() if c["status"] != "passed"}
    assert failed == {"matches_reference", "matches_keras"}
    assert "forgets the ReLU after the convolution" in checks["matches_reference"]["diagnosis"]
    assert "your predicted class differs from Keras'" in checks["matches_keras"]["message"]
    assert re.search(r"test image #\d+ \(x_test\[\d+\] / 255\)", checks["matches_keras"]["message"])
    # The weights are far too large to spell out as a line to paste; the shapes are shown instead.
    example = checks["matches_reference"]["counterexample"]
    assert example["reproduce"] == ""
    assert example["arguments"]["weights"][2]["shape"] == [6272, 100]


# -- model files that must be refused --------------------------------------------------------------

MODELS = textwrap.dedent('''
    import os, runpy, sys
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    import keras
    lambda_path, h5_path, untrained_path, make_model = sys.argv[1:5]
    inputs = keras.Input((28, 28, 1))
    h = keras.layers.Lambda(lambda t: t * 2.0)(inputs)
    h = keras.layers.Conv2D(8, 3, activation="relu")(h)
    h = keras.layers.MaxPooling2D()(h)
    h = keras.layers.Flatten()(h)
    keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(h)).save(lambda_path)
    keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)]).save_weights(h5_path)  # an HDF5 file
    sys.argv = [make_model, "--out", untrained_path]
    runpy.run_path(make_model, run_name="__main__")
''')


@pytest.fixture(scope="module")
def model_files(tmp_path_factory):
    """A real Lambda model saved by Keras, a legacy HDF5 file, and the untrained course model."""
    folder = tmp_path_factory.mktemp("models")
    _run(sys.executable, "-c", MODELS, folder / "lambda.keras", folder / "legacy.weights.h5",
         folder / "untrained.keras", example_folder("mnist_untrained") / "make_model.py")
    return folder


def _rewrite_config(source: Path, target: Path, change) -> None:
    """Copy a .keras file with its config.json changed by change(config) (no TensorFlow needed)."""
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w") as copy:
        for item in original.infolist():
            content = original.read(item)
            if item.filename == "config.json":
                config = json.loads(content)
                change(config)
                content = json.dumps(config).encode()
            copy.writestr(item, content)


def _custom_dense(config):
    dense = next(layer for layer in config["config"]["layers"] if layer["class_name"] == "Dense")
    dense["module"] = "os"  # as a crafted file naming a function outside Keras would


def _registered(config):
    config["config"]["layers"][-1]["registered_name"] = "Custom>Dense"


def _bad_file(kind: str, models: Path, tmp_path: Path):
    untrained = models / "untrained.keras"
    if kind == "lambda":
        return models / "lambda.keras"
    if kind == "custom_module":
        _rewrite_config(untrained, tmp_path / "custom.keras", _custom_dense)
        return tmp_path / "custom.keras"
    if kind == "registered_custom":
        _rewrite_config(untrained, tmp_path / "registered.keras", _registered)
        return tmp_path / "registered.keras"
    if kind == "truncated":
        return untrained.read_bytes()[:200_000]
    if kind == "garbage":
        return bytes(range(256)) * 100
    if kind == "empty":
        return b""
    if kind == "legacy_h5":
        return models / "legacy.weights.h5"
    if kind == "other_zip":
        with zipfile.ZipFile(tmp_path / "notes.zip", "w") as archive:
            archive.writestr("notes.txt", "my model is in my other folder")
        return tmp_path / "notes.zip"
    if kind == "bad_weights":
        with zipfile.ZipFile(untrained) as original, zipfile.ZipFile(tmp_path / "w.keras", "w") as copy:
            for item in original.infolist():
                content = original.read(item)
                copy.writestr(item, content[:1000] if item.filename == "model.weights.h5" else content)
        return tmp_path / "w.keras"
    return None  # missing


REASONS = {
    "lambda": ("error", "contains a Lambda layer"),
    "custom_module": ("error", "from the module 'os' (at config.json.config.layers["),
    "registered_custom": ("error", "the custom object 'Custom>Dense'"),
    "truncated": ("error", "model.keras is damaged: it is not a readable zip archive"),
    "garbage": ("error", "not a Keras model file"),
    "empty": ("error", "not a Keras model file"),
    "legacy_h5": ("error", "model.keras is an HDF5 file without a model in it (only weights"),
    "other_zip": ("error", "it holds 'notes.txt', which is not part of a Keras model"),
    "bad_weights": ("error", "model.keras is damaged: its weights are not a readable HDF5 file"),
    "missing": ("missing", "there is no model.keras in the folder"),
}


@pytest.mark.parametrize("kind", list(REASONS))
def test_a_refused_model_file_is_zero_points_with_its_reason_and_nothing_else_lost(kind, model_files, tmp_path,
                                                                                   cnngrade):
    folder = _student(tmp_path / "student", _bad_file(kind, model_files, tmp_path))
    run = cnngrade("submit", folder, "-e", "mnist_cnn", "-e", "correlate2d", "-e", "pad2d", json=True)
    assert run.code == 1, run.stdout + run.stderr  # graded, not a grader fault (3) nor a crash
    assert "Traceback" not in run.stdout + run.stderr
    assert run.scores == {"mnist_cnn": 0, "correlate2d": 10, "pad2d": 8}
    status, reason = REASONS[kind]
    for name, check in _checks(run.result, "mnist_cnn").items():
        assert check["status"] == status and check["score"] == 0, name
        assert reason in check["message"], (name, check["message"])
    assert reason in run.stdout


@pytest.mark.parametrize("kind", ["untrained", *[kind for kind in REASONS if kind != "missing"]])
def test_a_model_file_gets_the_same_verdicts_on_both_paths(kind, model_files, tmp_path):
    """The untrained course model, and every file that must be refused: refused by both workers
    alike (the keras worker reads the file as data first, with the same code), before Keras."""
    model = model_files / "untrained.keras" if kind == "untrained" else _bad_file(kind, model_files, tmp_path)
    graded = assert_same_verdicts(_student(tmp_path / "student", model), "mnist_cnn", "model.keras")
    statuses = {status for _, status, _ in graded.checks.values()}
    assert statuses == ({"passed", "failed"} if kind == "untrained" else {"error"})

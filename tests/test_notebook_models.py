"""Model files as students really save them (issue 12), graded through the real CLI.

The models are built and trained briefly with real Keras by tests/make_tutorial_models.py in a
subprocess (about 15 s): the course model as model.keras and as legacy HDF5, an .h5 with a
Lambda layer, and the four tutorial kinds whose verdicts used to surprise students.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EXAMPLES, MNIST, ROOT
from model_paths import assert_same_verdicts


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("tutorial-models")
    done = subprocess.run([sys.executable, str(ROOT / "tests" / "make_tutorial_models.py"), str(MNIST), str(folder)],
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return folder


def _folder(tmp_path: Path, models: Path, *files: tuple[str, str]) -> Path:
    """A student folder with the good cnn.py and model files copied under the given names."""
    folder = tmp_path / "student"
    folder.mkdir(parents=True)
    shutil.copyfile(EXAMPLES / "good" / "cnn.py", folder / "cnn.py")
    for source, name in files:
        shutil.copyfile(models / source, folder / name)
    return folder


def _mnist(run) -> dict:
    assert "Traceback" not in run.stdout + run.stderr
    (exercise,) = [e for e in run.result["exercises"] if e["id"] == "mnist_cnn"]
    return exercise


def test_the_course_model_as_h5_scores_as_it_does_as_model_keras(models, tmp_path, cnngrade):
    results = {}
    for name in ("model.keras", "model.h5", "mnist_cnn.h5"):
        folder = _folder(tmp_path / name, models, ("course.keras" if name == "model.keras" else "model.h5", name))
        run = cnngrade("submit", folder, "-e", "mnist_cnn", json=True)
        results[name] = (_mnist(run), run.result["notices"])
    keras_result, keras_notices = results["model.keras"]
    assert keras_result["checks"][0]["status"] == "passed" and keras_notices == []
    for name in ("model.h5", "mnist_cnn.h5"):
        exercise, notices = results[name]
        assert exercise["score"] == keras_result["score"]
        # The same predictions: the same accuracy line, confusion matrix and worst images.
        assert [c["message"] for c in exercise["checks"]] == [c["message"] for c in keras_result["checks"]]
        assert notices == [f"graded the model {name} (there is no model.keras, and it is the only model file)"]


def test_several_model_files_and_no_model_keras_say_which_is_expected(models, tmp_path, cnngrade):
    folder = _folder(tmp_path, models, ("model.h5", "model.h5"), ("course.keras", "mine.keras"))
    exercise = _mnist(cnngrade("submit", folder, "-e", "mnist_cnn", json=True))
    assert exercise["score"] == 0
    for check in exercise["checks"]:
        assert check["status"] == "missing"
        assert "several model files (mine.keras, model.h5) and no model.keras" in check["message"]


def test_an_h5_with_a_lambda_layer_scores_zero_refused_before_keras_reads_it(models, tmp_path, cnngrade):
    folder = _folder(tmp_path, models, ("lambda.h5", "mnist_cnn.h5"))
    run = cnngrade("submit", folder, "-e", "mnist_cnn", "-e", "pad2d", json=True)
    assert run.scores == {"mnist_cnn": 0, "pad2d": 8}
    for check in _mnist(run)["checks"]:
        # "at model_config..." is the place in the h5's attribute that h5py read as data.
        assert check["status"] == "error"
        assert "mnist_cnn.h5 was refused: it contains a Lambda layer ('lambda', at model_config.config.layers[1])" \
            in check["message"]


def test_a_builtin_loss_function_in_the_compile_config_is_not_refused(models, tmp_path, cnngrade):
    folder = _folder(tmp_path, models, ("builtin_loss.keras", "model.keras"))
    exercise = _mnist(cnngrade("submit", folder, "-e", "mnist_cnn", json=True))
    architecture, accuracy = exercise["checks"]
    assert architecture["status"] == "passed" and architecture["score"] == 3
    assert accuracy["status"] in ("passed", "failed") and accuracy["message"].startswith("accuracy 0.9")
    assert "refused" not in architecture["message"] + accuracy["message"]


def test_an_input_of_28_by_28_with_a_reshape_first_is_accepted_and_said(models, tmp_path, cnngrade):
    folder = _folder(tmp_path, models, ("reshape.keras", "model.keras"))
    architecture, accuracy = _mnist(cnngrade("submit", folder, "-e", "mnist_cnn", json=True))["checks"]
    assert architecture["status"] == "passed" and architecture["score"] == 3
    assert "its input is (28, 28), the image in another shape: accepted" in architecture["message"]
    assert accuracy["message"].startswith("accuracy 0.9")


def test_a_model_trained_on_raw_pixels_is_told_the_input_scale(models, tmp_path, cnngrade):
    folder = _folder(tmp_path, models, ("raw_pixels.keras", "model.keras"))
    architecture, accuracy = _mnist(cnngrade("submit", folder, "-e", "mnist_cnn", json=True))["checks"]
    assert architecture["status"] == "passed"
    assert accuracy["score"] == 0
    note = accuracy["message"].split("note: ", 1)[1]
    assert "of the test images are predicted as" in note and "input-scale problem" in note
    assert "so it was trained on raw pixels: divide the training images by 255" in note


def test_a_logits_model_is_told_the_fix_and_ranked_by_softmax(models, tmp_path, cnngrade):
    folder = _folder(tmp_path, models, ("logits.keras", "model.keras"))
    architecture, accuracy = _mnist(cnngrade("submit", folder, "-e", "mnist_cnn", json=True))["checks"]
    assert architecture["status"] == "failed"
    assert "not 'softmax' (it outputs logits): add activation='softmax' to the last Dense layer" \
        in architecture["message"]
    assert "its outputs are not probabilities (logits?): ranked by their softmax" in accuracy["message"]
    worst = accuracy["details"]["worst"]
    assert worst and all(0.0 <= w["probability_of_label"] <= 1.0 for w in worst)
    assert all(0.0 <= w["probability_of_predicted"] <= 1.0 for w in worst)
    assert accuracy["message"].startswith("accuracy 0.9")


@pytest.mark.parametrize("source, name", [("course.keras", "model.keras"), ("model.h5", "mnist_cnn.h5"),
                                          ("builtin_loss.keras", "model.keras"), ("reshape.keras", "model.keras"),
                                          ("raw_pixels.keras", "model.keras"), ("logits.keras", "model.keras"),
                                          ("lambda.h5", "model.h5")])
def test_a_tutorial_model_gets_the_same_verdicts_on_both_paths(source, name, models, tmp_path):
    assert_same_verdicts(_folder(tmp_path, models, (source, name)), "mnist_cnn", name)

"""The layer catalogue against Keras itself, and the NumPy path's promise that no grading process of
a catalogue model imports TensorFlow.

tests/make_catalogue_models.py builds, with real Keras in a subprocess (about 10 s), models that
use every entry of the catalogue and models just outside it, with random weights, saved as .keras
and as legacy .h5. The numpy_model worker and the keras worker (one sandbox each, as grading runs
them) are asked the same questions about every file; their answers must agree.
"""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import EXAMPLES, MNIST, ROOT, run_cnngrade
from exercises.models.layer_catalogue import CATALOGUE
from exercises.models.mnist import Mnist
from exercises.models.model_requests import KERAS_LIMITS
from grader.grading.sandboxes import open_sandbox
from grader.sandbox.client import namespaces_available

INSIDE = ["conv2d", "conv1d", "conv3d", "normalized", "thresholds", "functional", "frozen_functional"]
OUTSIDE = {"transposed": "its layer 'conv2d_transpose' is a Conv2DTranspose, which the catalogue does not hold",
           "branching": "its layer 'add' takes several tensors: its graph is not one chain",
           "gelu": "uses the activation 'gelu', which the catalogue does not hold"}
FORMATS = [".keras", ".h5"]
KERAS2 = ROOT / "tests" / "data" / "keras2"  # legacy .h5 files saved by Keras 2 (tests/make_keras2_models.py)
IMAGES = 500  # MNIST test images asked of every model
# float32 arithmetic in another order (a sum of 700 values, then three Dense layers): the NumPy
# path's outputs stay within this of Keras', relative to the outputs' size.
CLOSE = 1e-5


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("catalogue-models")
    done = subprocess.run([sys.executable, str(ROOT / "tests" / "make_catalogue_models.py"), str(folder)],
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    written = dict(line.split() for line in done.stdout.splitlines())
    assert written == {**dict.fromkeys(INSIDE, "inside"), **dict.fromkeys(OUTSIDE, "outside")}
    for path in KERAS2.glob("*.h5"):
        (folder / f"keras2_{path.name}").write_bytes(path.read_bytes())
    return folder


@pytest.fixture(scope="module")
def answers(models) -> dict:
    """(worker kind, file) -> {action: Outcome} for describe, layers and predict."""
    images = Mnist(MNIST).test[0][:IMAGES, ..., np.newaxis]
    found = {}
    for kind in ("numpy_model", "keras"):
        with open_sandbox(models, KERAS_LIMITS, kind=kind) as sandbox:
            for name in sorted(p.name for p in models.iterdir()):
                found[kind, name] = {action: sandbox.ask({"action": action, "file": name}, values)
                                     for action, values in (("describe", None), ("layers", None),
                                                            ("predict", {"args": [images]}))}
    return found


def _info(outcome) -> dict:
    return {key: value for key, value in outcome.info.items() if key != "seconds"}


@pytest.mark.parametrize("suffix", FORMATS)
@pytest.mark.parametrize("name", INSIDE)
def test_a_catalogue_model_answers_as_keras_does(name, suffix, answers):
    ours, keras = answers["numpy_model", name + suffix], answers["keras", name + suffix]
    for action in ("describe", "layers", "predict"):
        assert ours[action].status == keras[action].status == "ok", (action, ours[action].error, keras[action].error)
    assert _info(ours["describe"]) == _info(keras["describe"])
    assert _info(ours["layers"]) == _info(keras["layers"])  # names, classes, flags, shapes, digests
    assert len(ours["layers"].value) == len(keras["layers"].value)
    assert all(np.array_equal(a, b) for a, b in zip(ours["layers"].value, keras["layers"].value))
    got, expected = ours["predict"].value, keras["predict"].value
    assert got.shape == expected.shape and got.dtype == np.float32
    scale = max(1.0, float(np.max(np.abs(expected))))
    assert float(np.max(np.abs(got.astype(np.float64) - expected))) <= CLOSE * scale
    assert np.array_equal(got.argmax(axis=1), expected.argmax(axis=1))


@pytest.mark.parametrize("suffix", FORMATS)
@pytest.mark.parametrize("name", OUTSIDE)
def test_a_model_outside_the_catalogue_is_left_to_keras_with_the_layer_named(name, suffix, answers):
    for action, outcome in answers["numpy_model", name + suffix].items():
        assert outcome.status == "ok" and OUTSIDE[name] in outcome.info["fallback"], action
        assert outcome.value is None
    assert all(outcome.status == "ok" for outcome in answers["keras", name + suffix].values())


@pytest.mark.parametrize("name", ["sequential", "functional", "nested"])
def test_a_keras2_h5_is_read_as_keras2_meant_it(name, answers):
    """Keras 2 wrote its own config (batch_input_shape, LeakyReLU's alpha, 'Custom>Adam' in the
    training config, weights named conv2d/kernel:0): the NumPy path predicts what Keras 2 did.
    Keras 3 reads the first two the same way; the third (a frozen Sequential inside a Sequential,
    Keras 2's transfer learning) its legacy loader refuses, where the NumPy path grades it."""
    with np.load(KERAS2 / "expected.npz") as stored:
        expected = stored[name]
    ours, keras = answers["numpy_model", f"keras2_{name}.h5"], answers["keras", f"keras2_{name}.h5"]
    assert ours["predict"].status == "ok", ours["predict"].error
    assert float(np.max(np.abs(ours["predict"].value - expected))) <= 1e-4
    assert np.array_equal(ours["predict"].value.argmax(axis=1), expected.argmax(axis=1))
    if name == "nested":
        assert keras["predict"].status == "raised" and "Keras could not load keras2_nested.h5" in keras["predict"].error
        assert [(layer["name"], layer["frozen"]) for layer in ours["layers"].info["layers"]][-1] == ("dense_3", False)
        assert all(layer["frozen"] for layer in ours["layers"].info["layers"][:-1])
        return
    assert _info(ours["describe"]) == _info(keras["describe"]) and _info(ours["layers"]) == _info(keras["layers"])
    assert float(np.max(np.abs(keras["predict"].value - expected))) <= 1e-4


def test_the_models_cover_every_entry_of_the_catalogue(answers):
    used = {layer["class"] for name in INSIDE for suffix in FORMATS
            for layer in answers["keras", name + suffix]["describe"].info["layers"]}
    assert set(CATALOGUE) <= used, sorted(set(CATALOGUE) - used)


def _student(folder: Path, model: Path, transfer: Path | None = None) -> Path:
    folder.mkdir(parents=True)
    (folder / "cnn.py").write_bytes((EXAMPLES / "good" / "cnn.py").read_bytes())
    (folder / "model.keras").write_bytes(model.read_bytes())
    if transfer is not None:
        (folder / "transfer.keras").write_bytes(transfer.read_bytes())
    return folder


def test_a_model_outside_the_catalogue_is_graded_by_keras_with_a_notice_not_a_penalty(models, tmp_path):
    folder = _student(tmp_path / "student", models / "transposed.keras")
    default = run_cnngrade("submit", folder, "-e", "mnist_cnn", json_path=tmp_path / "default.json")
    forced = run_cnngrade("submit", folder, "-e", "mnist_cnn", "--keras-models", json_path=tmp_path / "keras.json")
    assert default.code == forced.code == 1, default.stdout + default.stderr
    notice = ("model.keras was graded with Keras (TensorFlow), not on the course's NumPy reference: its layer "
              "'conv2d_transpose' is a Conv2DTranspose, which the catalogue does not hold")
    assert default.result["notices"] == [notice] and notice in default.stdout
    assert forced.result["notices"] == []
    assert default.result["exercises"] == forced.result["exercises"]  # the same verdicts, word for word
    assert all(c["status"] != "error" for c in default.result["exercises"][0]["checks"])


def _hidden_package(tmp_path: Path, name: str) -> tuple[Path, Path]:
    """(the installed package's folder, a folder to mount over it whose import raises ImportError)."""
    spec = importlib.util.find_spec(name)  # finds the folder without importing the package
    assert spec is not None and spec.submodule_search_locations, f"{name} is a dependency: it must be installed"
    fake = tmp_path / f"hidden-{name}"
    fake.mkdir()
    (fake / "__init__.py").write_text(f"raise ImportError('{name} is hidden by this test')\n")
    return Path(spec.submodule_search_locations[0]), fake


def test_no_process_grading_a_catalogue_model_imports_tensorflow(models, tmp_path):
    """TensorFlow and Keras are made unimportable for the whole command (the grader and every
    worker it starts: a mount namespace where their folders are folders that raise ImportError);
    the catalogue models are graded exactly as with them, and the keras worker, asked, fails."""
    if not namespaces_available():
        pytest.fail("unshare is unavailable: this test hides TensorFlow with a mount namespace")
    folder = _student(tmp_path / "student", models / "conv2d.keras",
                      ROOT / "exercises" / "transfer_learning" / "base_model.keras")
    mounts = [str(path) for name in ("tensorflow", "keras") for path in _hidden_package(tmp_path, name)[::-1]]
    # In its own user and mount namespaces: the two bind mounts, a check that they hide, the command.
    script = ('mount --bind "$1" "$2" && mount --bind "$3" "$4" || exit 9; shift 4; '
              f'"{sys.executable}" -c "import tensorflow" 2>/dev/null && exit 8; exec "$@"')
    hidden = {}
    for name, extra in (("numpy", []), ("keras", ["--keras-models"])):
        out = tmp_path / f"{name}.json"
        command = [sys.executable, "-m", "grader.cli", "submit", str(folder), "-e", "mnist_cnn", "-e",
                   "transfer_learning", "--json", str(out), *extra]
        done = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script, "sh",
                               *mounts, *command], capture_output=True, text=True, cwd=ROOT, timeout=600)
        assert done.returncode in (0, 1), (done.returncode, done.stdout[-2000:], done.stderr[-2000:])
        hidden[name] = json.loads(out.read_text())
    plain = run_cnngrade("submit", folder, "-e", "mnist_cnn", "-e", "transfer_learning",
                         json_path=tmp_path / "plain.json")
    assert hidden["numpy"] == plain.result  # graded as with TensorFlow installed, byte for byte of the record
    assert all(c["status"] != "error" for e in plain.result["exercises"] for c in e["checks"])
    for exercise in hidden["keras"]["exercises"]:  # the hiding reached the workers: Keras cannot load
        for check in exercise["checks"]:
            assert check["status"] == "error" and "is hidden by this test" in check["message"], check["message"]


def test_the_screen_list_is_keras_own():
    done = subprocess.run([sys.executable, str(ROOT / "tests" / "make_keras_names.py"), "--check"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]

"""transfer_learning end to end, with real Keras: the shipped base, a student's model built as the
statement says, the same model left unfrozen, the pack's own mutants through selftest, and init.

TensorFlow runs in one subprocess per session (STUDENT below: it checks the shipped base and
trains the two student models, about 15 s), in the keras workers of the tests that grade a model
by both paths, and in this process for the selftest's mutant models (trained once per session
into the session's CNNGRADE_CACHE). Grading itself reads the models as data (numpy_model worker).
"""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import tomllib

import numpy as np
import pytest

from conftest import MNIST, ROOT, run_cnngrade
from exercises.models.mnist import Mnist
from exercises.transfer_learning import models as transfer_models
from model_paths import assert_same_verdicts
from grader.grading.exercise import select
from grader.grading.fixtures import Fixtures
from grader.grading.sandboxes import open_sandbox
from grader.grading.selftest import selftest_exercise

EXERCISE = ROOT / "exercises" / "transfer_learning"
SPEC = tomllib.loads((EXERCISE / "spec.toml").read_text())
NOT_FROZEN = "the base was not frozen: its weights changed during training"

# What a student writes, following the statement's outline; run in the folder `cnngrade init` made.
# It first reports what the shipped base is (loaded by Keras itself), then trains two models: as
# the statement says (frozen) into its folder, and the same without freezing into another.
STUDENT = textwrap.dedent('''
    import gzip, json, os, struct, sys
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    import numpy as np
    import tensorflow as tf
    tf.config.threading.set_intra_op_parallelism_threads(2)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    import keras

    mnist, unfrozen_folder, facts_path = sys.argv[1:4]

    def read(name):
        with gzip.open(os.path.join(mnist, name), "rb") as handle:
            data = handle.read()
        dims = data[3]
        shape = struct.unpack(f">{dims}I", data[4:4 + 4 * dims])
        return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)

    x_train, y_train = read("train-images-idx3-ubyte.gz"), read("train-labels-idx1-ubyte.gz")
    x_test, y_test = read("t10k-images-idx3-ubyte.gz"), read("t10k-labels-idx1-ubyte.gz")

    # The shipped base, as Keras loads it.
    base = keras.saving.load_model("base_model.keras")
    low = y_test < 5
    predicted = base.predict(x_test[low][..., None] / 255.0, verbose=0).argmax(axis=1)
    facts = {"accuracy": float(np.mean(predicted == y_test[low])), "params": base.count_params(),
             "layers": [layer.name for layer in base.layers],
             "weights": {f"{layer.name}.{i}": w.tolist() for layer in base.layers
                         for i, w in enumerate(layer.get_weights())}}
    with open(facts_path, "w") as handle:
        json.dump(facts, handle)

    keep = np.flatnonzero(y_train >= 5)[:12000]
    x, y = x_train[keep][..., None] / 255.0, y_train[keep].astype("int64") - 5
    for folder, freeze in ((".", True), (unfrozen_folder, False)):
        keras.utils.set_random_seed(7)
        base = keras.saving.load_model("base_model.keras")
        features = base.layers[:5]              # conv1, pool1, conv2, pool2, flatten
        for layer in features:
            layer.trainable = not freeze
        model = keras.Sequential([keras.Input(shape=(28, 28, 1)), *features,
                                  keras.layers.Dense(32, activation="relu"),
                                  keras.layers.Dense(5, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        model.fit(x, y, epochs=2, batch_size=128, verbose=0)
        model.save(os.path.join(folder, "transfer.keras"))
''')


@pytest.fixture(scope="session")
def students(tmp_path_factory):
    """Two student folders made by `cnngrade init`, with transfer.keras trained by STUDENT; and
    what Keras says of the shipped base."""
    root = tmp_path_factory.mktemp("transfer")
    frozen, unfrozen = root / "frozen", root / "unfrozen"
    for folder in (frozen, unfrozen):
        run = run_cnngrade("init", folder)
        assert run.code == 0, run.stderr
    done = subprocess.run([sys.executable, "-c", STUDENT, str(MNIST), str(unfrozen), str(root / "facts.json")],
                          cwd=frozen, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return frozen, unfrozen, json.loads((root / "facts.json").read_text())


def _checks(result: dict) -> dict:
    (exercise,) = [e for e in result["exercises"] if e["id"] == "transfer_learning"]
    return {c["name"]: c for c in exercise["checks"]}


def test_the_shipped_base_has_its_recorded_accuracy_and_its_weights_in_the_npz(students):
    _, _, facts = students
    assert (EXERCISE / "base_model.keras").stat().st_size < 1 << 20
    assert abs(facts["accuracy"] - SPEC["base"]["accuracy"]) <= 1e-4
    assert facts["accuracy"] > 0.95
    assert facts["layers"] == SPEC["base"]["feature_layers"] + SPEC["base"]["head_layers"]
    with np.load(EXERCISE / SPEC["base"]["weights"], allow_pickle=False) as stored:
        shipped = {key: stored[key] for key in stored.files}
    assert sorted(shipped) == sorted(facts["weights"])
    for key, values in facts["weights"].items():
        assert shipped[key].dtype == np.float32
        assert np.array_equal(shipped[key], np.asarray(values, dtype=np.float32)), key


def test_a_model_built_as_the_statement_says_gets_full_marks(students, tmp_path):
    frozen, _, _ = students
    run = run_cnngrade("submit", frozen, "-e", "transfer_learning", json_path=tmp_path / "r.json")
    assert run.code == 0, run.stdout + run.stderr
    assert run.scores == {"transfer_learning": 10}
    checks = _checks(run.result)
    assert all(c["diagnosis"] is None for c in checks.values())
    rows = {row["layer"]: row for row in checks["frozen_base"]["details"]["layers"]}
    for name in ("conv1", "conv2"):
        assert rows[name]["state"] == "frozen" and rows[name]["weights"] == f"the base's {name} weights, unchanged"
    assert not any("dense" in row["weights"] and "base's" in row["weights"] and "new" not in row["weights"]
                   for row in rows.values())
    details = checks["accuracy"]["details"]
    assert details["total"] == 4861 and details["accuracy"] >= SPEC["accuracy"]["full"]
    assert sorted(details["accuracy_per_digit"]) == ["5", "6", "7", "8", "9"]
    assert "accuracy per digit: 5: " in run.stdout


def test_the_same_model_unfrozen_loses_the_freeze_check_with_the_diagnosis(students, tmp_path):
    _, unfrozen, _ = students
    run = run_cnngrade("submit", unfrozen, "-e", "transfer_learning", "--html", tmp_path / "html",
                       json_path=tmp_path / "r.json")
    assert run.code == 1, run.stdout + run.stderr
    checks = _checks(run.result)
    frozen_base = checks["frozen_base"]
    assert frozen_base["status"] == "failed" and frozen_base["score"] == 0
    assert frozen_base["diagnosis"] == NOT_FROZEN
    assert NOT_FROZEN in frozen_base["message"] and frozen_base["details"]["diagnosis"] == NOT_FROZEN
    rows = {row["layer"]: row for row in frozen_base["details"]["layers"]}
    assert rows["conv1"]["state"] == "trainable"
    assert rows["conv1"]["weights"].startswith("the base's conv1 weights, changed by training")
    assert checks["new_head"]["status"] == "passed" and checks["accuracy"]["score"] > 0
    assert f"likely cause: {NOT_FROZEN}" in run.stdout
    page = (tmp_path / "html" / "index.html").read_text()
    assert 'data-detail="bars"' in page and "accuracy per digit" in page  # the bar per digit
    assert 'data-detail="table"' in page and "changed by training" in page  # the row per layer


def test_selftest_gives_the_reference_full_marks_and_every_mutant_less_with_its_diagnosis():
    (exercise,) = select(["transfer_learning"])
    result = selftest_exercise(exercise, fixtures=Fixtures({"mnist": MNIST}))
    failing = {c.name: c.message for c in result.reference.checks if c.status != "passed"}
    assert result.reference_ok and result.reference.score == 10, (failing, result.faults)
    assert result.survivors == [] and result.ok
    assert {name for name, _ in result.killed} == {"not_frozen", "head_kept", "from_scratch", "ten_classes"}
    assert all(score < 10 for _, score in result.killed)
    diagnoses = {name: {c.name: c.diagnosis for c in graded.checks if c.diagnosis}
                 for name, graded in result.graded.items()}
    assert diagnoses["not_frozen"] == {"frozen_base": NOT_FROZEN}
    assert diagnoses["head_kept"] == {"new_head": "the base's classification part is still there"}
    assert diagnoses["from_scratch"] == {"frozen_base": "no base weights found: this model was trained from scratch"}
    assert diagnoses["ten_classes"] == {"new_head": "wrong number of classes", "accuracy": "wrong number of classes"}


@pytest.mark.parametrize("student", ["frozen", "unfrozen"])
def test_a_student_model_gets_the_same_verdicts_on_both_paths(student, students):
    frozen, unfrozen, _ = students
    assert_same_verdicts(frozen if student == "frozen" else unfrozen, "transfer_learning", "transfer.keras")


@pytest.mark.parametrize("variant", transfer_models.VARIANTS)
def test_every_mutant_gets_the_same_verdicts_on_both_paths(variant, tmp_path):
    # The pack's own models (trained once per session, as the selftest above uses them).
    folder = tmp_path / variant
    folder.mkdir()
    (folder / "transfer.keras").write_bytes(transfer_models.model_file(variant, Mnist(MNIST)).read_bytes())
    assert_same_verdicts(folder, "transfer_learning", "transfer.keras")


def test_init_writes_the_base_and_list_names_the_graded_file(tmp_path):
    run = run_cnngrade("init", tmp_path / "work")
    assert run.code == 0, run.stderr
    assert (tmp_path / "work" / "cnn.py").is_file()
    assert (tmp_path / "work" / "base_model.keras").read_bytes() == (EXERCISE / "base_model.keras").read_bytes()
    assert f"wrote {tmp_path / 'work' / 'base_model.keras'}" in run.stdout
    listed = run_cnngrade("list")
    line = next(line for line in listed.stdout.splitlines() if line.startswith("transfer_learning"))
    assert line.endswith("[transfer.keras]") and "10 pts" in line
    assert any(line.startswith("mnist_cnn") and line.endswith("[model.keras]") for line in listed.stdout.splitlines())


@pytest.mark.parametrize("kind", ["numpy_model", "keras"])
@pytest.mark.parametrize("name", ["../transfer.keras", "sub/transfer.keras", "..", ""])
def test_the_model_workers_load_only_a_plain_file_name_of_the_folder(name, kind, tmp_path):
    folder = tmp_path / "student"
    (folder / "sub").mkdir(parents=True)
    for path in (tmp_path / "transfer.keras", folder / "sub" / "transfer.keras"):
        path.write_bytes((EXERCISE / "base_model.keras").read_bytes())
    with open_sandbox(folder, kind=kind) as sandbox:
        outcome = sandbox.ask({"action": "describe", "file": name})
    assert outcome.status == "crashed" and "only a plain file name" in outcome.error


def test_selftest_without_mnist_says_so_in_one_line(tmp_path):
    # The mutants' models are trained from MNIST: without it nothing can be proven (exit 2, one line).
    run = run_cnngrade("selftest", "transfer_learning", env={"CNNGRADE_MNIST": str(tmp_path),
                                                             "CNNGRADE_CACHE": str(tmp_path / "cache")})
    assert run.code == 2, run.stdout + run.stderr
    assert len(run.stderr.strip().splitlines()) == 1 and "MNIST" in run.stderr
    assert not (tmp_path / "cache").exists() or not list((tmp_path / "cache").glob("transfer-*.keras"))


def test_init_keeps_a_base_the_student_has_unless_forced(tmp_path):
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "base_model.keras").write_bytes(b"mine")
    run = run_cnngrade("init", folder)
    assert run.code == 0, run.stderr
    assert (folder / "base_model.keras").read_bytes() == b"mine" and "base_model.keras" not in run.stdout
    forced = run_cnngrade("init", folder, "--force")
    assert forced.code == 0, forced.stderr
    assert (folder / "base_model.keras").read_bytes() == (EXERCISE / "base_model.keras").read_bytes()

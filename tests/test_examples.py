"""Saved submissions with the scores the suite expects of them (examples/*/expected.toml).

Each mistake folder stores only what it writes differently from good/ (changes.py) and is
assembled into a whole submission (examples/assemble.py). It loses points exactly on the
exercises its expected.toml lists, with exactly those scores, and keeps full marks everywhere
else. The MNIST exercises need a trained model and the data set: tests/test_mnist.py grades them.
"""
from __future__ import annotations

import tomllib

import pytest

import assemble
from conftest import EXAMPLES, example_folder
from grader.grading.exercise import all_exercises

MNIST_EXERCISES = {"mnist_cnn", "cnn_forward"}
# Exercises graded from files (a pack's worker kind: mnist_cnn, transfer_learning) have their own tests.
NUMPY_EXERCISES = [e.id for e in all_exercises() if e.id not in MNIST_EXERCISES and e.kind == "python"]
ALL_FOLDERS = assemble.names()


def expected_scores(name: str) -> dict:
    return tomllib.loads((EXAMPLES / name / "expected.toml").read_text()).get("lost", {})


# A folder whose only mistakes are in MNIST exercises is graded by test_mnist.py.
FOLDERS = [name for name in ALL_FOLDERS
           if not expected_scores(name) or set(expected_scores(name)) - MNIST_EXERCISES]


@pytest.mark.parametrize("name", FOLDERS)
def test_example_scores_as_expected(cnngrade, name):
    lost = {k: v for k, v in expected_scores(name).items() if k in NUMPY_EXERCISES}
    selection = [arg for id_ in NUMPY_EXERCISES for arg in ("-e", id_)]
    run = cnngrade("submit", example_folder(name), *selection, json=True)
    assert run.result is not None, run.stderr
    full = {e["id"]: e["max_score"] for e in run.result["exercises"]}
    expected = {id_: lost.get(id_, full[id_]) for id_ in NUMPY_EXERCISES}
    assert run.scores == expected
    assert run.code == (0 if not lost else 1)
    for exercise in run.result["exercises"]:
        if exercise["id"] in lost:
            assert any(c["diagnosis"] or c["counterexample"] for c in exercise["checks"]
                       if c["status"] == "failed"), f"{exercise['id']}: no failure explains itself"


def test_a_mistake_folder_holds_only_what_differs_from_good():
    good = assemble.definitions((EXAMPLES / "good" / "cnn.py").read_text())
    for name in ALL_FOLDERS[1:]:
        folder = EXAMPLES / name
        assert not (folder / "cnn.py").exists(), f"examples/{name} keeps a whole cnn.py: store changes.py only"
        assert set(assemble.changed(name)) <= set(good), name
        source = assemble.cnn_source(name)
        # Every other function is good's, line for line: only the mistake costs points.
        for function, (first, last) in assemble.definitions(source).items():
            if function not in assemble.changed(name):
                same = (EXAMPLES / "good" / "cnn.py").read_text().splitlines()[good[function][0] - 1:good[function][1]]
                assert source.splitlines()[first - 1:last] == same, (name, function)


def test_assembling_writes_a_whole_gradeable_folder(tmp_path):
    folder = assemble.assemble("conv2d_no_bias", tmp_path)
    text = (folder / "cnn.py").read_text()
    first, last = assemble.definitions(text)["conv2d"]
    conv2d = "\n".join(text.splitlines()[first - 1:last])
    assert "def correlate2d(" in text and "def conv3d(" in text
    assert "bias=None" in conv2d and "np.asarray(bias" not in conv2d  # the mistake: the bias is never added
    assert sorted(p.name for p in folder.iterdir()) == ["cnn.py"]
    assert sorted(p.name for p in assemble.assemble("mnist_untrained", tmp_path).iterdir()) == [
        "cnn.py", "make_model.py"]

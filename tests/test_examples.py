"""Saved submissions with the scores the suite expects of them (examples/*/expected.toml).

Each folder loses points exactly on the exercises its expected.toml lists, with exactly those
scores, and keeps full marks everywhere else. The MNIST exercises need a trained model and the
data set: tests/test_mnist.py grades them.
"""
from __future__ import annotations

import ast
import tomllib

import pytest

from conftest import EXAMPLES
from grader.exercise import all_exercises

MNIST_EXERCISES = {"mnist_cnn", "cnn_forward"}
NUMPY_EXERCISES = [e.id for e in all_exercises() if e.id not in MNIST_EXERCISES]
ALL_FOLDERS = sorted(p.parent.name for p in EXAMPLES.glob("*/expected.toml"))


def expected_scores(name: str) -> dict:
    return tomllib.loads((EXAMPLES / name / "expected.toml").read_text()).get("lost", {})


# A folder whose only mistakes are in MNIST exercises is graded by test_mnist.py.
FOLDERS = [name for name in ALL_FOLDERS
           if not expected_scores(name) or set(expected_scores(name)) - MNIST_EXERCISES]


@pytest.mark.parametrize("name", FOLDERS)
def test_example_scores_as_expected(cnngrade, name):
    lost = {k: v for k, v in expected_scores(name).items() if k in NUMPY_EXERCISES}
    selection = [arg for id_ in NUMPY_EXERCISES for arg in ("-e", id_)]
    run = cnngrade("submit", EXAMPLES / name, *selection, json=True)
    assert run.result is not None, run.stderr
    full = {e["id"]: e["max_score"] for e in run.result["exercises"]}
    expected = {id_: lost.get(id_, full[id_]) for id_ in NUMPY_EXERCISES}
    assert run.scores == expected
    assert run.code == (0 if not lost else 1)
    for exercise in run.result["exercises"]:
        if exercise["id"] in lost:
            assert any(c["diagnosis"] or c["counterexample"] for c in exercise["checks"]
                       if c["status"] == "failed"), f"{exercise['id']}: no failure explains itself"


def test_every_example_folder_has_expectations():
    folders = {p.name for p in EXAMPLES.iterdir() if p.is_dir() and (p / "cnn.py").exists()}
    assert folders == set(ALL_FOLDERS)


def _definitions(path) -> dict[str, str]:
    tree = ast.parse(path.read_text())
    return {node.name: ast.dump(node) for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))}


@pytest.mark.parametrize("name", [name for name in ALL_FOLDERS if name != "good"])
def test_a_mistake_folder_is_good_cnn_py_but_for_its_changed_functions(name):
    # A mistake folder is a whole submission, as a student hands it in; this keeps its copy of
    # the correct functions in step with good/cnn.py, so that only the mistake costs points.
    good = _definitions(EXAMPLES / "good" / "cnn.py")
    mistake = _definitions(EXAMPLES / name / "cnn.py")
    differ = sorted(n for n in good.keys() | mistake.keys() if good.get(n) != mistake.get(n))
    changed = tomllib.loads((EXAMPLES / name / "expected.toml").read_text())["changed"]
    assert differ == sorted(changed), f"update examples/{name}/cnn.py from good/cnn.py, or its expected.toml"

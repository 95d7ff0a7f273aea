"""A second pack, installed as a course installs its own: listed, graded, proved; gone again.

tests/packs/kernels is its own distribution (pyproject.toml, an entry point in the `cnngrade`
group). It is installed with pip into a folder of its own and put on the path of the cnngrade
runs of this file only, so that the rest of the suite never sees it, and removing it from the
path is uninstalling it.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import EXAMPLES, ROOT, run_cnngrade

PACK = ROOT / "tests" / "packs" / "kernels"
STUDENT = '''
import numpy as np

def _filter(image, kernel):
    image = np.pad(np.asarray(image, dtype=float), 1)
    h, w = image.shape[0] - 2, image.shape[1] - 2
    return np.array([[np.sum(image[i:i + 3, j:j + 3] * kernel) for j in range(w)] for i in range(h)]).reshape(h, w)

def sharpen(image):
    return _filter(image, np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]]))

def edge_detect(image):
    return _filter(image, np.array([[0, -1, 0], [-1, 4, -1], [0, -1, 0]]))

def strong_edge_detect(image):
    return _filter(image, -np.ones((3, 3)) + 9 * np.pad([[1]], 1))
'''


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict:
    """The pack pip-installed into a folder of its own; the environment that puts it on the path."""
    target = tmp_path_factory.mktemp("site")
    source = tmp_path_factory.mktemp("source") / "kernels"
    shutil.copytree(PACK, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                           "--target", str(target), str(source)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert (target / "cnngrade_kernels").is_dir() and list(target.glob("cnngrade_kernels-*.dist-info"))
    return {"PYTHONPATH": os.pathsep.join([str(target), str(ROOT)])}


def test_the_installed_pack_is_listed_and_its_option_shown(installed):
    listing = run_cnngrade("list", env=installed)
    assert listing.code == 0
    line = next(line for line in listing.stdout.splitlines() if line.startswith("image_kernels"))
    assert "sharpen, edge_detect, strong_edge_detect" in line and "7 pts" in line
    assert "correlate2d" in listing.stdout  # the course is still there
    for command in ("submit", "check", "batch", "selftest"):
        assert "--kernel-image" in run_cnngrade(command, "--help", env=installed).stdout


def test_the_pack_grades_a_submission_with_its_own_fixture(installed, tmp_path):
    folder = tmp_path / "student"
    folder.mkdir()
    (folder / "cnn.py").write_text(STUDENT)
    run = run_cnngrade("submit", folder, "-e", "image_kernels", json_path=tmp_path / "r.json", env=installed)
    assert run.code == 0, run.stdout + run.stderr
    assert run.result["score"] == run.result["max_score"] == 7
    # Its own option: another image, and a wrong one is the user's mistake (exit 2, one line).
    (tmp_path / "other.npy").write_bytes(b"")
    import numpy as np
    np.save(tmp_path / "other.npy", np.arange(20.0).reshape(4, 5))
    assert run_cnngrade("submit", folder, "-e", "image_kernels", "--kernel-image", tmp_path / "other.npy",
                        env=installed).code == 0
    wrong = run_cnngrade("submit", folder, "-e", "image_kernels", "--kernel-image", tmp_path / "nothing.npy",
                         env=installed)
    assert wrong.code == 2 and "cannot read the grayscale image" in wrong.stderr
    assert len(wrong.stderr.strip().splitlines()) == 1


def _sign_flipped(tmp_path):
    folder = tmp_path / "student"
    folder.mkdir()
    (folder / "cnn.py").write_text(STUDENT + "\n\ndef edge_detect(image):\n    return -_filter(image, "
                                   "np.array([[0, -1, 0], [-1, 4, -1], [0, -1, 0]]))\n")
    return folder


def test_a_mistake_loses_points_with_the_packs_diagnosis(installed, tmp_path):
    run = run_cnngrade("submit", _sign_flipped(tmp_path), "-e", "image_kernels", json_path=tmp_path / "r.json",
                       env=installed)
    assert run.code == 1
    diagnoses = {c["diagnosis"] for c in run.result["exercises"][0]["checks"] if c["status"] == "failed"}
    assert any(d and d.startswith("the edge kernel's signs are flipped") for d in diagnoses), diagnoses


def test_the_pack_speaks_french_from_its_own_catalog(installed, tmp_path):
    """Its title, check descriptions, messages and diagnoses come from its kernels.mo, installed
    with it and found through its cnngrade_locale_dirs hook; the scores are the English run's."""
    english = run_cnngrade("submit", _sign_flipped(tmp_path), "-e", "image_kernels", json_path=tmp_path / "en.json",
                           env=installed)
    run = run_cnngrade("submit", tmp_path / "student", "-e", "image_kernels", "--lang", "fr",
                       json_path=tmp_path / "fr.json", env=installed)
    assert run.code == english.code == 1
    assert "Noyaux classiques de traitement d'image" in run.stdout
    failed = [c for c in run.result["exercises"][0]["checks"] if c["status"] == "failed"]
    assert any((c["diagnosis"] or "").startswith("les signes du noyau de détection de contours sont inversés")
               for c in failed), failed
    assert any("edge_detect de l'image en niveaux de gris du pack" in c["message"] for c in failed), failed
    for english_words in ("Classic image kernels", "the edge kernel's signs", "of the pack's grayscale image"):
        assert english_words not in run.stdout
    assert [c["score"] for c in run.result["exercises"][0]["checks"]] == \
        [c["score"] for c in english.result["exercises"][0]["checks"]]


def test_selftest_proves_the_packs_checks(installed):
    run = run_cnngrade("selftest", "image_kernels", env=installed)
    assert run.code == 0, run.stdout
    assert "image_kernels" in run.stdout and "mutants killed 4/4 (100%)" in run.stdout


def test_init_writes_the_packs_stubs_after_the_course(installed, tmp_path):
    assert run_cnngrade("init", tmp_path / "mine", env=installed).code == 0
    text = (tmp_path / "mine" / "cnn.py").read_text()
    assert text.index("def correlate2d(") < text.index("def sharpen(") < text.index("def strong_edge_detect(")
    assert "Image kernels (pack cnngrade-kernels)" in text
    compile(text, "cnn.py", "exec")


def test_uninstalled_the_pack_is_gone_and_nothing_else_changes(installed, tmp_path):
    assert "image_kernels" not in run_cnngrade("list").stdout
    assert "--kernel-image" not in run_cnngrade("submit", "--help").stdout
    results = []
    for env in ({}, installed):
        path = tmp_path / f"{len(results)}.json"
        run_cnngrade("submit", EXAMPLES / "good", "-e", "correlate2d", "-e", "pad2d", json_path=path, env=env)
        results.append(json.loads(path.read_text()))
    assert results[0] == results[1]


def test_the_engine_names_neither_this_pack_nor_the_course():
    found = subprocess.run(["grep", "-rniE", "cnngrade.kernels|image_kernels|kernel.image|grayscale_image",
                            str(ROOT / "grader")], capture_output=True, text=True)
    assert found.stdout == ""
    course = subprocess.run(["grep", "-rniE", "mnist|keras|tensorflow", str(ROOT / "grader")],
                            capture_output=True, text=True)
    assert course.stdout == "", course.stdout

"""The MNIST data layer (exercises/models/mnist.py) and what must stay free of TensorFlow. No TF here.

The data is the shared copy of the four original files (../shared/data/mnist); nothing downloads
(conftest sets CNNGRADE_OFFLINE).
"""
from __future__ import annotations

import gzip
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from conftest import EXAMPLES, MNIST, ROOT
from exercises.models import mnist as data
from grader.grading.sandboxes import hidden_paths, open_sandbox
from grader.sandbox.client import Limits, namespaces_available

# From ../shared/data/mnist/README.md: label counts per class and the mean pixel value.
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
GZ_NAMES = [entry[0] for entry in data.IDX_GZ.values()]


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    """No MNIST from the environment, an empty home (no Keras cache), no download."""
    monkeypatch.delenv("CNNGRADE_MNIST", raising=False)
    monkeypatch.delenv("KERAS_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CNNGRADE_OFFLINE", "1")
    data._inspect_folder.cache_clear()
    return tmp_path


def _copy_mnist(target: Path) -> Path:
    target.mkdir(parents=True)
    for name in GZ_NAMES:
        shutil.copyfile(MNIST / name, target / name)
    return target


def test_the_shared_files_verify_and_load_with_the_published_statistics():
    source = data.locate(MNIST)
    assert source.kind == "idx" and source.origin == "--mnist"
    x_test, y_test = data.load(source, "test")
    x_train, y_train = data.load(source, "train")
    assert x_test.shape == (10000, 28, 28) and x_train.shape == (60000, 28, 28)
    assert x_test.dtype == y_test.dtype == np.uint8
    assert np.bincount(y_test).tolist() == TEST_COUNTS
    assert np.bincount(y_train).tolist() == TRAIN_COUNTS
    assert round(float(x_test.mean()), 3) == 33.791 and round(float(x_train.mean()), 3) == 33.318
    assert not x_test.flags.writeable  # shared by every check: nobody may change it


def test_scaled_images_are_the_course_input():
    x = data.scaled(np.array([[[0, 255], [51, 102]]], dtype=np.uint8))
    assert x.shape == (1, 2, 2, 1) and x.dtype == np.float32
    assert np.allclose(x[0, :, :, 0], [[0, 1], [0.2, 0.4]])


def test_the_order_is_option_then_environment(clean_env, monkeypatch):
    broken = clean_env / "broken"
    broken.mkdir()
    monkeypatch.setenv("CNNGRADE_MNIST", str(MNIST))
    assert data.locate().origin == "$CNNGRADE_MNIST"
    monkeypatch.setenv("CNNGRADE_MNIST", str(broken))
    assert data.locate(MNIST).origin == "--mnist"  # the option wins over the environment
    with pytest.raises(data.MnistNotFound, match=r"\$CNNGRADE_MNIST: .*holds no MNIST files"):
        data.locate()  # a folder named explicitly must be good: no silent fallback


def test_unpacked_idx_files_verify_by_their_md5_and_load_the_same(tmp_path):
    for name in GZ_NAMES:
        with gzip.open(MNIST / name, "rb") as packed:
            (tmp_path / name[:-3]).write_bytes(packed.read())
    source = data.locate(tmp_path)
    assert not source.gzipped
    for split in ("train", "test"):
        for ours, theirs in zip(data.load(source, split), data.load(data.locate(MNIST), split)):
            assert np.array_equal(ours, theirs)


@pytest.mark.parametrize("damage, message", [
    ("flip", "has the right size but not the published SHA256 checksum"),
    ("truncate", "has 1648000 bytes, the published file has 1648877"),
    ("remove", "lacks t10k-images-idx3-ubyte.gz"),
])
def test_a_damaged_folder_is_refused_with_the_reason(clean_env, damage, message):
    folder = _copy_mnist(clean_env / "mnist")
    victim = folder / "t10k-images-idx3-ubyte.gz"
    content = bytearray(victim.read_bytes())
    if damage == "flip":
        content[1000] ^= 0xFF
        victim.write_bytes(bytes(content))
    elif damage == "truncate":
        victim.write_bytes(bytes(content[:1648000]))
    else:
        victim.unlink()
    with pytest.raises(data.MnistNotFound) as caught:
        data.locate(folder)
    text = str(caught.value)
    assert message in text and "--mnist DIR" in text and "\n" not in text


def test_nothing_anywhere_is_one_line_saying_where_to_put_the_files(clean_env):
    keras_cache = clean_env / "home" / ".keras" / "datasets"
    keras_cache.mkdir(parents=True)
    (keras_cache / "mnist.npz").write_bytes(b"not the real thing")
    with pytest.raises(data.MnistNotFound) as caught:
        data.locate()
    text = str(caught.value)
    assert "\n" not in text
    assert "mnist.npz has 18 bytes, the published file has 11490434" in text  # the cache was passed over
    assert "no download ($CNNGRADE_OFFLINE is set)" in text
    assert "pass --mnist DIR or set CNNGRADE_MNIST=DIR" in text and "t10k-images-idx3-ubyte.gz" in text


def test_without_mnist_only_the_checks_that_need_it_go_ungraded_with_the_reason(cnngrade, tmp_path):
    env = {"CNNGRADE_MNIST": "", "HOME": str(tmp_path), "KERAS_HOME": str(tmp_path / "k"), "CNNGRADE_OFFLINE": "1"}
    run = cnngrade("submit", EXAMPLES / "good", "-e", "cnn_forward", "-e", "pad2d", json=True, env=env)
    assert run.code == 1 and run.stderr == "" and "Traceback" not in run.stdout
    checks = {c["name"]: c for e in run.result["exercises"] for c in e["checks"]}
    keras = checks.pop("matches_keras")
    assert keras["status"] == "missing" and keras["score"] == 0
    assert keras["message"].startswith("not graded: MNIST not found") and "--mnist DIR" in keras["message"]
    assert "\n" not in keras["message"] and run.stdout.count("MNIST not found") == 1
    assert all(c["status"] == "passed" for c in checks.values())  # cnn_forward's other checks, pad2d
    # A folder named with --mnist that holds no MNIST is the user's mistake: one line and exit 2,
    # after the rest is graded and reported.
    wrong = cnngrade("check", EXAMPLES / "good", "-e", "mnist_cnn", "--mnist", tmp_path, json=True, env=env)
    assert wrong.code == 2 and "MNIST from --mnist" in wrong.stderr and "holds no MNIST files" in wrong.stderr
    assert len(wrong.stderr.strip().splitlines()) == 1 and wrong.result is not None
    # Exercises that do not need MNIST never look for it.
    assert cnngrade("submit", EXAMPLES / "good", "-e", "pad2d", env=env).code == 0


def test_private_paths_hide_the_cache_and_the_data_but_never_what_a_worker_needs(monkeypatch, tmp_path):
    monkeypatch.setenv("CNNGRADE_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("CNNGRADE_MNIST", raising=False)
    given = tmp_path / "given"
    given.mkdir()
    assert given.resolve() in data.private_paths(given)
    monkeypatch.setenv("CNNGRADE_MNIST", str(MNIST))
    assert MNIST.resolve() in data.private_paths(None)
    for runs_student_code in (True, False):
        hidden = hidden_paths(runs_student_code, {"mnist": given})
        assert {str(given.resolve()), str(MNIST.resolve()), str((tmp_path / "cache").resolve())} <= set(hidden)
    assert (tmp_path / "cache").is_dir()
    monkeypatch.setenv("CNNGRADE_MNIST", str(Path(sys.prefix).parent))  # a careless setting
    assert Path(sys.prefix).parent.resolve() not in data.private_paths(None)


PEEK = '''
import os

def listing(path):
    try:
        return len(os.listdir(path))
    except OSError:
        return -1
'''


def test_student_code_sees_neither_the_cache_nor_mnist(monkeypatch, tmp_path):
    if not namespaces_available():
        pytest.fail("unshare is unavailable: the sandbox would run without namespaces")
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "course-model-0123.npz").write_bytes(b"the reference model")
    monkeypatch.setenv("CNNGRADE_CACHE", str(cache))
    monkeypatch.setenv("CNNGRADE_MNIST", str(MNIST))
    folder = tmp_path / "student"
    folder.mkdir()
    (folder / "cnn.py").write_text(PEEK)
    with open_sandbox(folder, Limits(wall_seconds=10)) as sandbox:
        assert sandbox.call("listing", (str(cache),)).value == -1  # not in the worker's view at all
        assert sandbox.call("listing", (str(MNIST),)).value == -1
    assert len(list(MNIST.iterdir())) >= 4  # they are there, just not for the student


NO_TENSORFLOW = textwrap.dedent('''
    import sys
    from grader.cli import main
    for args in (["list"], ["show", "cnn_forward"], ["submit", sys.argv[1], "-e", "pad2d", "-e", "activations"],
                 ["check", sys.argv[1], "-e", "correlate2d"]):
        try:
            main(args, standalone_mode=False)
        except SystemExit as done:
            assert not done.code, (args, done.code)
    loaded = sorted(name for name in sys.modules if name.split(".")[0] in ("tensorflow", "keras", "tf_keras"))
    print("LOADED", loaded)
    assert not loaded, loaded
''')


def test_list_show_and_numpy_exercises_never_import_tensorflow():
    done = subprocess.run([sys.executable, "-c", NO_TENSORFLOW, str(EXAMPLES / "good")], capture_output=True,
                          text=True, cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "LOADED []" in done.stdout

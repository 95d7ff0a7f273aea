"""A model file read as data (exercises/models/model_files.py), in this process, without TensorFlow:
what a hostile archive, config or HDF5 file gets (a refusal naming its part, within bounded work
and memory), and what Keras' own files get (read, screened, accepted).

The files are built here from the shipped base model (a real file saved by Keras) and with h5py;
the models and grading end to end are tests/test_catalogue.py's and tests/test_mnist.py's.
"""
from __future__ import annotations

import json
import stat
import struct
import subprocess
import sys
import time
import tracemalloc
import zipfile
from pathlib import Path

import h5py
import numpy as np
import pytest

from conftest import ROOT
from exercises.models import model_files
from exercises.models.mnist import scaled
from exercises.models.model_files import ModelProblem

BASE = ROOT / "exercises" / "transfer_learning" / "base_model.keras"
with zipfile.ZipFile(BASE) as _archive:
    CONFIG, METADATA, WEIGHTS = (_archive.read(n) for n in ("config.json", "metadata.json", "model.weights.h5"))


def keras_file(path: Path, members: dict | None = None, compression: int = zipfile.ZIP_STORED) -> Path:
    """A .keras archive: the base model's members, replaced or added by `members` (name -> bytes)."""
    contents = {"metadata.json": METADATA, "config.json": CONFIG, "model.weights.h5": WEIGHTS, **(members or {})}
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in contents.items():
            archive.writestr(name, data)
    return path


def zip_bomb(path: Path, mib: int = 256) -> Path:
    """A .keras archive whose weights are an HDF5 signature and `mib` MiB of zeros, deflated
    about a thousand times."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("config.json", CONFIG)
        with archive.open("model.weights.h5", "w", force_zip64=True) as member:
            member.write(model_files.HDF5_SIGNATURE)
            for _ in range(mib):
                member.write(bytes(1 << 20))
    return path


def refused(path: Path) -> str:
    with pytest.raises(ModelProblem) as problem:
        model_files.read(str(path))
    assert problem.value.status == "raised" and "\n" not in problem.value.message
    return problem.value.message


def test_keras_own_file_is_read_with_its_config_and_weights():
    model = model_files.read(str(BASE))
    assert not model.legacy and model.config["class_name"] == "Sequential"
    path, start, size = model.weights  # stored: read where it lies in the archive, not copied
    with model_files.Window(path, start, size) as window:
        assert window.read() == WEIGHTS and window.seek(-8, 2) == size - 8 and window.read() == WEIGHTS[-8:]
    with model.open_weights() as h5:
        assert h5["layers/conv2d/vars/0"].shape == (3, 3, 1, 8)


def test_a_zip_bomb_is_refused_before_it_is_inflated(tmp_path):
    path = zip_bomb(tmp_path / "model.keras")
    assert path.stat().st_size < 1 << 20
    tracemalloc.start()
    message = refused(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert "its member 'model.weights.h5' inflates" in message and "(a zip bomb?)" in message
    assert peak < 4 << 20  # the listing was read, not the member


def _patch_declared_size(path: Path, member: str, size: int, at: int = 24) -> None:
    """Rewrite a member's uncompressed size (its compressed size, at=20) in the central directory
    (what zipfile trusts)."""
    field = at
    data = bytearray(path.read_bytes())
    at = 0
    while True:
        at = data.find(b"PK\x01\x02", at)
        name_length = struct.unpack("<H", data[at + 28:at + 30])[0]
        if data[at + 46:at + 46 + name_length] == member.encode():
            break
        at += 4
    data[at + field:at + field + 4] = struct.pack("<I", size)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("declared", ["smaller", "larger", "stored"])
def test_a_member_whose_declared_size_lies_is_refused_within_its_declared_size(declared, tmp_path):
    noise = np.random.default_rng(0).bytes(8 << 20)  # does not deflate: no ratio to refuse it by
    compression = zipfile.ZIP_STORED if declared == "stored" else zipfile.ZIP_DEFLATED
    path = keras_file(tmp_path / "model.keras", {"model.weights.h5": WEIGHTS + noise}, compression)
    actual = len(WEIGHTS) + len(noise)
    _patch_declared_size(path, "model.weights.h5", 1000 if declared == "smaller" else actual + 1000)
    if declared == "stored":  # a stored member's two sizes are one: the larger is not in the file
        _patch_declared_size(path, "model.weights.h5", actual + 1000, at=20)
    tracemalloc.start()
    message = refused(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    if declared == "smaller":  # never inflated past the 1,000 bytes declared: its checksum then fails
        assert "is damaged" in message and peak < 4 << 20
    else:
        assert f"does not hold the {actual + 1000:,} bytes its listing declares" in message


@pytest.mark.parametrize("member", ["../../escaped.txt", "/etc/escaped", "assets\\..\\x", "C:evil", "assets/../x"])
def test_a_member_that_leaves_the_archive_folder_is_refused_and_nothing_is_written(member, tmp_path):
    folder = tmp_path / "a" / "b"
    folder.mkdir(parents=True)
    path = keras_file(folder / "model.keras", {member: b"written outside"})
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    assert f"it holds the member {member!r}, a path that leaves the archive's folder" in refused(path)
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_a_link_a_nested_archive_or_a_foreign_member_is_refused(tmp_path):
    link = tmp_path / "link.keras"
    keras_file(link)
    with zipfile.ZipFile(link, "a") as archive:
        info = zipfile.ZipInfo("assets/passwd")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(info, "/etc/passwd")
    assert "its member 'assets/passwd' is a symbolic link" in refused(link)
    inner = tmp_path / "inner.zip"
    keras_file(inner)
    assert "its member 'assets/more.bin' is itself an archive" in refused(
        keras_file(tmp_path / "nested.keras", {"assets/more.bin": inner.read_bytes()}))
    assert "it holds 'model.py', which is not part of a Keras model" in refused(
        keras_file(tmp_path / "foreign.keras", {"model.py": b"import os"}))
    many = {f"assets/{i}": b"x" for i in range(model_files.MAX_MEMBERS)}
    assert "a zip archive of 67 members" in refused(keras_file(tmp_path / "many.keras", many))


def test_a_config_nested_ten_thousand_deep_is_refused_in_linear_time(tmp_path):
    deep = b'{"class_name": "Sequential", "config": ' + b'{"a": [' * 10_000 + b"1" + b"]}" * 10_000 + b"}"
    message = refused(keras_file(tmp_path / "deep.keras", {"config.json": deep}))
    assert "its config.json nests 20,001 levels deep" in message
    start = time.perf_counter()
    assert model_files.json_depth(b"[" * 2_000_000 + b"]" * 2_000_000) == 2_000_000
    assert time.perf_counter() - start < 5  # a bound on the work, far from the machine's speed
    assert model_files.json_depth(b'{"a": "[[[[", "b": [1, "]]"]}') == 2  # brackets in strings do not count


def _legacy_h5(path: Path, model_config: str, training_config: str | None = None) -> Path:
    """A legacy HDF5 model: its config attributes and the base's weights under model_weights/."""
    with h5py.File(path, "w") as handle:
        handle.attrs["model_config"] = model_config
        if training_config is not None:
            handle.attrs["training_config"] = training_config
        handle.create_group("model_weights")
    return path


def test_an_h5_config_nested_ten_thousand_deep_is_refused(tmp_path):
    deep = '{"class_name": "Sequential", "config": ' + '{"a": ' * 10_000 + "1" + "}" * 10_000 + "}"
    assert "its model_config nests 10,001 levels deep" in refused(_legacy_h5(tmp_path / "deep.h5", deep))


LAMBDA = {"class_name": "Lambda", "config": {"name": "scale", "function": {
    "class_name": "__lambda__", "config": {"code": "4wEAAAAAAAAA", "defaults": None, "closure": None}}}}


def _sequential(*layers: dict) -> dict:
    return {"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "InputLayer", "config": {"batch_shape": [None, 28, 28, 1], "name": "in"}}, *layers]}}


def test_an_h5_with_a_lambda_layer_is_refused_naming_the_layer(tmp_path):
    path = _legacy_h5(tmp_path / "lambda.h5", json.dumps(_sequential(LAMBDA)))
    assert ("lambda.h5 was refused: it contains a Lambda layer ('scale', at model_config.config.layers[1]); a "
            "Lambda layer holds Python code") in refused(path)


FUNCTION = {"module": "builtins", "class_name": "function", "registered_name": "function"}
SCREENED = [
    ({"loss": {**FUNCTION, "config": "categorical_crossentropy"}}, ""),
    ({"activation": {"module": "keras.activations", "class_name": "function", "config": "relu"}}, ""),
    ({"layer": {"module": "keras.layers", "class_name": "Conv2D", "config": {}}}, ""),
    ({"layer": {"class_name": "Conv2D", "config": {}}}, ""),  # a legacy config names no module
    ({"model": {"module": "keras.src.models.functional", "class_name": "Functional", "config": {}}}, ""),
    ({"loss": {**FUNCTION, "config": "system"}}, "a function that is not one of Keras' own ('system', at x.loss)"),
    ({"loss": {"module": "keras.losses", "class_name": "function", "config": "getattr"}},
     "a function that is not one of Keras' own ('getattr', at x.loss)"),
    ({"layer": {"module": "os", "class_name": "system", "config": {}}},
     "it uses 'system' from the module 'os' (at x.layer)"),
    ({"layer": {"module": "keras.layers", "class_name": "Popen", "config": {}}},
     "it uses 'Popen', which is not one of Keras' own objects (at x.layer)"),
    ({"layer": {"class_name": "EvilLayer", "config": {}}}, "it uses 'EvilLayer', which is not one of Keras' own"),
    ({"layer": {"module": "keras.layers", "class_name": "Dense", "registered_name": "Custom>Dense", "config": {}}},
     "it uses the custom object 'Custom>Dense' (at x.layer)"),
    ({"layer": {"module": "keras.layers", "class_name": "TFSMLayer", "config": {}}},
     "it contains a serialized Python function or external graph (TFSMLayer, at x.layer)"),
    ({"layers": [LAMBDA]}, "it contains a Lambda layer ('scale', at x.layers[0])"),
]


@pytest.mark.parametrize("config, reason", SCREENED)
def test_the_screen_accepts_keras_own_objects_only(config, reason):
    found = model_files.unsafe(config, "x")
    assert found == reason if not reason else reason in found


def _weights_file(path: Path, change) -> Path:
    """A .keras archive whose model.weights.h5 is the base's, changed by change(h5py file)."""
    h5_path = path.with_suffix(".h5")
    h5_path.write_bytes(WEIGHTS)
    with h5py.File(h5_path, "a") as handle:
        change(handle)
    return keras_file(path, {"model.weights.h5": h5_path.read_bytes()})


def test_weights_that_reach_outside_the_file_or_hold_no_numbers_are_refused(tmp_path):
    def external(h5):
        h5["layers/extra"] = h5py.ExternalLink("/etc/passwd", "/")

    def text(h5):
        h5["layers/notes"] = np.array([b"hello"])

    def crowded(h5):
        group = h5.create_group("layers/crowd")
        for i in range(model_files.MAX_H5_OBJECTS):
            group.create_group(str(i))

    assert "its weights' HDF5 file links to another file ('extra')" in refused(_weights_file(tmp_path / "e.keras", external))
    assert "its weights' dataset '/layers/notes' is not numeric" in refused(_weights_file(tmp_path / "t.keras", text))
    assert f"holds more than {model_files.MAX_H5_OBJECTS:,} objects" in refused(_weights_file(tmp_path / "c.keras", crowded))
    damaged = keras_file(tmp_path / "d.keras", {"model.weights.h5": WEIGHTS[:1000]})
    assert "d.keras is damaged: its weights are not a readable HDF5 file" in refused(damaged)


def test_a_file_too_large_is_refused_before_it_is_opened(tmp_path):
    path = tmp_path / "huge.keras"
    with open(path, "wb") as handle:
        handle.truncate(model_files.MAX_FILE_BYTES + 1)  # sparse: no disk used
    assert f"more than the {model_files.MAX_FILE_BYTES >> 20} MiB a model file of this course may be" in refused(path)


def test_uint8_pixels_are_scaled_as_the_course_scales_them():
    pixels = np.arange(256, dtype=np.uint8).reshape(1, 16, 16, 1).repeat(2, axis=0)
    expected = scaled(pixels[..., 0])
    assert np.array_equal(model_files.fit_images(pixels, [16, 16, 1]), expected)
    assert np.array_equal(model_files.fit_images(pixels, [256]), expected.reshape(2, 256))


# -- end to end: each hostile file a zero for its exercise, with its reason ------------------------

# The trusted process's own peak resident memory (VmHWM: since its exec, unlike getrusage's
# ru_maxrss, which keeps the forking parent's), printed after the command (children not counted).
MEASURED = ("import re, runpy, sys\n"
            "try:\n"
            "    runpy.run_module('grader.cli', run_name='__main__', alter_sys=True)\n"
            "finally:\n"
            "    peak = re.search(r'VmHWM:\\s*(\\d+)', open('/proc/self/status').read()).group(1)\n"
            "    sys.stderr.write(f'\\nmaxrss_kib {peak}\\n')\n")
GRADER_MEMORY = 400 << 20  # what the trusted process may reach: MNIST, NumPy, the CLI's own imports


def _hostile(kind: str, folder: Path) -> tuple[str, str]:
    """Write the hostile model file into folder: (its name, the reason it is refused)."""
    if kind == "zip_bomb":
        zip_bomb(folder / "model.keras")
        return "model.keras", "model.keras was refused: its member 'model.weights.h5' inflates"
    if kind == "traversal":
        keras_file(folder / "model.keras", {"../../escaped.txt": b"written outside"})
        return "model.keras", "model.keras was refused: it holds the member '../../escaped.txt', a path that leaves"
    if kind == "deep_h5":
        _legacy_h5(folder / "model.h5", '{"class_name": "Sequential", "config": ' + '{"a": ' * 10_000 + "1" +
                   "}" * 10_000 + "}")
        return "model.h5", "model.h5 was refused: its model_config nests 10,001 levels deep"
    _legacy_h5(folder / "model.h5", json.dumps(_sequential(LAMBDA)))
    return "model.h5", "model.h5 was refused: it contains a Lambda layer ('scale', at model_config.config.layers[1])"


@pytest.mark.parametrize("kind", ["zip_bomb", "traversal", "deep_h5", "lambda_h5"])
def test_a_hostile_model_file_is_a_zero_with_its_reason_and_bounded(kind, tmp_path):
    folder = tmp_path / "class" / "student"
    folder.mkdir(parents=True)
    (folder / "cnn.py").write_bytes((ROOT / "examples" / "good" / "cnn.py").read_bytes())
    name, reason = _hostile(kind, folder)
    before = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*")}
    result = tmp_path / "result.json"
    done = subprocess.run([sys.executable, "-c", MEASURED, "submit", str(folder), "-e", "mnist_cnn", "-e", "pad2d",
                           "--json", str(result)], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert done.returncode == 1, done.stdout + done.stderr  # graded: the student's file, not a fault
    assert "Traceback" not in done.stdout + done.stderr
    graded = {e["id"]: e for e in json.loads(result.read_text())["exercises"]}
    assert graded["mnist_cnn"]["score"] == 0 and graded["pad2d"]["score"] == 8
    for check in graded["mnist_cnn"]["checks"]:
        assert check["status"] == "error" and check["message"].startswith(reason), check["message"]
        assert "\n" not in check["message"]
    # Nothing was written outside the sandbox: the student's folder and the class are as they were.
    after = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p != result}
    assert after == before and not list(tmp_path.rglob("escaped.txt"))
    grader_kib = int(done.stderr.rsplit("maxrss_kib", 1)[1])
    assert grader_kib * 1024 < GRADER_MEMORY, f"the grader reached {grader_kib / 1024:.0f} MB"


def test_a_training_config_is_screened_for_stored_code_only(tmp_path):
    # Never deserialized (the workers load with compile=False): Keras 2 names its own optimizers
    # 'Custom>Adam' there, which is no reason to refuse a tutorial's file; stored code still is.
    keras2 = {"optimizer_config": {"class_name": "Custom>Adam", "config": {"name": "Adam"}}, "loss": "my_loss"}
    model = model_files.read(str(_legacy_h5(tmp_path / "keras2.h5", json.dumps(_sequential()), json.dumps(keras2))))
    assert model.legacy and model.config["class_name"] == "Sequential"
    with_code = {"loss": {"class_name": "__lambda__", "config": {"code": "4wEAAAAA"}}}
    assert "(__lambda__, at training_config.loss)" in refused(
        _legacy_h5(tmp_path / "code.h5", json.dumps(_sequential()), json.dumps(with_code)))
    compiled = json.loads(CONFIG)
    compiled["compile_config"] = {"loss": {"module": "builtins", "class_name": "function", "config": "my_loss"}}
    assert model_files.read(str(keras_file(tmp_path / "compiled.keras", {"config.json": json.dumps(compiled).encode()})))
    compiled["compile_config"] = {"loss": {"module": "os", "class_name": "function", "config": "system"}}
    assert "from the module 'os' (at config.json.compile_config.loss)" in refused(
        keras_file(tmp_path / "foreign.keras", {"config.json": json.dumps(compiled).encode()}))


# -- in French: the workers send words, the trusted side says them (issue 21) ----------------------

FRENCH = {"deep_h5": "model.h5 a été refusé\u00a0: son model_config s'imbrique sur 10\u202f001 niveaux",
          "lambda_h5": "model.h5 a été refusé\u00a0: il contient une couche Lambda ('scale', à "
                       "model_config.config.layers[1])\u202f; une couche Lambda contient du code Python"}


@pytest.mark.parametrize("kind", sorted(FRENCH))
def test_a_refusal_reads_in_french_with_the_languages_numbers(kind, tmp_path):
    """The worker has no catalog: its sentence comes back as words, said in French by the trusted
    side (nested sentences included, 10001 written 10 001); the score is the English run's."""
    folder = tmp_path / "student"
    folder.mkdir()
    _hostile(kind, folder)
    results = {}
    for lang in ("en", "fr"):
        path = tmp_path / f"{lang}.json"
        done = subprocess.run([sys.executable, "-m", "grader.cli", "submit", str(folder), "-e", "mnist_cnn",
                               "--lang", lang, "--json", str(path)], capture_output=True, text=True, cwd=ROOT,
                              timeout=600)
        assert done.returncode == 1, done.stdout + done.stderr
        results[lang] = json.loads(path.read_text())["exercises"][0]["checks"]
    for check in results["fr"]:
        assert check["status"] == "error" and check["message"].startswith(FRENCH[kind]), check["message"]
    assert [(c["status"], c["score"]) for c in results["fr"]] == [(c["status"], c["score"]) for c in results["en"]]


def test_a_workers_words_are_said_only_from_the_catalog():
    """A reply is never taken as a sentence to format: words the catalog does not hold, or params
    that are not plain values, leave the worker's English as it was sent."""
    from grader.i18n import speaking
    from grader.plugins import plugin_manager
    from exercises.models.model_requests import phrase

    plugin_manager()  # the packs' catalogs, models.mo among them, join the engine's
    refused = ModelProblem("raised", model_files.N_("{name} was refused: its member {member!r} is encrypted"),
                           name="model.keras", member="config.json").reply()
    wire = json.loads(json.dumps(refused["words"]))
    with speaking("fr"):
        assert phrase(wire, refused["error"]) == "model.keras a été refusé\u00a0: son membre 'config.json' est chiffré"
        assert phrase({"text": "{name.__class__} was refused", "params": {"name": "x"}}, "as sent") == "as sent"
        assert phrase({**wire, "params": {"name": {"not": "words"}, "member": "x"}}, "as sent") == "as sent"
        assert phrase(None, "as sent") == "as sent"
    with speaking("en"):
        assert phrase(wire, refused["error"]) == refused["error"] == \
            "model.keras was refused: its member 'config.json' is encrypted"

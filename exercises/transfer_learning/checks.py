"""Checks for transfer_learning: the student's transfer.keras, built from the shipped base model.

The model file is read ONLY inside the sandbox, by the numpy_model worker (the file as data, its
layers run on the course's NumPy reference) or, for a model outside the layer catalogue, the keras
worker (exercises/models/model_requests.py); either answers with plain data: each layer's name,
class, trainable flag and weights (float32 arrays and their SHA-256 digests), the architecture,
and predicted probabilities. The base's
weights come from base_weights.npz (written by train_base.py with base_model.keras), read here
with NumPy alone; the test labels never leave this process. Nothing here imports TensorFlow.

A layer of the student's model "is" a base layer when it holds exactly the base layer's weights;
it "comes from" a base layer when its weights have the same shapes and are still close to the
base's (correlation above RELATED): trained from them, not from a fresh start.
"""
from __future__ import annotations

import hashlib
import json
import sys
import zipfile
from functools import lru_cache
from pathlib import Path

import numpy as np

from grader.pack import N_, CheckFailed, Score, _, ngettext, number, percent
from exercises.models.model_requests import ask_model
from exercises.models.numbers import significant

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

HERE = Path(__file__).resolve().parent
SPEC = tomllib.loads((HERE / "spec.toml").read_text())
BASE, TASK, ACCURACY = SPEC["base"], SPEC["task"], SPEC["accuracy"]
MODEL_FILE = SPEC["files"][0]
RELATED = 0.5  # correlation of a layer's weights with the base's above which they were trained from them
EQUAL = 1e-6  # weights within this of the base's are the base's (the file stores float32: frozen is exact)
DIAGNOSES = {
    "not_frozen": N_("the base was not frozen: its weights changed during training"),
    "head_kept": N_("the base's classification part is still there"),
    "from_scratch": N_("no base weights found: this model was trained from scratch"),
    "classes": N_("wrong number of classes"),
}


# -- the base, as data --------------------------------------------------------------------------

@lru_cache(maxsize=1)
def base_layers() -> tuple[dict, ...]:
    """The base's layers in order: name, class, role ("feature" or "head") and weights (float32)."""
    with zipfile.ZipFile(HERE / BASE["file"]) as archive:  # our own file, read as data
        config = json.loads(archive.read("config.json"))
    with np.load(HERE / BASE["weights"], allow_pickle=False) as stored:
        arrays = {key: stored[key] for key in stored.files}
    layers = []
    for entry in config["config"]["layers"]:
        name = entry["config"]["name"]
        if entry["class_name"] == "InputLayer":
            continue
        role = "feature" if name in BASE["feature_layers"] else "head" if name in BASE["head_layers"] else None
        if role is None:
            raise RuntimeError(f"the base layer {name!r} is neither in feature_layers nor in head_layers")  # i18n: not for people (the pack's own mistake)
        weights = []
        while f"{name}.{len(weights)}" in arrays:
            weights.append(arrays[f"{name}.{len(weights)}"])
        layers.append({"name": name, "class": entry["class_name"], "role": role, "weights": weights,
                       "sha256": [_digest(w) for w in weights]})
    return tuple(layers)


def _digest(array: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(array, dtype=np.float32).tobytes()).hexdigest()


# -- the student's model, as data ---------------------------------------------------------------

def _ask(sandbox, request: dict, values: dict | None = None):
    return ask_model(sandbox, MODEL_FILE, request, values)


def student_layers(sandbox) -> list[dict]:
    """The worker's answer to "layers", checked as untrusted data: each layer with its arrays
    (None when the model is too large to send them; then only the digests are compared)."""
    outcome = _ask(sandbox, {"action": "layers"})
    layers, arrays = outcome.info.get("layers"), outcome.value if outcome.info.get("arrays") else None
    malformed = CheckFailed(_("the sandbox described the model's layers in a malformed way"))
    if not isinstance(layers, list) or (arrays is not None and not isinstance(arrays, list)):
        raise malformed
    cleaned, position = [], 0
    for layer in layers:
        if not isinstance(layer, dict) or not isinstance(layer.get("weights"), list):
            raise malformed
        weights = []
        for weight in layer["weights"]:
            if not isinstance(weight, dict) or not isinstance(weight.get("shape"), list) \
                    or not isinstance(weight.get("sha256"), str):
                raise malformed
            shape = tuple(int(d) for d in weight["shape"])
            array = None
            if arrays is not None:
                if position >= len(arrays) or not isinstance(arrays[position], np.ndarray) \
                        or arrays[position].shape != shape:
                    raise malformed
                array = arrays[position].astype(np.float32)
                position += 1
            weights.append({"shape": shape, "sha256": weight["sha256"], "array": array})
        cleaned.append({"name": str(layer.get("name", "?")), "class": str(layer.get("class", "?")),
                        "trainable": bool(layer.get("trainable", True)), "frozen": bool(layer.get("frozen", False)),
                        "params": int(layer.get("params", 0) or 0), "weights": weights})
    if arrays is not None and position != len(arrays):
        raise malformed
    return cleaned


def _same(layer: dict, base: dict) -> bool:
    """The layer holds exactly the base layer's weights."""
    ours = layer["weights"]
    if len(ours) != len(base["weights"]) or not ours:
        return False
    for weight, expected, digest in zip(ours, base["weights"], base["sha256"]):
        if weight["shape"] != expected.shape:
            return False
        if weight["array"] is None:
            if weight["sha256"] != digest:
                return False
        elif not np.allclose(weight["array"], expected, rtol=0, atol=EQUAL):
            return False
    return True


def _correlation(layer: dict, base: dict) -> float | None:
    """How close the layer's weights are to the base layer's (Pearson correlation of the kernels);
    None when the shapes differ or the arrays were not sent."""
    ours = layer["weights"]
    if len(ours) != len(base["weights"]) or not ours or any(
            w["shape"] != e.shape for w, e in zip(ours, base["weights"])):
        return None
    got, expected = ours[0]["array"], base["weights"][0]
    if got is None:
        return None
    got, expected = got.ravel().astype(np.float64), expected.ravel().astype(np.float64)
    if got.size < 2 or np.std(got) == 0 or np.std(expected) == 0 or not np.all(np.isfinite(got)):
        return 0.0
    return float(np.corrcoef(got, expected)[0, 1])


def _largest_change(layer: dict, base: dict) -> float | None:
    if any(w["array"] is None for w in layer["weights"]):
        return None
    return max(float(np.max(np.abs(w["array"] - e))) for w, e in zip(layer["weights"], base["weights"]))


def match(layers: list[dict]) -> dict[str, dict]:
    """For each base layer with weights: which student layer is it ("same"), or comes from it
    ("changed", with its correlation and largest change), or has its shapes but not its weights
    ("unrelated"), or none ("missing")."""
    found = {}
    for base in base_layers():
        if not base["weights"]:
            continue
        same = next((layer for layer in layers if _same(layer, base)), None)
        if same is not None:
            found[base["name"]] = {"state": "same", "layer": same}
            continue
        scored = [(layer, _correlation(layer, base)) for layer in layers]
        scored = [(layer, c) for layer, c in scored if c is not None]
        related = max(scored, key=lambda pair: pair[1], default=None)
        if related is not None and related[1] > RELATED:
            found[base["name"]] = {"state": "changed", "layer": related[0], "correlation": related[1],
                                   "change": _largest_change(related[0], base)}
            continue
        shaped = next((layer for layer, _ in scored if layer["name"] == base["name"]), None) \
            or next((layer for layer in layers if layer["class"] == base["class"]
                     and [w["shape"] for w in layer["weights"]] == [w.shape for w in base["weights"]]), None)
        found[base["name"]] = {"state": "unrelated" if shaped is not None else "missing", "layer": shaped}
    return found


def _layer_rows(layers: list[dict], found: dict[str, dict]) -> list[dict]:
    """One row per layer of the student's model, for the student page: its state and what it holds."""
    by_layer = {id(entry["layer"]): (name, entry) for name, entry in found.items() if entry["layer"] is not None}
    rows = []
    for layer in layers:
        name, entry = by_layer.get(id(layer), (None, None))
        if entry is None:
            holds = _("no weights") if not layer["weights"] else _("new weights (not the base's)")
        elif entry["state"] == "same":
            holds = _("the base's {name} weights, unchanged", name=name)
        elif entry["state"] == "changed":
            change = entry.get("change")
            holds = (_("the base's {name} weights, changed by training (by up to {change})", name=name,
                       change=significant(change, 3)) if change is not None else
                     _("the base's {name} weights, changed by training", name=name))
        else:
            holds = _("new weights (the shape of the base's {name}, not its values)", name=name)
        rows.append({"layer": layer["name"], "class": layer["class"],
                     "state": "frozen" if layer["frozen"] else "trainable",
                     "params": layer["params"], "weights": holds})
    return rows


def _rows_text(rows: list[dict]) -> str:
    width = max([5] + [len(r["layer"]) for r in rows])
    classes = max([5] + [len(r["class"]) for r in rows])
    states = {"frozen": _("frozen"), "trainable": _("trainable")}  # the rows keep the machine word
    return "\n".join(f"  {r['layer']:<{width}}  {r['class']:<{classes}}  {states[r['state']]:<9}  {r['weights']}"
                     for r in rows)


# -- the checks ---------------------------------------------------------------------------------

def test_frozen_base(student, sandbox):
    layers = student_layers(sandbox)
    found = match(layers)
    features = [b for b in base_layers() if b["role"] == "feature"]
    weighted = [b["name"] for b in features if b["weights"]]
    problems, diagnosis = [], None
    changed = [n for n in weighted if found[n]["state"] == "changed"]
    kept = [n for n in weighted if found[n]["state"] == "same"]
    if changed:
        diagnosis = _(DIAGNOSES["not_frozen"])
        problems.append(_("the weights of the base's {layers} changed during training: set trainable = False on the "
                          "feature layers before compile() and fit()", layers=", ".join(changed)))
    elif not kept:
        diagnosis = _(DIAGNOSES["from_scratch"])
        problems.append(_("no layer holds the weights of the base's {layers}: load base_model.keras and reuse its "
                          "feature layers, do not build new ones", layers=", ".join(weighted)))
    missing = [n for n in weighted if found[n]["state"] in ("unrelated", "missing")]
    if kept and missing:
        problems.append(ngettext("the base's {layers} is not in the model with the base's weights",
                                 "the base's {layers} are not in the model with the base's weights", len(missing),
                                 layers=", ".join(missing)))
    trainable = [f"{found[n]['layer']['name']}" for n in kept if not found[n]["layer"]["frozen"]]
    if trainable:
        problems.append(ngettext("{layers} still has trainable = True: freeze the feature layers "
                                 "(layer.trainable = False)",
                                 "{layers} still have trainable = True: freeze the feature layers "
                                 "(layer.trainable = False)", len(trainable), layers=", ".join(trainable)))
    present = {layer["class"] for layer in layers}
    absent = [b["name"] for b in features if not b["weights"] and b["class"] not in present]
    if absent:
        problems.append(ngettext("the base's {layers} layer is missing", "the base's {layers} layers are missing",
                                 len(absent), layers=", ".join(absent)))
    rows = _layer_rows(layers, found)
    details = {"layers": rows}
    if diagnosis:
        details["diagnosis"] = diagnosis
    if problems:
        message = _("the base's feature layers are not reused frozen: {problems}.", problems="; ".join(problems))
        if diagnosis:
            message += "\n" + _("Likely cause: {diagnosis}.", diagnosis=diagnosis)
        message += "\n" + _("The model's layers:") + "\n" + _rows_text(rows)
        return Score(0.0, message, details, diagnosis=diagnosis)
    return Score(1.0, _("the base's {layers} are in the model, frozen (trainable = False), with their weights "
                        "unchanged by training", layers=", ".join(weighted)), details)


def test_new_head(student, sandbox):
    info = _ask(sandbox, {"action": "describe"}).info
    layers = student_layers(sandbox)
    found = match(layers)
    head = [b["name"] for b in base_layers() if b["role"] == "head" and b["weights"]]
    kept = [n for n in head if found[n]["state"] in ("same", "changed")]
    problems, diagnosis = [], None
    if kept:
        diagnosis = _(DIAGNOSES["head_kept"])
        holders = ", ".join(_("{layer} holds the base's {name}", layer=found[n]["layer"]["name"], name=n) for n in kept)
        problems.append(_("the base's classification part is still in the model ({holders}): keep only its feature "
                          "layers ({features}) and add your own Dense layers", holders=holders,
                          features=", ".join(BASE["feature_layers"])))
    classes = int(TASK["classes"])
    if info.get("outputs") != 1 or info.get("output_shape") != [classes]:
        diagnosis = diagnosis or _(DIAGNOSES["classes"])
        problems.append(_("its output is {shape}; it must be ({classes},), one probability per digit 5-9 (label = "
                          "digit - 5)", shape=_shape(info.get("output_shape")), classes=classes))
    if info.get("output_activation") != "softmax":
        problems.append(_("its last layer's activation is {activation!r}, not 'softmax'",
                          activation=info.get("output_activation")))
    expected_input = list(BASE["input_shape"])
    if info.get("inputs") != 1 or info.get("input_shape") != expected_input:
        problems.append(_("its input is {shape}; it must be the base's {expected}", shape=_shape(info.get("input_shape")),
                          expected=tuple(expected_input)))
    params, budget = int(info.get("params", 0) or 0), int(TASK["max_params"])
    if params > budget:
        problems.append(_("it has {params} parameters, over the budget of {budget}", params=number(params),
                          budget=number(budget)))
    details = {"input_shape": info.get("input_shape"), "output_shape": info.get("output_shape"),
               "output_activation": info.get("output_activation"), "params": params}
    if diagnosis:
        details["diagnosis"] = diagnosis
    if problems:
        message = _("the model does not end in a new classifier for the digits 5-9: {problems}.",
                    problems="; ".join(problems))
        if diagnosis:
            message += "\n" + _("Likely cause: {diagnosis}.", diagnosis=diagnosis)
        return Score(0.0, message, details, diagnosis=diagnosis)
    return Score(1.0, _("the base's classification part is gone; input {shape}, {classes} softmax outputs, {params} "
                        "parameters", shape=tuple(expected_input), classes=classes, params=number(params)), details)


def _shape(shape) -> str:
    return "?" if shape is None else str(tuple(shape))


def test_accuracy(student, sandbox, mnist):
    images, labels = mnist.test
    digits = [int(d) for d in TASK["digits"]]
    keep = np.isin(labels, digits)
    images, labels = images[keep], labels[keep].astype(np.int64) - digits[0]
    outcome = _ask(sandbox, {"action": "predict"}, {"args": [images[..., np.newaxis]]})  # uint8, scaled there
    probabilities = outcome.value
    classes = int(TASK["classes"])
    if not isinstance(probabilities, np.ndarray) or probabilities.ndim != 2 or len(probabilities) != len(labels):
        raise CheckFailed(_("the model's predictions have shape {shape}, expected {expected}: one row of {classes} "
                            "probabilities per test image", shape=getattr(probabilities, "shape", None),
                            expected=(len(labels), classes), classes=classes))
    if probabilities.shape[1] != classes:
        diagnosis = _(DIAGNOSES["classes"])
        raise CheckFailed(_("the model gives {given} probabilities per image, not {classes}: its accuracy on the "
                            "digits 5-9 (label = digit - 5) cannot be measured.", given=probabilities.shape[1],
                            classes=classes) + "\n" + _("Likely cause: {diagnosis}.", diagnosis=diagnosis),
                          diagnosis=diagnosis, details={"diagnosis": diagnosis, "classes": int(probabilities.shape[1])})
    probabilities = probabilities.astype(np.float64)
    if not np.all(np.isfinite(probabilities)):
        bad = int(np.sum(~np.all(np.isfinite(probabilities), axis=1)))
        raise CheckFailed(_("the model predicts NaN or infinite values for {bad} of the {total} test images",
                            bad=number(bad), total=number(len(labels))))
    predicted = probabilities.argmax(axis=1)
    correct = int(np.sum(predicted == labels))
    accuracy = correct / len(labels)
    full, zero = float(ACCURACY["full"]), float(ACCURACY["zero"])
    fraction = float(np.clip((accuracy - zero) / (full - zero), 0.0, 1.0))
    per_digit = {str(d): float(np.mean(predicted[labels == d - digits[0]] == d - digits[0])) for d in digits}
    verdict = (_("full marks") if fraction >= 1.0 else _("no points") if fraction <= 0.0
               else _("{share} of the points", share=percent(fraction)))
    message = "\n".join([
        _("accuracy {accuracy} on the {total} MNIST test images of the digits 5-9 ({correct} right): {verdict} (full "
          "from {full}, none below {zero})", accuracy=number(accuracy, 4), total=number(len(labels)),
          correct=number(correct), verdict=verdict, full=number(full), zero=number(zero)),
        _("accuracy per digit: {accuracies}",
          accuracies=", ".join(f"{d}: {number(a, 4)}" for d, a in per_digit.items())),
    ])
    details = {"accuracy": accuracy, "correct": correct, "total": len(labels), "full_from": full,
               "zero_below": zero, "accuracy_per_digit": per_digit}
    return Score(fraction, message, details)

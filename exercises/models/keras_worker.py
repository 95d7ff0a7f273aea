"""The course pack's "keras" worker kind: a student's model file loaded with Keras in the sandbox,
for the models the layer catalogue does not hold (numpy_worker answers for the others, and the
trusted side comes here only when it says so, or with --keras-models).

Loaded by the engine's sandboxed worker (grader/sandbox/worker.py) by file path at startup, before
the grader's folders are hidden, with its sibling modules model_files and model_answers; Keras
(TensorFlow) is imported at the first request that needs it. It never imports student Python.
The model file is untrusted: Keras sees it only after model_files has read it within its bounds
and screened its config as data (Lambda layers, stored code, anything that is not Keras' own
registered serializable: refused, naming the part); then keras.saving.load_model runs with
safe_mode=True. (Keras model files have had code-execution flaws even so: the sandbox around this
process is what holds.)

Requests and answers: as numpy_worker's (model_answers forms both), with "seconds" holding
"import" (Keras) and "load" (load_model).
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import h5py  # noqa: F401  (imported now, before the sandbox hides anything: every file is checked with it)
import numpy as np

_HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(_HERE))  # the sibling modules, loaded before the folder is hidden
try:
    import model_answers  # noqa: E402
    import model_files  # noqa: E402
    from model_files import N_  # noqa: E402  (its sentences are said by the trusted side: model_requests.phrase)
finally:
    del sys.path[0]
model_files.keras_names()  # the screen's list of Keras' names, read now, before the folder is hidden

# TensorFlow's own logging stays quiet (what it prints is not the student's output either way).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
PREDICT_BATCH = 500

_models: dict = {}  # file name -> KerasModel or ModelProblem


def handle(folder: str, request: dict):
    return model_answers.serve(lambda: _answer(folder, request), model_files.ModelProblem)


def _answer(folder: str, request: dict):
    name = model_files.model_file(request.get("file", model_files.MODEL_FILE))
    return model_answers.reply(_model(folder, name), request)


def _model(folder: str, name: str):
    """The loaded model (each file loaded once per worker); a ModelProblem (also remembered) if unusable."""
    if name not in _models:
        try:
            _models[name] = load(os.path.join(folder, name))
        except model_files.ModelProblem as problem:
            _models[name] = problem
    if isinstance(_models[name], model_files.ModelProblem):
        raise _models[name]
    return _models[name]


def load(path: str) -> "KerasModel":
    name = os.path.basename(path)  # the file's name, in every message below
    model_files.read(path)  # bounded and screened before Keras opens it
    start = time.perf_counter()
    import keras  # noqa: PLC0415  (the worker imports TensorFlow only when there is a model to load)

    imported = time.perf_counter()
    try:
        model = keras.saving.load_model(path, safe_mode=True, compile=False)
    except MemoryError:
        raise
    except BaseException as exc:  # noqa: BLE001  (whatever Keras raised on this file is the file's fault)
        text = " ".join(str(exc).split())
        text = text[:400] + ("..." if len(text) > 400 else "")
        raise model_files.ModelProblem("raised", N_("Keras could not load {name} (safe mode): {error}: {text}"),
                                       name=name, error=type(exc).__name__, text=text) from None
    if not isinstance(model, keras.Model):
        raise model_files.ModelProblem("raised", N_("{name} holds a {kind}, not a Keras model"), name=name,
                                       kind=type(model).__name__)
    return KerasModel(model, {"import": imported - start, "load": time.perf_counter() - imported})


class KerasModel:
    """A model Keras loaded, answering as model_answers asks."""

    def __init__(self, model, seconds: dict):
        self.model = model
        self.seconds = seconds

    def describe(self) -> dict:
        model = self.model
        try:
            inputs = len(model.inputs)
        except (AttributeError, ValueError, TypeError):
            inputs = 1
        try:
            outputs = len(model.outputs)
        except (AttributeError, ValueError, TypeError):
            outputs = 1
        try:
            input_shape = _shape(model.input_shape) if inputs == 1 else None
            output_shape = _shape(model.output_shape) if outputs == 1 else None
        except (AttributeError, ValueError, TypeError):
            input_shape = output_shape = None
        return model_answers.describe(self.records(arrays=False), inputs, outputs, input_shape, output_shape,
                                      int(model.count_params()))

    def predict(self, images) -> np.ndarray:
        images = model_files.fit_images(images, _shape(self.model.input_shape))
        try:
            value = self.model.predict(images, batch_size=PREDICT_BATCH, verbose=0)
        except MemoryError:
            raise
        except Exception as exc:  # noqa: BLE001  (a model that cannot predict is the model's fault)
            text = " ".join(str(exc).split())[:400]
            raise model_files.ModelProblem("raised", N_("the model could not predict: {error}: {text}"),
                                           error=type(exc).__name__, text=text) from None
        if isinstance(value, (list, tuple, dict)):
            raise model_files.ModelProblem("raised", N_("the model has several outputs; it must have one "
                                                        "(10 probabilities)"))
        return np.asarray(value, dtype=np.float32)

    def records(self, arrays: bool) -> list:
        return _records(self.model, False, arrays)


def _records(model, frozen: bool, arrays: bool) -> list:
    """Every layer, nested models' layers in their place, as model_answers records; frozen when
    the layer or a model it is nested in has trainable = False."""
    found = []
    frozen = frozen or not bool(getattr(model, "trainable", True))
    for layer in getattr(model, "layers", []):
        if getattr(layer, "layers", None):
            found.extend(_records(layer, frozen, arrays))
            continue
        weights = [np.asarray(w, dtype=np.float32) for w in layer.get_weights()] if arrays else []
        found.append(model_answers.Record(str(layer.name), type(layer).__name__, bool(layer.trainable),
                                          frozen or not bool(layer.trainable), _activation(layer),
                                          int(layer.count_params()), weights))
    return found


def _shape(shape) -> list | None:
    """A Keras shape without its batch axis, as a list (None when there are several inputs)."""
    if shape is None:
        return None
    if isinstance(shape, (list, tuple)) and shape and isinstance(shape[0], (list, tuple)):
        return None
    if isinstance(shape, dict):
        return None
    return [None if d is None else int(d) for d in list(shape)[1:]]


def _activation(layer) -> str | None:
    name = type(layer).__name__
    if name == "Softmax":
        return "softmax"
    if name == "ReLU":
        return "relu"
    activation = getattr(layer, "activation", None)
    if activation is None:
        return None
    return getattr(activation, "__name__", None) or str(activation)

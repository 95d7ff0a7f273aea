"""The course pack's "numpy_model" worker kind: a student's model file (model.keras, or the file the
request names) read as data and run on the course's NumPy reference, inside the sandbox.

Loaded by the engine's sandboxed worker (grader/sandbox/worker.py) by file path at startup, before
the grader's folders are hidden: it loads its sibling modules (model_files, layer_catalogue,
model_answers) and the reference's layers then, with h5py, and never imports TensorFlow or Keras.
The file is read within bounds and screened by model_files (Lambda layers, stored code and objects
that are not Keras' own are refused, naming the part); its layers are run by layer_catalogue in
float32 as Keras computes them. A model the catalogue does not hold is not graded here: every
request about it is answered {"status": "ok", "fallback": REASON, "fallback_words": its words} (the
layer that sent it away, in English and as words for the trusted side to say), and the trusted side asks the keras worker instead (model_requests.py).

Requests (sandbox.ask), answered as keras_worker answers them (model_answers forms both):
  {"action": "describe" | "predict" | "layers", "file": NAME, "args": [images] for predict}
  describe -> {"status": "ok", "inputs", "outputs", "input_shape", "output_shape", "params", "layers",
               "output_activation", "seconds"}
  predict  -> {"status": "ok", "seconds"}, value: (N, ...) float32 outputs of args[0], (N, 28, 28, 1)
              images, uint8 pixels (scaled to [0, 1] as the course scales them) or float32,
              reshaped to the model's input when it takes the same pixels in another shape
  layers   -> {"status": "ok", "layers": [...], "arrays": bool, "seconds"}, value: the weights
A model that cannot be used: {"status": "missing" | "raised" | "crashed" | "memory", "error": one sentence
in English, "words": the same as a sentence and its params, which the trusted side says}.
"""
from __future__ import annotations

import ctypes
import os
import sys
import time
from pathlib import Path

import h5py  # noqa: F401  (imported now, before the sandbox hides anything: every request needs it)
import numpy as np

_HERE = Path(__file__).resolve().parent
# Siblings as top-level modules, the reference as its package: loaded before the folders are hidden.
sys.path[:0] = [str(_HERE), str(_HERE.parents[1])]
try:
    import layer_catalogue  # noqa: E402
    import model_answers  # noqa: E402
    import model_files  # noqa: E402
finally:
    del sys.path[:2]
model_files.keras_names()  # the screen's list of Keras' names, read now, before the folder is hidden

_models: dict = {}  # file name -> CatalogueModel, OutsideCatalogue (why Keras must grade it), or ModelProblem
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters (malloc.h)


def keep_freed_memory() -> None:
    """glibc gives a freed block over 128 KiB back to the system and maps a fresh one at the next
    allocation: a page fault for every 4 KiB of every intermediate array, which made predicting
    twice as slow. Here blocks up to 64 MiB come from the heap, which keeps up to 256 MiB freed
    for the next chunk (within RLIMIT_AS all the same). Elsewhere than glibc: nothing to tune."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    mallopt(M_TRIM_THRESHOLD, 256 << 20)
    mallopt(M_MMAP_THRESHOLD, 64 << 20)


keep_freed_memory()


def handle(folder: str, request: dict):
    return model_answers.serve(lambda: _answer(folder, request), model_files.ModelProblem)


def _answer(folder: str, request: dict):
    name = model_files.model_file(request.get("file", model_files.MODEL_FILE))
    model = _model(folder, name)
    if isinstance(model, layer_catalogue.OutsideCatalogue):
        return {"status": "ok", "fallback": str(model), "fallback_words": model.to_wire()}, {}
    return model_answers.reply(model, request)


class CatalogueModel:
    """A model of the catalogue, answering as model_answers asks."""

    def __init__(self, model, seconds: dict):
        self.model = model
        self.seconds = seconds

    def describe(self) -> dict:
        return model_answers.describe(self.records(arrays=False), 1, 1, self.model.input_shape,
                                      self.model.output_shape, self.model.params)

    def predict(self, images) -> np.ndarray:
        return self.model.predict(model_files.fit_images(images, self.model.input_shape))

    def records(self, arrays: bool) -> list:
        return [model_answers.Record(layer.name, layer.class_name, layer.trainable, layer.frozen, layer.activation,
                                     layer.params, layer.weights if arrays else [])
                for layer in self.model.layers]


def _model(folder: str, name: str):
    """The model (a CatalogueModel, or why the catalogue leaves it to Keras), read once per worker;
    a ModelProblem (also remembered) if the file is refused."""
    if name not in _models:
        start = time.perf_counter()
        try:
            saved = model_files.read(os.path.join(folder, name))
            try:
                model = layer_catalogue.build(saved.config)
                with saved.open_weights() as h5:
                    layer_catalogue.attach(model, h5, saved.legacy)
                _models[name] = CatalogueModel(model, {"read": time.perf_counter() - start})
            except layer_catalogue.OutsideCatalogue as outside:
                _models[name] = outside
        except model_files.ModelProblem as problem:
            _models[name] = problem
    if isinstance(_models[name], model_files.ModelProblem):
        raise _models[name]
    return _models[name]

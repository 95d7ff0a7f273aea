"""The answers both model workers give about a model, formed by one piece of code from the same
plain records (a layer's name, class, flags, activation and float32 weights), whoever computed
them: numpy_worker from the file read as data, keras_worker from the model Keras loaded.

Loaded by path inside the sandbox (standard library and NumPy only).
"""
from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from typing import Callable, Protocol

import numpy as np

MAX_ARRAYS = 512
MAX_ARRAY_VALUES = 8 << 20
SKIPPED_AT_THE_END = ("Dropout", "InputLayer")  # not the layer whose activation is the output's


@dataclass
class Record:
    """One layer as Keras lists it (nested models' layers in their place)."""

    name: str
    class_name: str
    trainable: bool  # the layer's own flag
    frozen: bool  # the layer or a model it is nested in has trainable = False
    activation: str | None
    params: int
    weights: list[np.ndarray] = field(default_factory=list)  # float32, in get_weights() order


class Answerable(Protocol):
    """A model as a worker holds it: what it answers from, and the seconds it took to load."""

    seconds: dict

    def describe(self) -> dict: ...

    def predict(self, images) -> np.ndarray: ...

    def records(self, arrays: bool) -> list[Record]: ...


def reply(model: Answerable, request: dict) -> tuple[dict, dict]:
    """The answer to one request about a loaded model (see numpy_worker for the actions)."""
    action = request.get("action")
    if action == "describe":
        return {"status": "ok", **model.describe(), "seconds": dict(model.seconds)}, {}
    if action == "predict":
        start = time.perf_counter()
        value = model.predict((request.get("args") or [None])[0])
        return {"status": "ok", "seconds": {**model.seconds, "predict": time.perf_counter() - start}}, {"value": value}
    if action == "layers":
        described, arrays = layers(model.records(arrays=True))
        info = {"status": "ok", "layers": described, "arrays": arrays is not None, "seconds": dict(model.seconds)}
        return info, ({"value": arrays} if arrays is not None else {})
    return {"status": "crashed", "error": f"unknown model action {action!r}"}, {}  # i18n: not for people (the grader's own mistake)


def describe(records: list[Record], inputs: int, outputs: int, input_shape: list | None,
             output_shape: list | None, params: int) -> dict:
    """The answer to "describe": shapes per image (without the batch axis), counts, the layers."""
    layers = [{"class": r.class_name, "name": r.name, "activation": r.activation, "params": r.params}
              for r in records]
    last = next((layer for layer in reversed(layers) if layer["class"] not in SKIPPED_AT_THE_END), None)
    return {"inputs": inputs, "outputs": outputs, "input_shape": input_shape, "output_shape": output_shape,
            "params": params, "layers": layers, "output_activation": last["activation"] if last else None}


def layers(records: list[Record]) -> tuple[list[dict], list[np.ndarray] | None]:
    """The answer to "layers": each layer's name, class, flags and weights (shapes and the SHA-256
    of their float32 C-order bytes); the weights themselves as one flat list of float32 arrays, or
    None when there are more than MAX_ARRAYS or MAX_ARRAY_VALUES to send."""
    described, arrays = [], []
    for record in records:
        weights = []
        for weight in record.weights:
            array = np.ascontiguousarray(weight, dtype=np.float32)
            weights.append({"shape": [int(d) for d in array.shape],
                            "sha256": hashlib.sha256(array.tobytes()).hexdigest()})
            arrays.append(array)
        described.append({"name": record.name, "class": record.class_name, "trainable": record.trainable,
                          "frozen": record.frozen, "activation": record.activation, "params": record.params,
                          "weights": weights})
    if len(arrays) > MAX_ARRAYS or sum(a.size for a in arrays) > MAX_ARRAY_VALUES:
        return described, None
    return described, arrays


def serve(answer: Callable[[], tuple], problem: type) -> tuple:
    """answer() -> (reply, values); what goes wrong becomes the reply: a `problem` (the file's,
    with its status and words: model_files.ModelProblem), memory, or anything else the model raised."""
    try:
        return answer()
    except problem as refused:
        return refused.reply(), {}
    except MemoryError:
        return problem.out_of_memory().reply(), {}
    except Exception as exc:  # noqa: BLE001  (a model that was read but cannot be used is the model's fault)
        return problem.unusable(exc).reply(), {}

"""The course model (docs/EXERCISES.md, "The course model"), trained by the grader as the reference
of cnn_forward: its get_weights() and Keras' own predictions on the 10,000 MNIST test images.

Trained once, deterministically, and cached in cache_dir() (hidden from the sandbox), keyed by
the MNIST digest, the TensorFlow and Keras versions and the recipe below. A cached model needs no
TensorFlow at all; TensorFlow is imported only to train, here, on the grader's side.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np

from exercises.models import mnist as data
from grader.pack import cache_dir

RECIPE = {"architecture": "conv32x3-same-relu/maxpool2/flatten/dense100-relu/dense10-softmax",
          "optimizer": "adam", "loss": "sparse_categorical_crossentropy", "batch_size": 128,
          "epochs": 1, "seed": 1234, "version": 1}
WEIGHT_SHAPES = [(3, 3, 1, 32), (32,), (6272, 100), (100,), (100, 10), (10,)]


@dataclass(frozen=True)
class ReferenceModel:
    weights: tuple[np.ndarray, ...]  # model.get_weights(), float32
    probabilities: np.ndarray  # Keras' model.predict on the 10,000 test images (float32, (10000, 10))
    test_digest: str  # sha256 of the test images the probabilities belong to
    accuracy: float
    info: dict  # versions, training seconds


def _version(*names: str) -> str:
    for name in names:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return "none"


def cache_key() -> str:
    """Without importing TensorFlow: its version is read from the installed distribution."""
    versions = {"tensorflow": _version("tensorflow", "tensorflow-cpu", "tf-nightly", "tensorflow-macos"),
                "keras": _version("keras")}
    text = json.dumps({"mnist": data.DIGEST, **versions, "recipe": RECIPE}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def images_digest(images: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(images).tobytes()).hexdigest()


def build():
    """The course model, uncompiled (imports Keras)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    from keras import layers

    return keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(32, (3, 3), activation="relu", padding="same"),
        layers.MaxPooling2D((2, 2)),
        layers.Flatten(),
        layers.Dense(100, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])


def train(mnist: data.Mnist) -> ReferenceModel:
    """Train the reference model now (about a minute on two cores); see RECIPE."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    start = time.perf_counter()
    import keras
    import tensorflow as tf

    imported = time.perf_counter()
    keras.utils.set_random_seed(RECIPE["seed"])
    tf.config.experimental.enable_op_determinism()
    model = build()
    model.compile(optimizer=RECIPE["optimizer"], loss=RECIPE["loss"], metrics=["accuracy"])
    x_train, y_train = mnist.train
    model.fit(data.scaled(x_train), y_train.astype(np.int64), epochs=RECIPE["epochs"],
              batch_size=RECIPE["batch_size"], shuffle=True, verbose=0)
    trained = time.perf_counter()
    x_test, y_test = mnist.test
    probabilities = model.predict(data.scaled(x_test), batch_size=500, verbose=0).astype(np.float32)
    weights = tuple(np.asarray(w, dtype=np.float32) for w in model.get_weights())
    if [w.shape for w in weights] != WEIGHT_SHAPES:
        raise RuntimeError(f"the course model's weights have shapes {[w.shape for w in weights]}")  # i18n: not for people (a grader fault)
    accuracy = float(np.mean(probabilities.argmax(axis=1) == y_test))
    info = {"tensorflow": tf.__version__, "keras": keras.__version__, "import_seconds": imported - start,
            "train_seconds": trained - imported, "predict_seconds": time.perf_counter() - trained}
    return ReferenceModel(weights, probabilities, images_digest(x_test), accuracy, info)


def _save(model: ReferenceModel, path: Path) -> None:
    arrays = {f"w{i}": w for i, w in enumerate(model.weights)}
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temporary, "wb") as handle:
        np.savez(handle, probabilities=model.probabilities,
                 meta=np.array(json.dumps({"test_digest": model.test_digest, "accuracy": model.accuracy,
                                           "info": model.info})), **arrays)
    os.replace(temporary, path)


def _load(path: Path, expected_digest: str) -> ReferenceModel | None:
    try:
        with np.load(path, allow_pickle=False) as stored:
            weights = tuple(stored[f"w{i}"] for i in range(len(WEIGHT_SHAPES)))
            probabilities = stored["probabilities"]
            meta = json.loads(str(stored["meta"]))
    except (OSError, KeyError, ValueError):
        return None
    if ([w.shape for w in weights] != WEIGHT_SHAPES or probabilities.shape != (10000, 10)
            or meta.get("test_digest") != expected_digest):
        return None
    return ReferenceModel(weights, probabilities, meta["test_digest"], float(meta["accuracy"]), meta["info"])


_MEMORY: dict[str, ReferenceModel] = {}


def reference_model(mnist: data.Mnist) -> ReferenceModel:
    """The cached reference model, trained first if needed (one process trains, others wait)."""
    key = cache_key()
    if key in _MEMORY:
        return _MEMORY[key]
    folder = cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"course-model-{key}.npz"
    digest = images_digest(mnist.test[0])
    model = _load(path, digest)
    if model is None:
        with open(folder / f"course-model-{key}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            model = _load(path, digest)
            if model is None:
                model = train(mnist)
                _save(model, path)
    _MEMORY[key] = model
    return model

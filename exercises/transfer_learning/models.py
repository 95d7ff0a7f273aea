"""Models of transfer_learning built by the pack itself: the correct submission and the classic
mistakes, for `cnngrade selftest transfer_learning` (see mutants.py).

Each is built from base_model.keras as the statement says (or as the mistake does), trained
briefly and deterministically on the MNIST training digits 5-9, and cached in the grader's cache
folder (hidden from the sandbox), keyed by the MNIST digest, the TensorFlow and Keras versions,
the base model's bytes and RECIPE; one process trains, others wait on the lock. TensorFlow is
imported only to train, on the grader's side; a cached model needs none.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import time
from pathlib import Path

import numpy as np

from exercises.models import mnist as data
from exercises.models.course_model import _version
from grader.pack import cache_dir

HERE = Path(__file__).resolve().parent
BASE_FILE = HERE / "base_model.keras"
FEATURES = 5  # the base's first five layers: conv1, pool1, conv2, pool2, flatten
DIGITS = (5, 6, 7, 8, 9)
RECIPE = {"head": "dense32-relu/dense5-softmax", "optimizer": "adam", "loss": "sparse_categorical_crossentropy",
          "batch_size": 128, "epochs": 2, "train_images": 30000, "seed": 55, "version": 1}
VARIANTS = ("correct", "not_frozen", "head_kept", "from_scratch", "ten_classes")
TIMINGS: dict[str, float] = {}  # variant -> training seconds, for the ones trained by this process


def cache_key(variant: str) -> str:
    versions = {"tensorflow": _version("tensorflow", "tensorflow-cpu", "tf-nightly", "tensorflow-macos"),
                "keras": _version("keras")}
    base = hashlib.sha256(BASE_FILE.read_bytes()).hexdigest()
    text = json.dumps({"mnist": data.DIGEST, **versions, "base": base, "recipe": RECIPE, "variant": variant},
                      sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def model_file(variant: str, mnist: data.Mnist) -> Path:
    """The cached .keras file of a variant, trained first if needed (one process trains, others wait)."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}")
    folder = cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"transfer-{variant}-{cache_key(variant)}.keras"
    if not path.is_file():
        with open(folder / f"transfer-{variant}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not path.is_file():
                temporary = path.with_name(f".{path.stem}.{os.getpid()}.tmp.keras")
                train(variant, mnist, temporary)
                os.replace(temporary, path)
    return path


def _keras():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    import tensorflow as tf

    try:  # only possible before TensorFlow's runtime has started in this process
        tf.config.threading.set_intra_op_parallelism_threads(2)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    except RuntimeError:
        pass
    tf.config.experimental.enable_op_determinism()
    return keras


def build(variant: str):
    """The variant's model, uncompiled, from base_model.keras (imports Keras)."""
    keras = _keras()
    from keras import layers

    base = keras.saving.load_model(BASE_FILE, compile=False)
    classes = 10 if variant == "ten_classes" else len(DIGITS)
    head = [layers.Dense(32, activation="relu", name="new_dense"),
            layers.Dense(classes, activation="softmax", name="new_output")]
    if variant == "head_kept":
        # The whole base frozen, its 0-4 classifier kept, a new output stacked on top of it.
        base.trainable = False
        return keras.Sequential([keras.Input(shape=(28, 28, 1)), base,
                                 layers.Dense(len(DIGITS), activation="softmax", name="new_output")])
    if variant == "from_scratch":
        # The same architecture with fresh weights: nothing is transferred.
        features = keras.models.clone_model(base).layers[:FEATURES]
    else:
        features = base.layers[:FEATURES]
        for layer in features:
            layer.trainable = variant == "not_frozen"  # the mistake: the base left trainable
    return keras.Sequential([keras.Input(shape=(28, 28, 1)), *features, *head])


def training_data(mnist: data.Mnist, variant: str) -> tuple[np.ndarray, np.ndarray]:
    """The first RECIPE['train_images'] training images of the digits 5-9; labels digit - 5
    (the digit itself for the ten_classes mistake)."""
    images, labels = mnist.train
    keep = np.flatnonzero(np.isin(labels, DIGITS))[: RECIPE["train_images"]]
    y = labels[keep].astype(np.int64)
    return data.scaled(images[keep]), (y if variant == "ten_classes" else y - DIGITS[0])


def train(variant: str, mnist: data.Mnist, path: Path) -> None:
    """Train the variant (a few seconds) and save it to path."""
    start = time.perf_counter()
    keras = _keras()
    keras.utils.set_random_seed(RECIPE["seed"])
    model = build(variant)
    model.compile(optimizer=RECIPE["optimizer"], loss=RECIPE["loss"], metrics=["accuracy"])
    x, y = training_data(mnist, variant)
    model.fit(x, y, epochs=RECIPE["epochs"], batch_size=RECIPE["batch_size"], shuffle=True, verbose=0)
    model.save(path)
    TIMINGS[variant] = time.perf_counter() - start

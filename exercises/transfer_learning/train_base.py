"""Train the base model of the exercise transfer_learning and write what the exercise ships.

    python exercises/transfer_learning/train_base.py --mnist DIR

A small CNN (two Conv2D/MaxPooling2D stages, Flatten: the feature layers; Dense(32) and
Dense(5, softmax): its classification part) trained on the MNIST training digits 0-4 with fixed
seeds and TensorFlow's deterministic ops. Writes, next to this script:

  base_model.keras   the model, uncompiled (no optimizer state: it stays small)
  base_weights.npz   its weights as NumPy arrays, key "LAYER.INDEX" (e.g. "conv1.0" is conv1's
                     kernel), so the grader compares weights without loading Keras
  spec.toml          its [base] accuracy line: the accuracy on the MNIST test digits 0-4

Run by hand by whoever maintains the pack (not a cnngrade command): it speaks English only.
This script needs only Keras, NumPy and the MNIST files (the four original IDX files, gzipped
or not, or Keras' mnist.npz).
"""
from __future__ import annotations

import argparse
import gzip
import os
import struct
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
DIGITS = (0, 1, 2, 3, 4)
SEED = 2024
EPOCHS = 2
BATCH_SIZE = 128
FEATURE_LAYERS = ("conv1", "pool1", "conv2", "pool2", "flatten")
HEAD_LAYERS = ("dense", "classifier")


def read_idx(path: Path) -> np.ndarray:
    with (gzip.open if path.suffix == ".gz" else open)(path, "rb") as handle:
        data = handle.read()
    dims = data[3]
    shape = struct.unpack(f">{dims}I", data[4:4 + 4 * dims])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load_mnist(folder: Path):
    """((x_train, y_train), (x_test, y_test)) as uint8, from the IDX files or mnist.npz in folder."""
    if (folder / "mnist.npz").exists():
        with np.load(folder / "mnist.npz", allow_pickle=False) as f:
            return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])

    def find(stem: str) -> Path:
        for name in (stem + ".gz", stem):
            if (folder / name).exists():
                return folder / name
        raise SystemExit(f"{folder} has no {stem}.gz (nor mnist.npz)")  # i18n: not for people (the pack maintainer's script)

    return ((read_idx(find("train-images-idx3-ubyte")), read_idx(find("train-labels-idx1-ubyte"))),
            (read_idx(find("t10k-images-idx3-ubyte")), read_idx(find("t10k-labels-idx1-ubyte"))))


def prepare(images: np.ndarray) -> np.ndarray:
    """Pixels scaled to [0, 1], with the channel axis: (N, 28, 28) -> (N, 28, 28, 1)."""
    return (images.astype("float32") / 255.0)[..., np.newaxis]


def digits_only(images: np.ndarray, labels: np.ndarray, digits=DIGITS):
    keep = np.isin(labels, digits)
    return images[keep], labels[keep].astype(np.int64)


def build():
    import keras
    from keras import layers

    return keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(8, (3, 3), activation="relu", name="conv1"),
        layers.MaxPooling2D((2, 2), name="pool1"),
        layers.Conv2D(16, (3, 3), activation="relu", name="conv2"),
        layers.MaxPooling2D((2, 2), name="pool2"),
        layers.Flatten(name="flatten"),
        layers.Dense(32, activation="relu", name="dense"),
        layers.Dense(len(DIGITS), activation="softmax", name="classifier"),
    ], name="base")


def weights_by_layer(model) -> dict[str, np.ndarray]:
    return {f"{layer.name}.{i}": np.asarray(w, dtype=np.float32)
            for layer in model.layers for i, w in enumerate(layer.get_weights())}


def record_accuracy(spec: Path, accuracy: float) -> None:
    """Write the accuracy into spec.toml's [base] table (its line `accuracy = ...`)."""
    lines = spec.read_text().splitlines(keepends=True)
    table, done = None, False
    for i, line in enumerate(lines):
        if line.startswith("["):
            table = line.strip()
        elif table == "[base]" and line.startswith("accuracy =") and not done:
            comment = line[line.index("#"):].rstrip("\n") if "#" in line else ""
            lines[i] = f"accuracy = {accuracy:.6f}" + (f"  {comment}" if comment else "") + "\n"
            done = True
    if not done:
        raise SystemExit(f"{spec} has no `accuracy = ...` line in its [base] table")  # i18n: not for people (the pack maintainer's script)
    spec.write_text("".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mnist", metavar="DIR", required=True, type=Path, help="folder with the MNIST files")  # i18n: not for people (the pack maintainer's script)
    parser.add_argument("--out", metavar="DIR", type=Path, default=HERE,
                        help="where to write base_model.keras and base_weights.npz (default: next to this script)")  # i18n: not for people (the pack maintainer's script)
    parser.add_argument("--no-spec", action="store_true", help="do not write the accuracy into spec.toml")  # i18n: not for people (the pack maintainer's script)
    args = parser.parse_args()

    start = time.perf_counter()
    import keras
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(2)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    keras.utils.set_random_seed(SEED)
    tf.config.experimental.enable_op_determinism()
    (x_train, y_train), (x_test, y_test) = load_mnist(args.mnist)
    x_train, y_train = digits_only(x_train, y_train)
    x_test, y_test = digits_only(x_test, y_test)
    model = build()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    trained = time.perf_counter()
    model.fit(prepare(x_train), y_train, epochs=EPOCHS, batch_size=BATCH_SIZE, shuffle=True, verbose=2)
    trained = time.perf_counter() - trained
    # Saved uncompiled, from a copy: no optimizer state in the file.
    shipped = keras.models.clone_model(model)
    shipped.set_weights(model.get_weights())
    args.out.mkdir(parents=True, exist_ok=True)
    shipped.save(args.out / "base_model.keras")
    np.savez(args.out / "base_weights.npz", **weights_by_layer(shipped))
    probabilities = shipped.predict(prepare(x_test), batch_size=500, verbose=0)
    accuracy = float(np.mean(probabilities.argmax(axis=1) == y_test))
    print(f"trained on {len(y_train)} images of the digits 0-4 in {trained:.1f} s ({EPOCHS} epochs)")  # i18n: not for people (the pack maintainer's script)
    print(f"test accuracy on the digits 0-4: {accuracy:.6f} ({len(y_test)} images)")  # i18n: not for people (the pack maintainer's script)
    print(f"parameters: {shipped.count_params()}; base_model.keras: "
          f"{(args.out / 'base_model.keras').stat().st_size} bytes")
    if not args.no_spec:
        record_accuracy(HERE / "spec.toml", accuracy)
        print(f"wrote accuracy = {accuracy:.6f} into {HERE / 'spec.toml'}")
    print(f"done in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()

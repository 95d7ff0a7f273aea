"""Exercise transfer_learning, as its statement asks: reuse the base model's frozen feature layers
for the digits 5-9 and save transfer.keras (next to this script).

    python train_transfer.py --mnist DIR        # the four MNIST files (*-ubyte.gz) or mnist.npz in DIR
    python train_transfer.py --base base_model.keras --out other/transfer.keras

The base is base_model.keras, which `cnngrade init` copies into a student's folder; by default
this script takes the pack's own copy. Two epochs reach about 0.97 on the test digits 5-9.
"""
import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from train import load_mnist, prepare  # noqa: E402  (the same MNIST loading as the course model's)

PACK_BASE = HERE.parents[1] / "exercises" / "transfer_learning" / "base_model.keras"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mnist", metavar="DIR", help="folder with the MNIST files (default: Keras' download)")
    parser.add_argument("--base", default=str(HERE / "base_model.keras") if (HERE / "base_model.keras").exists()
                        else str(PACK_BASE), help="the base model (default: base_model.keras here, else the pack's)")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(HERE / "transfer.keras"), help="where to save (default: next to this script)")
    args = parser.parse_args()

    keras.utils.set_random_seed(args.seed)
    (x_train, y_train), (x_test, y_test) = load_mnist(args.mnist)
    base = keras.saving.load_model(args.base)
    features = base.layers[:5]  # conv1, pool1, conv2, pool2, flatten; its Dense layers are dropped
    for layer in features:
        layer.trainable = False
    model = keras.Sequential([keras.Input(shape=(28, 28, 1)), *features,
                              keras.layers.Dense(32, activation="relu"),
                              keras.layers.Dense(5, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    train, test = y_train >= 5, y_test >= 5
    model.fit(prepare(x_train[train]), y_train[train] - 5, epochs=args.epochs, batch_size=128, verbose=2)
    loss, accuracy = model.evaluate(prepare(x_test[test]), y_test[test] - 5, verbose=0)
    print(f"test accuracy on the digits 5-9 {accuracy:.4f} (loss {loss:.4f})")
    model.save(args.out)
    print(f"saved {args.out}")


if __name__ == "__main__":
    main()

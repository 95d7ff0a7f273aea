"""The mistake of this folder: the course model is built, compiled and saved, but never trained
(the fit call was commented out while debugging, and the save stayed). Its architecture is right,
its accuracy is chance (about 0.1).

    python make_model.py [--out model.keras]

writes model.keras next to this file (about 2.5 MB, so it is generated rather than committed).
"""
import argparse
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
from keras import layers  # noqa: E402

HERE = Path(__file__).resolve().parent


def build_model():
    return keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(32, (3, 3), activation="relu", padding="same"),
        layers.MaxPooling2D((2, 2)),
        layers.Flatten(),
        layers.Dense(100, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=str(HERE / "model.keras"))
    args = parser.parse_args()
    keras.utils.set_random_seed(0)
    model = build_model()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    # model.fit(x_train, y_train, epochs=3, batch_size=128)   <- the line that never ran
    model.save(args.out)
    print(f"saved {args.out}")


if __name__ == "__main__":
    main()

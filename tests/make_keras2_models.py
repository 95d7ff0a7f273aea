"""Write tests/data/keras2/: legacy .h5 models saved by Keras 2 (tf-keras), as the tutorials of
TensorFlow 2.15 and earlier saved them, and Keras 2's own predictions of them.

    pip install --target DIR tf-keras==<the installed TensorFlow's version>
    PYTHONPATH=DIR python tests/make_keras2_models.py

Keras 2 writes a config of its own (batch_input_shape, dtype "float32", LeakyReLU's alpha,
"Custom>Adam" in the training config, weight names such as conv2d/kernel:0) that the NumPy path
must read as Keras 2 meant it. The files are small and kept in the repository, with Keras 2's
predictions of the first PREDICTED MNIST test images (expected.npz), so that the tests need no
Keras 2 (tests/test_catalogue.py).
"""
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
import tf_keras as keras  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from exercises.models.mnist import Mnist, scaled  # noqa: E402

OUT = ROOT / "tests" / "data" / "keras2"
PREDICTED = 500
L = keras.layers
RNG = np.random.default_rng(2)


def randomize(model):
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            randomize(layer)
        elif layer.weights:
            layer.set_weights([RNG.uniform(0.5, 1.5, w.shape).astype("float32")
                               if "variance" in w.name or "gamma" in w.name
                               else (RNG.standard_normal(w.shape) * 0.5).astype("float32") for w in layer.weights])
    return model


def sequential():
    """A tutorial's CNN, compiled with Adam (saved as 'Custom>Adam' in the training config)."""
    model = randomize(keras.Sequential([
        L.Conv2D(8, 3, activation="relu", input_shape=(28, 28, 1)), L.MaxPooling2D(), L.BatchNormalization(),
        L.LeakyReLU(0.1), L.Dropout(0.2), L.Flatten(), L.Dense(16, activation="relu"),
        L.Dense(10, activation="softmax")]))
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def functional():
    inputs = keras.Input((28, 28))
    x = L.Reshape((28, 28, 1))(inputs)
    x = L.Conv2D(4, 3, padding="same", activation="elu")(x)
    x = L.AveragePooling2D()(x)
    x = L.GlobalMaxPooling2D()(x)
    return randomize(keras.Model(inputs, L.Dense(10, activation="softmax")(x)))


def nested():
    """Transfer learning as Keras 2 tutorials did it: a frozen base Sequential inside a Sequential
    (Keras 3's legacy loader refuses this file; the NumPy path reads it)."""
    base = keras.Sequential([L.Conv2D(4, 3, input_shape=(28, 28, 1)), L.ReLU(), L.MaxPooling2D(), L.Flatten()],
                            name="base")
    base.trainable = False
    return randomize(keras.Sequential([base, L.Dense(5, activation="softmax")]))


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    images = scaled(Mnist(ROOT.parent / "shared" / "data" / "mnist").test[0][:PREDICTED])
    expected = {}
    for build in (sequential, functional, nested):
        model = build()
        model.save(OUT / f"{build.__name__}.h5")
        expected[build.__name__] = model.predict(images.reshape(len(images), *model.input_shape[1:]), verbose=0)
        print(build.__name__, keras.__version__)
    np.savez(OUT / "expected.npz", **expected)


if __name__ == "__main__":
    main()

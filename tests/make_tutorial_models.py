"""Build the model kinds of the Keras MNIST tutorials (issue 12) with real Keras, trained briefly.

python tests/make_tutorial_models.py MNIST_DIR OUT_DIR writes into OUT_DIR:
  course.keras, model.h5 (the same trained course model in both formats), lambda.h5,
  builtin_loss.keras (compiled with keras.losses.categorical_crossentropy), reshape.keras (input
  (28, 28), a Reshape first), raw_pixels.keras (trained on 0-255 pixels), logits.keras (Dense(10)
  without softmax, a from_logits loss).
Run by the tests in a subprocess: TensorFlow never loads in the test process.
"""
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from exercises.models.mnist import Mnist  # noqa: E402

TRAIN = 12_000  # images: enough for a plainly working model in seconds on two cores

keras.utils.set_random_seed(0)
mnist_dir, out = sys.argv[1], sys.argv[2]
images, labels = Mnist(mnist_dir).train
x = images[:TRAIN].astype("float32")[..., None] / 255.0
y = keras.utils.to_categorical(labels[:TRAIN], 10)
layers = keras.layers


def body(head):
    return [layers.Conv2D(16, 3, activation="relu"), layers.MaxPooling2D(), layers.Flatten(),
            layers.Dense(64, activation="relu"), head]


def fit(model, inputs, loss="categorical_crossentropy", epochs=1):
    model.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
    model.fit(inputs, y, batch_size=128, epochs=epochs, verbose=0)
    return model


course = fit(keras.Sequential([keras.Input((28, 28, 1)), *body(layers.Dense(10, activation="softmax"))]), x)
course.save(os.path.join(out, "course.keras"))
course.save(os.path.join(out, "model.h5"))
with_lambda = keras.Sequential([keras.Input((28, 28, 1)), layers.Lambda(lambda t: t * 1.0),
                                *body(layers.Dense(10, activation="softmax"))])
with_lambda.save(os.path.join(out, "lambda.h5"))
builtin = keras.Sequential([keras.Input((28, 28, 1)), *body(layers.Dense(10, activation="softmax"))])
builtin.compile(optimizer="adam", loss=keras.losses.categorical_crossentropy, metrics=["accuracy"])
builtin.fit(x, y, batch_size=128, epochs=1, verbose=0)
builtin.save(os.path.join(out, "builtin_loss.keras"))
reshape = fit(keras.Sequential([keras.Input((28, 28)), layers.Reshape((28, 28, 1)),
                                *body(layers.Dense(10, activation="softmax"))]), x[..., 0])
reshape.save(os.path.join(out, "reshape.keras"))
# A tutorial's model with batch normalization, trained on raw 0-255 pixels: on [0, 1] images every
# activation falls below the statistics it learnt, and (nearly) every prediction is one digit.
raw = fit(keras.Sequential([keras.Input((28, 28, 1)), layers.Conv2D(16, 3), layers.BatchNormalization(),
                            layers.Activation("relu"), *body(layers.Dense(10, activation="softmax"))[1:]]),
          x * 255.0)
raw.save(os.path.join(out, "raw_pixels.keras"))
logits = fit(keras.Sequential([keras.Input((28, 28, 1)), *body(layers.Dense(10))]), x,
             loss=keras.losses.CategoricalCrossentropy(from_logits=True))
logits.save(os.path.join(out, "logits.keras"))

"""Build models that use every entry of the layer catalogue (exercises/models/layer_catalogue.py), and
models just outside it, with real Keras and random weights; save each as NAME.keras and NAME.h5.

    python tests/make_catalogue_models.py OUT_DIR

Every model takes 784 values per image (an MNIST image, reshaped by the workers when the model's
input has another shape). Run by tests/test_catalogue.py in a subprocess: TensorFlow never loads
in the test process. Prints the names of the models written, one per line, "inside" or "outside".
"""
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras  # noqa: E402
import numpy as np  # noqa: E402

L = keras.layers
keras.utils.set_random_seed(20)
RNG = np.random.default_rng(20)


def randomize(model: keras.Model) -> keras.Model:
    """Random weights everywhere; positive variances for BatchNormalization."""
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            randomize(layer)
            continue
        weights = []
        for variable, value in zip(layer.weights, layer.get_weights()):
            if "variance" in variable.path or "gamma" in variable.path:
                weights.append(RNG.uniform(0.5, 1.5, value.shape).astype("float32"))
            else:
                weights.append((RNG.standard_normal(value.shape) * 0.5).astype("float32"))
        if weights:
            layer.set_weights(weights)
    return model


def conv2d() -> keras.Model:
    return keras.Sequential([
        keras.Input((28, 28, 1)),
        L.Conv2D(4, 3, strides=2, padding="same", activation="elu"),
        L.Conv2D(6, (2, 3), dilation_rate=2, use_bias=False, activation="selu"),
        L.Conv2D(5, 1, padding="same", activation="softsign"),
        L.AveragePooling2D(3, strides=2, padding="same"),
        L.MaxPooling2D((2, 1), strides=(1, 2), padding="same"),
        L.GlobalMaxPooling2D(),
        L.Dense(10, activation="softmax"),
    ])


def conv1d() -> keras.Model:
    return keras.Sequential([
        keras.Input((28, 28)),
        L.Conv1D(8, 3, padding="causal", dilation_rate=2, activation="relu"),
        L.Conv1D(4, 5, strides=3, padding="same", activation="tanh"),
        L.SpatialDropout1D(0.1),
        L.MaxPooling1D(2),
        L.AveragePooling1D(2, padding="same"),
        L.ZeroPadding1D((1, 2)),
        L.GlobalMaxPooling1D(keepdims=True),
        L.GlobalAveragePooling1D(),
        L.Dense(10, activation="sigmoid"),
    ])


def conv3d() -> keras.Model:
    return keras.Sequential([
        keras.Input((7, 4, 28, 1)),
        L.Conv3D(3, (2, 2, 3), padding="same", activation="relu6"),
        L.MaxPooling3D((1, 2, 2)),
        L.SpatialDropout3D(0.1),
        L.AveragePooling3D((2, 1, 2), padding="same"),
        L.ZeroPadding3D(1),
        L.Conv3D(2, 2, strides=(1, 1, 2), activation="softplus"),
        L.GlobalMaxPooling3D(keepdims=True),
        L.GlobalAveragePooling3D(),
        L.Dense(5, activation="softmax"),
    ])


def normalized() -> keras.Model:
    return keras.Sequential([
        keras.Input((28, 28, 1)),
        L.Rescaling(2.0, offset=-1.0),
        L.ZeroPadding2D(((1, 2), (0, 1))),
        L.Conv2D(8, 3),
        L.BatchNormalization(),
        L.ReLU(max_value=4.0, negative_slope=0.1, threshold=0.5),
        L.LeakyReLU(0.2),
        L.SpatialDropout2D(0.2),
        L.Dropout(0.3),
        L.GaussianNoise(0.1),
        L.GaussianDropout(0.1),
        L.AlphaDropout(0.1),
        L.ActivityRegularization(0.01),
        L.GlobalAveragePooling2D(),
        L.Dense(16, activation="swish"),
        L.Activation("mish"),
        L.Dense(12),
        L.Activation("hard_silu"),
        L.ReLU(max_value=6.0),
        L.Dense(10),
        L.Softmax(),
    ])


def thresholds() -> keras.Model:
    """ReLU's threshold is a step: it is given the pixels themselves (the same values on both
    sides), so that a rounding difference upstream cannot move a value across it."""
    return keras.Sequential([
        keras.Input((28, 28, 1)),
        L.ReLU(threshold=0.5, negative_slope=0.1),
        L.ReLU(max_value=0.8),
        L.Flatten(),
        L.Dense(10, activation="softmax"),
    ])


def functional() -> keras.Model:
    """A functional chain with a frozen nested Sequential and a nested functional model."""
    features = keras.Sequential([keras.Input((28, 28, 1)), L.Conv2D(4, 3, activation="leaky_relu"),
                                 L.BatchNormalization(center=False), L.MaxPooling2D()], name="features")
    features.trainable = False
    inner_in = keras.Input((13, 13, 4))
    inner = keras.Model(inner_in, L.Conv2D(3, 2, activation="exponential")(L.Activation("hard_sigmoid")(inner_in)),
                        name="inner")
    inputs = keras.Input((28, 28, 1))
    x = features(inputs)
    x = inner(x)
    x = L.Reshape((12, -1))(x)
    x = L.Dense(6, activation="relu")(x)
    x = L.Flatten()(x)
    x = L.Dense(10, activation="log_softmax")(x)
    outputs = L.Softmax(axis=[1])(x)
    return keras.Model(inputs, outputs)


def frozen_functional() -> keras.Model:
    inputs = keras.Input((784,))
    x = L.Reshape((28, 28, 1))(inputs)
    x = L.Conv2D(2, 5, strides=3, activation="sigmoid")(x)
    x = L.Flatten()(x)
    x = L.Dense(7, activation="linear", trainable=False)(x)
    model = keras.Model(inputs, L.Dense(10, activation="softmax")(x))
    model.trainable = False
    return model


def transposed() -> keras.Model:  # outside: Conv2DTranspose
    return keras.Sequential([keras.Input((28, 28, 1)), L.Conv2DTranspose(2, 3), L.Flatten(),
                             L.Dense(10, activation="softmax")])


def branching() -> keras.Model:  # outside: not one chain
    inputs = keras.Input((28, 28, 1))
    x = L.Flatten()(inputs)
    return keras.Model(inputs, L.Dense(10, activation="softmax")(L.Add()([L.Dense(10)(x), L.Dense(10)(x)])))


def gelu() -> keras.Model:  # outside: an activation the catalogue does not hold
    return keras.Sequential([keras.Input((28, 28, 1)), L.Flatten(), L.Dense(10, activation="gelu"), L.Softmax()])


INSIDE = [conv2d, conv1d, conv3d, normalized, thresholds, functional, frozen_functional]
OUTSIDE = [transposed, branching, gelu]


def main() -> None:
    out = sys.argv[1]
    for build in INSIDE + OUTSIDE:
        model = randomize(build())
        model.save(os.path.join(out, f"{build.__name__}.keras"))
        model.save(os.path.join(out, f"{build.__name__}.h5"))
        print(build.__name__, "inside" if build in INSIDE else "outside")


if __name__ == "__main__":
    main()

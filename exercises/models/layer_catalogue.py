"""The layers the course pack grades on its own NumPy reference (issue 20): a saved Keras model's
config and weights (read as data by model_files.py) turned into a chain of reference/layers.py
calls, listed as Keras lists them, or the reason the model is outside the catalogue (it then goes
to the keras worker, and the report says which layer sent it there).

The catalogue (CATALOGUE): InputLayer; Conv1D, Conv2D, Conv3D (padding 'valid', 'same', and
'causal' in 1D; strides, dilation, bias, activation); MaxPooling and AveragePooling 1D/2D/3D;
GlobalAveragePooling and GlobalMaxPooling 1D/2D/3D; Flatten, Reshape, ZeroPadding 1D/2D/3D;
Dense; Dropout, SpatialDropout 1D/2D/3D, GaussianNoise, GaussianDropout, AlphaDropout,
ActivityRegularization (identity at inference); Activation, ReLU, LeakyReLU, Softmax;
BatchNormalization (inference); Rescaling; Sequential and functional models that are one chain
(one input, one output, each layer called once on the one before), nested in each other. Every
layer computes in float32, channels last, with the activations of reference.layers.ACTIVATIONS.

Only what Keras would build the same way is taken: a value this module does not read exactly as
Keras does (another data format, groups, a dtype policy other than float32, a call argument,
weights that do not match the config) is a reason to leave the model to Keras, never a guess.
Nothing here is executed from the file: configs are dictionaries, weights are arrays.
"""
from __future__ import annotations

import math
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from reference import layers as ref

F32 = np.float32
MODELS = ("Sequential", "Functional", "Model")
IDENTITY = ("Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianNoise",
            "GaussianDropout", "AlphaDropout", "ActivityRegularization")
ALIASES = {"swish": "silu", "hard_swish": "hard_silu"}  # keras.activations.get's aliases
# Activations that never decrease: they commute with a maximum (see fuse).
MONOTONE = ("linear", "relu", "relu6", "leaky_relu", "sigmoid", "tanh", "elu", "selu", "softplus", "softsign",
            "exponential", "hard_sigmoid")
MAX_WEIGHT_VALUES = 32 << 20  # floats in all a model's weights (128 MiB), checked before any is read
WORK_BYTES = 4 << 20  # float32 bytes of one chunk's largest intermediate result: about a cache's size
MAX_CHUNK = 500  # images per chunk at most (Keras' predict batch in the keras worker)
THREADS = 2  # chunks computed at once


def N_(message: str, /) -> str:
    """Marks a sentence for the course's catalog (pybabel's keyword); the trusted side says it."""
    return message


class OutsideCatalogue(Exception):
    """The model needs something the catalogue does not hold: what, as a sentence marked N_ and its
    params (str(): in English; to_wire(): for the trusted side to say, model_requests.phrase)."""

    def __init__(self, text: str, /, **params):
        self.text, self.params = text, params
        super().__init__(text.format(**params))

    def to_wire(self) -> dict:
        return {"text": self.text, "params": self.params}


@dataclass
class Layer:
    """One layer as Keras lists it (model.layers, nested models' layers in their place)."""

    name: str
    class_name: str
    trainable: bool
    frozen: bool  # the layer or a model it is nested in has trainable = False
    activation: str | None  # what the keras worker reports for it (Conv, Dense, Activation, ReLU, Softmax)
    shapes: list[tuple[int, ...]] = field(default_factory=list)  # its weights' shapes, in Keras' order
    keras_path: str = ""  # where a .keras file keeps its weights: layers/<snake_case class>[_k]
    legacy: tuple[int, str | None] = (0, None)  # a legacy .h5: (index in the top model's layers, sublayer name)
    run: Callable | None = None  # (x, weights) -> y; None for InputLayer
    weights: list[np.ndarray] = field(default_factory=list)
    work: int = 0  # float32 values per image of its largest intermediate result (im2col included)
    # A convolution with a monotone activation takes over a 'valid' MaxPooling that follows it
    # (see fuse): pooled(pool) is its run then; max_pool is such a pooling's (pool_size, strides).
    pooled: Callable | None = None
    max_pool: tuple | None = None

    @property
    def params(self) -> int:
        return sum(math.prod(shape) for shape in self.shapes)


@dataclass
class Model:
    layers: list[Layer]  # as the keras worker lists them, which is also the order they compute in
    input_shape: list  # per image, None for an unknown size
    output_shape: list

    @property
    def params(self) -> int:
        return sum(layer.params for layer in self.layers)

    def predict(self, images: np.ndarray) -> np.ndarray:
        """The model's outputs for a float32 batch, computed in chunks small enough to stay in the
        processor's cache, THREADS chunks at a time (NumPy releases the GIL in its loops)."""
        work = max([math.prod(d or 1 for d in self.input_shape)] + [layer.work for layer in self.layers])
        chunk = max(1, min(MAX_CHUNK, WORK_BYTES // (4 * max(work, 1))))
        starts = range(0, len(images), chunk)
        try:
            with ThreadPoolExecutor(THREADS) as threads:
                outputs = list(threads.map(lambda start: self._run(images[start:start + chunk]), starts))
        except RuntimeError:  # no thread could be started (a process limit): one chunk after the other
            outputs = [self._run(images[start:start + chunk]) for start in starts]
        if not outputs:
            return np.zeros((0, *[d or 0 for d in self.output_shape]), dtype=F32)
        return np.concatenate(outputs)

    def _run(self, x: np.ndarray) -> np.ndarray:
        x = np.array(x, dtype=F32)  # a copy: the layers compute in the arrays they are given
        with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
            for layer in self.layers:
                if layer.run is not None:
                    x = layer.run(x, layer.weights)
        return np.asarray(x, dtype=F32)


# -- the walk over a model's config --------------------------------------------------------------

def build(saved: dict) -> Model:
    """The catalogue model of a saved config (weights not yet read: see attach); OutsideCatalogue
    with the reason when a layer or a structure is not in the catalogue."""
    if not isinstance(saved, dict) or saved.get("class_name") not in MODELS or not isinstance(saved.get("config"), dict):
        kind = saved.get("class_name") if isinstance(saved, dict) else None
        raise OutsideCatalogue(N_("it is a {kind!r} model, not a Sequential or functional one"), kind=kind)
    shape = _input_shape(saved)
    if shape is None:
        raise OutsideCatalogue(N_("its config saves no input shape"))
    layers, output = _model(saved, shape, False, "", None)
    fuse(layers)
    return Model(layers, list(shape), list(output))


def fuse(layers: list[Layer]) -> None:
    """A convolution followed by a 'valid' MaxPooling computes the pooling itself, without ever
    holding its whole output (reference.layers.conv, pool=...): the same values, since its bias
    and a monotone activation commute with the maximum."""
    for first, second in zip(layers, layers[1:]):
        if first.pooled is not None and second.max_pool is not None:
            first.run, second.run = first.pooled(second.max_pool), None


def _model(entry: dict, shape: tuple, frozen: bool, path: str, top: int | None) -> tuple[list[Layer], tuple]:
    """The layers of a Sequential or functional model entry (nested models' layers in their place),
    as Keras lists them, and the output shape. path: where its layers' weights are in a .keras
    file; top: its index in the top model's layers (None for the top model)."""
    config = entry["config"]
    functional = entry["class_name"] != "Sequential"
    if functional:
        # Keras' functional_from_config applies the saved flag to the model (Sequential's ignores it).
        frozen = frozen or not _flag(config.get("trainable", True), "trainable")
    own = _input_shape(entry)
    if own is not None and own != tuple(shape):
        raise OutsideCatalogue(N_("a model inside it takes {own} but is given {given}"), own=str(own), given=str(tuple(shape)))
    items = _list(config.get("layers"), "layers")
    if functional:
        if _functional_chain(items, config) != items:
            raise OutsideCatalogue(N_("its functional layers are saved in another order than they compute"))
    else:  # Sequential.layers leaves its InputLayer out
        items = [item for i, item in enumerate(items) if not (i == 0 and _class(item) == "InputLayer")]
        if any(_class(item) == "InputLayer" for item in items):
            raise OutsideCatalogue(N_("its Sequential model has an InputLayer after its first layer"))
    layers, used = [], {}
    for position, item in enumerate(items):
        class_name = _class(item)
        where = f"{path}layers/{_unique(_snake(class_name), used)}"
        index = position if top is None else top
        if class_name in MODELS:
            inner, shape = _model(item, shape, frozen, f"{where}/", index)
            layers.extend(inner)
        elif class_name == "InputLayer":
            trainable = _flag(_config(item).get("trainable", True), "trainable")
            layers.append(Layer(_name(item), "InputLayer", trainable, frozen or not trainable, None,
                                keras_path=where, legacy=(index, None)))
        else:
            layer, shape = _layer(item, shape, frozen, where, (index, None if top is None else _name(item)))
            layers.append(layer)
    return layers, shape


def _input_shape(entry: dict) -> tuple | None:
    """The per-image input shape a model's config saves (its InputLayer, a first layer's batch
    shape, or a Sequential's build_input_shape), None if it saves none."""
    config = entry["config"]
    items = _list(config.get("layers"), "layers")
    candidates = [_config(items[0])] if items else []
    if entry["class_name"] == "Sequential":
        candidates.append({"batch_shape": config.get("build_input_shape")})
    for candidate in candidates:
        batch = candidate.get("batch_shape", candidate.get("batch_input_shape"))
        if isinstance(batch, list) and batch and batch[0] is None \
                and all(d is None or _is_int(d) and d > 0 for d in batch[1:]):
            if candidate.get("dtype", "float32") not in ("float32", None) or candidate.get("sparse") \
                    or candidate.get("ragged"):
                raise OutsideCatalogue(N_("its input is {dtype}, sparse or ragged, not float32"), dtype=str(candidate.get('dtype')))
            return tuple(batch[1:])
    return None


def _functional_chain(items: list, config: dict) -> list:
    """The layers of a functional model from its input to its output, if it is one chain."""
    names = {}
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or item["name"] in names:
            raise OutsideCatalogue(N_("its functional graph names a layer twice or not at all"))
        names[item["name"]] = item
    (first,), (last,) = _endpoints(config.get("input_layers")), _endpoints(config.get("output_layers"))
    order, current, seen = [], last, set()
    while True:
        if current not in names or current in seen:
            raise OutsideCatalogue(N_("its graph is not one chain of layers"))
        seen.add(current)
        order.append(names[current])
        if current == first:
            break
        current = _producer(names[current])
    if _class(names[first]) != "InputLayer" or len(order) != len(items):
        raise OutsideCatalogue(N_("its graph is not one chain from one input to one output"))
    return order[::-1]


def _endpoints(value) -> list[str]:
    """The layer names of input_layers / output_layers ([name, node, tensor], or a list of them)."""
    if isinstance(value, list) and len(value) == 3 and isinstance(value[0], str):
        value = [value]
    if not isinstance(value, list) or len(value) != 1 or not isinstance(value[0], list) or len(value[0]) != 3 \
            or not isinstance(value[0][0], str):
        raise OutsideCatalogue(N_("it has several inputs or outputs"))
    return [value[0][0]]


def _producer(item: dict) -> str:
    """The one layer whose output this layer is called on (Keras 3 or Keras 2 node format)."""
    nodes = item.get("inbound_nodes")
    if not isinstance(nodes, list) or len(nodes) != 1:
        raise OutsideCatalogue(N_("its layer {layer!r} is called {count} times: its graph is not one chain"), layer=item.get('name'), count=len(nodes) if isinstance(nodes, list) else '?')
    node = nodes[0]
    if isinstance(node, dict):  # Keras 3: {"args": [tensor], "kwargs": {...}}
        args, kwargs = node.get("args"), node.get("kwargs") or {}
        if not isinstance(args, list) or len(args) != 1 or not isinstance(args[0], dict) \
                or args[0].get("class_name") != "__keras_tensor__":
            raise OutsideCatalogue(N_("its layer {layer!r} takes several tensors: its graph is not one chain"), layer=item.get('name'))
        history = (args[0].get("config") or {}).get("keras_history")
    elif isinstance(node, list) and len(node) == 1 and isinstance(node[0], list) and len(node[0]) == 4:
        history, kwargs = node[0][:3], node[0][3] or {}  # Keras 2: [[name, node, tensor, kwargs]]
    else:
        raise OutsideCatalogue(N_("its layer {layer!r} takes several tensors: its graph is not one chain"), layer=item.get('name'))
    if not isinstance(kwargs, dict) or any(v not in (None, False) for v in kwargs.values()):
        raise OutsideCatalogue(N_("its layer {layer!r} is called with arguments ({arguments})"), layer=item.get('name'), arguments=str(sorted(kwargs)))
    if not isinstance(history, list) or len(history) != 3 or not isinstance(history[0], str) or history[2] != 0:
        raise OutsideCatalogue(N_("its layer {layer!r} is called on something other than one layer's output"), layer=item.get('name'))
    return history[0]


# -- one layer ---------------------------------------------------------------------------------

def _layer(item: dict, shape: tuple, frozen: bool, where: str, legacy: tuple) -> tuple[Layer, tuple]:
    class_name, config = _class(item), _config(item)
    if class_name not in CATALOGUE:
        raise OutsideCatalogue(N_("its layer {layer!r} is a {kind}, which the catalogue does not hold"), layer=_name(item), kind=class_name)
    _float32_policy(config, item)
    trainable = _flag(config.get("trainable", True), "trainable")
    layer = Layer(name=_name(item), class_name=class_name, trainable=trainable, frozen=frozen or not trainable,
                  activation=None, keras_path=where, legacy=legacy)
    try:
        shape = CATALOGUE[class_name](layer, config, tuple(shape))
    except OutsideCatalogue:
        raise
    except (TypeError, ValueError, KeyError, IndexError, ZeroDivisionError) as exc:
        raise OutsideCatalogue(N_("its layer {layer!r} ({kind}) has a config the catalogue does not read ({error}: {text})"), layer=layer.name, kind=class_name, error=type(exc).__name__, text=str(exc)) from None
    return layer, tuple(shape)


def _conv(nsp: int):
    def build(layer: Layer, config: dict, shape: tuple) -> tuple:
        _rank(layer, shape, nsp + 1)
        _channels_last(layer, config)
        filters = _positive(config["filters"], "filters", layer)
        kernel = _ints(config["kernel_size"], nsp, "kernel_size", layer)
        strides = _ints(config.get("strides", 1), nsp, "strides", layer)
        dilation = _ints(config.get("dilation_rate", 1), nsp, "dilation_rate", layer)
        padding = _word(config.get("padding", "valid"), ("valid", "same", "causal") if nsp == 1 else ("valid", "same"),
                        "padding", layer)
        if config.get("groups", 1) != 1:
            raise OutsideCatalogue(N_("its layer {layer!r} ({kind}) has groups = {groups}"), layer=layer.name, kind=layer.class_name, groups=config.get('groups'))
        if max(strides) > 1 and max(dilation) > 1:
            raise OutsideCatalogue(N_("its layer {layer!r} has both strides and dilation above 1"), layer=layer.name)
        channels = _known(shape[-1], layer)
        if nsp == 3 and padding == "same" and any(
                n is not None and (-(-n // s) - 1) * s + (k - 1) * d + 1 - n <= -2
                for n, k, s, d in zip(shape[:-1], kernel, strides, dilation)):
            # TensorFlow's conv3d kernel starts such windows inside the volume (tests/test_reference_tf.py).
            raise OutsideCatalogue(N_("its layer {layer!r} is a Conv3D with 'same' padding and a stride far above its kernel, which TensorFlow computes its own way"), layer=layer.name)
        spatial = ref.conv_output_shape(shape[:-1], kernel, strides, padding, dilation)
        if any(s is not None and s < 1 for s in spatial):
            raise OutsideCatalogue(N_("its layer {layer!r} has a kernel larger than its input"), layer=layer.name)
        bias = _flag(config.get("use_bias", True), "use_bias")
        layer.shapes = [(*kernel, channels, filters)] + ([(filters,)] if bias else [])
        act = _activation(config, layer)
        layer.work = math.prod(d or 1 for d in spatial) * max(filters, math.prod(kernel) * channels)

        def run(pool=None):
            return lambda x, w: act(ref.conv(x, w[0], w[1] if bias else None, strides, padding, dilation, pool))

        layer.run = run()
        if layer.activation in MONOTONE:
            layer.pooled = run
        return (*spatial, filters)
    return build


def _pool(nsp: int, kind: str):
    def build(layer: Layer, config: dict, shape: tuple) -> tuple:
        _rank(layer, shape, nsp + 1)
        _channels_last(layer, config)
        size = _ints(config.get("pool_size", 2), nsp, "pool_size", layer)
        strides = size if config.get("strides") is None else _ints(config["strides"], nsp, "strides", layer)
        padding = _word(config.get("padding", "valid"), ("valid", "same"), "padding", layer)
        spatial = ref.conv_output_shape(shape[:-1], size, strides, padding, (1,) * nsp)
        if any(s is not None and s < 1 for s in spatial):
            raise OutsideCatalogue(N_("its layer {layer!r} has a pool larger than its input"), layer=layer.name)
        layer.work = math.prod(d or 1 for d in shape)
        layer.run = lambda x, w: ref.pool(x, size, strides, padding, kind)
        if kind == "max" and padding == "valid":
            layer.max_pool = (size, strides)
        return (*spatial, shape[-1])
    return build


def _global_pool(nsp: int, kind: str):
    def build(layer: Layer, config: dict, shape: tuple) -> tuple:
        _rank(layer, shape, nsp + 1)
        _channels_last(layer, config)
        keepdims = _flag(config.get("keepdims", False), "keepdims")
        layer.run = lambda x, w: ref.global_pool(x, kind, keepdims)
        return (*(1,) * nsp, shape[-1]) if keepdims else (shape[-1],)
    return build


def _zero_padding(nsp: int):
    def build(layer: Layer, config: dict, shape: tuple) -> tuple:
        _rank(layer, shape, nsp + 1)
        _channels_last(layer, config)
        pads = _pairs(config.get("padding", 1), nsp, layer)
        layer.run = lambda x, w: np.pad(x, [(0, 0), *pads, (0, 0)])
        layer.work = math.prod((d or 1) + sum(p) for d, p in zip(shape[:-1], pads)) * _known(shape[-1], layer)
        return (*(None if d is None else d + sum(p) for d, p in zip(shape[:-1], pads)), shape[-1])
    return build


def _flatten(layer: Layer, config: dict, shape: tuple) -> tuple:
    _channels_last(layer, config)
    layer.run = lambda x, w: x.reshape(x.shape[0], -1)
    return (math.prod(shape),) if all(d is not None for d in shape) else (None,)


def _reshape(layer: Layer, config: dict, shape: tuple) -> tuple:
    target = config["target_shape"]
    if not isinstance(target, list) or not target or not all(_is_int(d) and (d > 0 or d == -1) for d in target) \
            or target.count(-1) > 1 or any(d is None for d in shape):
        raise OutsideCatalogue(N_("its layer {layer!r} (Reshape) has a target shape {target!r} the catalogue does not read"), layer=layer.name, target=target)
    size, known = math.prod(shape), math.prod(d for d in target if d != -1)
    if (-1 in target and size % known) or (-1 not in target and size != known):
        raise OutsideCatalogue(N_("its layer {layer!r} cannot reshape {shape} to {target}"), layer=layer.name, shape=str(shape), target=str(tuple(target)))
    resolved = tuple(size // known if d == -1 else d for d in target)
    layer.run = lambda x, w: x.reshape(x.shape[0], *resolved)
    return resolved


def _dense(layer: Layer, config: dict, shape: tuple) -> tuple:
    if len(shape) < 1:
        raise OutsideCatalogue(N_("its layer {layer!r} (Dense) has a scalar input"), layer=layer.name)
    if config.get("lora_rank") or config.get("quantization_config"):
        raise OutsideCatalogue(N_("its layer {layer!r} (Dense) is quantized or has LoRA weights"), layer=layer.name)
    units = _positive(config["units"], "units", layer)
    inputs = _known(shape[-1], layer)
    bias = _flag(config.get("use_bias", True), "use_bias")
    layer.shapes = [(inputs, units)] + ([(units,)] if bias else [])
    act = _activation(config, layer)
    layer.work = math.prod(d or 1 for d in shape[:-1]) * max(units, inputs)
    layer.run = lambda x, w: act(ref.dense(x, w[0], w[1] if bias else None))
    return (*shape[:-1], units)


def _identity(layer: Layer, config: dict, shape: tuple) -> tuple:
    return shape  # run stays None: nothing happens at inference


def _activation_layer(layer: Layer, config: dict, shape: tuple) -> tuple:
    act = _activation(config, layer)
    layer.run = lambda x, w: act(x)
    return shape


def _relu(layer: Layer, config: dict, shape: tuple) -> tuple:
    max_value = config.get("max_value")
    slope, threshold = _number(config.get("negative_slope", 0.0), layer), _number(config.get("threshold", 0.0), layer)
    if max_value is not None:
        max_value = _number(max_value, layer)
    layer.activation = "relu"
    layer.run = lambda x, w: ref.relu(x, slope, max_value, threshold)
    return shape


def _leaky_relu(layer: Layer, config: dict, shape: tuple) -> tuple:
    slope = _number(config.get("negative_slope", config.get("alpha", 0.3)), layer)
    if not 0 <= slope <= 1:
        raise OutsideCatalogue(N_("its layer {layer!r} (LeakyReLU) has a slope of {slope} (outside 0-1)"), layer=layer.name, slope=slope)
    layer.run = lambda x, w: ref.leaky_relu(x, slope)
    return shape


def _softmax(layer: Layer, config: dict, shape: tuple) -> tuple:
    axis = config.get("axis", -1)
    axes = axis if isinstance(axis, list) else [axis]
    if not axes or not all(_is_int(a) and -len(shape) - 1 <= a <= len(shape) and a != 0 and a != -len(shape) - 1
                           for a in axes):
        raise OutsideCatalogue(N_("its layer {layer!r} (Softmax) has the axis {axis!r}"), layer=layer.name, axis=axis)
    axes = tuple(axes)
    layer.activation = "softmax"
    layer.run = (lambda x, w: ref.softmax(x, axes[0])) if len(axes) == 1 else (lambda x, w: _multi_softmax(x, axes))
    return shape


def _multi_softmax(x: np.ndarray, axes: tuple) -> np.ndarray:
    """Keras' Softmax over several axes: exp(x - logsumexp(x, axes))."""
    top = x.max(axis=axes, keepdims=True)
    return np.exp(x - (top + np.log(np.exp(x - top).sum(axis=axes, keepdims=True))))


def _batch_norm(layer: Layer, config: dict, shape: tuple) -> tuple:
    axis = config.get("axis", -1)
    axis = axis[0] if isinstance(axis, list) and len(axis) == 1 else axis
    if not _is_int(axis) or axis not in (-1, len(shape)):
        raise OutsideCatalogue(N_("its layer {layer!r} (BatchNormalization) normalizes the axis {axis!r}, not the last"), layer=layer.name, axis=axis)
    if config.get("renorm") or config.get("virtual_batch_size"):
        raise OutsideCatalogue(N_("its layer {layer!r} (BatchNormalization) uses renorm or virtual batches"), layer=layer.name)
    channels = _known(shape[-1], layer)
    scale, center = _flag(config.get("scale", True), "scale"), _flag(config.get("center", True), "center")
    epsilon = _number(config.get("epsilon", 1e-3), layer)
    layer.shapes = [(channels,)] * (int(scale) + int(center) + 2)

    def run(x, w):
        gamma = w[0] if scale else None
        beta = w[int(scale)] if center else None
        return ref.batch_norm(x, gamma, beta, w[-2], w[-1], epsilon)

    layer.run = run
    return shape


def _rescaling(layer: Layer, config: dict, shape: tuple) -> tuple:
    scale, offset = config.get("scale", 1.0), config.get("offset", 0.0)
    for value in (scale, offset):
        values = value if isinstance(value, list) else [value]
        if not values or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            raise OutsideCatalogue(N_("its layer {layer!r} (Rescaling) has the scale or offset {value!r}"), layer=layer.name, value=value)
    layer.run = lambda x, w: ref.rescale(x, scale, offset)
    return shape


CATALOGUE: dict[str, Callable[[Layer, dict, tuple], tuple]] = {
    **{f"Conv{n}D": _conv(n) for n in (1, 2, 3)},
    **{f"MaxPooling{n}D": _pool(n, "max") for n in (1, 2, 3)},
    **{f"AveragePooling{n}D": _pool(n, "average") for n in (1, 2, 3)},
    **{f"GlobalMaxPooling{n}D": _global_pool(n, "max") for n in (1, 2, 3)},
    **{f"GlobalAveragePooling{n}D": _global_pool(n, "average") for n in (1, 2, 3)},
    **{f"ZeroPadding{n}D": _zero_padding(n) for n in (1, 2, 3)},
    **{name: _identity for name in IDENTITY},
    "Flatten": _flatten, "Reshape": _reshape, "Dense": _dense, "Activation": _activation_layer, "ReLU": _relu,
    "LeakyReLU": _leaky_relu, "Softmax": _softmax, "BatchNormalization": _batch_norm, "Rescaling": _rescaling,
}


# -- the weights ---------------------------------------------------------------------------------

def attach(model: Model, h5, legacy: bool) -> None:
    """Read each layer's weights from the open weights file (h5py), checked against the shapes
    the config implies before a value is read; OutsideCatalogue when they do not match (Keras
    would refuse the file, or read it another way: it decides)."""
    total = model.params
    if total > MAX_WEIGHT_VALUES:
        raise OutsideCatalogue(N_("its config asks for {total:,} weights, more than the catalogue reads"), total=total)
    datasets = _legacy_datasets(model, h5) if legacy else _keras_datasets(model, h5)
    for layer in model.layers:
        found = datasets.get(id(layer), [])
        if len(found) != len(layer.shapes):
            raise OutsideCatalogue(N_("its file holds {found} weight arrays for the layer {layer!r}, which has {needs}"), found=len(found), layer=layer.name, needs=len(layer.shapes))
        arrays = []
        for dataset, shape in zip(found, layer.shapes):
            if tuple(dataset.shape) != shape or dataset.dtype.kind != "f":
                raise OutsideCatalogue(N_("its file holds weights of shape {found} ({dtype}) for the layer {layer!r}, which needs {shape}"), found=str(tuple(dataset.shape)), dtype=str(dataset.dtype), layer=layer.name, shape=str(shape))
            arrays.append(np.ascontiguousarray(dataset[()], dtype=F32))
        layer.weights = arrays


def _keras_datasets(model: Model, h5) -> dict[int, list]:
    """A .keras archive's model.weights.h5: layers/<snake_case class>[_k]/vars/<i>, the names Keras'
    saving_lib gives each layer in its model's layers, nested models below their own name."""
    found = {}
    for layer in model.layers:
        group = h5.get(f"{layer.keras_path}/vars")
        if group is None:
            found[id(layer)] = []
            continue
        keys = list(group.keys())
        if sorted(keys) != [str(i) for i in range(len(keys))]:
            raise OutsideCatalogue(N_("its file stores the weights of {layer!r} under unexpected names"), layer=layer.name)
        found[id(layer)] = [group[str(i)] for i in range(len(keys))]
    return found


def _legacy_datasets(model: Model, h5) -> dict[int, list]:
    """A legacy .h5: model_weights/<layer name> groups, listed in the attribute layer_names and
    paired in order with the top model's layers that have weights (as Keras' legacy loader
    does); a nested model's group holds its layers' weights under <model>/<layer>/<variable>."""
    root = h5.get("model_weights", h5)
    names = [_text(n) for n in root.attrs.get("layer_names", [])]
    groups = [root[n] for n in names if n in root and len(root[n].attrs.get("weight_names", [])) > 0]
    tops = sorted({layer.legacy[0] for layer in model.layers if layer.shapes})
    if len(groups) != len(tops):
        raise OutsideCatalogue(N_("its file holds weights for {found} layers, its config has {expected} with weights"), found=len(groups), expected=len(tops))
    group_of = dict(zip(tops, groups))
    found = {}
    for layer in model.layers:
        if not layer.shapes:
            found[id(layer)] = []
            continue
        group = group_of[layer.legacy[0]]
        weight_names = [_text(n) for n in group.attrs.get("weight_names", [])]
        if layer.legacy[1] is None:
            found[id(layer)] = [group[n] for n in weight_names]
            continue
        # A nested model's layer: its variables by the two last parts of their paths (layer, variable).
        mine = [n for n in weight_names if n.split("/")[-2:-1] == [layer.legacy[1]]]
        order = {"kernel": 0, "gamma": 0, "bias": 1, "beta": 1, "moving_mean": 2, "moving_variance": 3}
        found[id(layer)] = [group[n] for n in sorted(mine, key=lambda n: order.get(_variable(n), 9))]
    return found


def _variable(path: str) -> str:
    return path.rsplit("/", 1)[-1].split(":")[0]


def _text(value) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


# -- reading config values -------------------------------------------------------------------------

def _class(item) -> str:
    if not isinstance(item, dict) or not isinstance(item.get("class_name"), str):
        raise OutsideCatalogue(N_("a layer of its config is not a {{class_name, config}} entry"))
    return item["class_name"]


def _config(item) -> dict:
    config = item.get("config")
    if not isinstance(config, dict):
        raise OutsideCatalogue(N_("its layer {kind!r} has no config"), kind=item.get('class_name'))
    return config


def _name(item) -> str:
    name = _config(item).get("name", item.get("name"))
    if not isinstance(name, str):
        raise OutsideCatalogue(N_("a layer of its config has no name"))
    return name


def _list(value, key: str) -> list:
    if not isinstance(value, list):
        raise OutsideCatalogue(N_("its model config has no list of {key}"), key=key)
    return value


def _snake(name: str) -> str:
    """keras.src.utils.naming.to_snake_case: how saving_lib names a layer's weights group."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _unique(name: str, used: dict) -> str:
    if name in used:
        used[name] += 1
        return f"{name}_{used[name]}"
    used[name] = 0
    return name


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _flag(value, key: str) -> bool:
    if not isinstance(value, bool):
        raise OutsideCatalogue(N_("{key} is {value!r}, not true or false"), key=key, value=value)
    return value


def _positive(value, key: str, layer: Layer) -> int:
    if not _is_int(value) or value < 1:
        raise OutsideCatalogue(N_("its layer {layer!r} has {key} = {value!r}"), layer=layer.name, key=key, value=value)
    return value


def _ints(value, count: int, key: str, layer: Layer) -> tuple[int, ...]:
    values = [value] * count if _is_int(value) else value
    if not isinstance(values, list) or len(values) != count or not all(_is_int(v) and v >= 1 for v in values):
        raise OutsideCatalogue(N_("its layer {layer!r} has {key} = {value!r}"), layer=layer.name, key=key, value=value)
    return tuple(values)


def _pairs(value, count: int, layer: Layer) -> tuple[tuple[int, int], ...]:
    """ZeroPadding's padding: an int, one int per axis, or one (before, after) pair per axis (in 1D,
    the pair itself)."""
    if _is_int(value):
        value = [value] * count
    if count == 1 and isinstance(value, list) and len(value) == 2 and all(_is_int(v) for v in value):
        value = [value]
    if isinstance(value, list) and len(value) == count:
        pairs = [[v, v] if _is_int(v) else v for v in value]
        if all(isinstance(p, list) and len(p) == 2 and all(_is_int(q) and q >= 0 for q in p) for p in pairs):
            return tuple((p[0], p[1]) for p in pairs)
    raise OutsideCatalogue(N_("its layer {layer!r} has the padding {value!r}"), layer=layer.name, value=value)


def _number(value, layer: Layer) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
        raise OutsideCatalogue(N_("its layer {layer!r} has the value {value!r} where a number belongs"), layer=layer.name, value=value)
    return float(value)


def _word(value, allowed: tuple, key: str, layer: Layer) -> str:
    if not isinstance(value, str) or value.lower() not in allowed:
        raise OutsideCatalogue(N_("its layer {layer!r} has {key} = {value!r}"), layer=layer.name, key=key, value=value)
    return value.lower()


def _known(size, layer: Layer) -> int:
    if size is None:
        raise OutsideCatalogue(N_("its layer {layer!r} has an input of unknown size"), layer=layer.name)
    return size


def _rank(layer: Layer, shape: tuple, rank: int) -> None:
    if len(shape) != rank:
        raise OutsideCatalogue(N_("its layer {layer!r} ({kind}) gets an input of shape {shape}, not of rank {rank}"), layer=layer.name, kind=layer.class_name, shape=str(tuple(shape)), rank=rank + 1)


def _channels_last(layer: Layer, config: dict) -> None:
    if config.get("data_format", "channels_last") not in (None, "channels_last"):
        raise OutsideCatalogue(N_("its layer {layer!r} ({kind}) is channels_first"), layer=layer.name, kind=layer.class_name)


def _float32_policy(config: dict, item: dict) -> None:
    policy = config.get("dtype", "float32")
    if isinstance(policy, dict):
        policy = (policy.get("config") or {}).get("name") if policy.get("class_name") in (
            "DTypePolicy", "FloatDTypePolicy", "Policy") else policy.get("class_name")
    if policy not in ("float32", None):
        raise OutsideCatalogue(N_("its layer {layer!r} computes in {policy}, not float32"), layer=_name(item), policy=str(policy))


def _activation(config: dict, layer: Layer):
    """The function of a layer's "activation" (Keras' function name; None is linear; aliases
    resolved), its name recorded as layer.activation."""
    value = config.get("activation")
    if isinstance(value, dict) and value.get("class_name") == "function" and isinstance(value.get("config"), str):
        value = value["config"]
    if value is None:
        value = "linear"
    name = ALIASES.get(value, value) if isinstance(value, str) else None
    if name not in ref.ACTIVATIONS:
        raise OutsideCatalogue(N_("its layer {layer!r} uses the activation {value!r}, which the catalogue does not hold"), layer=layer.name, value=value)
    layer.activation = name
    return ref.ACTIVATIONS[name]

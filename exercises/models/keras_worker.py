"""The course pack's "keras" worker kind: load a student's model file (model.keras, or the file
the request names) and answer with plain data.

Loaded by the engine's sandboxed worker (grader/sandbox/worker.py) by file path at startup, before the grader's folders are hidden, so this
module imports only the standard library and NumPy at module level; Keras (TensorFlow) and h5py are
imported inside the functions, at the first request that needs them. It never imports student
Python. The model file is untrusted: before Keras sees it, its config is read as data (config.json
of a .keras archive; the model_config and training_config attributes of a legacy HDF5 .h5 file,
read with h5py) and a model that holds stored code (a Lambda layer, a serialized Python function's
bytecode) or any object from outside Keras is refused, naming the offending part; then
keras.saving.load_model runs with safe_mode=True. Keras' own losses, metrics and optimizers named
in a compile config (`loss=keras.losses.categorical_crossentropy` is saved as a function NAME)
are not code and are accepted. (Keras model files have had code-execution flaws even so: the
sandbox around this process is what holds.)

Requests (sandbox.ask): {"action": ACTION, "file": NAME, ...}
  file     the model file to load: a plain file name in the submission folder (no path
           separators); default model.keras. Each file is loaded once per worker.
  describe -> {"status": "ok", "input_shape", "output_shape", "params", "layers", "output_activation",
               "seconds": {...}}
  predict  -> {"status": "ok", "seconds": {...}}, value: (N, K) float32 outputs of
              args[0] (N, 28, 28, 1) float32 images
  layers   -> {"status": "ok", "layers": [{"name", "class", "trainable", "frozen", "activation", "params",
               "weights": [{"shape", "sha256"}, ...]}, ...], "arrays": bool, "seconds": {...}},
              value: every layer's weights in that order, one flat list of float32 arrays (when
              "arrays" is true: at most MAX_ARRAYS arrays and MAX_ARRAY_VALUES numbers; else only
              the digests). "trainable" is the layer's own flag; "frozen" is true when the layer or
              a model it is nested in has trainable = False. sha256 is the digest of the weight's
              float32 C-order bytes.
A model that cannot be used: {"status": "missing" | "raised", "error": one clear sentence}.
"""
from __future__ import annotations

import json
import os
import time
import zipfile

import numpy as np

# TensorFlow's own logging stays quiet (what it prints is not the student's output either way).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

MODEL_FILE = "model.keras"
MAX_ARRAYS = 512
MAX_ARRAY_VALUES = 8 << 20
MODEL_SUFFIXES = (".keras", ".h5", ".hdf5")  # what a saved Keras model is called
MAX_CONFIG_BYTES = 16 << 20
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
PREDICT_BATCH = 500


class ModelProblem(Exception):
    """A model file the grader will not or cannot use; status 'missing' or 'raised'."""

    def __init__(self, status: str, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


_state: dict = {}


def handle(folder: str, request: dict):
    action = request.get("action")
    try:
        name = model_file(request.get("file", MODEL_FILE))
        model = _model(folder, name)
        if action == "describe":
            return {"status": "ok", **describe(model), "seconds": dict(_state["seconds"][name])}, {}
        if action == "predict":
            images = (request.get("args") or [None])[0]
            start = time.perf_counter()
            value = predict(model, images)
            seconds = {**_state["seconds"][name], "predict": time.perf_counter() - start}
            return {"status": "ok", "seconds": seconds}, {"value": value}
        if action == "layers":
            layers, arrays = layer_weights(model)
            info = {"status": "ok", "layers": layers, "arrays": arrays is not None,
                    "seconds": dict(_state["seconds"][name])}
            return info, ({"value": arrays} if arrays is not None else {})
        return {"status": "crashed", "error": f"unknown model action {action!r}"}, {}
    except ModelProblem as problem:
        return {"status": problem.status, "error": problem.message}, {}
    except MemoryError:
        return {"status": "memory", "error": "the model ran out of memory"}, {}
    except Exception as exc:  # noqa: BLE001  (a model Keras loads but cannot describe is the model's fault)
        text = " ".join(str(exc).split())[:400]
        return {"status": "raised", "error": f"the model could not be used: {type(exc).__name__}: {text}"}, {}


def model_file(name) -> str:
    """The requested file name, if it is a plain name of a file in the submission folder."""
    if (not isinstance(name, str) or not name or name in (".", "..") or "/" in name or "\\" in name
            or "\0" in name or (os.altsep and os.altsep in name) or len(name) > 255):
        raise ModelProblem("crashed", f"the grader asked for the model file {name!r}: only a plain file name "
                                      f"in the submission folder is allowed")
    return name


def choose(names, expected: str = MODEL_FILE) -> tuple[str | None, str]:
    """Which of a folder's file names is the model to grade: (name, notice) or (None, why not).

    `expected` when it is there (notice ''); else the only file that looks like a saved Keras model
    (.keras, .h5, .hdf5), with a notice saying it was used; with none or several, None and a
    sentence that says which file is expected."""
    names = sorted(names)
    if expected in names:
        return expected, ""
    models = [n for n in names if n.lower().endswith(MODEL_SUFFIXES) and not n.startswith(".")]
    if len(models) == 1:
        return models[0], f"graded the model {models[0]} (there is no {expected}, and it is the only model file)"
    if models:
        return None, (f"the folder holds several model files ({', '.join(models)}) and no {expected}: "
                      f"keep only the model to grade, or save it as {expected}")
    return None, (f"there is no {expected} in the folder: train the model and save it with "
                  f"model.save('{expected}')")


def _model(folder: str, name: str = MODEL_FILE):
    """The loaded model (each file loaded once per worker); a ModelProblem (also remembered) if unusable."""
    models = _state.setdefault("models", {})
    if name not in models:
        try:
            models[name] = load(os.path.join(folder, name))
        except ModelProblem as problem:
            models[name] = problem
    if isinstance(models[name], ModelProblem):
        raise models[name]
    return models[name]


# -- checking the file as data, before Keras reads it ----------------------------------------

def screen(path: str) -> None:
    """Refuse what is not a Keras model of built-in objects; reads the file as data only."""
    name = os.path.basename(path)
    if not os.path.isfile(path):
        raise ModelProblem("missing", f"there is no {name} in the folder: train the model and save it "
                                      f"with model.save('{name}')")
    with open(path, "rb") as handle:
        head = handle.read(8)
    if head == HDF5_SIGNATURE:
        configs = _hdf5_configs(path, name)
    elif zipfile.is_zipfile(path):
        configs = {"config.json": _keras_config(path, name)}
    else:
        raise ModelProblem("raised", f"{name} is not a Keras model file (neither a .keras zip archive nor a "
                                     f"legacy HDF5 .h5 file); it may be damaged or something else renamed")
    for where, config in configs.items():
        unsafe = _unsafe(config, where)
        if unsafe:
            raise ModelProblem("raised", f"{name} was refused: {unsafe}")


def _keras_config(path: str, name: str):
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "config.json" not in names or "model.weights.h5" not in names:
                raise ModelProblem("raised", f"{name} is a zip archive but not a Keras model "
                                             f"(it lacks config.json or model.weights.h5)")
            if archive.getinfo("config.json").file_size > MAX_CONFIG_BYTES:
                raise ModelProblem("raised", f"{name}: its config.json is implausibly large")
            return json.loads(archive.read("config.json"))
    except ModelProblem:
        raise
    except (zipfile.BadZipFile, json.JSONDecodeError, UnicodeDecodeError, OSError, KeyError,
            RuntimeError, EOFError, NotImplementedError, ValueError) as exc:
        raise ModelProblem("raised", f"{name} is damaged ({type(exc).__name__}: {exc})") from None


def _hdf5_configs(path: str, name: str) -> dict:
    """The model_config (and training_config, when saved) of a legacy HDF5 model, parsed as JSON
    with h5py: attributes are read as data; nothing in the file is deserialized by Keras yet."""
    import h5py  # noqa: PLC0415  (only for .h5 files; it comes with TensorFlow)

    configs = {}
    try:
        with h5py.File(path, "r") as handle:
            for key in ("model_config", "training_config"):
                if key not in handle.attrs:
                    continue
                raw = handle.attrs[key]
                raw = raw.item() if hasattr(raw, "item") and getattr(raw, "shape", None) == () else raw
                text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
                if not isinstance(text, str) or len(text) > MAX_CONFIG_BYTES:
                    raise ModelProblem("raised", f"{name}: its {key} attribute is not a plausible model config")
                configs[key] = json.loads(text)
    except ModelProblem:
        raise
    except (OSError, ValueError, TypeError, KeyError, RuntimeError, UnicodeDecodeError) as exc:
        raise ModelProblem("raised", f"{name} is a damaged HDF5 file ({type(exc).__name__}: "
                                     f"{' '.join(str(exc).split())[:200]})") from None
    if "model_config" not in configs:
        raise ModelProblem("raised", f"{name} is an HDF5 file without a model in it (only weights, saved "
                                     f"with save_weights?): save the whole model with model.save('{MODEL_FILE}')")
    return configs


def _unsafe(tree, where: str = "config", depth: int = 0) -> str:
    """Why a model config is unsafe to load ('' if it is not), naming the offending part by its
    place in the config (e.g. model_config.config.layers[1]). Stored code is refused: a Lambda
    layer, a `__lambda__` (a function's bytecode), a function that is not a plain name, objects
    from modules outside Keras, custom registered objects. A function saved by NAME (Keras saves a
    built-in loss such as categorical_crossentropy so: module 'builtins', class 'function') holds
    no code and is accepted."""
    if depth > 200:
        return "its config is nested implausibly deep"
    if isinstance(tree, list):
        for index, item in enumerate(tree):
            reason = _unsafe(item, f"{where}[{index}]", depth + 1)
            if reason:
                return reason
        return ""
    if not isinstance(tree, dict):
        return ""
    class_name = tree.get("class_name")
    config = tree.get("config")
    if class_name == "Lambda":
        name = config.get("name", "?") if isinstance(config, dict) else "?"
        return (f"it contains a Lambda layer ({name!r}, at {where}); a Lambda layer holds Python code, which "
                f"the grader never runs: build the model from Keras' built-in layers only")
    if class_name in ("__lambda__", "TFSMLayer"):
        return (f"it contains a serialized Python function or external graph ({class_name}, at {where}); "
                f"use built-in layers only")
    module = tree.get("module")
    if class_name == "function":
        if isinstance(config, str) and config.isidentifier() and module in (None, "builtins") \
                or isinstance(module, str) and (module == "keras" or module.startswith("keras.")):
            return ""  # a function saved by its name (e.g. a built-in loss): no code in the file
        return f"it contains a serialized Python function (at {where}): use Keras' built-in functions by name"
    if module is not None and not (isinstance(module, str) and (module == "keras" or module.startswith("keras."))):
        return f"it uses {class_name!r} from the module {module!r} (at {where}): only Keras' own objects are accepted"
    registered = tree.get("registered_name")
    if isinstance(registered, str) and ">" in registered:
        return f"it uses the custom object {registered!r} (at {where}): only Keras' own objects are accepted"
    for key, value in tree.items():
        reason = _unsafe(value, f"{where}.{key}", depth + 1)
        if reason:
            return reason
    return ""


# -- Keras ----------------------------------------------------------------------------------

def load(path: str):
    name = os.path.basename(path)  # the file's name, in every message below
    screen(path)
    start = time.perf_counter()
    import keras  # noqa: PLC0415  (the worker imports TensorFlow only when there is a model to load)

    imported = time.perf_counter()
    try:
        model = keras.saving.load_model(path, safe_mode=True, compile=False)
    except MemoryError:
        raise
    except BaseException as exc:  # noqa: BLE001  (whatever Keras raised on this file is the file's fault)
        text = " ".join(str(exc).split())
        text = text[:400] + ("..." if len(text) > 400 else "")
        raise ModelProblem("raised", f"Keras could not load {name} (safe mode): {type(exc).__name__}: {text}") \
            from None
    if not isinstance(model, keras.Model):
        raise ModelProblem("raised", f"{name} holds a {type(model).__name__}, not a Keras model")
    _state.setdefault("seconds", {})[name] = {"import": imported - start, "load": time.perf_counter() - imported}
    return model


def _layers(model) -> list:
    """Every layer, nested models' layers included, in order."""
    return [layer for layer, _ in _layers_frozen(model)]


def _layers_frozen(model, frozen: bool = False) -> list:
    """(layer, frozen) for every layer, nested models' layers included, in order; frozen is true
    when the layer or a model it is nested in has trainable = False."""
    found = []
    frozen = frozen or not bool(getattr(model, "trainable", True))
    for layer in getattr(model, "layers", []):
        if getattr(layer, "layers", None):
            found.extend(_layers_frozen(layer, frozen))
        else:
            found.append((layer, frozen or not bool(layer.trainable)))
    return found


def layer_weights(model) -> tuple[list, list | None]:
    """Each layer's name, class, flags and weights (shapes and digests); the weights themselves as
    one flat list of float32 arrays, or None when there are too many to send."""
    import hashlib

    layers, arrays = [], []
    for layer, frozen in _layers_frozen(model):
        weights = []
        for weight in layer.get_weights():
            array = np.ascontiguousarray(np.asarray(weight, dtype=np.float32))
            weights.append({"shape": [int(d) for d in array.shape],
                            "sha256": hashlib.sha256(array.tobytes()).hexdigest()})
            arrays.append(array)
        layers.append({"name": str(layer.name), "class": type(layer).__name__, "trainable": bool(layer.trainable),
                       "frozen": bool(frozen), "activation": _activation(layer),
                       "params": int(layer.count_params()), "weights": weights})
    if len(arrays) > MAX_ARRAYS or sum(a.size for a in arrays) > MAX_ARRAY_VALUES:
        return layers, None
    return layers, arrays


def _shape(shape) -> list | None:
    """A Keras shape without its batch axis, as a list (None when there are several inputs)."""
    if shape is None:
        return None
    if isinstance(shape, (list, tuple)) and shape and isinstance(shape[0], (list, tuple)):
        return None
    if isinstance(shape, dict):
        return None
    return [None if d is None else int(d) for d in list(shape)[1:]]


def _activation(layer) -> str | None:
    name = type(layer).__name__
    if name == "Softmax":
        return "softmax"
    if name == "ReLU":
        return "relu"
    activation = getattr(layer, "activation", None)
    if activation is None:
        return None
    return getattr(activation, "__name__", None) or str(activation)


def describe(model) -> dict:
    layers = _layers(model)
    try:
        inputs = len(model.inputs)
    except (AttributeError, ValueError, TypeError):
        inputs = 1
    try:
        outputs = len(model.outputs)
    except (AttributeError, ValueError, TypeError):
        outputs = 1
    try:
        input_shape = _shape(model.input_shape) if inputs == 1 else None
        output_shape = _shape(model.output_shape) if outputs == 1 else None
    except (AttributeError, ValueError, TypeError):
        input_shape = output_shape = None
    described = [{"class": type(layer).__name__, "name": str(layer.name), "activation": _activation(layer),
                  "params": int(layer.count_params())} for layer in layers]
    last = next((layer for layer in reversed(described) if layer["class"] not in ("Dropout", "InputLayer")), None)
    return {"inputs": inputs, "outputs": outputs, "input_shape": input_shape, "output_shape": output_shape,
            "params": int(model.count_params()), "layers": described,
            "output_activation": last["activation"] if last else None}


def predict(model, images) -> np.ndarray:
    if not isinstance(images, np.ndarray) or images.ndim != 4:
        raise ModelProblem("crashed", "predict needs an (N, 28, 28, 1) array")
    expected = _shape(model.input_shape)
    if expected is None:
        raise ModelProblem("raised", "the model has several inputs; it must take one (28, 28, 1) image")
    if list(images.shape[1:]) != expected:
        # A model built for (28, 28) or (784,) still gets its images, in the shape it takes.
        if all(d is not None for d in expected) and int(np.prod(expected)) == int(np.prod(images.shape[1:])):
            images = images.reshape((images.shape[0], *expected))
        else:
            raise ModelProblem("raised", f"the model takes inputs of shape {tuple(expected)}, "
                                         f"not the (28, 28, 1) images of MNIST")
    try:
        value = model.predict(images, batch_size=PREDICT_BATCH, verbose=0)
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001  (a model that cannot predict is the model's fault)
        text = " ".join(str(exc).split())[:400]
        raise ModelProblem("raised", f"the model could not predict: {type(exc).__name__}: {text}") from None
    if isinstance(value, (list, tuple, dict)):
        raise ModelProblem("raised", "the model has several outputs; it must have one (10 probabilities)")
    return np.asarray(value, dtype=np.float32)

"""Write exercises/models/keras_names.json: Keras' own registered serializables, from Keras itself.

    python tests/make_keras_names.py           # write it
    python tests/make_keras_names.py --check   # exit 1 if the file differs from the installed Keras

The model-file screen (exercises/models/model_files.py) accepts a class or function named in a
saved config only when it is one of these, without importing Keras: every name Keras registers
with keras_export (what serialization_lib resolves a "keras..." module and name through), less its
non-modeling APIs, plus every KerasSaveable class by its module path (how a Functional model is
saved). Lambda and TFSMLayer are left out: they hold code or an external graph.
"""
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras  # noqa: E402
from keras.src import api_export  # noqa: E402
from keras.src.saving import serialization_lib  # noqa: E402
from keras.src.saving.keras_saveable import KerasSaveable  # noqa: E402

TARGET = Path(__file__).resolve().parents[1] / "exercises" / "models" / "keras_names.json"
CODE = ("Lambda", "TFSMLayer")


def subclasses(cls: type):
    for sub in cls.__subclasses__():
        yield sub
        yield from subclasses(sub)


def names() -> dict:
    refused = set(getattr(serialization_lib, "NON_MODELING_APIS", ()))
    registered = {name: obj for name, obj in api_export.REGISTERED_NAMES_TO_OBJS.items()
                  if name not in refused and name.rsplit(".", 1)[1] not in CODE}
    classes = {name for name, obj in registered.items() if isinstance(obj, type)}
    classes |= {f"{cls.__module__}.{cls.__name__}" for cls in subclasses(KerasSaveable)
                if cls.__module__.startswith("keras.") and cls.__name__ not in CODE
                and not cls.__name__.startswith("_")}
    functions = {name for name, obj in registered.items() if callable(obj) and not isinstance(obj, type)}
    return {"keras": keras.__version__, "classes": sorted(classes), "functions": sorted(functions)}


def main() -> int:
    text = json.dumps(names(), indent=0, sort_keys=True) + "\n"
    if "--check" in sys.argv[1:]:
        if not TARGET.is_file() or TARGET.read_text() != text:
            print(f"{TARGET.name} differs from the installed Keras {keras.__version__}: run "
                  f"python tests/make_keras_names.py")
            return 1
        return 0
    TARGET.write_text(text)
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A saved Keras model read as data: its archive opened within bounds, its config parsed within
bounds and screened, its weights' HDF5 file checked before anyone reads it; the request's file
name and images checked.

Both model workers (numpy_worker, keras_worker) load this module inside the sandbox (the tests
import it too): it imports the standard library and NumPy only at module level (h5py inside the
functions that open an HDF5 file).

Every read is bounded before it happens (issue 18, issue 20):
- the file: a regular file of at most MAX_FILE_BYTES;
- a .keras zip: its central directory read only after the end record says it is small (at most
  MAX_MEMBERS members); each member a plain relative name (no '..', no absolute path, no link, no
  folder outside assets/), stored or deflated, not encrypted, not itself an archive; a stored
  member read where it lies, within the file; a deflated one's declared size within
  MAX_INFLATED_BYTES (all of them together) and MAX_RATIO times its compressed size, then
  inflated in chunks and counted, so that a member whose content does not match its declared
  size is refused, never inflated past it;
- config.json, or the model_config attribute of a legacy .h5: at most MAX_CONFIG_BYTES, nested at
  most MAX_CONFIG_DEPTH levels (measured before json.loads, which recurses), then screened: a
  Lambda layer, stored bytecode, or any class or function that is not Keras' own registered
  serializable (keras_names.json, generated from Keras by tests/make_keras_names.py) is refused,
  naming its place in the config (a compile or training config, which the workers never
  deserialize, for stored code only);
- the weights' HDF5 file: at most MAX_H5_OBJECTS objects, no external links, external storage or
  virtual datasets, numeric datasets, compressed ones inflating to MAX_INFLATED_BYTES in all.
"""
from __future__ import annotations

import io
import json
import os
import re
import stat
import struct
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

MODEL_FILE = "model.keras"
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"

# A course CNN's file is 1-10 MB (the mnist_cnn budget, 1,000,000 parameters, is 4 MB of float32
# weights, three times that with Adam's slots): the caps leave a wide margin and bound the memory
# a hostile file can make a worker use. Keras stores an archive's members uncompressed; such a
# member is read where it lies in the file (only what is asked of it), so only compressed members
# (an archive zipped again) and configs are ever held whole.
MAX_FILE_BYTES = 512 << 20
MAX_INFLATED_BYTES = 256 << 20  # what an archive's compressed members may inflate to, all together
MAX_RATIO = 100  # inflated / compressed, for a compressed member over RATIO_FLOOR
RATIO_FLOOR = 1 << 20
MAX_MEMBERS = 64
MAX_DIRECTORY_BYTES = 64 << 10  # the archive's central directory
MAX_CONFIG_BYTES = 4 << 20
MAX_CONFIG_DEPTH = 100  # a course model's config nests about 12 levels, a nested model twice that
MAX_H5_OBJECTS = 4096
MAX_H5_DEPTH = 32
CHUNK = 1 << 20
KERAS_MEMBERS = ("config.json", "metadata.json", "model.weights.h5")
READ_MEMBERS = ("config.json", "model.weights.h5")
ARCHIVE_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06", b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00", b"7z\xbc\xaf", b"Rar!")
# Keras' serialized data that are not references to code (serialization_lib.deserialize_keras_object).
DATA_MARKERS = {"__keras_tensor__", "__tensor__", "__numpy__", "__bytes__", "__tuple__", "__ellipsis__", "__slice__"}
# Keras looks a function saved by name alone ("module": "builtins") up in these modules.
BUILTIN_MODULES = ("activations", "constraints", "initializers", "losses", "metrics", "optimizers", "regularizers")


def N_(message: str, /) -> str:
    """Marks a sentence for the course's catalog (pybabel's keyword). The workers import no
    catalog: they send the sentence as Words, which the trusted side says (model_requests.phrase)."""
    return message


class Words:
    """A sentence marked N_ with its {named} params (a string, a number or Words), as the worker
    sends it: said in English here, in the grading's language by the trusted side."""

    def __init__(self, text: str, /, **params):
        self.text, self.params = text, params

    def __str__(self) -> str:
        return self.text.format(**{k: str(v) if isinstance(v, Words) else v for k, v in self.params.items()})

    def to_wire(self) -> dict:
        return {"text": self.text,
                "params": {k: v.to_wire() if isinstance(v, Words) else v for k, v in self.params.items()}}


class ModelProblem(Exception):
    """A model file the grader will not or cannot use; status 'missing', 'raised' or 'crashed'; its
    words (message: in English)."""

    def __init__(self, status: str, text: str, /, **params):
        self.words = Words(text, **params)
        self.status = status
        self.message = str(self.words)
        super().__init__(self.message)

    @classmethod
    def out_of_memory(cls) -> "ModelProblem":
        return cls("memory", N_("the model ran out of memory"))

    @classmethod
    def unusable(cls, exc: Exception) -> "ModelProblem":
        """A model that was read but cannot be used (what it raised: Python's words, shown as they are)."""
        return cls("raised", N_("the model could not be used: {error}: {text}"), error=type(exc).__name__,
                   text=" ".join(str(exc).split())[:400])

    def reply(self) -> dict:
        """The worker's reply: the message in English, its words for the trusted side to say."""
        return {"status": self.status, "error": self.message, "words": self.words.to_wire()}


class Window(io.RawIOBase):
    """A read-only file of the bytes [start, start + size) of another file (an archive's member
    stored uncompressed), read where they lie, as much as is asked."""

    def __init__(self, path: str, start: int, size: int):
        super().__init__()
        self.path, self.start, self.size, self.position = path, start, size, 0
        self.handle = open(path, "rb")

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.size}[whence]
        self.position = min(max(base + offset, 0), self.size)
        return self.position

    def readinto(self, buffer) -> int:
        count = min(len(buffer), self.size - self.position)
        if count <= 0:
            return 0
        self.handle.seek(self.start + self.position)
        got = self.handle.readinto(memoryview(buffer)[:count])
        self.position += got
        return got

    def close(self) -> None:
        self.handle.close()
        super().close()


@dataclass
class SavedModel:
    """A model file read and screened: its config (what Keras' model.get_config() saved) and its
    weights' HDF5 file: a legacy .h5's path, a .keras archive's model.weights.h5 as bytes (when
    compressed) or as a Window on the archive (as Keras stores it)."""

    name: str  # the file's name, for messages
    legacy: bool  # a legacy HDF5 .h5 file (weights under model_weights/), else a .keras archive
    config: dict
    weights: bytes | str | tuple[str, int, int]  # bytes, a path, or (archive path, start, size)

    def open_weights(self):
        """The weights' HDF5 file, opened read-only with h5py (a context manager)."""
        import h5py  # noqa: PLC0415  (only the workers open HDF5 files)

        if isinstance(self.weights, bytes):
            source = io.BytesIO(self.weights)
        elif isinstance(self.weights, tuple):
            source = Window(*self.weights)
        else:
            source = self.weights
        try:
            return h5py.File(source, "r")
        except (OSError, ValueError) as exc:
            raise damaged(self.name, N_("its weights are not a readable HDF5 file"), exc) from None


# -- which file ------------------------------------------------------------------------------

def model_file(name) -> str:
    """The requested file name, if it is a plain name of a file in the submission folder."""
    if (not isinstance(name, str) or not name or name in (".", "..") or "/" in name or "\\" in name
            or "\0" in name or (os.altsep and os.altsep in name) or len(name) > 255):
        raise ModelProblem("crashed", N_("the grader asked for the model file {name!r}: only a plain file name "
                                         "in the submission folder is allowed"), name=name)
    return name


def fit_images(images, expected: list | None) -> np.ndarray:
    """The (N, 28, 28, 1) images in the shape the model takes (per image: `expected`, None when
    it has several inputs): a model built for (28, 28) or (784,) still gets its images. uint8
    images are pixels, fed as the course feeds them: float32 / 255 (exercises.models.mnist.scaled)."""
    if not isinstance(images, np.ndarray) or images.ndim != 4:
        raise ModelProblem("crashed", N_("predict needs an (N, 28, 28, 1) array"))
    if images.dtype == np.uint8:
        images = images.astype(np.float32) / np.float32(255.0)
    if expected is None:
        raise ModelProblem("raised", N_("the model has several inputs; it must take one (28, 28, 1) image"))
    if list(images.shape[1:]) == expected:
        return images
    if all(d is not None for d in expected) and int(np.prod(expected)) == int(np.prod(images.shape[1:])):
        return images.reshape((images.shape[0], *expected))
    raise ModelProblem("raised", N_("the model takes inputs of shape {shape}, not the (28, 28, 1) images "
                                    "of MNIST"), shape=str(tuple(expected)))


def damaged(name: str, what: str, exc: BaseException | None = None, /, **params) -> ModelProblem:
    """what: a sentence marked N_ with its params; exc's words are Python's, shown as they are."""
    detail = f" ({type(exc).__name__}: {' '.join(str(exc).split())[:200]})" if exc is not None else ""
    return ModelProblem("raised", N_("{name} is damaged: {what}{detail}"), name=name, what=Words(what, **params),
                        detail=detail)


# -- the file --------------------------------------------------------------------------------

def read(path: str) -> SavedModel:
    """The model file at path, read within the bounds above and screened; ModelProblem if not."""
    name = os.path.basename(path)
    try:
        info = os.stat(path)
    except OSError:
        info = None
    if info is None or not stat.S_ISREG(info.st_mode):
        raise ModelProblem("missing", N_("there is no {name} in the folder: train the model and save it "
                                         "with model.save('{name}')"), name=name)
    if info.st_size > MAX_FILE_BYTES:
        raise ModelProblem("raised", N_("{name} is {size} MiB, more than the {limit} MiB a model file of this "
                                        "course may be"), name=name, size=round(info.st_size / 2**20),
                           limit=MAX_FILE_BYTES >> 20)
    with open(path, "rb") as handle:
        head = handle.read(8)
    if head == HDF5_SIGNATURE:
        model = _read_h5(path, name)
    elif head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        model = _read_keras(path, name)
    else:
        raise ModelProblem("raised", N_("{name} is not a Keras model file (neither a .keras zip archive nor a "
                                        "legacy HDF5 .h5 file); it may be damaged or something else renamed"),
                           name=name)
    return model


def _read_keras(path: str, name: str) -> SavedModel:
    members = _archive_members(path, name)
    for required in ("config.json", "model.weights.h5"):
        if required not in members:
            raise ModelProblem("raised", N_("{name} is a zip archive but not a Keras model "
                                            "(it lacks config.json or model.weights.h5)"), name=name)
    config = parse_json(_content(members["config.json"]), name, "config.json")
    refuse_unsafe_model(config, name, "config.json")
    weights = members["model.weights.h5"]
    if not _content(weights, len(HDF5_SIGNATURE)).startswith(HDF5_SIGNATURE):
        raise damaged(name, N_("its model.weights.h5 is not an HDF5 file"))
    model = SavedModel(name, False, config, weights)
    check_h5(model)
    return model


def _read_h5(path: str, name: str) -> SavedModel:
    """A legacy HDF5 model: model_config (and training_config, when saved) are attributes, read
    with h5py as text; nothing in the file is deserialized."""
    import h5py  # noqa: PLC0415

    configs = {}
    try:
        with h5py.File(path, "r") as handle:
            for key in ("model_config", "training_config"):
                if key not in handle.attrs:
                    continue
                raw = handle.attrs[key]
                raw = raw.item() if getattr(raw, "shape", None) == () and hasattr(raw, "item") else raw
                text = raw.encode("utf-8") if isinstance(raw, str) else raw
                if not isinstance(text, bytes):
                    raise ModelProblem("raised", N_("{name}: its {key} attribute is not a plausible model config"),
                                       name=name, key=key)
                configs[key] = parse_json(text, name, key)
    except ModelProblem:
        raise
    except (OSError, ValueError, TypeError, KeyError, RuntimeError) as exc:
        raise damaged(name, N_("it is not a readable HDF5 file"), exc) from None
    if "model_config" not in configs:
        raise ModelProblem("raised", N_("{name} is an HDF5 file without a model in it (only weights, saved "
                                        "with save_weights?): save the whole model with model.save('{file}')"),
                           name=name, file=MODEL_FILE)
    refuse_unsafe_model(configs["model_config"], name, "model_config")
    if "training_config" in configs:  # never deserialized: the workers load with compile=False
        refuse_unsafe(configs["training_config"], name, "training_config", strict=False)
    model = SavedModel(name, True, configs["model_config"], path)
    check_h5(model)
    return model


# -- the zip archive -------------------------------------------------------------------------

def _archive_members(path: str, name: str) -> dict[str, bytes | tuple[str, int, int]]:
    """config.json and model.weights.h5, every member checked first: name -> its content (a
    compressed member, inflated) or (path, start, size) (a stored member, where it lies)."""
    _check_end_record(path, name)
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            _check_listing(infos, name)
            kept = {}
            for info in infos:  # every member is checked; what is read is kept
                if info.compress_type == zipfile.ZIP_STORED:
                    content = _stored(path, info, name)
                else:
                    content = _inflate(archive, info, name)
                if info.filename in READ_MEMBERS:
                    kept[info.filename] = content
            return kept
    except ModelProblem:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, RuntimeError, NotImplementedError,
            ValueError, KeyError) as exc:
        raise damaged(name, N_("it is not a readable zip archive"), exc) from None


def _content(member: bytes | tuple[str, int, int], limit: int | None = None) -> bytes:
    """A member's bytes (the first `limit` of them)."""
    if isinstance(member, bytes):
        return member[:limit]
    with Window(*member) as window:
        return window.read(limit if limit is not None else -1)


def _check_end_record(path: str, name: str) -> None:
    """The archive's end record, read before zipfile reads the central directory it points to."""
    size = os.path.getsize(path)
    with open(path, "rb") as handle:
        handle.seek(max(0, size - (22 + 0xFFFF)))
        tail = handle.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        raise damaged(name, N_("it is not a readable zip archive (no end record)"))
    _, _, _, entries, total, directory_size, _, _ = struct.unpack("<4s4H2LH", tail[at:at + 22])
    if entries == 0xFFFF or total == 0xFFFF or directory_size == 0xFFFFFFFF:
        raise ModelProblem("raised", N_("{name} is a ZIP64 archive: a Keras model of this course is far smaller"),
                           name=name)
    if total > MAX_MEMBERS or directory_size > MAX_DIRECTORY_BYTES:
        raise ModelProblem("raised", N_("{name} is a zip archive of {total} members ({size:,} bytes of "
                                        "listing): a Keras model holds three"), name=name, total=total,
                           size=directory_size)


def _check_listing(infos: list, name: str) -> None:
    seen, declared = set(), 0
    for info in infos:
        member = info.filename
        parts = member.replace("\\", "/").split("/")
        unsafe = (not member or member.startswith("/") or "\\" in member or "\0" in member or ".." in parts
                  or re.match(r"^[A-Za-z]:", member) is not None or len(member) > 255)
        if unsafe:
            raise ModelProblem("raised", N_("{name} was refused: it holds the member {member!r}, a path that "
                                            "leaves the archive's folder"), name=name, member=member)
        if member in seen:
            raise ModelProblem("raised", N_("{name} was refused: it holds {member!r} twice"), name=name, member=member)
        seen.add(member)
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise ModelProblem("raised", N_("{name} was refused: its member {member!r} is a symbolic link"),
                               name=name, member=member)
        if member not in KERAS_MEMBERS and not (member.startswith("assets/") and len(parts) > 1):
            raise ModelProblem("raised", N_("{name} was refused: it holds {member!r}, which is not part of a Keras "
                                            "model ({members})"), name=name, member=member,
                               members=", ".join(KERAS_MEMBERS))
        if info.flag_bits & 0x1:
            raise ModelProblem("raised", N_("{name} was refused: its member {member!r} is encrypted"),
                               name=name, member=member)
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise ModelProblem("raised", N_("{name} was refused: its member {member!r} uses a compression "
                                            "Keras never writes"), name=name, member=member)
        if member.endswith(".json") and info.file_size > MAX_CONFIG_BYTES:
            raise too_large_config(name, member, info.file_size)
        if info.compress_type == zipfile.ZIP_STORED:
            continue  # read where it lies: it cannot inflate
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise ModelProblem("raised", N_("{name} was refused: its member {member!r} inflates {ratio:,.0f} times "
                                            "(a zip bomb?)"), name=name, member=member,
                               ratio=round(info.file_size / max(info.compress_size, 1)))
        declared += info.file_size
        if declared > MAX_INFLATED_BYTES:
            raise ModelProblem("raised", N_("{name} was refused: its members inflate to more than {limit} MiB"),
                               name=name, limit=MAX_INFLATED_BYTES >> 20)


def _inflate(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> bytes:
    """A member's content, inflated in chunks and counted: refused when it is not exactly its
    declared size, or when it is itself an archive."""
    chunks, total = [], 0
    with archive.open(info) as stream:
        while True:
            chunk = stream.read(CHUNK)
            if not chunk:
                break
            total += len(chunk)
            if total > info.file_size:
                break
            if not chunks and chunk.startswith(ARCHIVE_SIGNATURES) and not info.filename.endswith("/"):
                raise archive_inside(name, info.filename)
            chunks.append(chunk)
    if total != info.file_size:
        raise wrong_size(name, info)
    return b"".join(chunks)


def _stored(path: str, info: zipfile.ZipInfo, name: str) -> tuple[str, int, int]:
    """Where a stored member's bytes lie in the archive: after its local header, within the file,
    as many as its listing declares both ways (a stored member's two sizes are one)."""
    with open(path, "rb") as handle:
        handle.seek(info.header_offset)
        header = handle.read(30)
        size = os.fstat(handle.fileno()).st_size
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise damaged(name, N_("its member {member!r} has no local header"), member=info.filename)
    name_length, extra_length = struct.unpack("<2H", header[26:30])
    start = info.header_offset + 30 + name_length + extra_length
    if info.compress_size != info.file_size or start + info.file_size > size:
        raise wrong_size(name, info)
    member = (path, start, info.file_size)
    if info.filename != "model.weights.h5" and _content(member, 8).startswith(ARCHIVE_SIGNATURES):
        raise archive_inside(name, info.filename)
    return member


def archive_inside(name: str, member: str) -> ModelProblem:
    return ModelProblem("raised", N_("{name} was refused: its member {member!r} is itself an archive"),
                        name=name, member=member)


def wrong_size(name: str, info: zipfile.ZipInfo) -> ModelProblem:
    return ModelProblem("raised", N_("{name} was refused: its member {member!r} does not hold the {size:,} bytes "
                                     "its listing declares"), name=name, member=info.filename, size=info.file_size)


def too_large_config(name: str, what: str, size: int) -> ModelProblem:
    return ModelProblem("raised", N_("{name} was refused: its {what} is {size:,} bytes, more than the {limit} MiB "
                                     "a model's config may be"), name=name, what=what, size=size,
                        limit=MAX_CONFIG_BYTES >> 20)


# -- the config ------------------------------------------------------------------------------

_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)


def json_depth(data: bytes) -> int:
    """How deep the brackets of a JSON text nest (strings left out), in linear time."""
    skeleton = np.frombuffer(_STRINGS.sub(b"", data), dtype=np.uint8)
    steps = (np.isin(skeleton, (ord("["), ord("{"))).astype(np.int32)
             - np.isin(skeleton, (ord("]"), ord("}"))).astype(np.int32))
    return int(np.cumsum(steps).max(initial=0))


def parse_json(data: bytes, name: str, what: str):
    """A config parsed as JSON within MAX_CONFIG_BYTES and MAX_CONFIG_DEPTH."""
    if len(data) > MAX_CONFIG_BYTES:
        raise too_large_config(name, what, len(data))
    depth = json_depth(data)
    if depth > MAX_CONFIG_DEPTH:
        raise ModelProblem("raised", N_("{name} was refused: its {what} nests {depth:,} levels deep (a Keras "
                                        "model's config nests fewer than {limit})"), name=name, what=what,
                           depth=depth, limit=MAX_CONFIG_DEPTH)
    try:
        return json.loads(data.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise damaged(name, N_("its {what} is not valid JSON"), exc, what=what) from None


@lru_cache(maxsize=1)
def keras_names() -> tuple[frozenset, frozenset, frozenset]:
    """Keras' own registered serializables (keras_names.json): classes by full name, their short
    names (a legacy config names a class without its module), functions by full name."""
    with open(Path(__file__).with_name("keras_names.json"), encoding="utf-8") as handle:
        names = json.load(handle)
    classes = frozenset(names["classes"])
    return classes, frozenset(n.rsplit(".", 1)[1] for n in classes), frozenset(names["functions"])


def refuse_unsafe(config, name: str, where: str, strict: bool = True) -> None:
    reason = unsafe_words(config, where, strict)
    if reason:
        raise ModelProblem("raised", N_("{name} was refused: {reason}"), name=name, reason=reason)


def refuse_unsafe_model(config, name: str, where: str) -> None:
    """A saved model's config screened: the model itself strictly (Keras deserializes it), its
    compile config (never deserialized: the workers load with compile=False) for stored code only."""
    if isinstance(config, dict):
        refuse_unsafe({k: v for k, v in config.items() if k != "compile_config"}, name, where)
        refuse_unsafe(config.get("compile_config"), name, f"{where}.compile_config", strict=False)
    else:
        refuse_unsafe(config, name, where)


def unsafe(tree, where: str = "config", strict: bool = True) -> str:
    """Why a model config is unsafe to load ('' if it is not), in English (unsafe_words)."""
    reason = unsafe_words(tree, where, strict)
    return str(reason) if reason else ""


def unsafe_words(tree, where: str = "config", strict: bool = True) -> Words | None:
    """Why a model config is unsafe to load (None if it is not), naming the offending part by its
    place in the config (e.g. model_config.config.layers[1]). Refused: a Lambda layer, stored
    bytecode, an object from a module outside Keras, a custom registered object, a function that
    is not a plain name; and when strict, any class or function that is not Keras' own registered
    serializable (what a config that is never deserialized, such as a training config, may hold:
    Keras 2 names its own optimizers 'Custom>Adam' there)."""
    pending = [(tree, where)]
    while pending:
        node, place = pending.pop()
        if isinstance(node, list):
            pending.extend((item, f"{place}[{i}]") for i, item in reversed(list(enumerate(node))))
        elif isinstance(node, dict):
            reason = _reference(node, place, strict) if isinstance(node.get("class_name"), str) else None
            if reason:
                return reason
            pending.extend((value, f"{place}.{key}") for key, value in reversed(list(node.items())))
    return None


def _reference(node: dict, where: str, strict: bool) -> Words | None:
    """Why one serialized object is refused (None if it is Keras' own or plain data)."""
    classes, short_names, functions = keras_names()
    class_name, config, module = node["class_name"], node.get("config"), node.get("module")
    if class_name == "Lambda":
        name = config.get("name", "?") if isinstance(config, dict) else "?"
        return Words(N_("it contains a Lambda layer ({name!r}, at {where}); a Lambda layer holds Python code, which "
                        "the grader never runs: build the model from Keras' built-in layers only"),
                     name=name, where=where)
    if class_name in ("__lambda__", "TFSMLayer", "__typespec__"):
        return Words(N_("it contains a serialized Python function or external graph ({name}, at {where}); "
                        "use built-in layers only"), name=class_name, where=where)
    if class_name in DATA_MARKERS:
        return None
    if module is not None and not (isinstance(module, str) and (module in ("keras", "builtins")
                                                                 or module.startswith("keras."))):
        return Words(N_("it uses {name!r} from the module {module!r} (at {where}): only Keras' own objects are "
                        "accepted"), name=class_name, module=module, where=where)
    if class_name == "function":
        if not isinstance(config, str) or not config.isidentifier():
            return Words(N_("it contains a serialized Python function (at {where}): use Keras' built-in functions "
                            "by name"), where=where)
        if not strict or (f"{module}.{config}" in functions if module not in (None, "builtins")
                          else any(f"keras.{m}.{config}" in functions for m in BUILTIN_MODULES)):
            return None  # a Keras function saved by its name (e.g. a built-in loss): no code in the file
        return Words(N_("it contains a function that is not one of Keras' own ({name!r}, at {where}): use Keras' "
                        "built-in functions by name"), name=config, where=where)
    registered = node.get("registered_name")
    if registered not in (None, class_name, "function") and (strict or ">" in str(registered)):
        return Words(N_("it uses the custom object {name!r} (at {where}): only Keras' own objects are accepted"),
                     name=registered, where=where)
    known = (class_name in short_names if module is None
             else f"{module}.{class_name}" in classes)
    if strict and not known:
        return Words(N_("it uses {name!r}, which is not one of Keras' own objects (at {where})"),
                     name=class_name, where=where)
    return None


# -- the weights' HDF5 file ------------------------------------------------------------------

def check_h5(model: SavedModel) -> None:
    """Walk the weights' HDF5 file (metadata only) within MAX_H5_OBJECTS: refuse external links,
    external or virtual storage, non-numeric datasets and more than MAX_INFLATED_BYTES of data."""
    import h5py  # noqa: PLC0415

    with model.open_weights() as handle:
        budget = {"objects": 0, "bytes": 0}
        try:
            _walk_h5(handle, model.name, budget, 0, h5py)
        except ModelProblem:
            raise
        except (OSError, ValueError, TypeError, KeyError, RuntimeError) as exc:
            raise damaged(model.name, N_("its weights' HDF5 file cannot be read"), exc) from None


def _walk_h5(group, name: str, budget: dict, depth: int, h5py) -> None:
    if depth > MAX_H5_DEPTH:
        raise ModelProblem("raised", N_("{name} was refused: its weights' HDF5 groups nest implausibly deep"),
                           name=name)
    for key in group.keys():
        budget["objects"] += 1
        if budget["objects"] > MAX_H5_OBJECTS:
            raise ModelProblem("raised", N_("{name} was refused: its weights' HDF5 file holds more than "
                                            "{limit:,} objects"), name=name, limit=MAX_H5_OBJECTS)
        link = group.get(key, getlink=True)
        if isinstance(link, h5py.ExternalLink):
            raise ModelProblem("raised", N_("{name} was refused: its weights' HDF5 file links to another file "
                                            "({key!r})"), name=name, key=key)
        if isinstance(link, h5py.SoftLink):
            continue
        item = group[key]
        if isinstance(item, h5py.Group):
            _walk_h5(item, name, budget, depth + 1, h5py)
            continue
        if item.is_virtual or item.external:
            raise ModelProblem("raised", N_("{name} was refused: its weights' dataset {dataset!r} is stored "
                                            "outside the file"), name=name, dataset=item.name)
        if item.dtype.kind not in "biuf":
            raise ModelProblem("raised", N_("{name} was refused: its weights' dataset {dataset!r} is not numeric"),
                               name=name, dataset=item.name)
        if item.id.get_create_plist().get_nfilters():  # compressed: what it inflates to is counted
            budget["bytes"] += int(np.prod(item.shape, dtype=np.float64)) * item.dtype.itemsize
            if budget["bytes"] > MAX_INFLATED_BYTES:
                raise ModelProblem("raised", N_("{name} was refused: its compressed weights inflate to more "
                                                "than {limit} MiB"), name=name, limit=MAX_INFLATED_BYTES >> 20)

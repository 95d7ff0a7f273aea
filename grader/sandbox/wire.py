"""The data-only wire format between the grader and the sandboxed worker.

A message is one JSON frame followed by the NumPy blobs it refers to, each frame prefixed by its
length. Arrays travel as .npy bytes written and read with allow_pickle=False, so nothing that
crosses the boundary is ever unpickled or executed. This module is imported by the worker too,
so it may only use the standard library and NumPy. Its errors are a protocol's details, quoted
as they are inside the grader's sentences (grader.sandbox.client), never sentences of their own.
"""
from __future__ import annotations

import io
import json
import re
import struct
from enum import Enum
from typing import Any, BinaryIO

import numpy as np

MAX_JSON_BYTES = 4 << 20
MAX_BLOB_BYTES = 256 << 20
_LENGTH = struct.Struct(">Q")
# Array kinds that can be compared as numbers: bool, signed, unsigned, float.
NUMERIC_KINDS = "biuf"


class Answer(str, Enum):
    """What one request to the worker came to: the protocol's status words (a reply's "status")."""

    READY = "ready"      # the worker started and serves requests
    OK = "ok"            # the request was answered (a value, a list of functions)
    RAISED = "raised"    # the student's code (or the file a worker kind read) raised
    MISSING = "missing"  # not there: no such function, NotImplementedError, no such file
    MEMORY = "memory"    # past the memory limit
    TIMEOUT = "timeout"  # past the wall-clock or CPU limit, or the submission's time budget
    CRASHED = "crashed"  # the worker died or broke the protocol

    def __str__(self) -> str:  # the word itself wherever it is shown or written (XML, f-strings)
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)

    @classmethod
    def of(cls, word: Any) -> "Answer":
        """The answer a reply's status word names; CRASHED for anything else (a broken worker)."""
        try:
            return cls(word)
        except ValueError:
            return cls.CRASHED


class WireError(Exception):
    """A frame that breaks the format or its size limits."""


# Value types that packs let cross the boundary (grader.plugins' cnngrade_wire_types), by wire_name.
# A type travels as its to_wire() fields, encoded like any other value, and is rebuilt on the other
# side with from_wire(fields): plain data both ways, never code.
_TYPES: dict[str, type] = {}


def register(cls: type) -> None:
    """Let values of cls cross the wire (both sides register the same classes)."""
    _TYPES[cls.wire_name] = cls


def encode(value: Any, blobs: list[bytes]) -> Any:
    """Turn a value into tagged JSON, appending array bytes to blobs."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float)) and type(value) in (int, float):
        return value
    if isinstance(value, np.ndarray) and type(value) is np.ndarray:
        return {"$array": _add_blob(value, blobs)}
    if isinstance(value, np.generic):
        return {"$scalar": _add_blob(np.asarray(value), blobs)}
    if type(value) is tuple:
        return {"$tuple": [encode(v, blobs) for v in value]}
    if type(value) is list:
        return [encode(v, blobs) for v in value]
    if type(value) is dict and all(isinstance(k, str) for k in value):
        return {"$dict": {k: encode(v, blobs) for k, v in value.items()}}
    if isinstance(value, Unsupported):
        return {"$unsupported": value.type_name}
    if type(value) in _TYPES.values():
        return {"$type": value.wire_name, "fields": encode(value.to_wire(), blobs)}
    return {"$unsupported": type(value).__qualname__}


def _add_blob(array: np.ndarray, blobs: list[bytes]) -> int:
    if array.dtype.kind not in NUMERIC_KINDS:
        raise WireError(f"an array of dtype {array.dtype} is not a numeric array")  # i18n: not for people (a protocol detail)
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    blobs.append(buffer.getvalue())
    return len(blobs) - 1


class Unsupported:
    """Stands for a value of a type that may not cross the boundary (e.g. a returned list of dicts)."""

    def __init__(self, type_name: str):
        self.type_name = type_name

    def __repr__(self) -> str:
        return f"<{self.type_name} object>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Unsupported) and other.type_name == self.type_name


def decode(tree: Any, blobs: list[bytes]) -> Any:
    """The inverse of encode; arrays are read with allow_pickle=False."""
    if isinstance(tree, list):
        return [decode(v, blobs) for v in tree]
    if not isinstance(tree, dict):
        return tree
    if "$array" in tree:
        return _load_blob(blobs, tree["$array"])
    if "$scalar" in tree:
        return _load_blob(blobs, tree["$scalar"])[()]
    if "$tuple" in tree:
        return tuple(decode(v, blobs) for v in tree["$tuple"])
    if "$dict" in tree and isinstance(tree["$dict"], dict):
        return {str(k): decode(v, blobs) for k, v in tree["$dict"].items()}
    if "$type" in tree:
        cls = _TYPES.get(tree["$type"])
        if cls is None or not isinstance(tree.get("fields"), dict):
            raise WireError(f"a message holds a value of the unknown type {tree['$type']!r}")  # i18n: not for people (a protocol detail)
        fields = decode(tree["fields"], blobs)
        if not isinstance(fields, dict):
            raise WireError(f"a {tree['$type']} value is not described by named fields")  # i18n: not for people (a protocol detail)
        try:
            return cls.from_wire(fields)
        except (TypeError, ValueError) as exc:
            raise WireError(f"a malformed {tree['$type']} value: {exc}") from None
    if "$unsupported" in tree:
        return Unsupported(str(tree["$unsupported"]))
    raise WireError("a message holds an object of unknown kind")  # i18n: not for people (a protocol detail)


# The header np.save writes for a numeric array; anything else takes np.load's slower path.
_NPY_HEADER = re.compile(rb"\{'descr': '([<>|][biuf][1-8])', 'fortran_order': (True|False), "
                         rb"'shape': \(((?:\d+, )*(?:\d+,?)?)\), \} *\n")


def _load_blob(blobs: list[bytes], index: Any) -> np.ndarray:
    if not isinstance(index, int) or not 0 <= index < len(blobs):
        raise WireError("a message refers to an array it does not carry")  # i18n: not for people (a protocol detail)
    try:
        array = _fast_load(blobs[index])
        if array is None:
            array = np.load(io.BytesIO(blobs[index]), allow_pickle=False)
    except Exception as exc:  # any malformed .npy is the sender's fault, reported as such
        raise WireError(f"unreadable array: {exc}") from None
    if not isinstance(array, np.ndarray) or array.dtype.kind not in NUMERIC_KINDS:
        raise WireError(f"an array of dtype {getattr(array, 'dtype', '?')} is not a numeric array")  # i18n: not for people (a protocol detail)
    return array


def _fast_load(blob: bytes) -> np.ndarray | None:
    """Read a version 1.0 .npy blob of a numeric dtype without np.load's literal_eval of the
    header (the bulk of a small call's cost); None means "use np.load"."""
    if blob[:8] != b"\x93NUMPY\x01\x00":
        return None
    (header_length,) = struct.unpack("<H", blob[8:10])
    match = _NPY_HEADER.fullmatch(blob[10:10 + header_length])
    if match is None:
        return None
    dtype = np.dtype(match.group(1).decode())
    shape = tuple(int(n) for n in match.group(3).split(b",") if n.strip())
    data = memoryview(blob)[10 + header_length:]
    if len(data) != dtype.itemsize * int(np.prod(shape, dtype=np.int64)):
        raise WireError("an array's data does not match its shape")  # i18n: not for people (a protocol detail)
    order = "F" if match.group(2) == b"True" else "C"
    return np.frombuffer(data, dtype=dtype).reshape(shape, order=order).copy()


def send(stream: BinaryIO, header: dict, values: dict[str, Any] | None = None) -> None:
    """Write one message: header fields plus encoded values."""
    blobs: list[bytes] = []
    body = dict(header)
    for key, value in (values or {}).items():
        body[key] = encode(value, blobs)
    body["nblobs"] = len(blobs)
    data = json.dumps(body).encode()
    stream.write(_LENGTH.pack(len(data)) + data)
    for blob in blobs:
        stream.write(_LENGTH.pack(len(blob)) + blob)
    stream.flush()


def receive(stream: BinaryIO, value_keys: tuple[str, ...] = ()) -> dict:
    """Read one message; the keys in value_keys are decoded back into values."""
    body = json.loads(_read_frame(stream, MAX_JSON_BYTES))
    if not isinstance(body, dict):
        raise WireError("a message is not a JSON object")  # i18n: not for people (a protocol detail)
    count = body.pop("nblobs", 0)
    if not isinstance(count, int) or not 0 <= count <= 1024:
        raise WireError("a message announces an impossible number of arrays")  # i18n: not for people (a protocol detail)
    blobs = [_read_frame(stream, MAX_BLOB_BYTES) for _ in range(count)]
    for key in value_keys:
        if key in body:
            body[key] = decode(body[key], blobs)
    return body


def _read_frame(stream: BinaryIO, limit: int) -> bytes:
    head = _read_exact(stream, _LENGTH.size)
    (length,) = _LENGTH.unpack(head)
    if length > limit:
        raise WireError(f"a frame of {length} bytes is over the limit of {limit}")  # i18n: not for people (a protocol detail)
    return _read_exact(stream, length)


def _read_exact(stream: BinaryIO, n: int) -> bytes:
    chunks = []
    while n:
        chunk = stream.read(n)
        if not chunk:
            raise EOFError("the other side closed the channel")  # i18n: not for people (a protocol detail)
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)

"""MNIST for the grader: find the files, verify them, load them.

Where the data comes from, first match wins:
  1. `--mnist DIR` on the command line
  2. $CNNGRADE_MNIST
  3. Keras' cache: $KERAS_HOME/datasets/mnist.npz, ~/.keras/datasets/mnist.npz
  4. Keras' own download, when the machine is online (and $CNNGRADE_OFFLINE is not set)
A folder holds the four original IDX files (gzipped, as published, or not) or Keras' mnist.npz.
Every file is checked against its published size and checksum before use; a folder given
explicitly (1, 2) must hold good files, a cache that does not is passed over.

Only the standard library and NumPy are imported here: TensorFlow is imported by the download
fallback alone, so `cnngrade list` and the NumPy exercises never load it.
"""
from __future__ import annotations

import gzip
import hashlib
import os
import socket
import struct
import sys
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from grader.pack import N_, _, current

# name: (bytes, algorithm, published checksum). The .gz files as published by LeCun et al.;
# the unpacked files by the MD5s every mirror lists; mnist.npz as keras.datasets.mnist checks it.
IDX_GZ = {
    "train_images": ("train-images-idx3-ubyte.gz", 9912422, "sha256",
                     "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"),
    "train_labels": ("train-labels-idx1-ubyte.gz", 28881, "sha256",
                     "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"),
    "test_images": ("t10k-images-idx3-ubyte.gz", 1648877, "sha256",
                    "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
    "test_labels": ("t10k-labels-idx1-ubyte.gz", 4542, "sha256",
                    "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"),
}
IDX_RAW = {
    "train_images": ("train-images-idx3-ubyte", 47040016, "md5", "6bbc9ace898e44ae57da46a324031adb"),
    "train_labels": ("train-labels-idx1-ubyte", 60008, "md5", "a25bea736e30d166cdddb491f175f624"),
    "test_images": ("t10k-images-idx3-ubyte", 7840016, "md5", "2646ac647ad5339dbf082846283269ea"),
    "test_labels": ("t10k-labels-idx1-ubyte", 10008, "md5", "27ae3e4e09519cfbb04c329615203637"),
}
NPZ = ("mnist.npz", 11490434, "sha256", "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1")
# The digest of the verified data set, whatever its format: the cache key of everything derived from it.
DIGEST = hashlib.sha256("".join(entry[3] for entry in IDX_GZ.values()).encode()).hexdigest()[:16]
COUNTS = {"train": 60000, "test": 10000}
DOWNLOAD_HOST = ("storage.googleapis.com", 443)
WHERE = N_("put the four MNIST files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
           "t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz) or Keras' mnist.npz in a folder "
           "and pass --mnist DIR or set CNNGRADE_MNIST=DIR")


class MnistNotFound(Exception):
    """No usable MNIST anywhere; the message is one line saying where to put the files."""


@dataclass(frozen=True)
class MnistSource:
    """Verified MNIST files: the four IDX files (by role) or one mnist.npz."""

    origin: str  # how it was found: "--mnist", "$CNNGRADE_MNIST", "Keras' cache", "Keras' download"
    folder: Path
    files: tuple[tuple[str, Path], ...]  # (role, path); role "npz" for Keras' file
    gzipped: bool = True

    @property
    def kind(self) -> str:
        return "npz" if self.files[0][0] == "npz" else "idx"

    def describe(self) -> str:
        return f"{self.folder} ({self.kind}, from {self.origin})"


# -- finding ---------------------------------------------------------------------------------

def _checksum(path: Path, algorithm: str) -> str:
    digest = hashlib.new(algorithm)
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _verify(path: Path, size: int, algorithm: str, expected: str) -> str:
    """'' when the file is the published one, else why not."""
    try:
        actual_size = path.stat().st_size
    except OSError as exc:
        return f"{path.name}: {exc.strerror}"
    if actual_size != size:
        return _("{file} has {size} bytes, the published file has {published}", file=path.name, size=actual_size,
                 published=size)
    try:
        if _checksum(path, algorithm) != expected:
            return _("{file} has the right size but not the published {algorithm} checksum (damaged?)",
                     file=path.name, algorithm=algorithm.upper())
    except OSError as exc:
        return f"{path.name}: {exc.strerror}"
    return ""


@lru_cache(maxsize=16)
def _inspect_folder(folder: Path, lang: str) -> tuple[MnistSource | None, str]:
    """The verified MNIST files of a folder, or None and why not in the language `lang` (cached
    by both: verifying reads 12 MB, and one process may grade a French and an English student)."""
    if not folder.is_dir():
        return None, _("{folder} is not a folder", folder=folder)
    problems = []
    for table, gzipped in ((IDX_GZ, True), (IDX_RAW, False)):
        present = [role for role, entry in table.items() if (folder / entry[0]).is_file()]
        if not present:
            continue
        if len(present) < len(table):
            missing = ", ".join(table[r][0] for r in table if r not in present)
            problems.append(_("{folder} lacks {missing}", folder=folder, missing=missing))
            continue
        bad = [p for p in (_verify(folder / e[0], *e[1:]) for e in table.values()) if p]
        if bad:
            problems.append(_("in {folder}: {problems}", folder=folder, problems="; ".join(bad)))
            continue
        return MnistSource("", folder, tuple((role, folder / e[0]) for role, e in table.items()), gzipped), ""
    if (folder / NPZ[0]).is_file():
        bad = _verify(folder / NPZ[0], *NPZ[1:])
        if not bad:
            return MnistSource("", folder, (("npz", folder / NPZ[0]),)), ""
        problems.append(_("in {folder}: {problems}", folder=folder, problems=bad))
    return None, "; ".join(problems) or _("{folder} holds no MNIST files", folder=folder)


def _from_folder(folder: Path, origin: str) -> tuple[MnistSource | None, str]:
    source, problem = _inspect_folder(Path(folder).expanduser().resolve(), current())
    if source is None:
        return None, problem
    return MnistSource(origin, source.folder, source.files, source.gzipped), ""


def keras_cache_folders() -> list[Path]:
    """Where Keras keeps downloaded data sets (as keras.utils.get_file does)."""
    folders = []
    if os.environ.get("KERAS_HOME"):
        folders.append(Path(os.environ["KERAS_HOME"]).expanduser() / "datasets")
    folders.append(Path.home() / ".keras" / "datasets")
    folders.append(Path(tempfile.gettempdir()) / ".keras" / "datasets")
    return list(dict.fromkeys(folders))


def _online() -> bool:
    try:
        socket.create_connection(DOWNLOAD_HOST, timeout=5).close()
    except OSError:
        return False
    return True


def _download() -> tuple[MnistSource | None, str]:
    """Keras' own download (imports TensorFlow: the last resort)."""
    if os.environ.get("CNNGRADE_OFFLINE"):
        return None, _("no download ($CNNGRADE_OFFLINE is set)")
    if not _online():
        return None, _("no download (offline)")
    try:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        from keras.datasets import mnist as keras_mnist

        keras_mnist.load_data()
    except Exception as exc:  # noqa: BLE001  (any failure of the download is reported, not raised)
        return None, _("Keras' download failed ({error}: {text})", error=type(exc).__name__,
                       text=str(exc).replace("\n", " "))
    for folder in keras_cache_folders():
        _inspect_folder.cache_clear()
        source = _from_folder(folder, "Keras' download")[0]
        if source is not None:
            return source, ""
    return None, _("Keras' download left no verifiable mnist.npz")


def named_folders(directory: str | Path | None = None) -> list[tuple[Path, str]]:
    """The folders the user named, in the documented order, with how: --mnist DIR, then
    $CNNGRADE_MNIST (the one place that reads it)."""
    named = [(Path(directory).expanduser(), "--mnist")] if directory else []
    if os.environ.get("CNNGRADE_MNIST"):
        named.append((Path(os.environ["CNNGRADE_MNIST"]).expanduser(), "$CNNGRADE_MNIST"))
    return named


def locate(directory: str | Path | None = None) -> MnistSource:
    """The first usable MNIST, in the documented order; MnistNotFound (one line) when none is."""
    explicit = named_folders(directory)
    if explicit:
        # A folder named explicitly must hold good files: falling back silently would hide a mistake.
        folder, origin = explicit[0]
        source, problem = _from_folder(Path(folder), origin)
        if source is None:
            raise MnistNotFound(_("MNIST from {origin}: {problem}; {where}", origin=origin, problem=problem,
                                  where=_(WHERE)))
        return source
    tried = []
    for folder in keras_cache_folders():
        if (folder / NPZ[0]).exists():
            source, problem = _from_folder(folder, "Keras' cache")
            if source is not None:
                return source
            tried.append(problem)
    source, problem = _download()
    if source is not None:
        return source
    tried.append(problem)
    looked = ", ".join(str(f / NPZ[0]) for f in keras_cache_folders())
    raise MnistNotFound(_("MNIST not found (no --mnist, no $CNNGRADE_MNIST, nothing usable in {looked}; {tried}): "
                          "{where}", looked=looked, tried="; ".join(tried), where=_(WHERE)))


# -- what the sandbox must not see -----------------------------------------------------------

def private_paths(directory: str | Path | None) -> list[Path]:
    """Every folder MNIST may be read from, so that no sandbox shows the test labels: the folder
    given with --mnist, $CNNGRADE_MNIST and Keras' cache folders. A folder that holds what a worker
    needs (the Python installation, the temporary folder) is never hidden."""
    candidates = set(keras_cache_folders()) | {folder for folder, _ in named_folders(directory)}
    needed = [Path(p).resolve() for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, tempfile.gettempdir())]
    hidden = []
    for path in candidates:
        path = path.resolve()
        if path.is_dir() and not any(n == path or path in n.parents for n in needed):
            hidden.append(path)
    return sorted(hidden)


# -- loading ---------------------------------------------------------------------------------

def _read_idx(path: Path, gzipped: bool, magic: int, count: int, first: int | None = None) -> np.ndarray:
    """The items of an IDX file (all `count` of them, or only the `first` ones: the rest of the
    file is then neither read nor inflated)."""
    opener = gzip.open if gzipped else open
    dims = magic & 0xFF
    with opener(path, "rb") as handle:
        head = handle.read(4 * (1 + dims))
        header = struct.unpack(f">{1 + dims}I", head) if len(head) == 4 * (1 + dims) else (None, None)
        if header[0] != magic or header[1] != count:
            raise MnistNotFound(_("{path} is not an MNIST IDX file (header {header}); {where}", path=path,
                                  header=header, where=_(WHERE)))
        items = count if first is None else min(first, count)
        data = handle.read(items * int(np.prod(header[2:], dtype=np.int64)))
    return np.frombuffer(data, dtype=np.uint8).reshape(-1, *header[2:])


@lru_cache(maxsize=4)
def load(source: MnistSource, split: str, first: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(images uint8 (N, 28, 28), labels uint8 (N,)) of split 'train' or 'test', read-only: all
    of them, or the `first` ones only (read without the rest)."""
    if split not in COUNTS:
        raise ValueError(f"split must be 'train' or 'test', not {split!r}")  # i18n: not for people (a caller's bug)
    files = dict(source.files)
    if source.kind == "npz":
        with np.load(files["npz"], allow_pickle=False) as data:
            images, labels = data[f"x_{split}"][:first], data[f"y_{split}"][:first]
    else:
        images = _read_idx(files[f"{split}_images"], source.gzipped, 0x803, COUNTS[split], first)
        labels = _read_idx(files[f"{split}_labels"], source.gzipped, 0x801, COUNTS[split], first)
    images = np.ascontiguousarray(images, dtype=np.uint8)
    labels = np.ascontiguousarray(labels, dtype=np.uint8)
    expected = COUNTS[split] if first is None else min(first, COUNTS[split])
    if images.shape != (expected, 28, 28) or labels.shape != (expected,):
        raise MnistNotFound(_("the MNIST {split} set in {folder} has the wrong shape; {where}", split=split,
                              folder=source.folder, where=_(WHERE)))
    images.flags.writeable = False
    labels.flags.writeable = False
    return images, labels


def scaled(images: np.ndarray) -> np.ndarray:
    """Pixels as the course feeds them to the model: float32 in [0, 1], shape (N, 28, 28, 1) (the
    model workers scale uint8 pixels they are sent the same way: model_files.fit_images)."""
    return (np.asarray(images, dtype=np.float32) / np.float32(255.0))[..., np.newaxis]


class Mnist:
    """The `mnist` fixture of the checks: located at first use, each split loaded once.

    mnist.test -> (images uint8 (10000, 28, 28), labels uint8 (10000,)); mnist.train likewise.
    """

    def __init__(self, directory: str | Path | None = None):
        self.directory = directory
        self._source: MnistSource | None = None
        self._problem: MnistNotFound | None = None

    @property
    def source(self) -> MnistSource:
        """The verified files; MnistNotFound (remembered, so it is looked for once) if none."""
        if self._problem is not None:
            raise self._problem
        if self._source is None:
            try:
                self._source = locate(self.directory)
            except MnistNotFound as problem:
                self._problem = problem
                raise
        return self._source

    @property
    def test(self) -> tuple[np.ndarray, np.ndarray]:
        return load(self.source, "test")

    @property
    def train(self) -> tuple[np.ndarray, np.ndarray]:
        return load(self.source, "train")

    def train_head(self, count: int) -> tuple[np.ndarray, np.ndarray]:
        """The first `count` training images and labels, without reading the rest of the set."""
        return load(self.source, "train", count)

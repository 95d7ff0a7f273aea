"""Which files of a folder are the submission: the one definition that the store key, the
sandbox's scratch copy, the Dask archive, the integrity checks and the autograder harness use.

A folder is walked without following any link out of it, and every entry is judged by its type
(lstat) before anything is opened:

- a regular file is taken; its apparent size (st_size) and the disk it really holds (st_blocks)
  count towards MAX_BYTES each, so that a sparse 1 TiB file stops the walk without a byte read;
- a folder is walked (at most MAX_DEPTH deep, MAX_ENTRIES entries in all);
- a symbolic link is resolved here, on the trusted side: one that ends at a regular file inside
  the folder is taken as that file (its content under the link's name, never a link); one that
  leaves the folder, dangles, loops or ends at a folder is left out, and the student is told
  which and why (`Manifest.notices`);
- anything else (a FIFO, a socket, a device) is left out without being opened;
- SKIPPED names (caches, version control, notebook checkpoints, macOS archive debris) are
  ignored at every depth, silently.

Names are kept as the bytes the file system gives (an archive unpacked from Windows may hold
names that are not UTF-8) and shown with `shown`, which escapes what is not printable.
Contents are read only through `Manifest.chunks`, which opens each file without following a
link, without blocking, and checks that it is still the regular file of the size that was walked.

This module imports only the standard library and, when it is there, the grader's catalogs: the
autograder harness ships it beside itself, where it speaks English if cnngrade cannot be imported.
Its reasons are said in the current language when they are made (a batch makes a student's
manifest in that student's language).
"""
from __future__ import annotations

import hashlib
import io
import os
import stat
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

try:  # the grader's words, in the grading's language
    from grader.i18n import _
except Exception:  # noqa: BLE001  (shipped alone beside the harness, or cnngrade broken there: English)
    def _(message: str, /, **params: object) -> str:
        return message.format(**params) if params else message

MAX_BYTES = 256 << 20  # the folder is copied for every sandbox: a stray data set must not be
MAX_ENTRIES = 10_000   # files and folders walked (a tree of a million empty files is not a submission)
MAX_DEPTH = 32
MAX_PATH_BYTES = 1024  # a relative path longer than this is left out (the scratch copy must fit PATH_MAX)
MAX_NOTICES = 12       # files left out that the report lists one by one
SKIPPED = frozenset({b"__pycache__", b".git", b".ipynb_checkpoints", b"__MACOSX", b".DS_Store"})
CHUNK = 1 << 20
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
_BIDI = {0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)}


class Refused(Exception):
    """The folder cannot be taken at all (too large, too many files, unreadable, changed while
    read): the message is one line for the person who submitted it."""


def shown(name: bytes | str) -> str:
    """A name from the file system as text safe to show anywhere (terminal, CSV, XML, HTML): UTF-8
    as it is, other bytes as \\xNN, and control, bidirectional and other unprintable characters
    (newline included) as \\xNN or \\uNNNN. Printable names are unchanged."""
    if isinstance(name, str):
        try:
            raw = os.fsencode(name)
        except UnicodeError:  # a lone surrogate that no file system byte made
            raw = name.encode("utf-8", "surrogatepass")
    else:
        raw = bytes(name)
    text = raw.decode("utf-8", "backslashreplace")
    if text.isprintable() and not any(ord(c) in _BIDI for c in text):
        return text
    return "".join(c if c == " " or (c.isprintable() and ord(c) not in _BIDI) else escaped(c) for c in text)


def escaped(character: str) -> str:
    """One character as the escape that stands for it: \\xNN, \\uNNNN or \\UNNNNNNNN."""
    code = ord(character)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


@dataclass(frozen=True)
class File:
    """A file of the submission: its path in the folder (bytes, "/"-separated), the regular file
    whose content it has (the link's target, for a link kept), and the size walked."""

    path: bytes
    source: bytes
    size: int

    @property
    def name(self) -> str:
        """The relative path as a str for os and pathlib calls (undecodable bytes kept)."""
        return os.fsdecode(self.path)


@dataclass(frozen=True)
class LeftOut:
    """An entry of the folder that is not part of the submission, and why (for the student)."""

    path: bytes
    reason: str

    def __str__(self) -> str:
        return f"{shown(self.path)} ({self.reason})"


@dataclass(frozen=True)
class Manifest:
    """What a folder holds as a submission: its files, in path order, and what was left out."""

    folder: Path
    files: tuple[File, ...]
    left_out: tuple[LeftOut, ...] = ()

    def file(self, path: str | bytes) -> File | None:
        """The file at this relative path (e.g. "cnn.py"), or None."""
        wanted = os.fsencode(path)
        return next((f for f in self.files if f.path == wanted), None)

    def why_left_out(self, path: str | bytes) -> str:
        """Why the entry at this relative path was left out ('' when it was not)."""
        wanted = os.fsencode(path)
        return next((item.reason for item in self.left_out if item.path == wanted), "")

    def notices(self) -> list[str]:
        """One line per entry left out (capped), for the report's notes."""
        lines = [_("left out: {entry}", entry=item) for item in self.left_out[:MAX_NOTICES]]
        if len(self.left_out) > MAX_NOTICES:
            lines.append(_("left out: ... and {count} more", count=len(self.left_out) - MAX_NOTICES))
        return lines

    def chunks(self, file: File) -> Iterator[bytes]:
        """The content of one file, read without following a link or blocking on a FIFO, and only
        while it is still the regular file of the size walked (else Refused)."""
        try:
            descriptor = os.open(file.source, _OPEN_FLAGS)
        except OSError as exc:
            raise Refused(_("{path} could not be read ({error})", path=shown(file.path), error=exc.strerror or exc)) from None
        with os.fdopen(descriptor, "rb") as handle:
            status = os.fstat(handle.fileno())
            if not stat.S_ISREG(status.st_mode) or status.st_size != file.size:
                raise _changed(file)
            left = file.size
            while left > 0:
                block = handle.read(min(CHUNK, left))
                if not block:
                    raise _changed(file)
                left -= len(block)
                yield block

    def read(self, file: File) -> bytes:
        return b"".join(self.chunks(file))

    def digest(self) -> str:
        """sha256 over every file's path and content and every entry left out, with its reason:
        equal digests, equal submissions (a link counts by what it points to)."""
        digest = hashlib.sha256()
        for file in self.files:
            content = hashlib.sha256()
            for block in self.chunks(file):
                content.update(block)
            digest.update(b"F%d:%s%s" % (len(file.path), file.path, content.digest()))
        for item in self.left_out:
            reason = item.reason.encode("utf-8", "backslashreplace")
            digest.update(b"L%d:%s%d:%s" % (len(item.path), item.path, len(reason), reason))
        return digest.hexdigest()

    def copy_into(self, target: Path) -> None:
        """Write every file into the empty or new folder `target` as a regular file (mode 0644):
        the scratch copy that a sandbox grades."""
        root = os.fsencode(target)
        os.makedirs(root, exist_ok=True)
        for file in self.files:
            _write(root, file.path, self.chunks(file))

    def archive(self) -> bytes:
        """The files as a tar archive in memory (regular files only, names as bytes): what a Dask
        task carries. `unpack` takes it back."""
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
            for file in self.files:
                info = tarfile.TarInfo(file.name)
                info.size, info.mode, info.mtime = file.size, 0o644, 0
                tar.addfile(info, _Reader(self.chunks(file)))
        return buffer.getvalue()


def _changed(file: File) -> Refused:
    return Refused(_("{path} changed while the folder was read: grade it again", path=shown(file.path)))


class _Reader(io.RawIOBase):
    """chunks() as a file object for tarfile.addfile."""

    def __init__(self, chunks: Iterator[bytes]):
        self._chunks, self._pending = chunks, b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if not self._pending:
            self._pending = next(self._chunks, b"")
        count = min(len(buffer), len(self._pending))
        buffer[:count], self._pending = self._pending[:count], self._pending[count:]
        return count


def _write(root: bytes, path: bytes, blocks: Iterable[bytes]) -> None:
    """Create root/path (its folders too) as a new regular file; never through a link."""
    parent = path.rpartition(b"/")[0]
    if parent:
        os.makedirs(os.path.join(root, parent), exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    with os.fdopen(os.open(os.path.join(root, path), flags, 0o644), "wb") as out:
        for block in blocks:
            out.write(block)


def _kind(mode: int) -> str:
    """What an entry that is neither a regular file, a folder nor a link is: fifo, socket, device or other."""
    for test, word in ((stat.S_ISFIFO, "fifo"), (stat.S_ISSOCK, "socket"), (stat.S_ISCHR, "device"),
                       (stat.S_ISBLK, "device")):
        if test(mode):
            return word
    return "other"


def _not_regular(kind: str) -> str:
    """Why an entry of this kind (_kind) is left out."""
    return {"fifo": _("a FIFO, not a regular file: not read"), "socket": _("a socket, not a regular file: not read"),
            "device": _("a device, not a regular file: not read")}.get(
        kind, _("not a regular file, not a regular file: not read"))


def _linked(kind: str) -> str:
    """Why a link to an entry of this kind (_kind) is left out."""
    return {"fifo": _("a symbolic link to a FIFO: not read"), "socket": _("a symbolic link to a socket: not read"),
            "device": _("a symbolic link to a device: not read")}.get(
        kind, _("a symbolic link to not a regular file: not read"))


def _too_large(size: int) -> Refused:
    return Refused(_("the folder holds {size}, more than the {limit} MiB cnngrade copies: keep only cnn.py, its "
                     "helper modules and the files the exercises grade", size=_bytes(size), limit=MAX_BYTES >> 20))


def _bytes(size: int) -> str:
    for unit, shift in (("TiB", 40), ("GiB", 30), ("MiB", 20)):
        if size >= 1 << shift:
            return f"{size / (1 << shift):.0f} {unit}"
    return _("{count} bytes", count=size)


def manifest(folder: Path | str) -> Manifest:
    """The submission in `folder` (see the module's text); Refused when it cannot be taken at all.
    The folder itself may be reached through a link (the teacher's path); nothing in it is."""
    folder = Path(folder)
    root = os.path.realpath(os.fsencode(folder))
    try:
        if not stat.S_ISDIR(os.stat(root).st_mode):
            raise Refused(_("it is not a folder"))
    except OSError as exc:
        raise _unreadable(exc) from None
    files: list[File] = []
    left_out: list[LeftOut] = []
    apparent = real = entries = 0
    pending = [(b"", root, 0)]
    while pending:
        relative, path, depth = pending.pop()
        try:
            with os.scandir(path) as listing:
                children = []
                for child in listing:
                    entries += 1
                    if entries > MAX_ENTRIES:
                        raise Refused(_("the folder holds more than {count} files and folders", count=MAX_ENTRIES))
                    if child.name not in SKIPPED:
                        children.append(child.name)
        except OSError as exc:
            if not relative:
                raise _unreadable(exc) from None
            left_out.append(LeftOut(relative, _("a folder that cannot be read: {error}", error=exc.strerror or exc)))
            continue
        folders = []
        for name in sorted(children):
            inner = relative + b"/" + name if relative else name
            try:
                status = os.lstat(os.path.join(path, name))
            except OSError as exc:
                left_out.append(LeftOut(inner, _("cannot be read: {error}", error=exc.strerror or exc)))
                continue
            mode = status.st_mode
            if len(inner) > MAX_PATH_BYTES:
                left_out.append(LeftOut(inner, _("its path is longer than {count} bytes", count=MAX_PATH_BYTES)))
            elif stat.S_ISDIR(mode):
                if depth + 1 >= MAX_DEPTH:
                    left_out.append(LeftOut(inner, _("a folder nested more than {count} deep", count=MAX_DEPTH)))
                else:
                    folders.append((inner, os.path.join(path, name), depth + 1))
            elif stat.S_ISREG(mode):
                if not os.access(os.path.join(path, name), os.R_OK):
                    left_out.append(LeftOut(inner, _("a file cnngrade may not read (its permissions)")))
                    continue
                files.append(File(inner, os.path.join(path, name), status.st_size))
                apparent += status.st_size
                real += getattr(status, "st_blocks", 0) * 512
            elif stat.S_ISLNK(mode):
                kept = _resolve(root, os.path.join(path, name))
                if isinstance(kept, str):
                    left_out.append(LeftOut(inner, kept))
                    continue
                target, size, blocks = kept
                files.append(File(inner, target, size))
                apparent += size
                real += blocks
            else:
                left_out.append(LeftOut(inner, _not_regular(_kind(mode))))
            if apparent > MAX_BYTES or real > MAX_BYTES:
                raise _too_large(max(apparent, real))
        pending.extend(reversed(folders))
    files.sort(key=lambda f: f.path)
    left_out.sort(key=lambda item: item.path)
    return Manifest(folder, tuple(files), tuple(left_out))


def _unreadable(exc: OSError) -> Refused:
    return Refused(_("the folder cannot be read ({error})", error=exc.strerror or exc))


def _resolve(root: bytes, link: bytes) -> tuple[bytes, int, int] | str:
    """A link's regular file inside root: (path, size, real bytes), else why it is left out."""
    target = os.path.realpath(link)
    if target == root:
        return _("a symbolic link to a folder: copy the folder itself")
    if not target.startswith(root + b"/"):
        return _("a symbolic link out of the folder: not followed; copy the file itself into the folder")
    try:
        status = os.lstat(target)
    except OSError:
        return _("a symbolic link to nothing")
    if stat.S_ISLNK(status.st_mode):
        return _("a symbolic link that leads to itself")
    if stat.S_ISDIR(status.st_mode):
        return _("a symbolic link to a folder: copy the folder itself")
    if not stat.S_ISREG(status.st_mode):
        return _linked(_kind(status.st_mode))
    if not os.access(target, os.R_OK):
        return _("a symbolic link to a file cnngrade may not read (its permissions)")
    return target, status.st_size, getattr(status, "st_blocks", 0) * 512


def unpack(data: bytes, target: Path, left_out: Iterable[LeftOut] = ()) -> Manifest:
    """Write an `archive` into the new folder `target` and return its manifest, with the entries the
    original folder left out (so that it is graded exactly as that folder). Every member is checked
    here, by its own path, not by tarfile's filters: regular files only, a relative path of plain
    names (no '..', no absolute path, no empty or NUL part) that stays inside target, sizes within
    the caps. Refused otherwise."""
    root = os.path.realpath(os.fsencode(target))
    os.makedirs(root, exist_ok=True)
    files: list[File] = []
    total = 0
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tar:
        for count, member in enumerate(tar, start=1):
            path = os.fsencode(member.name)
            parts = path.split(b"/")
            if count > MAX_ENTRIES or not member.isreg() or len(path) > MAX_PATH_BYTES \
                    or any(part in (b"", b".", b"..") or b"\0" in part for part in parts):
                raise _not_unpacked(path)
            destination = os.path.join(root, path)
            parent = os.path.realpath(os.path.dirname(destination))
            if (parent != root and not parent.startswith(root + b"/")) or os.path.lexists(destination):
                raise _not_unpacked(path)
            total += member.size
            if total > MAX_BYTES:
                raise _too_large(total)
            source = tar.extractfile(member)
            try:
                _write(root, path, iter(lambda: source.read(CHUNK), b""))
            except OSError as exc:
                raise Refused(_("the archive's entry {path} cannot be unpacked ({error})", path=shown(path),
                                error=exc.strerror or exc)) from None
            files.append(File(path, destination, member.size))
    files.sort(key=lambda f: f.path)
    return Manifest(Path(os.fsdecode(root)), tuple(files), tuple(left_out))


def _not_unpacked(path: bytes) -> Refused:
    return Refused(_("the archive holds an entry cnngrade does not unpack: {path}", path=shown(path)))


def student_folders(class_dir: Path) -> list[Path]:
    """The entries of a class folder that are students, in name order: every folder, and every
    symbolic link to a folder (whose student gets a row saying it was not followed); hidden and
    SKIPPED names left out. Names are the file system's bytes, as str (os.fsdecode)."""
    found = []
    with os.scandir(os.fsencode(class_dir)) as listing:
        for entry in listing:
            if entry.name.startswith(b".") or entry.name in SKIPPED:
                continue
            if entry.is_dir(follow_symlinks=False) or (entry.is_symlink() and entry.is_dir()):
                found.append(entry.name)
    return [Path(class_dir) / os.fsdecode(name) for name in sorted(found)]

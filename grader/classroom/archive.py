"""A ZIP archive that came from a student (or holds students' files), unpacked within limits.

Everything about an archive is hostile until checked: how many members it declares (read from
its end-of-central-directory record before Python's zipfile parses the directory, so that a
directory of millions of entries costs nothing), each member's name (no absolute path, no `..`,
no drive letter, no NUL, no component longer than a file system takes), its type (regular files
and folders only: a symbolic link, a device or a FIFO is refused, never created), encryption,
and the bytes it unpacks to, counted while unpacking (a header's declared size can lie).
Files are created with O_EXCL inside a folder this module made, so nothing is ever written
outside it and nothing existing is overwritten. Every refusal is an ArchiveError whose message
is one sentence for the person who made the archive.
"""
from __future__ import annotations

import os
import stat
import struct
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from grader.i18n import _

CHUNK = 1 << 16
END_RECORD = b"PK\x05\x06"           # end of central directory
ZIP64_LOCATOR = b"PK\x06\x07"        # zip64 end of central directory locator
ZIP64_RECORD = b"PK\x06\x06"
MAX_COMMENT = 0xFFFF
MACOS_METADATA = "__MACOSX"          # resource forks a Mac's Finder adds: never unpacked


class ArchiveError(Exception):
    """An archive, or one of its members, that is not unpacked: the message says why, in one sentence."""


@dataclass(frozen=True)
class Limits:
    members: int                     # entries (files and folders) at most
    total_bytes: int                 # bytes unpacked at most, counted as they are written
    depth: int = 32                  # path components of a member at most
    directory_bytes: int = 64 << 20  # the central directory's size at most


class Budget:
    """What is left of the limits while one student's files (and archives) are unpacked."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.bytes_left = limits.total_bytes
        self.files_left = limits.members

    def spend(self, size: int = 0, files: int = 0, what: str | None = None) -> None:
        """Spend bytes and files; ArchiveError past the limits (what: the archive, in words;
        default "the submission")."""
        self.bytes_left -= size
        self.files_left -= files
        what = what or _("the submission")
        if self.bytes_left < 0:
            raise ArchiveError(_("{what} unpacks to more than {limit} MiB, the most cnngrade unpacks for one student",
                                 what=what, limit=self.limits.total_bytes >> 20))
        if self.files_left < 0:
            raise ArchiveError(_("{what} holds more than {limit} files, the most cnngrade unpacks for one student",
                                 what=what, limit=self.limits.members))


@dataclass(frozen=True)
class Member:
    parts: tuple[str, ...]           # the cleaned path, one component each
    info: zipfile.ZipInfo = field(compare=False)

    @property
    def is_dir(self) -> bool:
        return self.info.is_dir()

    @property
    def path(self) -> str:
        return "/".join(self.parts)


def declared_entries(path: Path, limits: Limits) -> int:
    """The number of entries the archive's end record declares; ArchiveError when it is not a
    ZIP or declares more than the limits allow (before anything else is read)."""
    try:
        size = path.stat().st_size
        with open(path, "rb") as handle:
            tail_size = min(size, 22 + MAX_COMMENT)
            handle.seek(size - tail_size)
            tail = handle.read(tail_size)
            at = tail.rfind(END_RECORD)
            if at < 0 or len(tail) - at < 22:
                raise ArchiveError(_("{file} is not a ZIP archive (no end-of-directory record)", file=path.name))
            entries, directory_size = struct.unpack("<HHHHIIH", tail[at + 4:at + 22])[3:5]
            if entries == 0xFFFF or directory_size == 0xFFFFFFFF:
                entries, directory_size = _zip64_counts(handle, size - tail_size + at, path)
    except OSError as exc:
        raise ArchiveError(_("{file} cannot be read: {error}", file=path.name, error=exc.strerror or exc)) from None
    if entries > limits.members:
        raise ArchiveError(_("{file} holds {count} entries, more than the {limit} cnngrade unpacks", file=path.name,
                             count=entries, limit=limits.members))
    if directory_size > limits.directory_bytes:
        raise ArchiveError(_("{file} has a directory of {size} bytes, more than cnngrade reads", file=path.name,
                             size=directory_size))
    return entries


def _zip64_counts(handle, end_record_at: int, path: Path) -> tuple[int, int]:
    missing = ArchiveError(_("{file} is not a valid ZIP archive (a zip64 record is missing)", file=path.name))
    if end_record_at < 20:
        raise missing
    handle.seek(end_record_at - 20)
    locator = handle.read(20)
    if locator[:4] != ZIP64_LOCATOR:
        raise missing
    (record_at,) = struct.unpack("<4xIQI", locator)[1:2]
    handle.seek(record_at)
    record = handle.read(56)
    if record[:4] != ZIP64_RECORD or len(record) < 56:
        raise ArchiveError(_("{file} is not a valid ZIP archive (a zip64 record is broken)", file=path.name))
    entries, directory_size = struct.unpack("<4xQHHIIQQQQ", record[:56])[5:7]
    return entries, directory_size


def clean_parts(name: str, limits: Limits) -> tuple[str, ...]:
    """A member's name as path components, or ArchiveError naming what is wrong with it."""
    shown = name if len(name) <= 80 else name[:77] + "..."
    if "\x00" in name:
        raise ArchiveError(_("the member {member} has a NUL character in its name", member=repr(shown)))
    unified = name.replace("\\", "/")
    if unified.startswith("/") or (len(unified) > 1 and unified[1] == ":"):
        raise ArchiveError(_("the member {member} has an absolute path", member=repr(shown)))
    parts = tuple(p for p in unified.split("/") if p not in ("", "."))
    if ".." in parts:
        raise ArchiveError(_("the member {member} points outside the archive's folder (..)", member=repr(shown)))
    if len(parts) > limits.depth:
        raise ArchiveError(_("the member {member} is nested deeper than {limit} folders", member=repr(shown),
                             limit=limits.depth))
    for part in parts:
        if len(part.encode("utf-8", "surrogateescape")) > 255:
            raise ArchiveError(_("the member {member} has a name longer than 255 bytes", member=repr(shown)))
    return parts


def _check_type(info: zipfile.ZipInfo, shown: str) -> None:
    kind = stat.S_IFMT(info.external_attr >> 16) if info.create_system == 3 else 0  # a Unix type, when stored
    if kind == stat.S_IFLNK:
        raise ArchiveError(_("the member {member} is a symbolic link, which cnngrade does not unpack",
                             member=repr(shown)))
    if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
        raise ArchiveError(_("the member {member} is not a regular file or a folder", member=repr(shown)))
    if info.flag_bits & 0x1:
        raise ArchiveError(_("the member {member} is encrypted (a password-protected archive)", member=repr(shown)))


def check_member(info: zipfile.ZipInfo, limits: Limits) -> Member | None:
    """One member, checked (ArchiveError when it must not be unpacked); None for what is never
    unpacked: the archive's root itself and the Mac's __MACOSX metadata."""
    parts = clean_parts(info.filename, limits)
    _check_type(info, info.filename[:80])
    if not parts or parts[0] == MACOS_METADATA:
        return None
    return Member(parts, info)


def members(archive: zipfile.ZipFile, limits: Limits) -> list[Member]:
    """Every member of an opened archive, checked; ArchiveError names the first refused."""
    return [m for m in (check_member(info, limits) for info in archive.infolist()) if m is not None]


def open_archive(path: Path, limits: Limits) -> zipfile.ZipFile:
    """The archive opened for reading, after its declared size was checked; ArchiveError otherwise."""
    declared_entries(path, limits)
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise ArchiveError(_("{file} is not a readable ZIP archive ({error})", file=path.name, error=exc)) from None


def extract(archive: zipfile.ZipFile, member: Member, root: Path, parts: tuple[str, ...], budget: Budget,
            what: str) -> None:
    """Write one member at root/parts (root is a folder this process made), spending the budget
    as bytes arrive (what: how a refusal names the archive). A folder member makes its folder."""
    target = root.joinpath(*parts)
    if member.is_dir:
        make_folders(root, parts)
        return
    make_folders(root, parts[:-1])
    budget.spend(files=1, what=what)
    if member.info.file_size > budget.bytes_left:  # an honest header is refused before any work
        budget.spend(member.info.file_size, what=what)
    try:
        descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    except FileExistsError:
        raise ArchiveError(_("the member {member} appears twice (or as a file and a folder)",
                             member=repr(member.path))) from None
    try:
        with os.fdopen(descriptor, "wb") as out, archive.open(member.info) as source:
            while True:
                block = source.read(CHUNK)
                if not block:
                    break
                budget.spend(len(block), what=what)
                out.write(block)
    except ArchiveError:
        raise
    except (zipfile.BadZipFile, NotImplementedError, OSError, ValueError, EOFError, RuntimeError) as exc:
        raise ArchiveError(_("the member {member} cannot be unpacked ({error})", member=repr(member.path),
                             error=exc)) from None


def make_folders(root: Path, parts: tuple[str, ...]) -> None:
    """root/parts as folders, refusing a component that exists as something else than a folder."""
    here = root
    for part in parts:
        here = here / part
        try:
            here.mkdir()
        except FileExistsError:
            if here.is_symlink() or not here.is_dir():
                raise ArchiveError(_("{path} is both a file and a folder in the archive",
                                     path=repr("/".join(parts)))) from None

"""A Moodle assignment's "Download all submissions", turned into an ordinary class folder.

The shapes are Moodle's own (mod/assign/classes/downloader.php, Moodle 4.1+; locallib.php's
download_submissions before): every participant's prefix is `clean_filename(<full name with _
made spaces> + "_" + <participant id>)` ("Participant" for the name under blind marking; a
group's name and id for team submissions). With "Download submissions in folders" (the default)
each submission plugin has its folder `<prefix>_assignsubmission_<plugin>` (a trailing `_` before
Moodle 4.1) holding the student's files with their sub-folders; without it each file is
`<prefix>_assignsubmission_<plugin>_<file name>` at the top. Online text arrives as
`onlinetext.html` (its name translated) in the `assignsubmission_onlinetext` plugin. Moodle's
feedback importer (mod/assign/feedback/file/importziplib.php) reads these names back by splitting
a path part on `_` into at most five pieces: the same rule is used here.

prepare() unpacks the download (a ZIP, or the folder it was unpacked into) into
OUT/moodle-download/: every participant's files within a limit of files and bytes, and the ZIP
archives a student uploaded (one level, grader.classroom.archive's checks: a hostile archive costs
that student only, with the reason). Then it finds what is graded wherever the student put it in
the upload: the one cnn.py, or else the one notebook. That folder becomes
OUT/moodle-download/submissions/<participant id>/, graded by the batch as any student folder; a
participant with nothing to grade gets an empty folder and the reason (only online text, no
cnn.py, two candidates, a refused archive). The participant id is the student id everywhere; the
full name from the download is shown beside it.
"""
from __future__ import annotations

import os
import re
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from grader.classroom.archive import (MACOS_METADATA, ArchiveError, Budget, Limits, check_member, clean_parts,
                                      extract, make_folders, members, open_archive)
from grader.submission.files import MAX_BYTES
from grader.i18n import _
from grader.submission.folder import MODULE

# `<name>_<id>_assignsubmission_<plugin>` and what follows: importziplib.php's explode('_', $part, 5).
ENTRY = re.compile(r"(?P<name>[^_]*)_(?P<id>\d+)_assignsubmission_(?P<plugin>[a-z][a-z0-9]*)(?:_(?P<rest>.*))?\Z",
                   re.DOTALL)
UPLOAD = "file"                       # the plugin whose files are graded
ONLINE_TEXT = "onlinetext"
FOLDER = "moodle-download"            # under the batch's --out
MARKER = ".made-by-cnngrade"          # so that only a folder made here is ever emptied
STUDENT = Limits(members=2000, total_bytes=MAX_BYTES)           # one participant's files, archives unpacked
DOWNLOAD = Limits(members=200_000, total_bytes=1 << 62, directory_bytes=128 << 20)  # the class's ZIP (each
                                                                                    # participant: STUDENT)
SKIPPED = {MACOS_METADATA, "__pycache__", ".ipynb_checkpoints", ".git"}
LISTED = 5                            # file names a reason lists at most


class MoodleError(Exception):
    """The download cannot be used at all (the user's mistake): the message is one line."""


@dataclass
class Participant:
    id: str
    name: str                         # as the download names them ("Participant" under blind marking)
    plugins: set[str] = field(default_factory=set)
    reason: str = ""                  # why nothing is graded ('' when a folder is)
    budget: Budget = field(default_factory=lambda: Budget(STUDENT), repr=False)


@dataclass
class MoodleClass:
    folder: Path                      # one subfolder per participant id, as `cnngrade batch` grades
    layout: str                       # "folders" or "files"
    participants: dict[str, Participant]
    unknown: list[str]                # entries of the download that name no participant

    @property
    def names(self) -> dict[str, str]:
        return {pid: p.name for pid, p in self.participants.items()}

    @property
    def reasons(self) -> dict[str, str]:
        """Participant id -> why nothing of theirs is graded."""
        return {pid: p.reason for pid, p in self.participants.items() if p.reason}

    def lines(self) -> list[str]:
        """What the batch summary says about the download, one sentence a line."""
        graded = len(self.participants) - len(self.reasons)
        counts = {"count": len(self.participants), "graded": graded}
        lines = [_("Moodle download (one folder per participant and plugin): {count} participants, {graded} with "
                   "something to grade.", **counts) if self.layout == "folders" else
                 _("Moodle download (one file per upload, prefixed with the participant): {count} participants, "
                   "{graded} with something to grade.", **counts)]
        for pid, reason in self.reasons.items():
            lines.append("  " + _("Nothing graded for {name} (participant {id}): {reason}.",
                                  name=self.participants[pid].name, id=pid, reason=reason))
        if self.unknown:
            lines.append("  " + _("{count} entries of the download name no participant and were left out: {names}.",
                                  count=len(self.unknown), names=_listing(self.unknown)))
        return lines


# -- what the download holds ---------------------------------------------------------------

@dataclass(frozen=True)
class _Item:
    """One file (or folder) of the download: whose, which plugin, where inside their submission."""

    pid: str
    name: str
    plugin: str
    parts: tuple[str, ...]            # inside the plugin's folder
    write: Callable[[Path, tuple[str, ...], Budget], None] | None  # None: a folder
    layout: str                       # "folders" or "files": how the download was made
    problem: str = ""                 # why it cannot be taken (a refused member)


def _participant(match: re.Match) -> str:
    """The participant id as Moodle's importers read it (a number: importziplib.php adds 0 to it)."""
    return str(int(match.group("id")))


def _split(top: str, below: tuple[str, ...], is_dir: bool) -> tuple[re.Match | None, str, tuple[str, ...]]:
    """A download path (its first component and the rest) as (match, layout, parts inside the plugin)."""
    match = ENTRY.match(top)
    if match is None:
        return None, "", ()
    rest = match.group("rest") or ""
    if below or (is_dir and not rest):
        return (match, "folders", below) if not rest else (None, "", ())
    return (match, "files", (rest,)) if rest else (None, "", ())


def _zip_items(download: Path) -> Iterator[_Item | str]:
    try:
        archive = open_archive(download, DOWNLOAD)
    except ArchiveError as exc:
        raise MoodleError(_("cannot read the Moodle download {download}: {error}", download=download,
                            error=exc)) from None
    with archive:
        for info in archive.infolist():
            raw = info.filename.replace("\\", "/").strip("/").split("/")
            top, is_dir = raw[0], info.is_dir()
            if top == MACOS_METADATA or not top:
                continue
            match, layout, inside = _split(top, tuple(raw[1:]), is_dir)
            if match is None:
                yield info.filename
                continue
            try:
                member = check_member(info, DOWNLOAD)
                parts = clean_parts("/".join(inside), STUDENT)
                problem = ""
            except ArchiveError as exc:
                member, parts, problem = None, (), str(exc)
            if member is not None and member.is_dir:
                write = None
            else:
                def write(root: Path, where: tuple[str, ...], budget: Budget, member=member) -> None:
                    extract(archive, member, root, where, budget, _("the submission"))
            yield _Item(_participant(match), match.group("name"), match.group("plugin"), parts, write, layout, problem)


def _copy(source: Path) -> Callable[[Path, tuple[str, ...], Budget], None]:
    def write(root: Path, where: tuple[str, ...], budget: Budget) -> None:
        make_folders(root, where[:-1])
        budget.spend(files=1)
        with open(source, "rb") as handle, open(root.joinpath(*where), "xb") as out:
            while block := handle.read(1 << 16):
                budget.spend(len(block))
                out.write(block)
    return write


def _folder_items(download: Path) -> Iterator[_Item | str]:
    for entry in sorted(download.iterdir(), key=lambda p: p.name):
        if entry.name.startswith(".") or entry.name == MACOS_METADATA:
            continue
        match, layout, inside = _split(entry.name, (), entry.is_dir() and not entry.is_symlink())
        if match is None:
            yield entry.name
            continue
        pid, name, plugin = _participant(match), match.group("name"), match.group("plugin")
        if entry.is_symlink():
            yield _Item(pid, name, plugin, (), None, layout, _linked(entry.name))
        elif layout == "files":
            yield _Item(pid, name, plugin, inside, _copy(entry), layout)
        else:
            yield _Item(pid, name, plugin, (), None, layout)
            for root, dirs, files in os.walk(entry):  # links are not followed
                dirs.sort()
                for base in sorted(files) + [d for d in dirs if os.path.islink(os.path.join(root, d))]:
                    path = Path(root, base)
                    parts = path.relative_to(entry).parts
                    if path.is_symlink():
                        yield _Item(pid, name, plugin, (), None, layout, _linked("/".join(parts)))
                    elif path.is_file():
                        yield _Item(pid, name, plugin, parts, _copy(path), layout)


def _linked(path: str) -> str:
    return _("{path} is a symbolic link", path=path)


def _download_root(download: Path) -> Path:
    """The folder that holds the participants' entries: the download itself, or its only subfolder
    (a ZIP unpacked into a folder named after it)."""
    entries = [p for p in download.iterdir() if not p.name.startswith(".") and p.name != MACOS_METADATA]
    if not any(ENTRY.match(p.name) for p in entries):
        folders = [p for p in entries if p.is_dir() and not p.is_symlink()]
        if len(folders) == 1 and len(entries) == 1:
            return folders[0]
    return download


def is_download(path: Path) -> bool:
    """Whether CLASS_DIR is Moodle's download: a ZIP file, or a folder whose entries are named
    `<name>_<participant id>_assignsubmission_<plugin>...`."""
    path = Path(path)
    if path.is_file():
        return path.suffix.lower() == ".zip" or zipfile.is_zipfile(path)
    if not path.is_dir():
        return False
    return any(ENTRY.match(p.name) for p in _download_root(path).iterdir())


# -- turning it into a class folder ------------------------------------------------------------

def _fresh_folder(root: Path) -> None:
    if root.exists():
        if not (root / MARKER).is_file():
            raise MoodleError(_("{folder} exists and was not made by cnngrade: choose another --out folder",
                                folder=root))
        shutil.rmtree(root)
    root.mkdir(parents=True)
    (root / MARKER).write_text(_("cnngrade unpacks the Moodle download here; it empties this folder on every run")
                               + "\n")


def _listing(names: list[str]) -> str:
    shown = ", ".join(names[:LISTED])
    return _("{names} and {count} more", names=shown, count=len(names) - LISTED) if len(names) > LISTED else shown


def _visible_files(folder: Path) -> list[Path]:
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED and not d.startswith("."))
        found += [Path(root, f) for f in sorted(files) if not f.startswith(".")]
    return found


def _unpack_uploaded_archives(upload: Path, participant: Participant) -> None:
    """Every ZIP the student uploaded, unpacked beside it (one level: an archive inside is kept as a file)."""
    for path in [p for p in _visible_files(upload) if p.suffix.lower() == ".zip"]:
        shown = path.relative_to(upload).as_posix()
        target = path.with_name(path.stem if not path.with_name(path.stem).exists() else path.name + ".unpacked")
        try:
            with open_archive(path, STUDENT) as archive:
                checked = members(archive, STUDENT)
                target.mkdir()
                for member in checked:
                    extract(archive, member, target, member.parts, participant.budget,
                            _("the archive {archive}", archive=shown))
        except (ArchiveError, OSError) as exc:
            error = exc.strerror or exc if isinstance(exc, OSError) else exc
            participant.reason = _("the uploaded archive {archive} was not unpacked: {error}", archive=shown,
                                   error=error)
            return
        participant.budget.spend(-path.stat().st_size)  # the archive's own bytes are replaced by its files
        path.unlink()


def _graded_folder(upload: Path, participant: Participant) -> Path | None:
    """The folder of the upload that is graded (the one cnn.py's, else the one notebook's), or None
    with the participant's reason set."""
    files = _visible_files(upload)
    shown = [p.relative_to(upload).as_posix() for p in files]
    modules = [p for p in files if p.name == MODULE]
    notebooks = [p for p in files if p.suffix == ".ipynb"]
    if len(modules) == 1:
        return modules[0].parent
    if len(modules) > 1:
        participant.reason = _("the upload holds {count} files named cnn.py ({names}): keep only the one to grade",
                               count=len(modules), names=_listing([p.relative_to(upload).as_posix() for p in modules]))
        return None
    if len(notebooks) == 1:
        return notebooks[0].parent
    preferred = [p for p in notebooks if p.name == "cnn.ipynb"]
    if len(notebooks) > 1 and len(preferred) == 1:
        return preferred[0].parent
    if notebooks:
        participant.reason = _("the upload holds {count} notebooks and no cnn.py ({names}): keep only the one to "
                               "grade, or name it cnn.ipynb", count=len(notebooks),
                               names=_listing([p.relative_to(upload).as_posix() for p in notebooks]))
        return None
    python = [s for s in shown if s.endswith(".py")]
    if python:
        participant.reason = _("the upload holds no cnn.py and no notebook; it holds {names}: the graded module "
                               "must be named cnn.py", names=_listing(python))
    elif shown:
        participant.reason = _("the upload holds no cnn.py and no notebook, only {names}", names=_listing(shown))
    else:
        participant.reason = _("the upload holds no file")
    return None


def _nothing_uploaded(participant: Participant) -> str:
    if UPLOAD in participant.plugins:
        return _("the upload holds no file")
    if ONLINE_TEXT in participant.plugins:
        return _("only an online text was submitted, and cnngrade grades cnn.py or a notebook uploaded as a file")
    return _("nothing was uploaded as a file (the submission holds only: {plugins})",
             plugins=", ".join(sorted(participant.plugins)))


def prepare(download: Path, out: Path) -> MoodleClass:
    """Unpack Moodle's download into OUT/moodle-download/ and return the class folder to grade;
    MoodleError when it is not a Moodle download or cannot be read."""
    download = Path(download)
    root = Path(out) / FOLDER
    _fresh_folder(root)
    staging, submissions = root / "staging", root / "submissions"
    staging.mkdir()
    submissions.mkdir()
    items = _zip_items(download) if download.is_file() else _folder_items(_download_root(download))
    participants: dict[str, Participant] = {}
    unknown: list[str] = []
    layouts: set[str] = set()
    for item in items:
        if isinstance(item, str):
            unknown.append(item)
            continue
        participant = participants.setdefault(item.pid, Participant(item.pid, item.name))
        participant.plugins.add(item.plugin)
        layouts.add(item.layout)
        if participant.reason:
            continue
        if item.problem:
            participant.reason = _("a file of the submission was not taken: {problem}", problem=item.problem)
            continue
        if item.write is None or not item.parts:
            continue
        home = staging / item.pid / item.plugin
        try:
            make_folders(staging, (item.pid, item.plugin))
            item.write(home, item.parts, participant.budget)
        except (ArchiveError, OSError) as exc:
            error = exc.strerror or exc if isinstance(exc, OSError) else exc
            participant.reason = _("the submission's files were not unpacked: {error}", error=error)
    if not participants:
        raise MoodleError(_("{download} is not Moodle's \"Download all submissions\": no entry is named "
                            "<full name>_<participant id>_assignsubmission_<plugin>", download=download))
    for pid in sorted(participants, key=int):
        participant = participants[pid]
        upload = staging / pid / UPLOAD
        graded = None
        if not participant.reason:
            if not upload.is_dir():
                participant.reason = _nothing_uploaded(participant)
            else:
                _unpack_uploaded_archives(upload, participant)
                if not participant.reason:
                    graded = _graded_folder(upload, participant)
        if graded is not None:
            graded.rename(submissions / pid)
        else:
            (submissions / pid).mkdir()
    shutil.rmtree(staging)
    ordered = {pid: participants[pid] for pid in sorted(participants, key=int)}
    return MoodleClass(submissions, "folders" if "folders" in layouts else "files", ordered, unknown)


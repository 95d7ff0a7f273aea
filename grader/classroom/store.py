"""The batch's results store: one JSON file per student, written atomically as each finishes.

A stored result is reused when its key still matches: a hash of the submission's files (what
grader.submission.files takes of the folder, links resolved), of the versions of cnngrade and of
the installed packs (and of the selected exercises' own files, so that an edited check in a
development checkout counts as a new version), of the options that change a grade (the
exercise selection, --examples, the packs' options), and of the student's language (the words of
the record: a French and an English result of the same files are two results). Anything else (--jobs, --scheduler, the
reports asked for) never changes a grade, so it is not in the key.

An entry's file name is a digest of the student's folder name (whatever bytes it holds, however
long), never the name itself. An entry that cannot be read, is too large or does not have the
shape this module writes is `Damaged`: the batch warns, discards it and grades that student again.
"""
from __future__ import annotations

import hashlib
import json
import numbers
import os
import stat
from importlib import metadata
from pathlib import Path
from typing import Any, Iterable

from grader import __version__, plugins
from grader.atomic import remove_leftovers, write_atomically
from grader.i18n import N_, _
from grader.results import GradeReport, Status
from grader.submission.files import Manifest, manifest, shown

MAX_ENTRY_BYTES = 16 << 20  # a record is a few KB to a few hundred; what is larger was not written here
CHECK_KEYS = {"name", "status", "score", "max_score", "visibility", "message", "counterexample", "diagnosis",
              "details", "description", "hint"}
COUNTEREXAMPLE_TEXT = ("function", "reproduce", "traceback")


class Damaged(Exception):
    """A store entry that cannot be used; the message says why, in one line."""


def grading_context(exercises: Iterable, examples: int | None, options: dict) -> str:
    """The part of every key that is the same for the whole class."""
    distributions = sorted({f"{dist.project_name}=={dist.version}"
                            for _, dist in plugins.plugin_manager().list_plugin_distinfo()})
    selected = list(exercises)
    described = {
        "cnngrade": __version__,
        "packs": distributions,
        "exercises": [[e.id, manifest(e.folder).digest()] for e in selected],
        "examples": examples,
        "options": {k: str(v) for k, v in sorted(options.items()) if v is not None},
        "hypothesis": _version("hypothesis"),
    }
    return hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "none"


class ResultStore:
    """folder/<digest of the student's name>.json: {"student" (the name as shown), "key", "result"
    (the result-3 record), "faults", "seconds"}."""

    def __init__(self, folder: Path, context: str):
        self.folder = Path(folder)
        self.context = context
        remove_leftovers(self.folder)  # a batch killed while it stored a result (its rerun starts here)

    def key(self, files: Manifest, lang: str) -> str:
        """The key of a submission's files, graded in the language `lang`, under this store's
        grading context."""
        return hashlib.sha256((self.context + lang + files.digest()).encode()).hexdigest()

    def path(self, name: str) -> Path:
        return self.folder / f"{hashlib.sha256(os.fsencode(name)).hexdigest()}.json"

    def get(self, name: str, key: str) -> dict | None:
        """The stored record of this student if it was graded with this key, None when there is
        none (or an older one); Damaged for an entry that cannot be used (read as data only: no
        link followed, nothing but a regular file of at most MAX_ENTRY_BYTES)."""
        try:
            descriptor = os.open(self.path(name), os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise Damaged(_("it cannot be opened ({error})", error=exc.strerror or exc)) from None
        with os.fdopen(descriptor, "rb") as handle:
            status = os.fstat(handle.fileno())
            if not stat.S_ISREG(status.st_mode) or status.st_size > MAX_ENTRY_BYTES:
                raise Damaged(_("it is not a file of at most {size} MiB", size=MAX_ENTRY_BYTES >> 20))
            data = handle.read(MAX_ENTRY_BYTES + 1)
        try:
            record = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise Damaged(_("it is not JSON (cut short?)")) from None
        if not isinstance(record, dict) or not isinstance(record.get("key"), str):
            raise Damaged(_("it has no key"))
        if record["key"] != key:
            return None
        problem = record_problem(record)
        if problem:
            raise Damaged(_(problem))
        return record

    def discard(self, name: str) -> None:
        self.path(name).unlink(missing_ok=True)

    def put(self, name: str, key: str, record: dict) -> None:
        # Insertion order kept: reports render a counterexample's arguments in the order they were given.
        write_atomically(self.path(name), json.dumps({"student": shown(name), **record, "key": key}) + "\n")


def record_problem(record: Any) -> str:
    """'' when a record has the shape the batch writes (grader.classroom.outcome.Outcome.to_record,
    its result the result-3 JSON that the reporters read), else what is wrong, in a few words
    (marked N_: the caller says them)."""
    if not isinstance(record, dict):
        return N_("not an object")
    if not _texts(record.get("faults")) or not _number(record.get("seconds")):
        return N_("its faults or seconds have the wrong type")
    result = record.get("result")
    if not isinstance(result, dict):
        return N_("no result")
    if not all(isinstance(result.get(k), str) for k in ("submission", "mode", "output")) \
            or not _texts(result.get("notices")) or not isinstance(result.get("review"), list) \
            or not all(isinstance(r, dict) and set(r) <= {"kind", "message", "exercise"}
                       and _texts([r.get("kind"), r.get("message")])
                       and isinstance(r.get("exercise"), (str, type(None))) for r in result["review"]):
        return N_("its result has the wrong shape")
    exercises = result.get("exercises")
    if not isinstance(exercises, list):
        return N_("its result has no exercises")
    for exercise in exercises:
        if not isinstance(exercise, dict) or not _texts([exercise.get("id"), exercise.get("title")]) \
                or not isinstance(exercise.get("checks"), list):
            return N_("an exercise has the wrong shape")
        for check in exercise["checks"]:
            problem = _check_problem(check)
            if problem:
                return problem
    try:  # the totals are what the checks add up to
        if GradeReport.from_json(result).to_json() != result:
            return N_("its totals do not add up")
    except (KeyError, TypeError, ValueError):
        return N_("its result cannot be read back")
    return ""


def _check_problem(check: Any) -> str:
    if not isinstance(check, dict) or set(check) != CHECK_KEYS:
        return N_("a check has the wrong fields")
    if check["status"] not in {s.value for s in Status} or not _number(check["score"]) \
            or not _number(check["max_score"]) \
            or not _texts([check["name"], check["visibility"], check["message"], check["description"], check["hint"]]) \
            or not isinstance(check["diagnosis"], (str, type(None))) \
            or not isinstance(check["details"], (dict, type(None))):
        return N_("a check has the wrong types")
    example = check["counterexample"]
    if example is not None and not (isinstance(example, dict)
                                    and isinstance(example.get("arguments", {}), dict)
                                    and all(isinstance(example.get(k, ""), str) for k in COUNTEREXAMPLE_TEXT)):
        return N_("a counterexample has the wrong shape")
    return ""


def _texts(values: Any) -> bool:
    return isinstance(values, list) and all(isinstance(v, str) for v in values)


def _number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)

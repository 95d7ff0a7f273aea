"""A class roster exported by the LMS, to name each graded folder in the gradebook CSV.

Two exports are recognised by their header:

- Canvas (Grades > Export): Student, ID, SIS User ID, SIS Login ID, Section, then one column
  per assignment. Its second row is "Points Possible" (and older exports put a "Muted" row
  there too): such rows are not students and are skipped.
- Moodle (Grades > Export > Plain text file): First name, Last name (Surname in older
  versions), then the identity fields the site shows (ID number, Institution, Department,
  Email address, Username...), then the grade items and "Last downloaded from this course".

Any other CSV is read as a plain table: its columns up to the first empty header are the
identity columns. The identity columns of the gradebook are the roster's own (so the file
imports back into the LMS it came from). Each folder name is matched to the value of one
roster column, `key` (default "SIS Login ID"; with Moodle e.g. "Username" or "Email
address"): exactly first, then ignoring case and surrounding spaces. Another column, `lang_column`,
may give each student's language (`batch --roster-lang`): it is read apart, never a column of the
gradebook.
"""
from __future__ import annotations

import csv
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from grader.i18n import _, language_of, ngettext

if TYPE_CHECKING:
    from grader.results import GradeReport

DEFAULT_KEY = "SIS Login ID"
CANVAS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
CANVAS_OPTIONAL = ["Integration ID", "Root Account"]  # present in some institutions' exports
MOODLE_NAMES = ["First name", "Last name", "Surname"]
MOODLE_IDENTITY = ["First name", "Last name", "Surname", "ID number", "Institution", "Department",
                   "Email address", "Username", "Phone", "Mobile phone", "Address", "City", "Country"]
NOT_STUDENTS = {"points possible", "muted"}
NO_SUBMISSION = "no submission"
MAX_ROSTER_BYTES = 16 << 20  # a class list of 100,000 students is a few MB
MAX_CELL = 1000  # characters of one cell: a name, an email, an id


class RosterError(ValueError):
    """A roster that cannot be used (unreadable, no known columns, no such key column)."""


@dataclass(frozen=True)
class Roster:
    kind: str                                   # "canvas", "moodle" or "table"
    columns: list[str]                          # the identity columns, in the export's order
    students: list[dict[str, str]]              # one row per student, identity columns only
    key: str = DEFAULT_KEY                      # the column the folder names are matched to
    lang_column: str | None = None              # the column of each student's language, if asked
    languages: tuple[str, ...] = ()             # its values, one per student (students' order)


@dataclass
class Gradebook:
    """The identity part of a gradebook: a row per roster student, and what is left over."""

    columns: list[str]
    rows: list[tuple[list[str], "GradeReport | None"]] = field(default_factory=list)  # None: no submission
    unknown: list["GradeReport"] = field(default_factory=list)                        # folders not in the roster


def _kind(header: list[str]) -> tuple[str, list[str]]:
    if header[:5] == CANVAS:
        extra = [c for c in header[5:] if c in CANVAS_OPTIONAL]
        return "canvas", CANVAS + extra
    if header and header[0] == "First name" and any(n in header for n in MOODLE_NAMES[1:]):
        return "moodle", [c for c in header if c in MOODLE_IDENTITY]
    columns = []
    for name in header:
        if not name.strip():
            break
        columns.append(name)
    return "table", columns


def read_roster(path: Path, key: str = DEFAULT_KEY, lang_column: str | None = None) -> Roster:
    """Read a Canvas or Moodle export (or a plain CSV table) and check that `key` is one of its
    columns and names each student once; `lang_column`, when given, must be one of its columns too
    (each student's language, kept apart from the identity columns). RosterError, one line, for a
    file that is not a roster:
    unreadable, larger than MAX_ROSTER_BYTES, a cell longer than MAX_CELL characters, malformed
    CSV, a key value given to two students."""
    try:
        with os.fdopen(os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC), "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise RosterError(_("the roster {path} is not a file", path=path))
            data = handle.read(MAX_ROSTER_BYTES + 1)
        if len(data) > MAX_ROSTER_BYTES:
            raise RosterError(_("the roster {path} is larger than {size} MiB: is it a class list?", path=path,
                                size=MAX_ROSTER_BYTES >> 20))
        text = data.decode("utf-8-sig")  # Excel and Moodle may add a byte-order mark
    except (OSError, UnicodeDecodeError) as exc:
        raise RosterError(_("cannot read the roster {path}: {error}", path=path, error=exc)) from None
    try:
        rows = list(csv.reader(text.splitlines()))
    except csv.Error as exc:  # e.g. a field larger than the csv module takes
        raise RosterError(_("the roster {path} is not a CSV file cnngrade can read ({error})", path=path,
                            error=exc)) from None
    for number, row in enumerate(rows, start=1):
        if any(len(cell) > MAX_CELL for cell in row):
            raise RosterError(_("the roster {path} has a cell of more than {size} characters (row {row}): "
                                "is it a class list?", path=path, size=MAX_CELL, row=number))
    if not rows or not rows[0]:
        raise RosterError(_("the roster {path} is empty", path=path))
    header = [name.strip() for name in rows[0]]
    kind, columns = _kind(header)
    if key not in header:
        raise RosterError(_("the roster {path} has no column {column} to match folder names to "
                            "(its columns: {columns})", path=path, column=repr(key), columns=", ".join(columns)))
    if lang_column is not None and lang_column not in header:
        raise RosterError(_("the roster {path} has no column {column} to read the students' languages from "
                            "(its columns: {columns})", path=path, column=repr(lang_column),
                            columns=", ".join(header)))
    if key not in columns:
        columns.append(key)
    index = {name: header.index(name) for name in columns}
    language = header.index(lang_column) if lang_column is not None else None
    students, languages = [], []
    for row in rows[1:]:
        if not any(cell.strip() for cell in row):
            continue
        if row[0].strip().lower() in NOT_STUDENTS:
            continue
        students.append({name: (row[i].strip() if i < len(row) else "") for name, i in index.items()})
        if language is not None:
            languages.append(row[language].strip() if language < len(row) else "")
    _refuse_duplicates(path, students, key)
    return Roster(kind, columns, students, key, lang_column, tuple(languages))


def _refuse_duplicates(path: Path, students: list[dict[str, str]], key: str) -> None:
    """Each key value names one student (as folders are matched: ignoring case and spaces)."""
    seen: dict[str, str] = {}
    for student in students:
        value = student.get(key, "")
        if not value:
            continue
        if _normal(value) in seen:
            raise RosterError(_("the roster {path} gives the {column} {value} to two students ({first} and "
                                "{second}): each folder must name one student", path=path, column=key,
                                value=repr(value), first=repr(seen[_normal(value)]), second=repr(value)))
        seen[_normal(value)] = value


def _normal(name: str) -> str:
    return name.strip().casefold()


def identity_rows(reports: list["GradeReport"], roster: Roster) -> Gradebook:
    """Match every report (by its folder name) to a roster student.

    The rows follow the roster's order: the student's identity values and their report, or None
    when no folder matched ("no submission"). Reports matching no student are `unknown`, in
    their own order. Two folders matching one student: the exact match wins, else the first.
    """
    exact, loose = _keys(roster)
    matched: dict[int, "GradeReport"] = {}
    unknown = []
    for report in reports:
        is_exact = report.submission in exact
        i = exact[report.submission] if is_exact else loose.get(_normal(report.submission))
        if i is None:
            unknown.append(report)
        elif i not in matched:
            matched[i] = report
        elif is_exact and matched[i].submission != roster.students[i].get(roster.key):
            unknown.append(matched[i])
            matched[i] = report
        else:
            unknown.append(report)
    book = Gradebook(list(roster.columns), unknown=unknown)
    for i, student in enumerate(roster.students):
        book.rows.append(([student.get(c, "") for c in roster.columns], matched.get(i)))
    return book


def _keys(roster: Roster) -> tuple[dict[str, int], dict[str, int]]:
    """Each student's index by key value: as written, and ignoring case and spaces (the first wins)."""
    exact: dict[str, int] = {}
    loose: dict[str, int] = {}
    for i, student in enumerate(roster.students):
        value = student.get(roster.key, "")
        if value:
            exact.setdefault(value, i)
            loose.setdefault(_normal(value), i)
    return exact, loose


def student_languages(roster: Roster, folders: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    """Each folder's language from the roster's language column, matched as the gradebook matches
    folders (exactly, then ignoring case and spaces): (folder -> fr or en, folder -> the value that
    names no language cnngrade speaks). Folders that match no student are in neither."""
    exact, loose = _keys(roster)
    languages: dict[str, str] = {}
    unknown: dict[str, str] = {}
    for folder in folders:
        i = exact.get(folder, loose.get(_normal(folder)))
        if i is None or i >= len(roster.languages):
            continue
        value = roster.languages[i]
        language = language_of(value)
        if language:
            languages[folder] = language
        else:
            unknown[folder] = repr(value)
    return languages, unknown


def display_name(student: dict[str, str], roster: Roster) -> str:
    """How a roster student is named in a summary: the export's name columns, and the key value."""
    names = [student.get(c, "") for c in ("Student", "First name", "Last name", "Surname") if student.get(c)]
    key = student.get(roster.key, "")
    name = " ".join(names)
    return f"{name} ({key})" if name and key and key != name else name or key


@dataclass(frozen=True)
class Matching:
    """A batch against its roster: who has no folder, which folders match no one."""

    missing: list[str]   # roster students without a submission folder (display names)
    unknown: list[str]   # folder names that match no roster student
    key: str

    def summary(self) -> str:
        """The batch summary line's addition ('' when every roster student and folder matched)."""
        parts = []
        if self.missing:
            parts.append(ngettext("{n} roster student without a submission ({names})",
                                  "{n} roster students without a submission ({names})", len(self.missing),
                                  names=", ".join(self.missing)))
        if self.unknown:
            parts.append(ngettext("{n} folder not in the roster, unknown ({names})",
                                  "{n} folders not in the roster, unknown ({names})", len(self.unknown),
                                  names=", ".join(self.unknown)))
        return _("{missing}; {unknown}", missing=parts[0], unknown=parts[1]) if len(parts) == 2 else "".join(parts)


def matching(reports: list["GradeReport"], roster: Roster) -> Matching:
    """Match a batch's reports to the roster (as the gradebook CSV does)."""
    book = identity_rows(reports, roster)
    missing = [display_name(roster.students[i], roster) for i, (_, report) in enumerate(book.rows) if report is None]
    return Matching(missing, [r.submission for r in book.unknown], roster.key)

"""Moodle's offline grading worksheet: read as Moodle writes it, and filled without touching the rest.

Moodle writes the worksheet with its grading table (mod/assign/gradingtable.php, downloading):
the columns Identifier, Full name and the identity fields the site shows, Status, Grade, Maximum
grade (or Scale), Grade can be changed, Last modified (submission), the online text, Last
modified (grade), then the feedback plugins' text fields (Feedback comments), each header in the
teacher's language; a row's identifier is get_string('hiddenuser') + the participant id
("Participant 123"; the French pack trims it to "Participant123"); grades and the maximum are
format_float()ed with the language's decimal separator (lib/moodlelib.php). OpenSpout writes it
as UTF-8 with a byte-order mark, comma-separated (dataformat/csv).

The importer (mod/assign/feedback/offline/importgradeslib.php) finds its columns by those header
names, takes the participant id as what follows the hiddenuser string, reads the grade with
unformat_float() (spaces dropped, the language's separator made a point), skips an empty grade,
one above the maximum, and one whose Moodle grade is newer than "Last modified (grade)"
(locallib.php, process_import_grades), and imports the text of each feedback column.

So the worksheet is read here by the same header names (English and French, from Moodle's lang
files; another language falls back on the table's column order: the identifier first, the grade
just before the constant maximum), and written back as its own bytes with only the Grade and
Feedback cells of the rows given replaced: same encoding, byte-order mark, delimiter, quoting and
line ends everywhere else. A row whose identifier is not "<word> <digits>" is reported, never guessed.
"""
from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Iterable

from grader.classroom.roster import Roster
from grader.i18n import _

MAX_BYTES = 64 << 20           # a worksheet is a few KiB per hundred students
KEY = "participant id"         # the hidden roster column the folder names (participant ids) match
ROW_ID = re.compile(r"\s*(?P<word>\D*?)\s*(?P<id>\d+)\s*\Z")
NUMBER = re.compile(r"\s*\d[\d ]*(?:[.,]\d+)?\s*\Z")


@dataclass(frozen=True)
class Language:
    """The headers a worksheet has in one Moodle language (lang/<code>/assign.php, moodle.php,
    assignfeedback_comments.php)."""

    code: str
    identifier: str                 # get_string('recordid', 'assign')
    grade: str                      # get_string('gradenoun') (get_string('grade') before 4.0, same words)
    maximum: tuple[str, ...]        # get_string('maxgrade', 'assign'), as versions spelled it
    scale: str                      # get_string('scale', 'assign'): the column instead of the maximum
    feedback: str                   # get_string('pluginname', 'assignfeedback_comments')
    status: str                     # get_string('status', 'assign'): the identity columns end before it
    fullname: str                   # get_string('fullname')


LANGUAGES = (  # i18n: not for people (Moodle's headers, matched as written)
    Language("en", "Identifier", "Grade", ("Maximum Grade", "Maximum grade"), "Scale", "Feedback comments",
             "Status", "Full name"),
    Language("fr", "Identifiant", "Note", ("Note maximale",), "Barème", "Feedback par commentaires",  # i18n: not for people
             "Statut", "Nom complet"),
)


class WorksheetError(Exception):
    """A worksheet that cannot be read or filled (the user's file): the message is one line."""


@dataclass(frozen=True)
class Cell:
    start: int                      # the raw field's span in the text
    end: int
    value: str
    quoted: bool


@dataclass
class Row:
    line: int
    cells: list[Cell]
    participant: str | None         # None: its identifier is not "<word> <digits>"

    def value(self, column: int | None) -> str:
        return self.cells[column].value if column is not None and column < len(self.cells) else ""


@dataclass
class Worksheet:
    path: Path
    bom: bytes
    encoding: str
    text: str
    delimiter: str
    header: list[str]
    rows: list[Row]
    language: Language | None       # None: found by the column order only
    identifier: int
    grade: int
    maximum_column: int
    feedback: int | None            # None: no feedback column recognised (grades only)
    identity: list[int]             # the identity columns: identifier, full name, email...
    maximum: Decimal
    decimals: int
    separator: str
    duplicates: list[str] = field(default_factory=list)

    @property
    def participants(self) -> list[str]:
        return [r.participant for r in self.rows if r.participant is not None]

    def grade_text(self, score: float, max_score: float) -> str:
        """score/max_score scaled to the worksheet's maximum, written as Moodle's format_float
        writes it there (its decimals, its separator), never above the maximum."""
        fraction = Decimal(repr(float(score))) / Decimal(repr(float(max_score))) if max_score else Decimal(1)
        value = min(self.maximum, max(Decimal(0), fraction * self.maximum))
        text = str(value.quantize(Decimal(1).scaleb(-self.decimals), rounding=ROUND_HALF_UP))
        return text.replace(".", self.separator)

    def filled(self, values: dict[str, tuple[str | None, str]]) -> bytes:
        """The worksheet's bytes with, for each participant in values, the Grade cell (unless the
        grade is None) and the Feedback cell replaced; every other byte as it was."""
        edits: list[tuple[Cell, str]] = []
        for row in self.rows:
            if row.participant not in values or row.participant in self.duplicates:
                continue
            grade, feedback = values[row.participant]
            if grade is not None and self.grade < len(row.cells):
                edits.append((row.cells[self.grade], grade))
            if self.feedback is not None and self.feedback < len(row.cells):
                edits.append((row.cells[self.feedback], feedback))
        pieces, at = [], 0
        for cell, value in sorted(edits, key=lambda edit: edit[0].start):
            pieces += [self.text[at:cell.start], self._field(value, cell.quoted)]
            at = cell.end
        pieces.append(self.text[at:])
        return self.bom + "".join(pieces).encode(self.encoding, errors="xmlcharrefreplace")

    def _field(self, value: str, quoted: bool) -> str:
        value = value.replace("\r\n", " ").replace("\n", " ").replace("\r", " ")
        if quoted or any(c in value for c in (self.delimiter, '"')) or value != value.strip():
            return '"' + value.replace('"', '""') + '"'
        return value

    def roster(self) -> Roster:
        """The worksheet as the class list of the gradebook CSV: its identity columns (Identifier,
        Full name, the site's identity fields), a row per participant."""
        columns = [self.header[i] for i in self.identity]
        fullname = self.header.index(self.language.fullname) if self.language and \
            self.language.fullname in self.header else None
        students = []
        for row in self.rows:
            if row.participant is None:
                continue
            student = {name: row.value(i).strip() for name, i in zip(columns, self.identity)}
            student[KEY] = row.participant
            if fullname is not None:
                student["Student"] = row.value(fullname).strip()  # how a summary names them
            students.append(student)
        return Roster("moodle-worksheet", columns, students, KEY)

    def unreadable(self) -> list[Row]:
        return [r for r in self.rows if r.participant is None]


# -- reading ------------------------------------------------------------------------------------

def _decode(data: bytes, path: Path) -> tuple[bytes, str, str]:
    """(byte-order mark, encoding, text): UTF-8 (with or without a mark), UTF-16 with a mark, else
    the Windows code page a spreadsheet saves in (cp1252), else Latin-1 (every byte kept)."""
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                          (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            try:
                return bom, encoding, data[len(bom):].decode(encoding)
            except UnicodeDecodeError:
                raise WorksheetError(_("the worksheet {path} is not valid {encoding}", path=path,
                                       encoding=encoding.upper())) from None
    for encoding in ("utf-8", "cp1252", "latin-1"):
        try:
            return b"", encoding, data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes every byte")  # i18n: not for people (cannot happen)


def _records(text: str, delimiter: str, path: Path) -> list[list[Cell]]:
    """The text as CSV records, each field with its raw span (RFC 4180 quoting; a stray
    character after a closing quote is kept in the value, as PHP's fgetcsv does)."""
    stop = re.compile(f"[{re.escape(delimiter)}\r\n]")
    records: list[list[Cell]] = []
    i, n = 0, len(text)
    while i < n:
        cells: list[Cell] = []
        while True:
            start = i
            if i < n and text[i] == '"':
                parts, j = [], i + 1
                while True:
                    k = text.find('"', j)
                    if k < 0:
                        line = text.count("\n", 0, start) + 1
                        raise WorksheetError(_("the worksheet {path} has a quote opened on line {line} and never "
                                               "closed", path=path, line=line))
                    parts.append(text[j:k])
                    if text.startswith('"', k + 1):
                        parts.append('"')
                        j = k + 2
                        continue
                    i = k + 1
                    break
                found = stop.search(text, i)
                end = found.start() if found else n
                cells.append(Cell(start, end, "".join(parts) + text[i:end], True))
            else:
                found = stop.search(text, i)
                end = found.start() if found else n
                cells.append(Cell(start, end, text[i:end], False))
            i = end
            if i < n and text[i] == delimiter:
                i += 1
                continue
            break
        records.append(cells)
        if text.startswith("\r\n", i):
            i += 2
        elif i < n:
            i += 1
    return records


def _number(cell: str) -> Decimal | None:
    """unformat_float(): spaces dropped, a comma or a point as the decimal separator."""
    if not NUMBER.match(cell):
        return None
    try:
        return Decimal(cell.replace(" ", "").strip().replace(",", "."))
    except InvalidOperation:
        return None


def _by_language(header: list[str]) -> tuple[Language, int, int, int | None, int | None] | None:
    for language in LANGUAGES:
        if language.identifier in header and language.grade in header:
            maximum = next((header.index(m) for m in language.maximum if m in header), None)
            feedback = header.index(language.feedback) if language.feedback in header else None
            if maximum is None and language.scale in header:
                raise WorksheetError(_("the assignment is graded with a scale (the worksheet has a {column} column): "
                                       "cnngrade writes points, so grade it on points", column=repr(language.scale)))
            return language, header.index(language.identifier), header.index(language.grade), maximum, feedback
    return None


def _by_order(header: list[str], rows: list[list[str]]) -> tuple[int, int] | None:
    """gradingtable.php's order when the headers are in a language not known here: the identifier
    is the first column, the maximum the first column holding one same number on every row, the
    grade the column just before it (each cell empty or a number)."""
    if not rows or not all(ROW_ID.match(r[0]) for r in rows if r):
        return None
    for column in range(2, len(header)):
        cells = [r[column].strip() if column < len(r) else "" for r in rows]
        if len(set(cells)) == 1 and _number(cells[0]) is not None and \
                all(not r[column - 1].strip() or _number(r[column - 1]) is not None for r in rows if column - 1 < len(r)):
            return 0, column - 1
    return None


def read_worksheet(path: Path) -> Worksheet:
    """Read the worksheet a teacher downloaded; WorksheetError (one line) when it cannot be used."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise WorksheetError(_("the worksheet {path} is larger than {size} MiB: is it the right file?", path=path,
                                   size=MAX_BYTES >> 20))
        data = path.read_bytes()
    except OSError as exc:
        raise WorksheetError(_("cannot read the worksheet {path}: {error}", path=path,
                               error=exc.strerror or exc)) from None
    bom, encoding, text = _decode(data, path)
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    records = _records(text, delimiter, path)
    if not records:
        raise WorksheetError(_("the worksheet {path} is empty", path=path))
    header = [c.value.strip() for c in records[0]]
    starts, line, at = [], 1, 0
    for cells in records:  # each record's line number, counted once through the text
        line += text.count("\n", at, cells[0].start)
        at = cells[0].start
        starts.append(line)
    data_records = [(line, cells) for line, cells in zip(starts[1:], records[1:])
                    if any(c.value.strip() for c in cells)]
    values = [[c.value for c in cells] for _, cells in data_records]
    found = _by_language(header)
    if found is not None:
        language, identifier, grade, maximum_column, feedback = found
        if maximum_column is None:
            raise WorksheetError(_("the worksheet {path} has no {column} column: download it again from the "
                                   "assignment (Grading action: Download grading worksheet)", path=path,
                                   column=repr(language.maximum[0])))
        status = header.index(language.status) if language.status in header else identifier + 1
        identity = list(range(identifier, status))
    else:
        order = _by_order(header, values)
        if order is None:
            known = _(" or ").join(f"{l.identifier!r}/{l.grade!r}" for l in LANGUAGES)
            raise WorksheetError(_("{path} is not a Moodle grading worksheet cnngrade can read: its header has no "
                                   "{columns} columns, and its columns are not in Moodle's order", path=path,
                                   columns=known))
        language, (identifier, grade), feedback = None, order, None
        maximum_column, identity = grade + 1, [identifier]
    rows = []
    for line, cells in data_records:
        match = ROW_ID.match(cells[identifier].value if identifier < len(cells) else "")
        rows.append(Row(line, cells, match.group("id").lstrip("0") or "0" if match else None))
    maxima = {r.value(maximum_column).strip() for r in rows} - {""}
    if len(maxima) > 1:
        raise WorksheetError(_("the worksheet {path} gives different maximum grades ({grades})", path=path,
                               grades=", ".join(sorted(maxima))))
    shown = maxima.pop() if maxima else ""
    maximum = _number(shown) if shown else None
    if maximum is None or maximum <= 0:
        raise WorksheetError(_("the worksheet {path} gives no positive maximum grade ({grade})", path=path,
                               grade=repr(shown)))
    separator = "," if "," in shown else "." if "." in shown else \
        ("," if any("," in r.value(grade) for r in rows) else ".")
    decimals = len(re.split(r"[.,]", shown.strip())[1]) if re.search(r"[.,]", shown) else 0
    seen: dict[str, int] = {}
    for row in rows:
        if row.participant is not None:
            seen[row.participant] = seen.get(row.participant, 0) + 1
    return Worksheet(path, bom, encoding, text, delimiter, header, rows, language, identifier, grade,
                     maximum_column, feedback, identity, maximum, decimals, separator,
                     sorted((p for p, n in seen.items() if n > 1), key=int))


def graded_name(path: Path) -> Path:
    """Where the filled copy of a worksheet goes: beside it, its name with "-graded"."""
    return path.with_name(f"{path.stem}-graded{path.suffix or '.csv'}")


def summary(sheet: Worksheet, submissions: Iterable[str], names: dict[str, str] | None = None) -> list[str]:
    """What the batch says about the worksheet: where it went, the rows left as they were and why,
    the submissions it has no row for."""
    submissions = list(submissions)
    present = set(sheet.participants)
    filled = [s for s in submissions if s in present and s not in sheet.duplicates]
    untouched = len([p for p in present if p not in submissions])
    lines = [_("Moodle worksheet: {filled} participants filled in {path}; {untouched} without a submission left as "
               "they were.", filled=len(filled), path=graded_name(sheet.path), untouched=untouched)]
    if sheet.feedback is None:
        lines.append("  " + _("The worksheet has no feedback column cnngrade recognises (its headers are in a "
                              "language it does not know, or feedback comments are off): only the grades were "
                              "written."))
    for row in sheet.unreadable():
        lines.append("  " + _("Row {row} was left as it was: its identifier {identifier} names no participant.",
                              row=row.line, identifier=repr(row.value(sheet.identifier))))
    for participant in sheet.duplicates:
        lines.append("  " + _("Participant {participant} has several rows: none of them was filled.",
                              participant=participant))
    for submission in submissions:
        if submission not in present:
            name = (names or {}).get(submission)
            who = _("{name} (participant {id})", name=name, id=submission) if name else submission
            lines.append("  " + _("{who} has no row in the worksheet: their grade is not in it.", who=who))
    return lines

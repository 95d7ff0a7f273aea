"""A CSV gradebook: a row per submission, a column per exercise, ready for an LMS import.

The header starts with the identity columns of a Canvas gradebook export
(Student, ID, SIS User ID, SIS Login ID, Section); the submission's folder name fills Student and
SIS Login ID, so name each student's folder by their login. Then Total and one column per
exercise (its id), in points. Moodle's CSV grade import maps any of these columns: choose
"SIS Login ID" to identify users and map the exercise columns to grade items. Plain UTF-8,
comma-separated, numbers with a dot (or a comma, batch --decimal-comma), one header row and
nothing else.

With a roster (grader.classroom.roster: a Canvas or Moodle export, batch --roster; or the
Moodle grading worksheet of a Moodle batch, grader.classroom.worksheet), the identity columns are
the roster's own and there is one row per roster student, in the roster's order: a student
without a folder has "no submission" as Total and empty exercise cells (a Canvas import then
flags the text for staff to decide); for Moodle, "-", which its gradebook import reads as no
grade (grade/import/csv/classes/load_data.php: any other text aborts the whole import).
Folders that match no roster student are not in the gradebook (an import would reject them);
they are written to FILE's sibling `<stem>.unknown.csv` (Folder, Total, exercises), which is
removed when every folder matched. Moodle's import unformat_float()s each grade, so a language
whose decimal separator is a comma reads "8,5": batch --decimal-comma writes that.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import TYPE_CHECKING

from grader.i18n import N_
from grader.reporters import Translated
from grader.results import GradeReport
from grader.classroom.roster import NO_SUBMISSION, Roster, identity_rows

if TYPE_CHECKING:
    from grader.reporters.outputs import ReportContext

IDENTITY = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what makes a spreadsheet evaluate a cell (OWASP)
MOODLE_ROSTERS = ("moodle", "moodle-worksheet")
MOODLE_NO_GRADE = "-"  # Moodle's gradebook import reads it as "no grade" (any other text aborts the import)


def text_cell(value: str) -> str:
    """A cell of text (a name, a roster value, a reason) that no spreadsheet evaluates: one that
    starts like a formula gets a leading apostrophe (the OWASP rule for CSV injection). The
    numbers the grader writes are never text cells: they stay numbers."""
    return "'" + value if value.startswith(FORMULA_START) else value


def exercise_columns(reports: list[GradeReport]) -> list[str]:
    columns: list[str] = []
    for report in reports:
        for exercise in report.exercises:
            if exercise.id not in columns:
                columns.append(exercise.id)
    return columns


def _number(value: float, decimal: str) -> str:
    return str(value).replace(".", decimal)


def _scores(report: GradeReport, columns: list[str], decimal: str = ".") -> list[str]:
    scores = {e.id: _number(e.score, decimal) for e in report.exercises}
    return [_number(report.score, decimal)] + [scores.get(c, "") for c in columns]


def dumps_with_roster(reports: list[GradeReport], roster: Roster, decimal: str = ".") -> tuple[str, str]:
    """The gradebook named by the roster, and the CSV of unknown folders ('' when there is none)."""
    columns = exercise_columns(reports)
    book = identity_rows(reports, roster)
    blank = MOODLE_NO_GRADE if roster.kind in MOODLE_ROSTERS else NO_SUBMISSION
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([text_cell(c) for c in book.columns] + ["Total"] + columns)
    for identity, report in book.rows:
        writer.writerow([text_cell(v) for v in identity]
                        + (_scores(report, columns, decimal) if report else [blank] + [""] * len(columns)))
    if not book.unknown:
        return out.getvalue(), ""
    extra = io.StringIO()
    writer = csv.writer(extra, lineterminator="\n")
    writer.writerow(["Folder", "Total"] + columns)
    for report in book.unknown:
        writer.writerow([text_cell(report.submission)] + _scores(report, columns, decimal))
    return out.getvalue(), extra.getvalue()


def unknown_path(destination: Path) -> Path:
    return destination.with_name(destination.stem + ".unknown.csv")


def dumps(reports: list[GradeReport], decimal: str = ".") -> str:
    """The gradebook; a last column Notes, only when some submission lost everything for one reason
    (no cnn.py, an import that hangs or blows the memory), holds that reason."""
    columns = exercise_columns(reports)
    notes = any(report.reason for report in reports)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(IDENTITY + ["Total"] + columns + (["Notes"] if notes else []))
    for report in reports:
        name = text_cell(report.submission)
        writer.writerow([name, "", "", name, ""] + _scores(report, columns, decimal)
                        + ([text_cell(report.reason)] if notes else []))
    return out.getvalue()


class CsvReporter:
    name = "csv"
    help = Translated(N_("Write a CSV gradebook: a row per submission, Total and a column per exercise."))
    metavar = "FILE"
    out_name = "grades.csv"

    def files(self, context: ReportContext, destination: Path) -> dict[Path, str | None]:
        """The gradebook; with a roster, also FILE's sibling <name>.unknown.csv (removed when
        every folder matched)."""
        if context.roster is None:
            return {destination: dumps(list(context.reports), context.decimal_separator)}
        gradebook, unknown = dumps_with_roster(list(context.reports), context.roster, context.decimal_separator)
        return {destination: gradebook, unknown_path(destination): unknown or None}

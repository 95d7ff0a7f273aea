"""A CSV gradebook: a row per submission, a column per exercise, ready for an LMS import.

The header starts with the identity columns of a Canvas gradebook export
(Student, ID, SIS User ID, SIS Login ID, Section); the submission's folder name fills Student and
SIS Login ID, so name each student's folder by their login. Then Total and one column per
exercise (its id), in points. Moodle's CSV grade import maps any of these columns: choose
"SIS Login ID" to identify users and map the exercise columns to grade items. Plain UTF-8,
comma-separated, numbers with a dot, one header row and nothing else.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

from grader.results import GradeReport

IDENTITY = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


def exercise_columns(reports: list[GradeReport]) -> list[str]:
    columns: list[str] = []
    for report in reports:
        for exercise in report.exercises:
            if exercise.id not in columns:
                columns.append(exercise.id)
    return columns


def dumps(reports: list[GradeReport]) -> str:
    columns = exercise_columns(reports)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(IDENTITY + ["Total"] + columns)
    for report in reports:
        scores = {e.id: str(e.score) for e in report.exercises}
        writer.writerow([report.submission, "", "", report.submission, "", str(report.score)]
                        + [scores.get(c, "") for c in columns])
    return out.getvalue()


class CsvReporter:
    name = "csv"
    help = "Write a CSV gradebook: a row per submission, Total and a column per exercise."
    metavar = "FILE"

    def write(self, reports: list[GradeReport], destination: Path) -> None:
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_text(dumps(reports), encoding="utf-8")

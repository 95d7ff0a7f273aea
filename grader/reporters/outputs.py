"""The one room that writes a run's outputs: every report asked for, and a batch's --out folder.

The engine computes (a GradeReport per submission; for a class, the roster's matching and the
similarity review) and hands it over as one ReportContext; write_outputs asks each reporter for
its files, gathers them (a file asked for twice, e.g. --html pointing at --out, is written once)
and writes each one whole (grader.atomic). Nothing else in cnngrade writes a report file.

A batch's --out folder holds, besides the store: the class page index.html and
students/<student>.html, results/<student>.json (what `submit --json` writes), grades.csv,
junit.xml, gradescope/<student>/results.json, and with --similarity similarity.csv and
similarity/ (each reporter's `out_name` says where it goes).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Mapping

from grader.atomic import remove_leftovers, write_atomically
from grader.i18n import _
from grader.reporters import Files, all_reporters
from grader.reporters.similarity import similarity_csv_files
from grader.results import GradeReport

if TYPE_CHECKING:
    from grader.classroom.roster import Roster
    from grader.integrity.review import ClassReview


@dataclass(frozen=True)
class ReportContext:
    """What a run hands to the reporters: everything they may show, nothing they must compute.

    reports: one per submission, in order; batch: a class (pages per student, a list in JSON);
    roster: the LMS's class list (batch --roster); review: the class compared (batch --similarity);
    names: a person's name per submission name, shown beside it (e.g. a Moodle participant's);
    decimal_separator: how the gradebook writes a number's decimals ("," where the LMS reads 8,5).
    """

    reports: tuple[GradeReport, ...]
    batch: bool = False
    roster: "Roster | None" = None
    review: "ClassReview | None" = None
    names: Mapping[str, str] | None = None
    decimal_separator: str = "."


class OutputError(Exception):
    """A report that cannot be written (the user's destination); the message is one line."""


def planned_files(context: ReportContext, destinations: dict[str, Path | None], out: Path | None = None,
                  similarity_csv: Path | None = None) -> Files:
    """Every file of the run: destinations maps a reporter's name to where its option points (None:
    not asked); out is a batch's --out folder; similarity_csv where the review's CSV goes."""
    files: Files = {}
    reporters = all_reporters()
    if out is not None:
        for reporter in reporters.values():
            if getattr(reporter, "out_name", None) is None:
                continue
            if hasattr(reporter, "out_files"):
                files.update(reporter.out_files(context, out))
            else:
                files.update(reporter.files(context, out / reporter.out_name if reporter.out_name else out))
    for name, destination in destinations.items():
        if destination is not None and name in reporters:
            files.update(reporters[name].files(context, Path(destination)))
    if context.review is not None and similarity_csv is not None:
        files.update(similarity_csv_files(context.review, similarity_csv))
    return files


def write_outputs(context: ReportContext, destinations: dict[str, Path | None], out: Path | None = None,
                  similarity_csv: Path | None = None) -> list[Path]:
    """Write every file of the run once, each whole; OutputError names the first that cannot be."""
    files = planned_files(context, destinations, out, similarity_csv)
    for folder in {path.parent for path in files}:
        remove_leftovers(folder)  # what a run killed while writing left behind
    for path, data in files.items():
        try:
            if data is None:
                path.unlink(missing_ok=True)
            else:
                write_atomically(path, data)
        except OSError as exc:
            raise OutputError(_("cannot write {path}: {error}", path=path, error=exc.strerror or exc)) from None
    return [path for path, data in files.items() if data is not None]

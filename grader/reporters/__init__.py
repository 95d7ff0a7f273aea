"""Reporters turn a GradeReport into what a person or a pipeline reads.

A reporter is a class with a `name`, a `help` line, and `write(reports, destination)`; the CLI
offers it as `--NAME DESTINATION` on submit and check, and on batch for the whole class. A
reporter whose batch output differs (a folder of files rather than one file) also has
`write_batch(reports, destination)`, and may give `batch_metavar` and `batch_help` for batch's
--help. Plugins add reporters through the `cnngrade_reporters` hook, as this module does for the
built-in ones.
"""
from __future__ import annotations

from pathlib import Path
from typing import Protocol

from grader.plugins import hookimpl, plugin_manager
from grader.results import GradeReport


class Reporter(Protocol):
    name: str
    help: str
    metavar: str  # FILE or DIR

    def write(self, reports: list[GradeReport], destination: Path) -> None: ...


def batch_writer(reporter: Reporter):
    """What batch calls: write_batch when the reporter has one, else write."""
    return getattr(reporter, "write_batch", reporter.write)


@hookimpl
def cnngrade_reporters() -> list[type]:
    from grader.reporters.csv_report import CsvReporter
    from grader.reporters.gradescope import GradescopeReporter
    from grader.reporters.html import HtmlReporter
    from grader.reporters.json_report import JsonReporter
    from grader.reporters.junit import JunitReporter
    from grader.reporters.prairielearn import PrairieLearnReporter

    return [JsonReporter, HtmlReporter, GradescopeReporter, JunitReporter, CsvReporter, PrairieLearnReporter]


def all_reporters() -> dict[str, Reporter]:
    """Every installed reporter by name, the built-in ones first."""
    reporters: dict[str, Reporter] = {}
    for batch in reversed(plugin_manager().hook.cnngrade_reporters()):
        for cls in batch:
            reporters.setdefault(cls.name, cls())
    return reporters

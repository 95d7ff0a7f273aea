"""Reporters turn results into what a person or a pipeline reads, and this room writes them all.

A reporter is a class with a `name`, a `help` line, a `metavar` (FILE or DIR) and
`files(context, destination) -> {path: text}`: every file it makes for the run described by
`context` (grader.reporters.outputs.ReportContext: the reports, whether it is a class, the
roster, the class review, the students' names) at `destination`. The CLI offers it as
`--NAME DESTINATION` (an `_` in NAME written `-`) on submit,
check and batch; `batch_metavar` and `batch_help` say what it writes for a class, `out_name`
where a batch puts it in its --out folder ('' for the folder itself, None for not at all), and
`out_files(context, out)`, when a reporter has one, replaces files(context, out / out_name) there.
A path mapped to None is removed (an output that no longer applies).

Reporters never write: grader.reporters.outputs.write_outputs does, each file once, atomically.
Plugins add reporters through the `cnngrade_reporters` hook, as this module does for the
built-in ones.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from grader.i18n import _
from grader.plugins import hookimpl, plugin_manager

if TYPE_CHECKING:
    from grader.reporters.outputs import ReportContext

Files = dict[Path, "str | bytes | None"]


class Translated:
    """A class attribute people read (a reporter's help line), marked N_() where it is written and
    translated each time it is read: a class body runs once, in whatever language was current then.

        help = Translated(N_("Write the result as JSON."))
    """

    def __init__(self, text: str):
        self.text = text

    def __get__(self, instance: object, owner: type | None = None) -> str:
        return _(self.text)


class Reporter(Protocol):
    name: str
    help: str  # a Translated(N_(...)) for the built-in reporters
    metavar: str  # FILE or DIR
    out_name: str | None

    def files(self, context: "ReportContext", destination: Path) -> Files: ...


@hookimpl
def cnngrade_reporters() -> list[type]:
    # Imported here, not at the top: each reporter module imports this package first.
    from grader.reporters.csv_report import CsvReporter
    from grader.reporters.gradescope import GradescopeReporter
    from grader.reporters.html import HtmlReporter
    from grader.reporters.json_report import JsonReporter
    from grader.reporters.junit import JunitReporter
    from grader.reporters.moodle import MoodleFeedbackReporter, MoodleWorksheetReporter
    from grader.reporters.prairielearn import PrairieLearnReporter

    return [JsonReporter, HtmlReporter, GradescopeReporter, JunitReporter, CsvReporter, PrairieLearnReporter,
            MoodleWorksheetReporter, MoodleFeedbackReporter]


def all_reporters() -> dict[str, Reporter]:
    """Every installed reporter by name, the built-in ones first."""
    reporters: dict[str, Reporter] = {}
    for batch in reversed(plugin_manager().hook.cnngrade_reporters()):
        for cls in batch:
            reporters.setdefault(cls.name, cls())
    return reporters

"""The JSON result (schema cnngrade/result-3), the contract other tools parse."""
from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from grader.i18n import N_
from grader.reporters import Translated
from grader.reporters.common import file_names
from grader.results import GradeReport

if TYPE_CHECKING:
    from grader.reporters.outputs import ReportContext


def dumps(report: GradeReport) -> str:
    # sort_keys and a fixed float repr make two runs of the same submission byte-identical.
    return json.dumps(report.to_json(), indent=2, sort_keys=True, allow_nan=False) + "\n"


def dumps_list(reports) -> str:
    return json.dumps([r.to_json() for r in reports], indent=2, sort_keys=True, allow_nan=False) + "\n"


class JsonReporter:
    name = "json"
    help = Translated(N_("Write the result as JSON (schema cnngrade/result-3); with several submissions, a JSON list."))
    metavar = "FILE"
    batch_help = Translated(N_("Write a JSON list, one result (schema cnngrade/result-3) per student."))
    out_name = "results"

    def files(self, context: ReportContext, destination: Path) -> dict[Path, str]:
        """One result, or for a class a list (always, even for a class of one)."""
        if context.batch or len(context.reports) != 1:
            return {destination: dumps_list(context.reports)}
        return {destination: dumps(context.reports[0])}

    def out_files(self, context: ReportContext, out: Path) -> dict[Path, str]:
        """A batch's out/results/<student>.json: what `submit --json` writes for that folder."""
        return {out / self.out_name / name: dumps(report)
                for report, name in zip(context.reports, file_names(context.reports, ".json"))}

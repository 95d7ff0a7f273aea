"""The JSON result (schema cnngrade/result-2), the contract other tools parse."""
from __future__ import annotations

import json
from pathlib import Path

from grader.results import GradeReport


def dumps(report: GradeReport) -> str:
    # sort_keys and a fixed float repr make two runs of the same submission byte-identical.
    return json.dumps(report.to_json(), indent=2, sort_keys=True, allow_nan=False) + "\n"


class JsonReporter:
    name = "json"
    help = "Write the result as JSON (schema cnngrade/result-2); with several submissions, a JSON list."
    metavar = "FILE"
    batch_help = "Write a JSON list, one result (schema cnngrade/result-2) per student."

    def write(self, reports: list[GradeReport], destination: Path) -> None:
        destination.parent.mkdir(parents=True, exist_ok=True)
        if len(reports) == 1:
            destination.write_text(dumps(reports[0]))
        else:
            self.write_batch(reports, destination)

    def write_batch(self, reports: list[GradeReport], destination: Path) -> None:
        """batch: always a list, one result per submission, even for a class of one."""
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_text(json.dumps([r.to_json() for r in reports], indent=2, sort_keys=True,
                                          allow_nan=False) + "\n")

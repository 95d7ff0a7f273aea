"""Gradescope's results.json, as its autograder specification documents it.

One test per check, named "EXERCISE: CHECK", numbered "exercise.check" in course order and tagged
with the exercise id. A visible check is "visible"; a hidden check is "after_published": students
see its verdict and message once the instructor publishes grades, never before, and its inputs
never (the result holds no counterexample for hidden checks). The top-level score is the total;
what is not a documented field (the maximum, the grader's schema) goes into extra_data.

submit writes one results.json (point Gradescope's run_autograder at
/autograder/results/results.json). batch writes DIR/<student>/results.json, one per submission,
the layout Gradescope's harness gives each submission.
"""
from __future__ import annotations

import json

from grader.i18n import N_, speaking
from grader.reporters import Translated
from grader.reporters.common import ResultsJsonReporter, exercise_lines, explained
from grader.results import SCHEMA, GradeReport

VISIBILITY = {"visible": "visible", "hidden": "after_published"}


def results(report: GradeReport) -> dict:
    """The results.json object, its words in the report's language."""
    with speaking(report.lang):
        return _results(report)


def _results(report: GradeReport) -> dict:
    tests = []
    for e_number, exercise in enumerate(report.exercises, 1):
        for c_number, check in enumerate(exercise.checks, 1):
            passed = check.passed
            output = explained(check) if not passed else (check.message or check.description)
            tests.append({
                "name": f"{exercise.id}: {check.name}",
                "number": f"{e_number}.{c_number}",
                "score": check.score,
                "max_score": check.max_score,
                "status": "passed" if passed else "failed",
                "output": output.strip(),
                "output_format": "text",
                "tags": [exercise.id],
                "visibility": VISIBILITY.get(check.visibility, "after_published"),
            })
    return {
        "score": report.score,
        "output": "\n".join(exercise_lines(report)),
        "output_format": "text",
        "tests": tests,
        "extra_data": {"schema": SCHEMA, "submission": report.submission, "mode": report.mode,
                       "max_score": report.max_score},
    }


def dumps(report: GradeReport) -> str:
    return json.dumps(results(report), indent=2, allow_nan=False) + "\n"


class GradescopeReporter(ResultsJsonReporter):
    name = "gradescope"
    help = Translated(N_("Write Gradescope's results.json (hidden checks shown after grades are published)."))
    batch_help = Translated(N_("Write DIR/<student>/results.json for Gradescope, one per submission."))
    out_name = "gradescope"

    def render(self, report: GradeReport) -> str:
        return dumps(report)

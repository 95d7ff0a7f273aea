"""PrairieLearn's external-grader results.json (docs/externalGrading.md, "Grading results").

A gradable submission gives `score` in [0, 1] (points over maximum), `gradable: true`, a one-line
`message`, an `output` (the per-exercise summary and what the student code printed) and `tests`:
one per check, named "EXERCISE: CHECK", with points, max_points, message (the check's verdict in
a sentence) and output (the full explanation; a hidden check never shows its inputs, as for
Gradescope).

An ungradable submission gives `gradable: false` and `format_errors` (no score): PrairieLearn
then awards nothing, takes nothing and does not count the attempt. `ungradable(reason)` builds
that result; the run script uses it when there is nothing to grade (no cnn.py, an empty or
oversized folder). The reporter itself turns a report into it by this rule:

    a report is ungradable when it has at least one check and EVERY check has status "error"
    with a message starting "importing cnn.py failed: "

That is what a syntax error in cnn.py gives (and any exception raised while the module is
imported, e.g. a NameError at top level): not one function could be called. A cnn.py that hangs
or runs out of memory on import, or a submission where some check (e.g. one that reads another
file of the submission) still ran, stays gradable and scores what it scores.

The file is kept under PrairieLearn's 1 MB limit (MAX_BYTES): outputs are shortened, longest
first, with a note saying so; the JSON is always complete and valid.
"""
from __future__ import annotations

import json

from grader.i18n import N_, _, number, speaking
from grader.reporters import Translated
from grader.reporters.common import ResultsJsonReporter, exercise_lines, explained, fraction
from grader.results import SCHEMA, CheckResult, GradeReport, Status

MAX_BYTES = 1_000_000  # PrairieLearn: "this file should be limited to 1 MB"
IMPORT_FAILED = "importing cnn.py failed: "  # i18n: not for people (the engine's English message, matched)
SHORTENED = N_("(shortened to keep the result under PrairieLearn's 1 MB limit)")


def ungradable(reason: str | list[str]) -> dict:
    """The result of a submission that cannot be graded: no score, the attempt not counted."""
    errors = [reason] if isinstance(reason, str) else list(reason)
    return {"gradable": False, "format_errors": errors,
            "message": _("Your submission could not be graded: {reason}", reason=errors[0])}


def import_failure(report: GradeReport) -> str:
    """The import error when every check failed on importing cnn.py (the ungradable rule), else ''."""
    checks = [c for e in report.exercises for c in e.checks]
    if checks and all(c.status == Status.ERROR and c.message.startswith(IMPORT_FAILED) for c in checks):
        return checks[0].message
    return ""


def _test(exercise_id: str, check: CheckResult) -> dict:
    description = check.description
    if check.passed:
        message, output = check.message or description or _("passed"), ""
    else:
        message = check.message.splitlines()[0] if check.message else check.status
        output = explained(check)
    return {"name": f"{exercise_id}: {check.name}", "description": description,
            "points": check.score, "max_points": check.max_score,
            "message": message, "output": output.strip()}


def results(report: GradeReport) -> dict:
    """The results.json object for one graded report (gradable or, by the rule above, not), its
    words in the report's language."""
    with speaking(report.lang):
        return _results(report)


def _results(report: GradeReport) -> dict:
    failure = import_failure(report)
    if failure:
        return ungradable(failure)
    tests = []
    for exercise in report.exercises:
        for check in exercise.checks:
            tests.append(_test(exercise.id, check))
    lines = exercise_lines(report)
    if report.output:
        lines += ["", _("What cnn.py printed:"), report.output]
    score = min(1.0, max(0.0, fraction(report.score, report.max_score)))
    return {"gradable": True, "score": score,
            "message": _("{score} of {max_score} points.", score=number(report.score, grouping=False),
                         max_score=number(report.max_score, grouping=False)),
            "output": "\n".join(lines), "tests": tests,
            "cnngrade": {"schema": SCHEMA, "submission": report.submission, "mode": report.mode,
                         "points": report.score, "max_points": report.max_score}}


def _size(data: dict) -> int:
    return len(json.dumps(data, indent=2, allow_nan=False).encode("utf-8")) + 1


def capped(data: dict, limit: int = MAX_BYTES) -> dict:
    """data with its longest outputs shortened until the JSON fits in `limit` bytes (the notes
    saying so in the current language)."""
    truncated = "\n… " + _(SHORTENED)
    data = json.loads(json.dumps(data))  # a copy
    fields = [(data, "output")] + [(t, key) for t in data.get("tests", []) for key in ("output", "message")]
    while _size(data) > limit:
        holder, key = max(fields, key=lambda f: len(f[0].get(f[1], "")))
        text = holder.get(key, "")
        if len(text) <= len(truncated):
            break  # nothing left to shorten: tests themselves are dropped below
        keep = max(0, min(len(text) // 2, len(text) - (_size(data) - limit)) - len(truncated))
        holder[key] = text[:keep] + truncated
    while _size(data) > limit and data.get("tests"):
        data["tests"].pop()
        data["output"] = data.get("output", "") + "\n" + _("(some tests were left out to stay under 1 MB)")
    return data


def dumps(data: dict) -> str:
    return json.dumps(capped(data), indent=2, allow_nan=False) + "\n"


class PrairieLearnReporter(ResultsJsonReporter):
    name = "prairielearn"
    help = Translated(N_("Write PrairieLearn's external-grader results.json (score 0-1; gradable false on an import failure)."))
    batch_help = Translated(N_("Write DIR/<student>/results.json for PrairieLearn, one per submission."))

    def render(self, report: GradeReport) -> str:
        with speaking(report.lang):
            return dumps(results(report))

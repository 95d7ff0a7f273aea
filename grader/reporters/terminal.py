"""The terminal summary: a line per exercise, and for each failed check what to fix."""
from __future__ import annotations

import re
import sys

import click
import numpy as np

from grader.i18n import _, number, speaking
from grader.results import CheckResult, GradeReport, Status
from grader.submission.files import escaped

COLOURS = {Status.PASSED: "green", Status.FAILED: "red", Status.ERROR: "red", Status.TIMEOUT: "yellow",
           Status.MEMORY: "yellow", Status.MISSING: "bright_black"}


# What a terminal acts on rather than shows: C0 controls but newline (tabs are expanded first), DEL,
# C1 controls (0x9b is CSI to some terminals), bidirectional overrides, and lone surrogates.
_ACTING = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def printable(text: str) -> str:
    """Text that holds anything of a submission (its output, an exception message, a file or folder
    name) as a terminal may show it: every character a terminal would act on (escape sequences,
    carriage return, backspace, bell...) shown escaped (\\x1b), tabs as spaces, newlines kept."""
    text = text.replace("\r\n", "\n")
    if "\t" in text:
        text = text.expandtabs(4)
    return _ACTING.sub(lambda match: escaped(match.group()), text)


def _unicode() -> bool:
    return (getattr(sys.stdout, "encoding", "") or "").lower().replace("-", "") == "utf8"


def points(score: float, max_score: float) -> str:
    """12.5/15, as the current language writes numbers (12,5/15); never grouped."""
    return f"{number(score, grouping=False)}/{number(max_score, grouping=False)}"


def _grid(record) -> str:
    """A small array as aligned rows; a large one by its shape."""
    if isinstance(record, list) and record and all(isinstance(r, dict) and "shape" in r for r in record):
        # several arrays, e.g. conv2d_backward's (dx, dkernel, dbias): one after the other
        return "(\n" + "".join(_indent(_grid(r), "  ") + ",\n" for r in record) + ")"
    if not isinstance(record, dict) or "shape" not in record:
        return repr(record)
    if "values" not in record:
        return _("<array of shape {shape}, {dtype}>", shape=tuple(record['shape']), dtype=record['dtype'])
    array = np.array(record["values"], dtype=object)
    if array.ndim <= 1 or array.size > 64:
        text = np.array2string(np.array(record["values"]), threshold=64, separator=", ")
        return text if array.size <= 64 else _("{array}  (shape {shape})", array=text, shape=tuple(record['shape']))
    return np.array2string(np.array(record["values"]), separator=" ", threshold=64)


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line for line in text.splitlines())


def check_lines(check: CheckResult, color: bool) -> list[str]:
    """A check's lines, in the current language (the caller speaks the report's)."""
    status = Status(check.status)
    mark, colour = (status.mark if _unicode() else _(status.ascii_mark)), COLOURS[status]
    head = (f"    {click.style(mark, fg=colour) if color else mark} {printable(check.name):<28} "
            f"{points(check.score, check.max_score):>7}")
    if check.visibility == "hidden":
        head += "  " + _("(hidden)")
    lines: list[str] = []
    if check.status == Status.PASSED and not check.message:
        return [head]
    if check.message:
        lines.append(_indent(check.message, "        "))
    if check.diagnosis:
        lines.append("        " + _("likely cause: {diagnosis}", diagnosis=check.diagnosis))
    example = check.counterexample or {}
    if example.get("arguments"):
        lines.append("        " + _("smallest failing input:"))
        for name, value in example["arguments"].items():
            lines.append(_indent(f"{name} = {_grid(value)}", "          "))
        # "expected" and "got" aligned on their "=", in whatever length the language gives them
        expected, got = _("expected"), _("got")
        width = max(len(expected), len(got))
        if example.get("expected") is not None:
            lines.append(_indent(f"{expected:<{width}} = {_grid(example['expected'])}", "          "))
        if example.get("got") is not None:
            lines.append(_indent(f"{got:<{width}} = {_grid(example['got'])}", "          "))
    if example.get("traceback"):
        lines.append(_indent(example["traceback"], "          "))
    if example.get("reproduce"):
        lines.append("        " + _("reproduce: {code}", code=example["reproduce"]))
    return [head] + [printable(line) for line in lines]


def render(report: GradeReport, color: bool = False) -> str:
    """The report for a terminal, in the report's language; nothing of the submission in it is raw
    (see `printable`)."""
    with speaking(report.lang):
        lines = [printable(_("cnngrade {command}: {submission}", command=report.mode, submission=report.submission))]
        for exercise in report.exercises:
            full = exercise.full_marks
            title = printable(f"  {exercise.id:<18} {exercise.title[:40]:<40} "
                              f"{points(exercise.score, exercise.max_score):>8}")
            lines.append(click.style(title, bold=True, fg=None if full else "red") if color else title)
            for check in exercise.checks:
                lines.extend(check_lines(check, color))
        lines.extend(printable(line) for line in _notices(report.notices))
        lines.extend(printable(line) for line in _printed(report.output))
        for review in report.review:  # signals for a person, no points taken
            lines.append(printable("  " + _("for review ({what}): {message}", what=review.exercise or review.kind,
                                            message=review.message)))
        total = _("Total: {points} points", points=points(report.score, report.max_score))
        lines.append(click.style(total, bold=True) if color else total)
    return "\n".join(lines)


def _notices(notices: list[str]) -> list[str]:
    """How the submission was read (a notebook and the cells left out, a model file's name)."""
    return ["  " + _("notes:")] + [f"    - {notice}" for notice in notices] if notices else []


def _printed(output: str, shown: int = 20) -> list[str]:
    """The start of what the student code printed: prints are how students debug."""
    printed = output.splitlines()
    if not printed:
        return []
    if len(printed) > shown:
        # more than `shown` lines: always the plural, in English as in French
        head = _("printed by cnn.py (the first {shown} of {total} lines; all of it in the JSON report):",
                 shown=number(shown, grouping=False), total=number(len(printed), grouping=False))
    else:
        head = _("printed by cnn.py:")
    return ["  " + head] + [f"    | {line}" for line in printed[:shown]]

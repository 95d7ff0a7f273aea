"""What several reporters share: a check as plain text, and file names made from submission names.

Every reporter reads a result alone (the hint and description travel in each CheckResult), so a
page rendered from a saved JSON on a machine without the pack says the same."""
from __future__ import annotations

import hashlib
import re
import textwrap
from dataclasses import replace
from pathlib import Path

from grader.i18n import _
from grader.reporters.terminal import check_lines, points
from grader.results import CheckResult, GradeReport

# XML 1.0 forbids these characters even when escaped (and a lone surrogate is no character at
# all); a student's message may contain them.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


MAX_STEM = 120  # characters of a file name made from a submission's name (file systems allow 255 bytes)


def check_text(check: CheckResult) -> str:
    """A check's verdict as plain text: message, likely cause, counterexample, reproduction, hint.

    The same words as the terminal summary (without the status line), so every format agrees; in
    the current language (the caller speaks the report's).
    """
    if check.visibility != "visible" and check.counterexample:
        check = replace(check, counterexample=None)  # a hidden check's inputs are never shown
    text = textwrap.dedent("\n".join(check_lines(check, color=False)[1:])).strip()
    if check.hint and not check.passed:
        text += ("\n\n" if text else "") + _("Hint: {hint}", hint=check.hint)
    return text


def explained(check: CheckResult) -> str:
    """A failed check for an LMS: check_text, and for a hidden check a note that its inputs are
    not shown."""
    text = check_text(check)
    if check.visibility == "hidden":
        text += "\n\n" + _("(A hidden check: its inputs are not shown.)")
    return text


def exercise_lines(report: GradeReport) -> list[str]:
    """A line per exercise, its points and title, and the total (an LMS's summary of a submission)."""
    lines = [_("{exercise}: {points}  {title}", exercise=e.id, points=points(e.score, e.max_score), title=e.title)
             for e in report.exercises]
    lines.append(_("Total: {points}", points=points(report.score, report.max_score)))
    return lines


def xml_text(text: str) -> str:
    """Text that an XML 1.0 document may hold."""
    return _XML_ILLEGAL.sub("\N{REPLACEMENT CHARACTER}", text)


def safe_stem(name: str, limit: int = MAX_STEM) -> str:
    """A file name stem made from a submission's name: letters, digits, '.', '_' and '-' only, at
    most `limit` characters (a longer one is cut and ends with a digest of the whole name, so that
    two long names stay apart)."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "submission"
    if len(stem) > limit:
        digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:12]
        stem = f"{stem[:limit - 13]}-{digest}"
    return stem


def file_names(reports: list[GradeReport], suffix: str) -> list[str]:
    """One safe, distinct file name per report, made from its submission name (see safe_stem)."""
    names: list[str] = []
    taken: set[str] = set()
    for report in reports:
        stem = safe_stem(report.submission)
        name, n = stem, 1
        while name.lower() in taken:
            n += 1
            name = f"{stem}-{n}"
        taken.add(name.lower())
        names.append(name + suffix)
    return names


def fraction(score: float, max_score: float) -> float:
    return score / max_score if max_score else 1.0


class ResultsJsonReporter:
    """A reporter that writes one results.json per submission (an LMS autograder's format):
    FILE for one submission, DIR/<student>/results.json for several. Subclasses give render()."""

    metavar = "FILE"
    batch_metavar = "DIR"
    out_name: str | None = None

    def render(self, report: GradeReport) -> str:
        raise NotImplementedError

    def files(self, context, destination: Path) -> dict[Path, str]:
        if not context.batch and len(context.reports) == 1:
            return {destination: self.render(context.reports[0])}
        return {destination / name / "results.json": self.render(report)
                for report, name in zip(context.reports, file_names(context.reports, ""))}

"""What several reporters share: the exercises' own words (hints, check descriptions), a check
as plain text, and file names made from submission names."""
from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field, replace
from functools import lru_cache

from grader.results import CheckResult, GradeReport

# XML 1.0 forbids these characters even when escaped; a student's message may contain them.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class ExerciseNotes:
    """What the exercise pack says about an exercise, for people reading a result."""

    title: str = ""
    hint: str = ""
    descriptions: dict = field(default_factory=dict)  # check name -> one-line description


@lru_cache(maxsize=1)
def _all_notes() -> dict[str, ExerciseNotes]:
    try:
        from grader.exercise import all_exercises

        exercises = all_exercises()
    except Exception:  # noqa: BLE001  (a broken pack must not stop a report from being written)
        return {}
    return {e.id: ExerciseNotes(e.title, e.hint(), {c.name: c.description for c in e.checks})
            for e in exercises}


def notes(exercise_id: str) -> ExerciseNotes:
    """The installed exercise's title, hint and check descriptions (empty when not installed)."""
    return _all_notes().get(exercise_id, ExerciseNotes())


def check_text(check: CheckResult, hint: str = "") -> str:
    """A check's verdict as plain text: message, likely cause, counterexample, reproduction, hint.

    The same words as the terminal summary (without the status line), so every format agrees.
    """
    from grader.reporters.terminal import check_lines

    if check.visibility != "visible" and check.counterexample:
        check = replace(check, counterexample=None)  # a hidden check's inputs are never shown
    text = textwrap.dedent("\n".join(check_lines(check, color=False)[1:])).strip()
    if hint and check.status != "passed":
        text += ("\n\n" if text else "") + "Hint: " + hint
    return text


def xml_text(text: str) -> str:
    """Text that an XML 1.0 document may hold."""
    return _XML_ILLEGAL.sub("\N{REPLACEMENT CHARACTER}", text)


def file_names(reports: list[GradeReport], suffix: str) -> list[str]:
    """One safe, distinct file name per report, made from its submission name."""
    names: list[str] = []
    taken: set[str] = set()
    for report in reports:
        stem = re.sub(r"[^A-Za-z0-9._-]+", "_", report.submission).strip("._") or "submission"
        name, n = stem, 1
        while name.lower() in taken:
            n += 1
            name = f"{stem}-{n}"
        taken.add(name.lower())
        names.append(name + suffix)
    return names


def fraction(score: float, max_score: float) -> float:
    return score / max_score if max_score else 1.0

"""The Python API: grade a folder and get its result record. The CLI and bench/ use it.

    from grader.api import grade
    report = grade("examples/good", exercises=["correlate2d"])
    report.score, report.max_score, report.to_json()
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

from grader.grading.exercise import Exercise, needs_code, select
from grader.grading.fixtures import Fixtures
from grader.grading.runner import MODES, grade_submission
from grader.i18n import DEFAULT, _
from grader.results import GradeReport
from grader.submission.folder import Unreadable, notebook_of, problem


class SubmissionError(Exception):
    """The folder cannot be graded (the user's mistake); the message is one line."""


class UnknownExercise(SubmissionError):
    """An exercise id that no installed pack has."""


def exercises(ids: Iterable[str] = ()) -> tuple[Exercise, ...]:
    """The installed exercises with these ids (all when none), in the order given."""
    ids = tuple(ids)
    try:
        return select(ids)
    except KeyError as exc:
        raise UnknownExercise(_("unknown exercise id {id} (see `cnngrade list`)", id=repr(exc.args[0]))) from None


def submission_folder(path: str | Path, exercises_: Iterable[Exercise] | None = None) -> Path:
    """The folder, if it can be graded for the exercises (default: all); else SubmissionError
    saying why, in the user's words. What a folder needs depends on what is graded: a cnn.py (or
    a notebook) only when some exercise calls functions."""
    folder = Path(path)
    if not folder.exists():
        raise SubmissionError(_("no such folder: {folder}", folder=path))
    if not folder.is_dir():
        raise SubmissionError(_("not a folder: {folder} (give the folder that holds cnn.py or cnn.ipynb)", folder=path))
    code = needs_code(exercises() if exercises_ is None else exercises_)
    if code and not (folder / "cnn.py").exists() and not (folder / "cnn.py").is_symlink():
        try:
            notebook = notebook_of(folder)
        except Unreadable as exc:
            raise SubmissionError(_cannot_grade(path, exc)) from None
        if notebook is None:
            raise SubmissionError(_("{folder} has no cnn.py and no notebook cnn.ipynb (run `cnngrade init {folder}`, "
                                    "or `cnngrade init --notebook {folder}`, to start one)", folder=path))
    reason = problem(folder, needs_code=code)
    if reason:
        raise SubmissionError(_cannot_grade(path, reason))
    return folder


def _cannot_grade(path: str | Path, reason: object) -> str:
    return _("cannot grade {folder}: {reason}", folder=path, reason=reason)


def grade(folder: str | Path, exercises_: Iterable[str] | Iterable[Exercise] = (), mode: str = "submit",
          examples: int | None = None, options: dict | None = None, jobs: int = 1,
          fixtures: Fixtures | None = None, notebook: str | Path | None = None, lang: str = DEFAULT) -> GradeReport:
    """Grade one submission folder: its cnn.py or, without one, its notebook (cnn.ipynb or the only
    .ipynb; `notebook` names one to grade even beside a cnn.py).

    exercises_: ids or Exercise objects (default: every installed exercise); mode "submit" (every
    check) or "check" (the visible ones, fewer examples); examples: Hypothesis examples per
    property (default: each exercise's own); options: the packs' options by name (e.g.
    {"dataset": "data/"}); jobs: sandboxes graded at once (the result is the same); lang: the
    language of the result's words ("en" or "fr": grader.i18n).
    Raises SubmissionError for a folder that cannot be graded or an unknown exercise id.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")  # i18n: not for people (a caller's bug)
    chosen = list(exercises_)
    selected = chosen if chosen and all(isinstance(e, Exercise) for e in chosen) else exercises(chosen)
    try:
        return grade_submission(submission_folder(folder, selected), selected, mode=mode, examples=examples,
                                options=options, fixtures=fixtures, jobs=jobs,
                                notebook=Path(notebook) if notebook is not None else None, lang=lang)
    except Unreadable as exc:
        raise SubmissionError(_cannot_grade(folder, exc)) from None

"""Grading a whole class: every subfolder of a class folder is one student.

Each student is graded as `cnngrade submit` grades them (grader.grading.grade_submission, same
sandbox), by local grading processes or on a Dask cluster (grader.classroom.executors), within a time
budget each. Every result goes into the results store (grader.classroom.store) the moment it is known,
atomically, so that an interrupted or killed batch, run again, grades only what is missing or
changed. The summary it returns (at the end, or with BatchInterrupted on Ctrl-C) holds every
student's report, stored or new: the reporters render the outputs from it.

Each student may have a language of their own (`languages`, from the roster): everything said of
that student (their record, the reason of a folder that cannot be taken) is said in it, and it is
part of the key their result is stored under; what the batch says of the class (progress,
summary) is in the command's language.
"""
from __future__ import annotations

import statistics
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from grader.classroom.executors import Student, runner
from grader.classroom.outcome import Outcome, default_budget, nothing_graded, refused, zero_report
from grader.classroom.progress import Progress
from grader.classroom.store import Damaged, ResultStore, grading_context
from grader.grading.exercise import Exercise, needs_code
from grader.i18n import N_, _, current, ngettext, number, speaking
from grader.results import GradeReport
from grader.submission.files import Manifest, Refused, manifest, shown, student_folders
from grader.submission.folder import problem

LINKED = N_("the student's folder is a symbolic link: not followed (put the folder itself in the class folder)")


class ClassError(Exception):
    """The class folder cannot be graded (the user's mistake); the message is one line."""


def class_folders(class_dir: Path) -> list[Path]:
    """The student folders of class_dir, or ClassError saying why there are none."""
    if not class_dir.exists():
        raise ClassError(_("no such folder: {folder}", folder=class_dir))
    if not class_dir.is_dir():
        raise ClassError(_("not a folder: {folder} (give the folder that holds one subfolder per student)",
                           folder=class_dir))
    try:
        folders = student_folders(class_dir)
    except OSError as exc:
        raise ClassError(_("cannot read {folder}: {error}", folder=class_dir, error=exc.strerror or exc)) from None
    if not folders:
        if (class_dir / "cnn.py").is_file():
            raise ClassError(_("{folder} has no student folder: expected one subfolder per student, each with a "
                               "cnn.py (it holds a cnn.py: grade one submission with `cnngrade submit`)",
                               folder=class_dir))
        raise ClassError(_("{folder} has no student folder: expected one subfolder per student, each with a "
                           "cnn.py", folder=class_dir))
    return folders


@dataclass
class Summary:
    folders: list[Path]  # the students graded (stored or new), in name order; reports[i] is folders[i]'s
    reports: list[GradeReport]
    seconds: dict[str, float]
    faults: list[str]
    not_gradable: list[str]
    reused: int
    interrupted: bool = False

    @property
    def count(self) -> int:
        return len(self.reports)

    @property
    def full(self) -> int:
        return sum(1 for r in self.reports if r.full_marks)

    def lines(self, total: int) -> list[str]:
        graded = self.count - len(self.not_gradable)
        scores = [r.score for r in self.reports]
        maximum = max((r.max_score for r in self.reports), default=0)
        # English says "students" whatever the count; French agrees with it (the plural forms).
        if self.interrupted:
            first = ngettext("{count} of {total} students graded: {full} with full marks (interrupted: run the "
                             "same command again to finish)",
                             "{count} of {total} students graded: {full} with full marks (interrupted: run the "
                             "same command again to finish)", self.count, count=self.count, total=total,
                             full=self.full)
        else:
            first = ngettext("{count} of {total} students graded: {full} with full marks.",
                             "{count} of {total} students graded: {full} with full marks.", self.count,
                             count=self.count, total=total, full=self.full)
        lines = [first]
        if scores:
            lines.append("  " + _("{graded} graded, {not_gradable} not gradable, {faults} grader fault(s); mean "
                                  "{mean}, median {median} of {maximum}; {reused} unchanged since the last run "
                                  "(stored results used)", graded=graded, not_gradable=len(self.not_gradable),
                                  faults=len(self.faults), mean=_significant(statistics.mean(scores)),
                                  median=_significant(statistics.median(scores)), maximum=number(float(maximum)),
                                  reused=self.reused))
        slowest = sorted(self.seconds.items(), key=lambda item: (-item[1], item[0]))[:5]
        if slowest:
            lines.append("  " + _("slowest: {students}", students=", ".join(
                _("{student} {seconds} s", student=name, seconds=number(seconds, 1, grouping=False))
                for name, seconds in slowest)))
        return lines


def _significant(value: float) -> str:
    """A mean or a median as the summary shows it: 4 significant digits, in the current language."""
    return number(float(f"{value:.4g}"))


def _line(outcome: Outcome) -> str:
    """A student's line of the progress log (the reason is in the student's own language)."""
    report = outcome.report
    score = _("{student}: {score}/{max_score}", student=report.submission, score=number(float(report.score)),
              max_score=number(float(report.max_score)))
    if outcome.seconds:
        score = _("{score} in {seconds} s", score=score, seconds=number(outcome.seconds, 0, grouping=False))
    return score + (f"  ({report.reason})" if report.reason else "")


def _taken(folder: Path, exercises: list[Exercise]) -> Manifest | Outcome:
    """What the batch takes of a student folder: its manifest, or the row of a folder it cannot take."""
    if folder.is_symlink():
        return refused(folder, exercises, _(LINKED))
    try:
        return manifest(folder)
    except Refused as exc:
        return refused(folder, exercises, str(exc))


def grade_class_folder(class_dir: Path, exercises: Iterable, examples: int | None, jobs: int, options: dict,
                       echo: Callable[..., None], out: Path | None = None, regrade: bool = False,
                       budget: float | None = None, scheduler: str | None = None,
                       reasons: dict[str, str] | None = None, languages: dict[str, str] | None = None) -> Summary:
    """Grade a class folder; results into out/store as each finishes (the outputs are the
    reporters', written from the summary: grader.reporters.outputs). reasons: students known to
    have nothing to grade (e.g. a Moodle participant who sent only online text), by folder name:
    each gets a zero row with that reason, without a grading process. languages: each student's
    language by folder name (default: the current one, the command's).

    Ctrl-C stops the grading processes and raises BatchInterrupted with what is done.
    """
    folders = class_folders(class_dir)
    exercises = list(exercises)
    ids = tuple(e.id for e in exercises)
    budget = budget or default_budget(exercises)
    out = Path(out) if out is not None else None
    store = ResultStore(out / "store", grading_context(exercises, examples, options)) if out else None
    outcomes: dict[str, Outcome] = {}
    files: dict[str, Manifest] = {}
    keys: dict[str, str] = {}
    reused = 0
    command = current()
    lang = {folder.name: (languages or {}).get(folder.name, command) for folder in folders}
    for folder in folders:
        name = folder.name
        with speaking(lang[name]):  # what is said of this student is said in their language
            if reasons and name in reasons:  # known before any file is read (a Moodle participant's)
                outcomes[name] = Outcome(zero_report(folder, exercises, nothing_graded(reasons[name])))
                continue
            taken = _taken(folder, exercises)
            if isinstance(taken, Outcome):  # nothing to grade: its row at once, nothing stored
                outcomes[name] = taken
                continue
            if store is not None:
                try:
                    keys[name] = store.key(taken, lang[name])
                except Refused as exc:  # a file changed while it was read
                    outcomes[name] = refused(folder, exercises, str(exc))
                    continue
        stored = _stored(store, name, keys[name], echo) if store is not None and not regrade else None
        if stored is not None:
            outcomes[name], reused = stored, reused + 1
        files[name] = taken
    pending = [Student(f.name, f, files[f.name], lang[f.name]) for f in folders
               if f.name in files and f.name not in outcomes]
    progress = Progress(len(folders), echo, sys.stdout, reused)
    if reused:
        echo(ngettext("{reused} of {total} students unchanged since the last run: their stored results are used",
                      "{reused} of {total} students unchanged since the last run: their stored results are used",
                      reused, reused=reused, total=len(folders)))
    for folder in folders:  # the folders that could not be taken: their rows at once
        if folder.name in outcomes and folder.name not in keys:
            progress.finished(folder.name, _line(outcomes[folder.name]))

    def done(name: str, record: dict) -> None:
        outcome = Outcome.from_record(record)
        if store is not None:
            store.put(name, keys[name], record)
        outcomes[name] = outcome
        progress.finished(name, _line(outcome))
        for fault in outcome.faults:
            echo(_("cnngrade: grader fault: {message}", message=fault), err=True)

    interrupted = False
    try:
        if pending:
            runner(scheduler, jobs, ids, examples, options).run(pending, budget, progress.started, done)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        progress.close()
    finished = [f for f in folders if f.name in outcomes]
    summary = Summary(finished, [outcomes[f.name].report for f in finished],
                      {outcomes[f.name].report.submission: outcomes[f.name].seconds
                       for f in finished if outcomes[f.name].seconds},
                      [fault for f in finished for fault in outcomes[f.name].faults],
                      [outcomes[f.name].report.submission for f in finished
                       if f.name not in files or problem(f, files[f.name], needs_code(exercises))], reused,
                      interrupted)
    if interrupted:
        raise BatchInterrupted(summary)
    return summary


def _stored(store: ResultStore, name: str, key: str, echo: Callable[..., None]) -> Outcome | None:
    """The stored outcome of a student, if still valid; a damaged entry is discarded, with a warning."""
    try:
        record = store.get(name, key)
        return Outcome.from_record(record) if record is not None else None
    except (Damaged, KeyError, TypeError, ValueError) as exc:
        echo(_("cnngrade: warning: the stored result of {student} cannot be used ({error}): it is discarded "
               "and the student graded again", student=shown(name), error=exc), err=True)
        store.discard(name)
        return None


class BatchInterrupted(KeyboardInterrupt):
    """Ctrl-C during a batch: what was graded is stored (summary), for the outputs to show."""

    def __init__(self, summary: Summary):
        super().__init__()
        self.summary = summary

"""What goes back into Moodle: the filled offline grading worksheet, and the feedback files' ZIP.

--moodle-worksheet FILE reads the worksheet the teacher downloaded (grader.classroom.worksheet)
and writes FILE's name with "-graded" beside it: each graded participant's grade scaled to the
worksheet's maximum, and a feedback comment (a short summary per exercise, HTML as Moodle's
comment editor stores it); a participant with nothing graded gets the reason as comment and
their grade cell left alone; every other cell, the header, the encoding and the decimal
separator as they were. Upload it with "Upload grading worksheet".

--moodle-feedback FILE (and a Moodle batch's OUT/moodle-feedback.zip) is the ZIP for "Upload
multiple feedback files in a zip": each student's page (the same self-contained HTML as
students/<id>.html) named `<full name>_<participant id>_assignsubmission_file_cnngrade-feedback.html`,
which mod/assign/feedback/file/importziplib.php (is_valid_filename_for_import) assigns to that
participant: the name split on `_` into at most five pieces gives the id second, the plugin
third and fourth, and the feedback file's name fifth ("cnngrade-feedback.html", stored at the
root of the participant's feedback files: import_zip_files takes a name without a folder as
such). The name part loses what clean_filename() removes and its `_`. Entries are sorted and
dated 1980-01-01, so the same results give the same bytes.
"""
from __future__ import annotations

import io
import re
import zipfile
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from grader.classroom.worksheet import WorksheetError, graded_name, read_worksheet
from grader.i18n import N_, _, speaking
from grader.reporters import Translated
from grader.reporters.html import render_student
from grader.reporters.outputs import OutputError
from grader.reporters.terminal import points
from grader.results import GradeReport, Status

if TYPE_CHECKING:
    from grader.reporters.outputs import ReportContext

FEEDBACK_FILE = "cnngrade-feedback.html"
PLUGIN = "assignsubmission_file"              # a plugin every download has; the importer needs one
PARTICIPANT_ID = re.compile(r"[0-9]+")
UNSAFE = re.compile(r"[\x00-\x1f\x7f&<>\"`|':\\/_]")  # clean_filename()'s characters, and `_` (the importer splits on it)
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def nothing_graded(report: GradeReport) -> bool:
    """No check of the submission ran (nothing gradeable in it): its grade is left to the teacher."""
    checks = [c for e in report.exercises for c in e.checks]
    return bool(report.reason) and all(c.status == Status.MISSING for c in checks)


def comment(report: GradeReport) -> str:
    """The worksheet's feedback comment, in the report's language: the total and, per exercise,
    its points and the checks not passed (HTML, one line)."""
    with speaking(report.lang):
        if nothing_graded(report):
            reason = _("cnngrade: {reason}.", reason=report.reason)
            return f"<p>{escape(reason)}</p>"
        items = []
        for exercise in report.exercises:
            lost = [c.name for c in exercise.checks if not c.passed]
            score = points(exercise.score, exercise.max_score)
            line = (_("{title} ({exercise}): {points}; not passed: {checks}", title=exercise.title, exercise=exercise.id,
                      points=score, checks=", ".join(lost)) if lost else
                    _("{title} ({exercise}): {points}", title=exercise.title, exercise=exercise.id, points=score))
            items.append(f"<li>{escape(line)}</li>")
        total = _("cnngrade: {points} points.", points=points(report.score, report.max_score))
        return f"<p>{escape(total)}</p><ul>{''.join(items)}</ul>"


def feedback_path(participant: str, name: str) -> str:
    """The path of a participant's feedback file in the ZIP (importziplib.php's rule)."""
    person = UNSAFE.sub(" ", name).strip().lstrip(".~") or "Participant"
    return f"{person}_{participant}_{PLUGIN}_{FEEDBACK_FILE}"


def feedback_zip(context: ReportContext) -> bytes:
    """The ZIP of every student's page, each at the path Moodle assigns to that participant."""
    names = context.names or {}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for report in sorted(context.reports, key=lambda r: int(r.submission)):
            info = zipfile.ZipInfo(feedback_path(report.submission, names.get(report.submission, "")), ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, render_student(report, name=names.get(report.submission)))
    return buffer.getvalue()


def _participants_only(context: ReportContext) -> bool:
    return all(PARTICIPANT_ID.fullmatch(r.submission) for r in context.reports)


class MoodleWorksheetReporter:
    name = "moodle_worksheet"
    help = Translated(N_("Fill Moodle's offline grading worksheet FILE (downloaded from the assignment, in its "
                         "language): FILE-graded.csv beside it gets each grade scaled to the worksheet's maximum and "
                         "a feedback comment."))
    batch_help = Translated(N_("Fill Moodle's offline grading worksheet FILE: FILE-graded.csv beside it, a grade "
                               "(scaled to the worksheet's maximum) and a feedback comment for every graded "
                               "participant, all else unchanged."))
    metavar = "FILE"
    out_name = None

    def files(self, context: ReportContext, destination: Path) -> dict[Path, bytes]:
        try:
            sheet = read_worksheet(destination)
        except WorksheetError as exc:
            raise OutputError(str(exc)) from None
        values = {r.submission: (None if nothing_graded(r) else sheet.grade_text(r.score, r.max_score), comment(r))
                  for r in context.reports}
        return {graded_name(Path(destination)): sheet.filled(values)}


class MoodleFeedbackReporter:
    name = "moodle_feedback"
    help = Translated(N_("Write the ZIP for Moodle's \"Upload multiple feedback files in a zip\": the student's page "
                         "as their feedback file (the submission must be named by its participant id)."))
    batch_help = Translated(N_("Write the ZIP for Moodle's \"Upload multiple feedback files in a zip\": each "
                               "student's page as their feedback file (a Moodle batch writes DIR/moodle-feedback.zip "
                               "anyway)."))
    metavar = "FILE"
    out_name = "moodle-feedback.zip"

    def files(self, context: ReportContext, destination: Path) -> dict[Path, bytes]:
        if not _participants_only(context):
            odd = next(r.submission for r in context.reports if not PARTICIPANT_ID.fullmatch(r.submission))
            raise OutputError(_("cannot write Moodle's feedback ZIP: {name} is not a Moodle participant id "
                                "(grade Moodle's download to have them)", name=repr(odd)))
        return {Path(destination): feedback_zip(context)}

    def out_files(self, context: ReportContext, out: Path) -> dict[Path, bytes]:
        """A batch of Moodle participants (their names known) gets its feedback ZIP in --out."""
        if not context.batch or context.names is None or not _participants_only(context):
            return {}
        return {out / self.out_name: feedback_zip(context)}

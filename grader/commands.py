"""The `cnngrade` commands: small functions over grader.api, the classroom and the reporters.
Built by grader.cli once the language is chosen, so that every --help reads in it.

Exit codes: 0 full marks, 1 graded but not full marks, 2 the user's mistake (no such folder, no
cnn.py, unknown exercise id), 3 a fault of the grader itself or of an installed pack.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Callable

import click

from grader import __version__, plugins
from grader.api import SubmissionError, UnknownExercise, exercises, grade, submission_folder
from grader.autograder.cli import autograder, init_ci
from grader.classroom.batch import BatchInterrupted, ClassError, Summary, class_folders, grade_class_folder
from grader.classroom.executors import ClusterError
from grader.classroom.moodle import MoodleClass, MoodleError, is_download, prepare
from grader.classroom.roster import Roster, RosterError, matching, read_roster, student_languages
from grader.classroom.worksheet import Worksheet, WorksheetError, read_worksheet, summary as worksheet_summary
from grader.grading.exercise import SpecError
from grader.grading.fixtures import Fixtures
from grader.grading.selftest import selftest as run_selftest
from grader.i18n import LANGUAGES, _, current, ngettext, number, percent
from grader.integrity.review import csv_destination, review_class, summary_lines
from grader.plugins import FixtureMissing
from grader.reporters import all_reporters
from grader.reporters.outputs import OutputError, ReportContext, write_outputs
from grader.reporters.terminal import printable, render
from grader.submission.starter import copy_starter_files, starter_module, starter_notebook

EXIT_FULL, EXIT_PARTIAL, EXIT_USAGE, EXIT_FAULT = 0, 1, 2, 3


class UserError(click.ClickException):
    """One clear line on stderr and exit code 2."""

    exit_code = EXIT_USAGE

    def show(self, file=None) -> None:
        _say(_("cnngrade: error: {message}", message=self.message), err=True)


class GraderFault(click.ClickException):
    """A fault of the grader or of an installed exercise pack: one line on stderr and exit code 3."""

    exit_code = EXIT_FAULT

    def show(self, file=None) -> None:
        _say(_("cnngrade: grader fault: {message}", message=self.message), err=True)


def _say(text: str, err: bool = False) -> None:
    """A line that may hold something of a submission (a name, a message), as a terminal may show it."""
    click.echo(printable(text), err=err)


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _paragraphs(*parts: str) -> str:
    """A command's help from its paragraphs, each a sentence of the catalog (a block click must not
    rewrap starts with \\b, outside the sentence)."""
    return "\n\n".join(parts)


# -- shared options -----------------------------------------------------------------------

def _exercise_option(help_text: str):
    return click.option("--exercise", "-e", "exercise_ids", multiple=True, metavar="ID", help=help_text)


def _examples_option(help_text: str | None = None):
    return click.option("--examples", type=click.IntRange(1, 10000), default=None,
                        help=help_text or _("Hypothesis examples per property check (default: each exercise's own)."))


def _sandbox_jobs_option(command):
    return click.option("--jobs", "-j", type=click.IntRange(1, 2), default=min(2, _cores()),
                        show_default=_("2 on 2+ cores"),
                        help=_("The Python exercises are graded in two sandboxes: 2 grades them at once, 1 one "
                               "after the other. The result is the same."))(command)


def _pack_options(command: click.Command) -> click.Command:
    """The options the installed packs ask for (e.g. a data folder), put before the report
    options of a command already built; their values arrive in **kwargs."""
    first_report = next((i for i, p in enumerate(command.params) if (p.name or "").startswith("report_")),
                        len(command.params))
    command.params[first_report:first_report] = list(plugins.options())
    return command


def _pack_values(kwargs: dict) -> dict:
    """Take the packs' option values out of a command's keyword arguments."""
    return {option.name: kwargs.pop(option.name) for option in plugins.options() if option.name in kwargs}


def _reporter_options(batch: bool) -> Callable:
    """A --NAME DESTINATION option for every installed reporter (json, html, ...); a reporter's
    help is marked where it is defined (N_) and said here, in the command's language."""
    def decorate(command):
        for reporter in reversed(list(all_reporters().values())):
            metavar = getattr(reporter, "batch_metavar", reporter.metavar) if batch else reporter.metavar
            help_text = getattr(reporter, "batch_help", reporter.help) if batch else reporter.help
            command = click.option(f"--{reporter.name.replace('_', '-')}", f"report_{reporter.name}", metavar=metavar,
                                   type=click.Path(dir_okay=metavar == "DIR", path_type=Path),
                                   help=_(help_text))(command)
        return command
    return decorate


def _exercises(ids: tuple[str, ...]):
    try:
        return exercises(ids)
    except UnknownExercise as exc:
        raise UserError(str(exc)) from None
    except SpecError as exc:
        raise GraderFault(str(exc)) from None


def _destinations(kwargs: dict) -> dict[str, Path | None]:
    """Where each reporter's option points (reporter name -> path, or None when not asked)."""
    return {name: kwargs.get(f"report_{name}") for name in all_reporters()}


def _write(context: ReportContext, kwargs: dict, out: Path | None = None, similarity_csv: Path | None = None) -> None:
    try:
        write_outputs(context, _destinations(kwargs), out, similarity_csv)
    except OutputError as exc:
        raise UserError(str(exc)) from None


# -- commands -------------------------------------------------------------------------------

@click.group(context_settings={"help_option_names": ["-h", "--help"]}, help=_paragraphs(
    _("Grade convolutional-network exercises written in NumPy."),
    _("Student code runs in a sandboxed process with resource limits; a trusted NumPy reference "
      "and Hypothesis property checks decide each verdict. Exit codes: 0 full marks, 1 graded "
      "but not full marks, 2 a usage mistake, 3 a fault of the grader.")))
@click.version_option(__version__, prog_name="cnngrade")
def cnngrade() -> None:
    """The command group (its help is the catalog's, above)."""


def _grade(directory: str, mode: str, exercise_ids: tuple[str, ...], examples: int | None, jobs: int,
           kwargs: dict) -> None:
    fixtures = Fixtures(_pack_values(kwargs))
    selected = _exercises(exercise_ids)
    try:
        folder = submission_folder(directory, selected)
    except SubmissionError as exc:
        raise UserError(str(exc)) from None
    try:
        report = grade(folder, selected, mode=mode, examples=examples, fixtures=fixtures, jobs=jobs, lang=current())
    except SubmissionError as exc:  # e.g. a notebook that cannot be read
        raise UserError(str(exc)) from None
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # noqa: BLE001  (a bug of ours: one line and exit 3, not a traceback)
        raise GraderFault(_("grading stopped: {error}", error=f"{type(exc).__name__}: {exc}")) from None
    click.echo(render(report, color=sys.stdout.isatty()))
    _write(ReportContext((report,)), kwargs)
    for problem in fixtures.usage_problems():
        raise UserError(problem)
    if report.grader_faults:
        for fault in report.grader_faults:
            _say(_("cnngrade: grader fault: {message}", message=fault), err=True)
        sys.exit(EXIT_FAULT)
    sys.exit(EXIT_FULL if report.full_marks else EXIT_PARTIAL)


@_pack_options
@cnngrade.command(help=_paragraphs(
    _("Grade DIRECTORY (a folder with cnn.py, or a notebook cnn.ipynb) on every check, visible and hidden."),
    _("Prints a summary and writes any report asked for, e.g. --json result.json.")))
@click.argument("directory", type=click.Path(file_okay=True, dir_okay=True))
@_exercise_option(_("Grade only this exercise (repeatable). Default: all of them."))
@_examples_option()
@_sandbox_jobs_option
@_reporter_options(batch=False)
def submit(directory: str, exercise_ids: tuple[str, ...], examples: int | None, jobs: int, **kwargs) -> None:
    _grade(directory, "submit", exercise_ids, examples, jobs, kwargs)


@_pack_options
@cnngrade.command(help=_paragraphs(
    _("A student's quick run: the visible checks of DIRECTORY (default: here), fewer examples."),
    _("The same engine as submit; hidden checks count only when submitted. An exercise whose data "
      "(e.g. a data set) is not on this machine is listed as not graded, with the reason.")))
@click.argument("directory", type=click.Path(file_okay=True, dir_okay=True), default=".")
@_exercise_option(_("Check only this exercise (repeatable)."))
@_examples_option(_("Hypothesis examples per property check (default: a quarter of submit's)."))
@_sandbox_jobs_option
@_reporter_options(batch=False)
def check(directory: str, exercise_ids: tuple[str, ...], examples: int | None, jobs: int, **kwargs) -> None:
    _grade(directory, "check", exercise_ids, examples, jobs, kwargs)


BATCH_HELP = _paragraphs(
    _("Grade a whole class: every subfolder of CLASS_DIR is one student's submission, or CLASS_DIR "
      "is a Moodle assignment's \"Download all submissions\" (the ZIP, or its folder)."),
    _("A subfolder's name is the student's id in every report. Each is graded as `submit` grades "
      "it (every check, visible and hidden). A subfolder without cnn.py gets a row with zero points "
      "and that reason; one student's crash, hang or memory bomb costs that student only. A "
      "progress bar shows on a terminal (a line per student in a log), and a summary at the end."),
    _("Each result is kept in DIR/store/ as it finishes (--out DIR): after Ctrl-C, a crash or a "
      "kill, the same command grades only the students still missing. The outputs are written "
      "from the store at the end (and on Ctrl-C): DIR/index.html (the class page) and "
      "DIR/students/<student>.html, DIR/results/<student>.json (as `submit --json` writes it), "
      "DIR/grades.csv, DIR/junit.xml and DIR/gradescope/<student>/results.json."),
    "\b\n" + _("More reports where you want them (any combination):\n"
               "  --html DIR        the class page DIR/index.html and DIR/students/<student>.html\n"
               "  --json FILE       a JSON list, one result (schema cnngrade/result-3) per student\n"
               "  --csv FILE        a gradebook: Student, ID, SIS User ID, SIS Login ID, Section,\n"
               "                    Total, one column per exercise (Canvas and Moodle import it);\n"
               "                    with --roster, the roster's columns, a row per roster student\n"
               "                    (\"no submission\" without a folder), unknown folders in\n"
               "                    FILE's sibling <name>.unknown.csv\n"
               "  --junit FILE      JUnit XML: a testsuite per student and exercise\n"
               "  --gradescope DIR  DIR/<student>/results.json, Gradescope's format"),
    "\b\n" + _("Moodle (see the README's \"Moodle\" section):\n"
               "  CLASS_DIR         the ZIP of \"Download all submissions\" (or its folder):\n"
               "                    each participant's cnn.py or notebook is found wherever\n"
               "                    they put it (their own ZIP unpacked within limits);\n"
               "                    the participant id is the student id, the full name\n"
               "                    shown beside it; who had nothing to grade, and why\n"
               "  --moodle-worksheet FILE  the offline grading worksheet, filled:\n"
               "                    FILE-graded.csv beside it (upload it back)\n"
               "  DIR/moodle-feedback.zip  each student's page as a feedback file\n"
               "                    (\"Upload multiple feedback files in a zip\")"),
    "\b\n" + _("Class integrity, for review (no points change):\n"
               "  --similarity      every pair of students compared on the graded functions\n"
               "                    (starter code set aside), ranked: DIR/similarity.csv (or\n"
               "                    --similarity-csv FILE); the class page's section \"similar\n"
               "                    submissions, for review\" with side-by-side pages in\n"
               "                    DIR/similarity/ (and in the --html folder); identical\n"
               "                    model files\n"
               "  A result a check flags for review (e.g. a model that does better on the\n"
               "  test images than on training images) is listed on the class page and on\n"
               "  the student's page under \"For review\"."),
    "\b\n" + _("Exit status:\n"
               "  0  every student has full marks\n"
               "  1  graded; some student lost points (or, with --roster, has no folder)\n"
               "  2  a usage mistake: no such folder, no student folder in it, unknown exercise\n"
               "  3  the grader failed on some student (that row is zero, the reason on stderr)\n"
               "  130  interrupted (Ctrl-C): what was graded is kept; run the command again"),
    "\b\n" + _("Examples:") + "\n"  # i18n: not for people (the command lines below)
    "  cnngrade batch class/ --out reports/\n"
    "  cnngrade batch class/ --roster canvas-export.csv\n"
    "  cnngrade batch class/ --scheduler tcp://10.0.0.5:8786\n"
    "  cnngrade batch submissions.zip --moodle-worksheet Grades.csv")


@_pack_options
@cnngrade.command(help=BATCH_HELP)
@click.argument("class_dir", metavar="CLASS_DIR", type=click.Path(path_type=Path))
@_exercise_option(_("Grade only this exercise (repeatable). Default: all of them."))
@_examples_option()
@click.option("--jobs", "-j", type=click.IntRange(1, 256), default=_cores(), show_default=_("the number of cores"),
              help=_("Students graded at the same time, each in its own grading process (or, with "
                     "--scheduler local, the number of Dask workers)."))
@click.option("--student-timeout", type=click.FloatRange(1, None), default=None, metavar="SECONDS",
              help=_("Time budget of one student; what it leaves ungraded is 'timeout', with the reason. "
                     "Default: what the exercises' limits allow a hostile submission."))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("reports"),
              show_default=True, metavar="DIR",
              help=_("The results store and every output (see below). Run the same command again and only "
                     "the students whose files, or whose grading options, changed are graded again."))
@click.option("--regrade", is_flag=True, help=_("Grade every student again, whatever the store holds."))
@click.option("--scheduler", metavar="ADDRESS", default=None,
              help=_("Grade on a Dask cluster: tcp://HOST:8786 (workers started with `dask worker`), or "
                     "'local' for a LocalCluster of --jobs workers here. Needs cnngrade[dask]."))
@click.option("--similarity", is_flag=True,
              help=_("After grading, compare every pair of students on the graded functions' code (starter "
                     "code set aside) and the graded files (identical copies), for review: a CSV of every pair, "
                     "a section of the class page and a side-by-side page per listed pair (see below)."))
@click.option("--similarity-csv", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help=_("Where --similarity writes its CSV (student_a, student_b, score, matching_functions). "
                     "Default: DIR/similarity.csv of --out DIR."))
@click.option("--roster", type=click.Path(dir_okay=False, exists=True, path_type=Path), metavar="FILE",
              help=_("The class list as the LMS exports it (Canvas: Student, ID, SIS User ID, SIS Login ID, "
                     "Section; Moodle: First name, Last name, ID number, ...): the gradebook then has its "
                     "identity columns and a row per roster student, and the summary and the class page list "
                     "who is missing and which folders are unknown."))
@click.option("--roster-key", metavar="COLUMN", default="SIS Login ID", show_default=True,
              help=_("The roster column the folder names are (e.g. \"Email address\" or \"Username\" for Moodle)."))
@click.option("--roster-lang", metavar="COLUMN", default=None,
              help=_("The roster column that gives each student's language (fr, en, or a locale such as "
                     "fr_FR): their result, page and feedback are in it; anything else means the command's "
                     "language. The class page, the summary and the gradebook are in the command's language."))
@click.option("--decimal-comma", is_flag=True,
              help=_("Write the gradebook CSV's numbers with a decimal comma (8,5), as Moodle reads them in a "
                     "language whose decimal separator is a comma (French)."))
@_reporter_options(batch=True)
def batch(class_dir: Path, exercise_ids: tuple[str, ...], examples: int | None, jobs: int,
          student_timeout: float | None, out: Path, regrade: bool, scheduler: str | None, similarity: bool,
          similarity_csv: Path | None, roster: Path | None, roster_key: str, roster_lang: str | None,
          decimal_comma: bool, **kwargs) -> None:
    options = _pack_values(kwargs)
    selected = _exercises(exercise_ids)
    similarity_to = _similarity_destination(similarity, similarity_csv, out)
    if roster_lang and not roster:
        raise UserError(_("--roster-lang needs --roster (the class list that has the language column)"))
    if scheduler:
        try:
            import distributed  # noqa: F401  (the optional extra cnngrade[dask])
        except ImportError:
            raise UserError(_("--scheduler needs Dask distributed: pip install 'cnngrade[dask]'")) from None
    try:
        students = read_roster(roster, roster_key, roster_lang) if roster else None
        moodle, sheet = _moodle(class_dir, out, kwargs.get("report_moodle_worksheet"), students)
        languages = _languages(students, class_dir) if roster_lang and students else None
        students = sheet.roster() if moodle and sheet else students
        summary = grade_class_folder(moodle.folder if moodle else class_dir, selected, examples, jobs, options,
                                     _say, out=out, regrade=regrade, budget=student_timeout,
                                     scheduler=scheduler, reasons=moodle.reasons if moodle else None,
                                     languages=languages)
    except (ClassError, ClusterError, RosterError, MoodleError, WorksheetError) as exc:
        raise UserError(str(exc)) from None
    except BatchInterrupted as stopped:
        _write(_class_context(stopped.summary, students, None, moodle, decimal_comma), kwargs, out)
        for line in stopped.summary.lines(len(stopped.summary.reports)):
            _say(line)
        sys.exit(130)
    review = review_class(summary.folders, selected) if similarity_to is not None else None
    _write(_class_context(summary, students, review, moodle, decimal_comma), kwargs, out, similarity_to)
    pages = dict.fromkeys(Path(d) / "index.html" for d in (out, kwargs.get("report_html")) if d is not None)
    matched = matching(summary.reports, students) if students else None
    _batch_summary(summary, matched, review, [similarity_to, *pages])
    for line in (moodle.lines() if moodle else []) + (
            worksheet_summary(sheet, [r.submission for r in summary.reports], moodle and moodle.names) if sheet else []):
        _say(line)
    if summary.faults:
        sys.exit(EXIT_FAULT)
    complete = summary.full == summary.count and not (matched and matched.missing)
    sys.exit(EXIT_FULL if complete else EXIT_PARTIAL)


def _languages(students: Roster, class_dir: Path) -> dict[str, str]:
    """Each student's language by folder name, from the roster's language column; the values
    that name no language cnngrade speaks are said once, and those students get the command's."""
    try:
        folders = [folder.name for folder in class_folders(class_dir)]
    except ClassError:
        return {}  # the batch says why, in its own words
    languages, unknown = student_languages(students, folders)
    if unknown:
        _say(ngettext("{n} student's language in the roster's column {column} is not fr or en ({values}): "
                      "they get the command's language ({lang}).",
                      "{n} students' languages in the roster's column {column} are not fr or en ({values}): "
                      "they get the command's language ({lang}).", len(unknown),
                      column=repr(students.lang_column), values=", ".join(sorted(set(unknown.values()))),
                      lang=current()))
    return languages


def _batch_summary(summary: Summary, matched, review, where: list[Path]) -> None:
    """The lines after a batch: the class, the roster's matching (matched: grader.classroom.roster's
    matching, None without a roster), the similarity review (where: the files that show every pair)."""
    for line in summary.lines(summary.count):
        _say(line)
    if matched and (text := matched.summary()):
        _say(f"  {text}.")
    if review is not None:
        for line in summary_lines(review, where):
            _say(line)


def _class_context(summary: Summary, students: Roster | None, review, moodle: MoodleClass | None,
                   decimal_comma: bool) -> ReportContext:
    return ReportContext(tuple(summary.reports), batch=True, roster=students, review=review,
                         names=moodle.names if moodle else None, decimal_separator="," if decimal_comma else ".")


def _moodle(class_dir: Path, out: Path, worksheet: Path | None,
            roster: Roster | None) -> tuple[MoodleClass | None, Worksheet | None]:
    """Moodle's download unpacked into a class folder under --out (None for a class folder), and
    the grading worksheet read before any grading (None when not given)."""
    sheet = read_worksheet(worksheet) if worksheet else None
    if not is_download(class_dir):
        return None, sheet
    if roster is not None:
        raise UserError(_("--roster names folders by login; with Moodle's download the grading worksheet "
                          "(--moodle-worksheet) is the class list"))
    moodle = prepare(class_dir, out)
    _say(_("Unpacked Moodle's download {folder}: {count} participants.", folder=class_dir,
           count=len(moodle.participants)))
    return moodle, sheet


def _similarity_destination(wanted: bool, csv_path: Path | None, out: Path) -> Path | None:
    """Where batch --similarity writes its CSV (None: not asked); a usage mistake before grading."""
    if not wanted:
        if csv_path is not None:
            raise UserError(_("--similarity-csv needs --similarity"))
        return None
    destination = csv_destination(csv_path, out)
    if csv_path is not None and not destination.parent.is_dir():
        raise UserError(_("cannot write the similarity CSV to {destination}: no such folder {folder}",
                          destination=destination, folder=destination.parent))
    return destination


@cnngrade.command(name="list", help=_("List the exercises of every installed pack, with what each grades and its points."))
def list_exercises() -> None:
    for exercise in _exercises(()):
        graded = ", ".join(exercise.functions or exercise.files)
        click.echo(_("{id} {points} pts  {title}  [{graded}]", id=f"{exercise.id:<18}",
                     points=f"{number(float(exercise.max_score)):>4}", title=exercise.title_text, graded=graded))


@cnngrade.command(help=_("Print the statement of exercise ID (Markdown)."))
@click.argument("exercise_id", metavar="ID")
def show(exercise_id: str) -> None:
    (exercise,) = _exercises((exercise_id,))
    click.echo(exercise.statement.rstrip())


@_pack_options
@cnngrade.command(help=_("Prove the checks of each exercise (default: all): the reference must get full marks "
                         "and every known-mistake mutant must lose points. Exit code 1 if a mutant survives."))
@click.argument("exercise_ids", nargs=-1, metavar="[ID]...")
@_examples_option()
@click.option("--jobs", "-j", type=click.IntRange(1, 256), default=min(2, _cores()), show_default=_("2 on 2+ cores"),
              help=_("Exercises proven at the same time, each in its own process."))
def selftest(exercise_ids: tuple[str, ...], examples: int | None, jobs: int, **kwargs) -> None:
    failed = False
    try:
        results = run_selftest(_exercises(exercise_ids), examples, jobs, _pack_values(kwargs))
    except FixtureMissing as missing:
        raise UserError(str(missing)) from None
    for result in results:
        ref = result.reference
        killed = len(result.killed)
        total = killed + len(result.survivors)
        click.echo(_("{exercise} reference {score}/{max_score}  mutants killed {killed}/{total} ({percent})",
                     exercise=f"{result.exercise.id:<22}", score=number(float(ref.score)),
                     max_score=number(float(ref.max_score)), killed=killed, total=total,
                     percent=percent(result.mutation_score)))
        for check in ref.checks:
            if not check.passed:
                click.echo(_("    reference fails {check}: {message}", check=check.name, message=check.message))
        for name in result.survivors:
            click.echo(_("    mutant survives: {mutant}", mutant=name))
        for fault in result.faults:
            click.echo(_("    grader fault: {fault}", fault=fault))
        if not result.exercise.has_mutants:
            click.echo(_("    no mutants: the checks are unproven"))
        failed = failed or not result.ok
    sys.exit(EXIT_PARTIAL if failed else EXIT_FULL)


@cnngrade.command(help=_paragraphs(
    _("Write a starter cnn.py into DIRECTORY: every function of the installed packs as a documented stub, "
      "in course order, and the files exercises give to start from (e.g. a trained model to build on) "
      "unless DIRECTORY has them already. With --ci, write the CI workflow of a student repository instead."),
    _("`cnngrade check DIRECTORY` then runs at once and reports every exercise as missing. With "
      "--notebook, cnn.ipynb: graded like cnn.py, without running its other cells (training, plots)."),
    "\b\n" + _("Examples:") + "\n"  # i18n: not for people (the command lines below)
    "  cnngrade init hw3/\n"
    "  cnngrade init --notebook hw3/      # " + _("cnn.ipynb, its last cell the self-check") + "\n"  # i18n: not for people
    "  cnngrade init --ci github hw3/     # " + _("then commit .github/workflows/cnngrade.yml")))  # i18n: not for people
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help=_("Overwrite an existing file (cnn.py, starter files, the workflow)."))
@click.option("--ci", type=click.Choice(["github", "gitlab"]), default=None,
              help=_("Write the CI workflow instead of cnn.py: .github/workflows/cnngrade.yml (GitHub "
                     "Actions, GitHub Classroom) or .gitlab-ci.yml. Every push runs `cnngrade check`, "
                     "keeps the JUnit XML and the HTML page, and fails when points are lost."))
@click.option("--install", metavar="SPEC", default=None,
              help=_("With --ci: the pip requirement that installs cnngrade in the runner, e.g. "
                     "\"cnngrade @ git+https://github.com/COURSE/cnngrade@v1\". Default: this version from PyPI."))
@click.option("--notebook", is_flag=True,
              help=_("Write a Jupyter notebook cnn.ipynb instead: per exercise its statement and its stub, "
                     "and a last cell that runs the self-check (needs the notebook extra: "
                     "pip install 'cnngrade[notebook]')."))
@_exercise_option(_("Only this exercise (repeatable): the stubs written, or the exercises the workflow checks."))
def init(directory: Path, force: bool, ci: str | None, install: str | None, notebook: bool,
         exercise_ids: tuple[str, ...]) -> None:
    if install and not ci:
        raise UserError(_("--install goes with --ci (the pip requirement the CI runner installs)"))
    if ci:
        init_ci(ci, directory, install, tuple(e.id for e in _exercises(exercise_ids)) if exercise_ids else (), force)
        return
    target = directory / ("cnn.ipynb" if notebook else "cnn.py")
    if target.exists() and not force:
        raise UserError(_("{target} exists already (use --force to overwrite it)", target=target))
    if notebook:
        try:
            import nbformat  # noqa: F401  (the optional extra cnngrade[notebook])
        except ImportError:
            raise UserError(_("writing a notebook needs nbformat: pip install 'cnngrade[notebook]'")) from None

        directory.mkdir(parents=True, exist_ok=True)
        starter_notebook(_exercises(exercise_ids), target)
        click.echo(_("wrote {target}; open it in Jupyter: its last cell grades it", target=target))
        return
    directory.mkdir(parents=True, exist_ok=True)
    target.write_text(starter_module(_exercises(exercise_ids)))
    for copied in copy_starter_files(_exercises(exercise_ids), directory, force):  # e.g. a model to build on
        click.echo(_("wrote {path}", path=copied))
    click.echo(_("wrote {target}; now run: cnngrade check {directory}", target=target, directory=directory))


# -- packaging for LMSs and CI (grader/autograder) -------------------------------------------
cnngrade.add_command(autograder)


def _with_language_option(command: click.Command) -> None:
    """--lang on every command and group (grader.cli reads it before the commands are built)."""
    command.params.append(click.Option(
        ["--lang"], type=click.Choice(LANGUAGES), expose_value=False, metavar="fr|en",
        help=_("The language of every message, page and report (default: the locale, else English).")))
    for sub in getattr(command, "commands", {}).values():
        _with_language_option(sub)


_with_language_option(cnngrade)

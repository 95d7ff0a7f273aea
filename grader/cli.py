"""The `cnngrade` command line: small commands over grader.api, grader.classroom.batch and grader.selftest.

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
from grader.classroom.batch import BatchInterrupted, ClassError, Summary, grade_class_folder
from grader.classroom.executors import ClusterError
from grader.classroom.moodle import MoodleClass, MoodleError, is_download, prepare
from grader.classroom.roster import Roster, RosterError, matching, read_roster
from grader.classroom.worksheet import Worksheet, WorksheetError, read_worksheet, summary as worksheet_summary
from grader.grading.exercise import SpecError
from grader.grading.fixtures import Fixtures
from grader.grading.selftest import selftest as run_selftest
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
        _say(f"cnngrade: error: {self.message}", err=True)


class GraderFault(click.ClickException):
    """A fault of the grader or of an installed exercise pack: one line on stderr and exit code 3."""

    exit_code = EXIT_FAULT

    def show(self, file=None) -> None:
        _say(f"cnngrade: grader fault: {self.message}", err=True)


def _say(text: str, err: bool = False) -> None:
    """A line that may hold something of a submission (a name, a message), as a terminal may show it."""
    click.echo(printable(text), err=err)


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


# -- shared options -----------------------------------------------------------------------

def _exercise_option(help_text: str):
    return click.option("--exercise", "-e", "exercise_ids", multiple=True, metavar="ID", help=help_text)


def _examples_option(help_text: str = "Hypothesis examples per property check (default: each exercise's own)."):
    return click.option("--examples", type=click.IntRange(1, 10000), default=None, help=help_text)


def _sandbox_jobs_option(command):
    return click.option("--jobs", "-j", type=click.IntRange(1, 2), default=min(2, _cores()),
                        show_default="2 on 2+ cores",
                        help="The Python exercises are graded in two sandboxes: 2 grades them at once, 1 one "
                             "after the other. The result is the same.")(command)


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
    """A --NAME DESTINATION option for every installed reporter (json, html, ...)."""
    def decorate(command):
        for reporter in reversed(list(all_reporters().values())):
            metavar = getattr(reporter, "batch_metavar", reporter.metavar) if batch else reporter.metavar
            help_text = getattr(reporter, "batch_help", reporter.help) if batch else reporter.help
            command = click.option(f"--{reporter.name.replace('_', '-')}", f"report_{reporter.name}", metavar=metavar,
                                   type=click.Path(dir_okay=metavar == "DIR", path_type=Path),
                                   help=help_text)(command)
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

@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cnngrade")
def main() -> None:
    """Grade convolutional-network exercises written in NumPy.

    Student code runs in a sandboxed process with resource limits; a trusted NumPy reference
    and Hypothesis property checks decide each verdict. Exit codes: 0 full marks, 1 graded
    but not full marks, 2 a usage mistake, 3 a fault of the grader.
    """


def _grade(directory: str, mode: str, exercise_ids: tuple[str, ...], examples: int | None, jobs: int,
           kwargs: dict) -> None:
    fixtures = Fixtures(_pack_values(kwargs))
    selected = _exercises(exercise_ids)
    try:
        folder = submission_folder(directory, selected)
    except SubmissionError as exc:
        raise UserError(str(exc)) from None
    try:
        report = grade(folder, selected, mode=mode, examples=examples, fixtures=fixtures, jobs=jobs)
    except SubmissionError as exc:  # e.g. a notebook that cannot be read
        raise UserError(str(exc)) from None
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # noqa: BLE001  (a bug of ours: one line and exit 3, not a traceback)
        raise GraderFault(f"grading stopped: {type(exc).__name__}: {exc}") from None
    click.echo(render(report, color=sys.stdout.isatty()))
    _write(ReportContext((report,)), kwargs)
    for problem in fixtures.usage_problems():
        raise UserError(problem)
    if report.grader_faults:
        for fault in report.grader_faults:
            _say(f"cnngrade: grader fault: {fault}", err=True)
        sys.exit(EXIT_FAULT)
    sys.exit(EXIT_FULL if report.full_marks else EXIT_PARTIAL)


@_pack_options
@main.command()
@click.argument("directory", type=click.Path(file_okay=True, dir_okay=True))
@_exercise_option("Grade only this exercise (repeatable). Default: all of them.")
@_examples_option()
@_sandbox_jobs_option
@_reporter_options(batch=False)
def submit(directory: str, exercise_ids: tuple[str, ...], examples: int | None, jobs: int, **kwargs) -> None:
    """Grade DIRECTORY (a folder with cnn.py, or a notebook cnn.ipynb) on every check, visible and hidden.

    Prints a summary and writes any report asked for, e.g. --json result.json.
    """
    _grade(directory, "submit", exercise_ids, examples, jobs, kwargs)


@_pack_options
@main.command()
@click.argument("directory", type=click.Path(file_okay=True, dir_okay=True), default=".")
@_exercise_option("Check only this exercise (repeatable).")
@_examples_option("Hypothesis examples per property check (default: a quarter of submit's).")
@_sandbox_jobs_option
@_reporter_options(batch=False)
def check(directory: str, exercise_ids: tuple[str, ...], examples: int | None, jobs: int, **kwargs) -> None:
    """A student's quick run: the visible checks of DIRECTORY (default: here), fewer examples.

    The same engine as submit; hidden checks count only when submitted. An exercise whose data
    (e.g. a data set) is not on this machine is listed as not graded, with the reason.
    """
    _grade(directory, "check", exercise_ids, examples, jobs, kwargs)


@_pack_options
@main.command()
@click.argument("class_dir", metavar="CLASS_DIR", type=click.Path(path_type=Path))
@_exercise_option("Grade only this exercise (repeatable). Default: all of them.")
@_examples_option()
@click.option("--jobs", "-j", type=click.IntRange(1, 256), default=_cores(), show_default="the number of cores",
              help="Students graded at the same time, each in its own grading process (or, with "
                   "--scheduler local, the number of Dask workers).")
@click.option("--student-timeout", type=click.FloatRange(1, None), default=None, metavar="SECONDS",
              help="Time budget of one student; what it leaves ungraded is 'timeout', with the reason. "
                   "Default: what the exercises' limits allow a hostile submission.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("reports"),
              show_default=True, metavar="DIR",
              help="The results store and every output (see below). Run the same command again and only "
                   "the students whose files, or whose grading options, changed are graded again.")
@click.option("--regrade", is_flag=True, help="Grade every student again, whatever the store holds.")
@click.option("--scheduler", metavar="ADDRESS", default=None,
              help="Grade on a Dask cluster: tcp://HOST:8786 (workers started with `dask worker`), or "
                   "'local' for a LocalCluster of --jobs workers here. Needs cnngrade[dask].")
@click.option("--similarity", is_flag=True,
              help="After grading, compare every pair of students on the graded functions' code (starter "
                   "code set aside) and the graded files (identical copies), for review: a CSV of every pair, "
                   "a section of the class page and a side-by-side page per listed pair (see below).")
@click.option("--similarity-csv", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Where --similarity writes its CSV (student_a, student_b, score, matching_functions). "
                   "Default: DIR/similarity.csv of --out DIR.")
@click.option("--roster", type=click.Path(dir_okay=False, exists=True, path_type=Path), metavar="FILE",
              help="The class list as the LMS exports it (Canvas: Student, ID, SIS User ID, SIS Login ID, "
                   "Section; Moodle: First name, Last name, ID number, ...): the gradebook then has its "
                   "identity columns and a row per roster student, and the summary and the class page list "
                   "who is missing and which folders are unknown.")
@click.option("--roster-key", metavar="COLUMN", default="SIS Login ID", show_default=True,
              help="The roster column the folder names are (e.g. \"Email address\" or \"Username\" for Moodle).")
@click.option("--decimal-comma", is_flag=True,
              help="Write the gradebook CSV's numbers with a decimal comma (8,5), as Moodle reads them in a "
                   "language whose decimal separator is a comma (French).")
@_reporter_options(batch=True)
def batch(class_dir: Path, exercise_ids: tuple[str, ...], examples: int | None, jobs: int,
          student_timeout: float | None, out: Path, regrade: bool, scheduler: str | None, similarity: bool,
          similarity_csv: Path | None, roster: Path | None, roster_key: str, decimal_comma: bool, **kwargs) -> None:
    """Grade a whole class: every subfolder of CLASS_DIR is one student's submission, or CLASS_DIR
    is a Moodle assignment's "Download all submissions" (the ZIP, or its folder).

    A subfolder's name is the student's id in every report. Each is graded as `submit` grades
    it (every check, visible and hidden). A subfolder without cnn.py gets a row with zero points
    and that reason; one student's crash, hang or memory bomb costs that student only. A
    progress bar shows on a terminal (a line per student in a log), and a summary at the end.

    Each result is kept in DIR/store/ as it finishes (--out DIR): after Ctrl-C, a crash or a
    kill, the same command grades only the students still missing. The outputs are written
    from the store at the end (and on Ctrl-C): DIR/index.html (the class page) and
    DIR/students/<student>.html, DIR/results/<student>.json (as `submit --json` writes it),
    DIR/grades.csv, DIR/junit.xml and DIR/gradescope/<student>/results.json.

    \b
    More reports where you want them (any combination):
      --html DIR        the class page DIR/index.html and DIR/students/<student>.html
      --json FILE       a JSON list, one result (schema cnngrade/result-2) per student
      --csv FILE        a gradebook: Student, ID, SIS User ID, SIS Login ID, Section,
                        Total, one column per exercise (Canvas and Moodle import it);
                        with --roster, the roster's columns, a row per roster student
                        ("no submission" without a folder), unknown folders in
                        FILE's sibling <name>.unknown.csv
      --junit FILE      JUnit XML: a testsuite per student and exercise
      --gradescope DIR  DIR/<student>/results.json, Gradescope's format

    \b
    Moodle (see the README's "Moodle" section):
      CLASS_DIR         the ZIP of "Download all submissions" (or its folder):
                        each participant's cnn.py or notebook is found wherever
                        they put it (their own ZIP unpacked within limits);
                        the participant id is the student id, the full name
                        shown beside it; who had nothing to grade, and why
      --moodle-worksheet FILE  the offline grading worksheet, filled:
                        FILE-graded.csv beside it (upload it back)
      DIR/moodle-feedback.zip  each student's page as a feedback file
                        ("Upload multiple feedback files in a zip")

    \b
    Class integrity, for review (no points change):
      --similarity      every pair of students compared on the graded functions
                        (starter code set aside), ranked: DIR/similarity.csv (or
                        --similarity-csv FILE); the class page's section "similar
                        submissions, for review" with side-by-side pages in
                        DIR/similarity/ (and in the --html folder); identical
                        model files
      A result a check flags for review (e.g. a model that does better on the
      test images than on training images) is listed on the class page and on
      the student's page under "For review".

    \b
    Exit status:
      0  every student has full marks
      1  graded; some student lost points (or, with --roster, has no folder)
      2  a usage mistake: no such folder, no student folder in it, unknown exercise
      3  the grader failed on some student (that row is zero, the reason on stderr)
      130  interrupted (Ctrl-C): what was graded is kept; run the command again

    \b
    Examples:
      cnngrade batch class/ --out reports/
      cnngrade batch class/ --roster canvas-export.csv
      cnngrade batch class/ --scheduler tcp://10.0.0.5:8786
      cnngrade batch submissions.zip --moodle-worksheet Grades.csv
    """
    options = _pack_values(kwargs)
    selected = _exercises(exercise_ids)
    similarity_to = _similarity_destination(similarity, similarity_csv, out)
    if scheduler:
        try:
            import distributed  # noqa: F401  (the optional extra cnngrade[dask])
        except ImportError:
            raise UserError("--scheduler needs Dask distributed: pip install 'cnngrade[dask]'") from None
    try:
        students = read_roster(roster, roster_key) if roster else None
        moodle, sheet = _moodle(class_dir, out, kwargs.get("report_moodle_worksheet"), students)
        students = sheet.roster() if moodle and sheet else students
        summary = grade_class_folder(moodle.folder if moodle else class_dir, selected, examples, jobs, options,
                                     _say, out=out, regrade=regrade, budget=student_timeout,
                                     scheduler=scheduler, reasons=moodle.reasons if moodle else None)
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
    _batch_summary(summary, students, review, [similarity_to, *pages])
    for line in (moodle.lines() if moodle else []) + (
            worksheet_summary(sheet, [r.submission for r in summary.reports], moodle and moodle.names) if sheet else []):
        _say(line)
    if summary.faults:
        sys.exit(EXIT_FAULT)
    matched = matching(summary.reports, students) if students else None
    complete = summary.full == summary.count and not (matched and matched.missing)
    sys.exit(EXIT_FULL if complete else EXIT_PARTIAL)


def _batch_summary(summary: Summary, students: Roster | None, review, where: list[Path]) -> None:
    """The lines after a batch: the class, the roster's matching, the similarity review (where:
    the files that show every pair)."""
    for line in summary.lines(summary.count):
        _say(line)
    matched = matching(summary.reports, students) if students else None
    if matched and matched.summary():
        _say(f"  {matched.summary()}.")
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
        raise UserError("--roster names folders by login; with Moodle's download the grading worksheet "
                        "(--moodle-worksheet) is the class list")
    moodle = prepare(class_dir, out)
    _say(f"Unpacked Moodle's download {class_dir}: {len(moodle.participants)} participants.")
    return moodle, sheet


def _similarity_destination(wanted: bool, csv_path: Path | None, out: Path) -> Path | None:
    """Where batch --similarity writes its CSV (None: not asked); a usage mistake before grading."""
    if not wanted:
        if csv_path is not None:
            raise UserError("--similarity-csv needs --similarity")
        return None
    destination = csv_destination(csv_path, out)
    if csv_path is not None and not destination.parent.is_dir():
        raise UserError(f"cannot write the similarity CSV to {destination}: no such folder {destination.parent}")
    return destination


@main.command(name="list")
def list_exercises() -> None:
    """List the exercises of every installed pack, with what each grades and its points."""
    for exercise in _exercises(()):
        graded = ", ".join(exercise.functions or exercise.files)
        click.echo(f"{exercise.id:<18} {exercise.max_score:>4g} pts  {exercise.title}  [{graded}]")


@main.command()
@click.argument("exercise_id", metavar="ID")
def show(exercise_id: str) -> None:
    """Print the statement of exercise ID (Markdown)."""
    (exercise,) = _exercises((exercise_id,))
    click.echo(exercise.statement.rstrip())


@_pack_options
@main.command()
@click.argument("exercise_ids", nargs=-1, metavar="[ID]...")
@_examples_option()
@click.option("--jobs", "-j", type=click.IntRange(1, 256), default=min(2, _cores()), show_default="2 on 2+ cores",
              help="Exercises proven at the same time, each in its own process.")
def selftest(exercise_ids: tuple[str, ...], examples: int | None, jobs: int, **kwargs) -> None:
    """Prove the checks of each exercise (default: all): the reference must get full marks
    and every known-mistake mutant must lose points. Exit code 1 if a mutant survives.
    """
    failed = False
    try:
        results = run_selftest(_exercises(exercise_ids), examples, jobs, _pack_values(kwargs))
    except FixtureMissing as missing:
        raise UserError(str(missing)) from None
    for result in results:
        ref = result.reference
        killed = len(result.killed)
        total = killed + len(result.survivors)
        click.echo(f"{result.exercise.id:<22} reference {ref.score:g}/{ref.max_score:g}  "
                   f"mutants killed {killed}/{total} ({result.mutation_score:.0%})")
        for check in ref.checks:
            if not check.passed:
                click.echo(f"    reference fails {check.name}: {check.message}")
        for name in result.survivors:
            click.echo(f"    mutant survives: {name}")
        for fault in result.faults:
            click.echo(f"    grader fault: {fault}")
        if not result.exercise.has_mutants:
            click.echo("    no mutants: the checks are unproven")
        failed = failed or not result.ok
    sys.exit(EXIT_PARTIAL if failed else EXIT_FULL)


@main.command()
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite an existing file (cnn.py, starter files, the workflow).")
@click.option("--ci", type=click.Choice(["github", "gitlab"]), default=None,
              help="Write the CI workflow instead of cnn.py: .github/workflows/cnngrade.yml (GitHub "
                   "Actions, GitHub Classroom) or .gitlab-ci.yml. Every push runs `cnngrade check`, "
                   "keeps the JUnit XML and the HTML page, and fails when points are lost.")
@click.option("--install", metavar="SPEC", default=None,
              help="With --ci: the pip requirement that installs cnngrade in the runner, e.g. "
                   "\"cnngrade @ git+https://github.com/COURSE/cnngrade@v1\". Default: this version from PyPI.")
@click.option("--notebook", is_flag=True,
              help="Write a Jupyter notebook cnn.ipynb instead: per exercise its statement and its stub, "
                   "and a last cell that runs the self-check (needs the notebook extra: "
                   "pip install 'cnngrade[notebook]').")
@_exercise_option("Only this exercise (repeatable): the stubs written, or the exercises the workflow checks.")
def init(directory: Path, force: bool, ci: str | None, install: str | None, notebook: bool,
         exercise_ids: tuple[str, ...]) -> None:
    """Write a starter cnn.py into DIRECTORY: every function of the installed packs as a
    documented stub, in course order, and the files exercises give to start from (e.g. a
    trained model to build on) unless DIRECTORY has them already. With --ci, write the CI
    workflow of a student repository instead.

    `cnngrade check DIRECTORY` then runs at once and reports every exercise as missing. With
    --notebook, cnn.ipynb: graded like cnn.py, without running its other cells (training, plots).

    \b
    Examples:
      cnngrade init hw3/
      cnngrade init --notebook hw3/      # cnn.ipynb, its last cell the self-check
      cnngrade init --ci github hw3/     # then commit .github/workflows/cnngrade.yml
    """
    if install and not ci:
        raise UserError("--install goes with --ci (the pip requirement the CI runner installs)")
    if ci:
        init_ci(ci, directory, install, tuple(e.id for e in _exercises(exercise_ids)) if exercise_ids else (), force)
        return
    target = directory / ("cnn.ipynb" if notebook else "cnn.py")
    if target.exists() and not force:
        raise UserError(f"{target} exists already (use --force to overwrite it)")
    if notebook:
        try:
            import nbformat  # noqa: F401  (the optional extra cnngrade[notebook])
        except ImportError:
            raise UserError("writing a notebook needs nbformat: pip install 'cnngrade[notebook]'") from None

        directory.mkdir(parents=True, exist_ok=True)
        starter_notebook(_exercises(exercise_ids), target)
        click.echo(f"wrote {target}; open it in Jupyter: its last cell grades it")
        return
    directory.mkdir(parents=True, exist_ok=True)
    target.write_text(starter_module(_exercises(exercise_ids)))
    for copied in copy_starter_files(_exercises(exercise_ids), directory, force):  # e.g. a model to build on
        click.echo(f"wrote {copied}")
    click.echo(f"wrote {target}; now run: cnngrade check {directory}")


# -- packaging for LMSs and CI (grader/autograder) -------------------------------------------
main.add_command(autograder)


if __name__ == "__main__":
    main()

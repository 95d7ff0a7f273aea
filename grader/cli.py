"""The `cnngrade` command line.

Exit codes: 0 full marks, 1 graded but not full marks, 2 the user's mistake (no such folder, no
cnn.py, unknown exercise id), 3 a fault of the grader itself.
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import click

from grader import __version__

EXIT_FULL, EXIT_PARTIAL, EXIT_USAGE, EXIT_FAULT = 0, 1, 2, 3
STARTER = Path(__file__).with_name("starter") / "cnn.py"
MNIST_HELP = ("Folder with the four MNIST files (*-ubyte.gz) or Keras' mnist.npz, for mnist_cnn and "
              "cnn_forward. Default: $CNNGRADE_MNIST, then Keras' cache (~/.keras/datasets), then "
              "Keras' download when online.")


class UserError(click.ClickException):
    """One clear line on stderr and exit code 2."""

    exit_code = EXIT_USAGE

    def show(self, file=None) -> None:
        click.echo(f"cnngrade: error: {self.message}", err=True)


class GraderFault(click.ClickException):
    """A fault of the grader or of an installed exercise pack: one line on stderr and exit code 3."""

    exit_code = EXIT_FAULT

    def show(self, file=None) -> None:
        click.echo(f"cnngrade: grader fault: {self.message}", err=True)


def _default_jobs() -> int:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return min(2, cores)  # the NumPy exercises are graded in two sandboxes: more would idle


def _exercises(ids: tuple[str, ...]):
    from grader.exercise import SpecError, select

    try:
        return select(ids)
    except KeyError as exc:
        raise UserError(f"unknown exercise id {exc.args[0]!r} (see `cnngrade list`)") from None
    except SpecError as exc:
        raise GraderFault(str(exc)) from None


def _submission_folder(path: str) -> Path:
    folder = Path(path)
    if not folder.exists():
        raise UserError(f"no such folder: {path}")
    if not folder.is_dir():
        raise UserError(f"not a folder: {path} (give the folder that holds cnn.py)")
    if not (folder / "cnn.py").exists():
        raise UserError(f"{path} has no cnn.py (run `cnngrade init {path}` to start one)")
    from grader.submission import problem

    reason = problem(folder)
    if reason:
        raise UserError(f"cannot grade {path}: {reason}")
    return folder


def _reporter_options(command):
    """Add a --NAME DESTINATION option for every installed file reporter (json, html, ...)."""
    from grader.reporters import all_reporters

    for reporter in reversed(list(all_reporters().values())):
        command = click.option(f"--{reporter.name}", f"report_{reporter.name}", metavar=reporter.metavar,
                               type=click.Path(dir_okay=reporter.metavar == "DIR", path_type=Path),
                               help=reporter.help)(command)
    return command


def _batch_reporter_options(command):
    """batch's --NAME DESTINATION options: the same reporters, with their batch destination."""
    from grader.reporters import all_reporters

    for reporter in reversed(list(all_reporters().values())):
        metavar = getattr(reporter, "batch_metavar", reporter.metavar)
        command = click.option(f"--{reporter.name}", f"report_{reporter.name}", metavar=metavar,
                               type=click.Path(dir_okay=metavar == "DIR", path_type=Path),
                               help=getattr(reporter, "batch_help", reporter.help))(command)
    return command


def _write_reports(reports, options: dict, batch: bool = False, reporters: dict | None = None) -> None:
    from grader.reporters import all_reporters, batch_writer

    for name, reporter in (reporters or all_reporters()).items():
        destination = options.get(f"report_{name}")
        if destination is not None:
            try:
                (batch_writer(reporter) if batch else reporter.write)(reports, destination)
            except OSError as exc:
                raise UserError(f"cannot write the {name} report to {destination}: {exc.strerror}") from None


def _mnist(directory: Path | None, exercises):
    """MNIST for the exercises that need it, found now: not found is one clear line (exit 2)."""
    from grader.mnist import Mnist, needed_by

    mnist = Mnist(directory)
    problem = mnist.prepare() if needed_by(exercises) else ""
    if problem:
        raise UserError(problem)
    return mnist


def _grade(directory: str, mode: str, exercise_ids: tuple[str, ...], examples: int | None, options: dict,
           mnist_dir: Path | None, jobs: int) -> None:
    from grader.grading import grade_submission
    from grader.reporters.terminal import render

    folder = _submission_folder(directory)
    exercises = _exercises(exercise_ids)
    try:
        report = grade_submission(folder, exercises, mode=mode, examples=examples,
                                  mnist=_mnist(mnist_dir, exercises), jobs=jobs)
    except (UserError, KeyboardInterrupt):
        raise
    except Exception as exc:  # noqa: BLE001  (a bug of ours: one line and exit 3, not a traceback)
        raise GraderFault(f"grading stopped: {type(exc).__name__}: {exc}") from None
    click.echo(render(report, color=sys.stdout.isatty()))
    _write_reports([report], options)
    if report.grader_faults:
        for fault in report.grader_faults:
            click.echo(f"cnngrade: grader fault: {fault}", err=True)
        sys.exit(EXIT_FAULT)
    sys.exit(EXIT_FULL if report.score == report.max_score else EXIT_PARTIAL)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cnngrade")
def main() -> None:
    """Grade convolutional-network exercises written in NumPy.

    Student code runs in a sandboxed process with resource limits; a trusted NumPy reference
    and Hypothesis property checks decide each verdict. Exit codes: 0 full marks, 1 graded
    but not full marks, 2 a usage mistake, 3 a fault of the grader.
    """


@main.command()
@click.argument("directory", type=click.Path(file_okay=True, dir_okay=True))
@click.option("--exercise", "-e", "exercise_ids", multiple=True, metavar="ID",
              help="Grade only this exercise (repeatable). Default: all of them.")
@click.option("--examples", type=click.IntRange(1, 10000), default=None,
              help="Hypothesis examples per property check (default: each exercise's own).")
@click.option("--mnist", "mnist_dir", metavar="DIR", type=click.Path(path_type=Path), default=None,
              help=MNIST_HELP)
@click.option("--jobs", "-j", type=click.IntRange(1, 2), default=_default_jobs(), show_default="2 on 2+ cores",
              help="The NumPy exercises are graded in two sandboxes: 2 grades them at once, 1 one after "
                   "the other. The result is the same.")
@_reporter_options
def submit(directory: str, exercise_ids: tuple[str, ...], examples: int | None, mnist_dir: Path | None, jobs: int,
           **reports) -> None:
    """Grade DIRECTORY (a folder with cnn.py) on every check, visible and hidden.

    Prints a summary and writes any report asked for, e.g. --json result.json.
    """
    _grade(directory, "submit", exercise_ids, examples, reports, mnist_dir, jobs)


@main.command()
@click.argument("directory", type=click.Path(file_okay=True, dir_okay=True), default=".")
@click.option("--exercise", "-e", "exercise_ids", multiple=True, metavar="ID",
              help="Check only this exercise (repeatable).")
@click.option("--examples", type=click.IntRange(1, 10000), default=None,
              help="Hypothesis examples per property check (default: a quarter of submit's).")
@click.option("--mnist", "mnist_dir", metavar="DIR", type=click.Path(path_type=Path), default=None,
              help=MNIST_HELP)
@click.option("--jobs", "-j", type=click.IntRange(1, 2), default=_default_jobs(), show_default="2 on 2+ cores",
              help="The NumPy exercises are graded in two sandboxes: 2 grades them at once, 1 one after "
                   "the other. The result is the same.")
@_reporter_options
def check(directory: str, exercise_ids: tuple[str, ...], examples: int | None, mnist_dir: Path | None, jobs: int,
          **reports) -> None:
    """A student's quick run: the visible checks of DIRECTORY (default: here), fewer examples.

    The same engine as submit; hidden checks count only when submitted.
    """
    _grade(directory, "check", exercise_ids, examples, reports, mnist_dir, jobs)


@main.command()
@click.argument("class_dir", metavar="CLASS_DIR", type=click.Path(path_type=Path))
@click.option("--exercise", "-e", "exercise_ids", multiple=True, metavar="ID",
              help="Grade only this exercise (repeatable). Default: all of them.")
@click.option("--examples", type=click.IntRange(1, 10000), default=None,
              help="Hypothesis examples per property check (default: each exercise's own).")
@click.option("--jobs", "-j", type=click.IntRange(1, 256), default=1, show_default=True,
              help="Grade N students at the same time, each in its own process.")
@click.option("--mnist", "mnist_dir", metavar="DIR", type=click.Path(path_type=Path), default=None,
              help=MNIST_HELP)
@_batch_reporter_options
def batch(class_dir: Path, exercise_ids: tuple[str, ...], examples: int | None, jobs: int,
          mnist_dir: Path | None, **reports) -> None:
    """Grade a whole class: every subfolder of CLASS_DIR is one student's submission.

    A subfolder's name is the student's id in every report. Each is graded as `submit` grades
    it (every check, visible and hidden). A subfolder without cnn.py gets a row with zero points
    and that reason; one student's crash, hang or memory bomb costs that student only. A line
    is printed, and every report asked for written again, as each student finishes.

    \b
    Reports (any combination):
      --html DIR        the class page DIR/index.html (score histogram, pass rate of
                        each check, frequent mistakes, a sortable table) and each
                        student's page DIR/students/<student>.html
      --json FILE       a JSON list, one result (schema cnngrade/result-1) per student
      --csv FILE        a gradebook: Student, ID, SIS User ID, SIS Login ID, Section,
                        Total, one column per exercise (Canvas and Moodle import it)
      --junit FILE      JUnit XML: a testsuite per student and exercise
      --gradescope DIR  DIR/<student>/results.json, Gradescope's format

    \b
    Exit status:
      0  every student has full marks
      1  graded; some student lost points
      2  a usage mistake: no such folder, no student folder in it, unknown exercise
      3  the grader failed on some student (that row is zero, the reason on stderr)

    \b
    Example:
      cnngrade batch class/ --jobs 2 --html reports/ --csv grades.csv
    """
    from grader.batch import grade_class, student_folders
    from grader.reporters import all_reporters

    if not class_dir.exists():
        raise UserError(f"no such folder: {class_dir}")
    if not class_dir.is_dir():
        raise UserError(f"not a folder: {class_dir} (give the folder that holds one subfolder per student)")
    exercises = _exercises(exercise_ids)
    folders = student_folders(class_dir)
    if not folders:
        advice = (" (it holds a cnn.py: grade one submission with `cnngrade submit`)"
                  if (class_dir / "cnn.py").is_file() else "")
        raise UserError(f"{class_dir} has no student folder: expected one subfolder per student, "
                        f"each with a cnn.py{advice}")
    mnist = _mnist(mnist_dir, exercises)
    ids = tuple(e.id for e in exercises)
    reporters = all_reporters()
    finished: dict[str, object] = {}
    faults: list[str] = []

    def on_result(folder: Path, outcome) -> None:
        report = outcome.report
        finished[folder.name] = report
        note = ""
        checks = [c for e in report.exercises for c in e.checks]
        if checks and all(c.status == "missing" for c in checks) and len({c.message for c in checks}) == 1:
            note = f"  ({checks[0].message})"
        took = f" in {outcome.seconds:.0f} s" if outcome.seconds else ""
        click.echo(f"[{len(finished)}/{len(folders)}] {folder.name}: "
                   f"{report.score:g}/{report.max_score:g}{took}{note}")
        for fault in outcome.faults:
            click.echo(f"cnngrade: grader fault: {fault}", err=True)
        faults.extend(outcome.faults)
        in_order = [finished[f.name] for f in folders if f.name in finished]
        _write_reports(in_order, reports, batch=True, reporters=reporters)

    grade_class(folders, ids, examples, jobs, on_result, mnist=mnist)
    results = [finished[f.name] for f in folders]
    full = sum(1 for r in results if r.score == r.max_score)
    click.echo(f"{len(results)} students graded: {full} with full marks.")
    if faults:
        sys.exit(EXIT_FAULT)
    sys.exit(EXIT_FULL if full == len(results) else EXIT_PARTIAL)


@main.command(name="list")
def list_exercises() -> None:
    """List the exercises of every installed pack, with their functions and points."""
    for exercise in _exercises(()):
        graded = ", ".join(exercise.functions) if exercise.kind == "python" else "model.keras"
        click.echo(f"{exercise.id:<18} {exercise.max_score:>4g} pts  {exercise.title}  [{graded}]")


@main.command()
@click.argument("exercise_id", metavar="ID")
def show(exercise_id: str) -> None:
    """Print the statement of exercise ID (Markdown)."""
    (exercise,) = _exercises((exercise_id,))
    click.echo(exercise.statement.rstrip())


@main.command()
@click.argument("exercise_ids", nargs=-1, metavar="[ID]...")
@click.option("--examples", type=click.IntRange(1, 10000), default=None,
              help="Hypothesis examples per property check (default: each exercise's own).")
@click.option("--jobs", "-j", type=click.IntRange(1, 256), default=_default_jobs(), show_default="2 on 2+ cores",
              help="Exercises proven at the same time, each in its own process.")
@click.option("--mnist", "mnist_dir", metavar="DIR", type=click.Path(path_type=Path), default=None,
              help=MNIST_HELP)
def selftest(exercise_ids: tuple[str, ...], examples: int | None, jobs: int, mnist_dir: Path | None) -> None:
    """Prove the checks of each exercise (default: all): the reference must get full marks
    and every known-mistake mutant must lose points. Exit code 1 if a mutant survives.
    """
    from grader.selftest import selftest as run_selftest

    failed = False
    exercises = _exercises(exercise_ids)
    for result in run_selftest(exercises, examples, jobs, _mnist(mnist_dir, exercises)):
        ref = result.reference
        killed = len(result.killed)
        total = killed + len(result.survivors)
        line = (f"{result.exercise.id:<22} reference {ref.score:g}/{ref.max_score:g}  "
                f"mutants killed {killed}/{total} ({result.mutation_score:.0%})")
        click.echo(line)
        for check in ref.checks:
            if check.status != "passed":
                click.echo(f"    reference fails {check.name}: {check.message}")
        for name in result.survivors:
            click.echo(f"    mutant survives: {name}")
        for fault in result.faults:
            click.echo(f"    grader fault: {fault}")
        if not result.exercise.mutants:
            click.echo("    no mutants: the checks are unproven")
        failed = failed or not result.ok
    sys.exit(EXIT_PARTIAL if failed else EXIT_FULL)


@main.command()
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite an existing cnn.py.")
def init(directory: Path, force: bool) -> None:
    """Write a starter cnn.py into DIRECTORY: every function of the course as a documented stub.

    `cnngrade check DIRECTORY` then runs at once and reports every exercise as missing.
    """
    target = directory / "cnn.py"
    if target.exists() and not force:
        raise UserError(f"{target} exists already (use --force to overwrite it)")
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(STARTER, target)
    click.echo(f"wrote {target}; now run: cnngrade check {directory}")


if __name__ == "__main__":
    main()

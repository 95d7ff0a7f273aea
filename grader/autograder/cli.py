"""`cnngrade autograder ...`: package the grader for Gradescope and PrairieLearn; and `init_ci`,
the body of `cnngrade init --ci github|gitlab DIR`.

grader/cli.py registers the group (`cnngrade autograder`); it also runs on its own:
`python -m grader.autograder.cli gradescope OUT.zip`.
"""
from __future__ import annotations

from pathlib import Path

import click

from grader.autograder.bundle import BundleError
from grader.autograder.ci import write_ci
from grader.autograder.gradescope import build_zip
from grader.autograder.prairielearn import write_image
from grader.i18n import _, current


class _Failed(click.ClickException):
    """One line on stderr and exit code 2 (the user's mistake: a bad option, unusable data)."""

    exit_code = 2

    def show(self, file=None) -> None:
        click.echo(_("cnngrade: error: {message}", message=self.message), err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, help="\n\n".join([
    _("Package cnngrade as an LMS autograder: a Gradescope zip or a PrairieLearn image."),
    _("Both grade with `cnngrade submit`, pin every dependency to the version installed here, ship cnngrade as a "
      "wheel built from this source checkout, and always write a results file, also when the submission or the "
      "grader crashes (score 0, saying what happened)."),
    _("Students read the autograder's messages in the command's language (--lang).")]))
def autograder() -> None:
    """The `cnngrade autograder` group (its help is the catalog's, above)."""


def _bundle_options(timeout: click.IntRange, default: str):
    """The options both autograders take: the exercises, bundled data, the warm-up, the time limit
    (default: the sentence that gives the default time limit)."""
    def decorate(command):
        for option in reversed([
                click.option("--exercise", "-e", "exercises", multiple=True, metavar="ID",
                             help=_("Grade only this exercise (repeatable). Default: every exercise.")),
                click.option("--data", "data", multiple=True, metavar="NAME=PATH",
                             help=_("Bundle PATH (a folder, or a file) as data/NAME/ and grade with --NAME data/NAME, "
                                    "where --NAME is an installed pack's option that takes a path (see `cnngrade "
                                    "submit --help`). Repeatable. Without it, a pack finds its data as it does by "
                                    "default (at every grading).")),
                click.option("--warm-up/--no-warm-up", default=True,
                             help=_("Run `cnngrade selftest` on the graded exercises when the image is built: the "
                                    "packs' fixtures are made once (not per student) and the checks proven there; it "
                                    "fails the build if they cannot be. Default: on.")),
                click.option("--timeout", type=timeout, default=None, metavar="SECONDS",
                             help=_("Seconds the harness allows one grading before it writes a fail-closed "
                                    "result.") + " " + default)]):
            command = option(command)
        return command
    return decorate


@autograder.command(help="\n\n".join([
    _("Write a Gradescope autograder zip to OUT.zip."),
    "\b\n" + _("Upload it as the assignment's autograder (\"Zip file upload\"). It holds:\n"
               "  setup.sh            makes /autograder/venv, installs the pinned requirements\n"
               "                      (from PyPI) and the bundled cnngrade wheel, runs the\n"
               "                      warm-up (cnngrade selftest, unless --no-warm-up)\n"
               "  run_autograder      grades /autograder/submission into\n"
               "                      /autograder/results/results.json, always\n"
               "  cnngrade_harness.py, config.json, requirements.txt, python-version,\n"
               "  wheels/, data/NAME/ (with --data NAME=PATH)"),
    _("Students see each check's verdict (hidden checks after grades are published); what cnngrade and the "
      "student's code print is visible to staff only."),
    "\b\n" + _("Example:") + "\n"  # i18n: not for people (the command lines below)
    "  cnngrade autograder gradescope hw3.zip -e conv2d -e pooling\n"
    "  cnngrade autograder gradescope hw4.zip --data NAME=course-data/"]))
@click.argument("output", metavar="OUT.zip", type=click.Path(dir_okay=False, path_type=Path))
@_bundle_options(click.IntRange(30, 2400), _("Default 540 (Gradescope's limit is 10 minutes unless raised)."))
def gradescope(output: Path, exercises: tuple[str, ...], data: tuple[str, ...], warm_up: bool,
               timeout: int | None) -> None:
    try:
        names = build_zip(output, exercises, data, timeout, warm_up, current())
    except BundleError as exc:
        raise _Failed(str(exc)) from None
    click.echo(_("wrote {output} ({count} files); upload it as the Gradescope autograder", output=output,
                 count=len(names)))


@autograder.command(help="\n\n".join([
    _("Write a PrairieLearn grader image recipe (a Docker build context) into DIR."),
    "\b\n" + _("DIR holds a Dockerfile, the entrypoint `run` (grades /grade/student into\n"
               "/grade/results/results.json), the harness, config.json, the pinned requirements,\n"
               "the cnngrade wheel, data/NAME/ (with --data NAME=PATH) and a README with the info.json\n"
               "lines to use. Build it with `docker build -t YOUR_ORG/cnngrade-grader DIR`\n"
               "(the build runs the warm-up, cnngrade selftest, unless --no-warm-up)."),
    _("A submission without cnn.py, or whose cnn.py does not import, is \"not gradable\" (the student keeps the "
      "attempt), with the reason.")]))
@click.argument("directory", metavar="DIR", type=click.Path(file_okay=False, path_type=Path))
@_bundle_options(click.IntRange(10, 600), _("Default 570 (PrairieLearn allows at most 600)."))
def prairielearn(directory: Path, exercises: tuple[str, ...], data: tuple[str, ...], warm_up: bool,
                 timeout: int | None) -> None:
    try:
        written = write_image(directory, exercises, data, timeout, warm_up, current())
    except BundleError as exc:
        raise _Failed(str(exc)) from None
    click.echo(_("wrote {count} files into {directory}; build it with: docker build -t YOUR_ORG/cnngrade-grader "
                 "{directory}", count=len(written), directory=directory))


def init_ci(provider: str, directory: Path, install: str | None = None, exercises: tuple[str, ...] = (),
            force: bool = False) -> Path:
    """What `cnngrade init --ci github|gitlab DIR` does: write the workflow, print what was written.

    Raises click.ClickException (exit 2) when the file exists and force is not given.
    """
    try:
        target = write_ci(provider, directory, install, exercises, force)
    except (FileExistsError, ValueError) as exc:
        raise _Failed(str(exc)) from None
    click.echo(_("wrote {target}: every push runs `cnngrade check` and keeps the JUnit XML and the HTML page",
                 target=target))
    return target


if __name__ == "__main__":
    autograder()

"""The in-notebook self-check: a cell `from cnngrade.notebook import check; check()`.

check() grades the notebook as last SAVED, and its folder (model.keras beside it), with the same
engine and sandbox as `cnngrade check`: the notebook's graded functions are cut out of the file as
text and imported in the sandbox, so nothing runs in the student's kernel and the verdict is the
CLI's. In Jupyter the student's HTML page is shown inline (in an iframe, so that its styles stay
its own); elsewhere (a plain Python prompt, a script) the terminal summary is printed. The check
cell itself is left out of what is graded: it is a bare call, and the import it needs is used by
no graded function.

Which notebook: the one named, else the running notebook when Jupyter says which
($JPY_SESSION_NAME; VS Code's __vsc_ipynb_file__), else the working folder's cnn.ipynb (or its only
.ipynb), which is where Jupyter and nbclient start a notebook's kernel.

Which language: check(lang="fr"), else the kernel's locale (grader.i18n.choose); the starter
notebook that `cnngrade init --notebook --lang fr` writes calls check(lang="fr").
"""
from __future__ import annotations

import html
import os
from pathlib import Path

from grader.api import SubmissionError, grade
from grader.i18n import UnknownLanguage, _, choose, number, speaking
from grader.reporters.html import render_student
from grader.reporters.terminal import render

FRAME_HEIGHT = 720  # pixels of the inline page; it scrolls inside


class CheckPage:
    """A graded report shown by Jupyter as the student's HTML page, as text anywhere else."""

    def __init__(self, report, notebook: Path):
        self.report = report
        self.notebook = notebook

    @property
    def headline(self) -> str:
        with speaking(self.report.lang):
            return _("cnngrade check of {notebook} (as last saved): {score}/{max_score} points",
                     notebook=self.notebook.name, score=number(float(self.report.score)),
                     max_score=number(float(self.report.max_score)))

    def _repr_html_(self) -> str:
        page = render_student(self.report)  # in the report's language
        return (f'<p class="cnngrade-headline"><b>{html.escape(self.headline)}</b></p>'  # i18n: not for people (markup)
                f'<iframe class="cnngrade-page" srcdoc="{html.escape(page, quote=True)}" '
                f'style="width: 100%; height: {FRAME_HEIGHT}px; border: 1px solid #ccc"></iframe>')

    def __repr__(self) -> str:
        return f"{self.headline}\n{render(self.report)}"  # each in the report's language


def running_notebook(notebook: str | Path | None = None) -> Path:
    """The notebook to grade (module docstring); SubmissionError when there is none."""
    if notebook is not None:
        path = Path(notebook)
    else:
        named = os.environ.get("JPY_SESSION_NAME", "") or _ipython_variable("__vsc_ipynb_file__")
        path = Path(named) if named.endswith(".ipynb") and Path(named).is_file() else None
        if path is None:
            path = notebook_of_folder(Path.cwd())
    if not path.is_file():
        raise SubmissionError(_("no such notebook: {path}", path=path))
    return path.resolve()


def notebook_of_folder(folder: Path) -> Path:
    """cnn.ipynb, else the folder's only notebook (even beside a cnn.py: check() grades a notebook)."""
    if (folder / "cnn.ipynb").is_file():
        return folder / "cnn.ipynb"
    found = sorted(folder.glob("*.ipynb"))
    if len(found) > 1:
        raise SubmissionError(_("several notebooks ({notebooks}) in {folder}: name the one to grade, "
                                "check(notebook='my.ipynb')", notebooks=", ".join(p.name for p in found), folder=folder))
    if not found:
        raise SubmissionError(_("no notebook in {folder}: name the one to grade, check(notebook='my.ipynb')",
                                folder=folder))
    return found[0]


def _ipython_variable(name: str) -> str:
    shell = _shell()
    value = shell.user_ns.get(name, "") if shell is not None else ""
    return value if isinstance(value, str) else ""


def _shell():
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def _in_jupyter() -> bool:
    shell = _shell()
    return shell is not None and getattr(shell, "kernel", None) is not None


def check(*exercise_ids: str, notebook: str | Path | None = None, examples: int | None = None,
          lang: str | None = None, **options) -> None:
    """Grade the saved notebook's visible checks, as `cnngrade check` does, and show the result.

    exercise_ids: only these exercises (e.g. check("conv2d")); notebook: which file (default: the
    running one, see the module docstring); lang: "fr" or "en" (default: the locale); options: the
    packs' options by name (mnist="data/"). A notebook that cannot be graded gets one line, not a
    traceback.
    """
    try:
        language = choose(lang)
    except UnknownLanguage as exc:
        print(f"cnngrade: {exc}")
        return
    with speaking(language):
        try:
            path = running_notebook(notebook)
            report = grade(path.parent, exercise_ids, mode="check", examples=examples, options=options,
                           notebook=path, lang=language)
        except SubmissionError as exc:
            print(f"cnngrade: {exc}")
            return
    page = CheckPage(report, path)
    if _in_jupyter():
        from IPython.display import display

        display(page)
    else:
        print(repr(page))

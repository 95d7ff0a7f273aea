"""CI workflows for a student's repository: GitHub Actions (GitHub Classroom) and GitLab CI.

Each installs cnngrade, runs `cnngrade check` on the repository (the visible checks, the
student's quick run) and keeps the JUnit XML and the HTML page as artifacts, also when the job
fails. cnngrade's exit code is the job's: 0 (full marks) passes, 1 (points lost), 2 (no cnn.py)
and 3 (a grader fault) fail it. GitLab also reads the JUnit file into its test report; on GitHub
the page is in the run's artifacts.

`install` is the pip requirement that installs cnngrade in the runner: by default the version
running now from PyPI ("cnngrade==X.Y.Z"); give a Git URL
("cnngrade @ git+https://github.com/COURSE/cnngrade@v0.1.0") or a wheel's URL for a course's
own copy. A pack's data is found in the runner as the pack finds it by default (an environment
variable, a download); the grader's cache (~/.cache/cnngrade: what the packs' fixtures derive,
e.g. a trained reference model) is kept between runs. GitLab caches only paths inside the
project, so there CNNGRADE_CACHE points into it.
"""
from __future__ import annotations

import shlex
from pathlib import Path

import yaml

from grader import __version__
from grader.i18n import _

JUNIT = "cnngrade-junit.xml"
HTML = "cnngrade-report"
PYTHON = "3.11"
TARGETS = {"github": Path(".github/workflows/cnngrade.yml"), "gitlab": Path(".gitlab-ci.yml")}


def default_install() -> str:
    return f"cnngrade=={__version__}"


def install_command(install: str) -> str:
    return f"python -m pip install {shlex.quote(install)}"


def check_command(exercises: tuple[str, ...] = ()) -> str:
    selection = "".join(f" --exercise {shlex.quote(e)}" for e in exercises)
    return f"cnngrade check .{selection} --junit {JUNIT} --html {HTML}"


def github_workflow(install: str | None = None, exercises: tuple[str, ...] = ()) -> str:
    """.github/workflows/cnngrade.yml: a job on every push and pull request."""
    workflow = {
        "name": "cnngrade",
        "on": {"push": None, "pull_request": None, "workflow_dispatch": None},
        "permissions": {"contents": "read"},
        "jobs": {"cnngrade": {
            "runs-on": "ubuntu-latest",
            "timeout-minutes": 30,
            "steps": [
                {"uses": "actions/checkout@v4"},
                {"uses": "actions/setup-python@v5", "with": {"python-version": PYTHON}},
                {"uses": "actions/cache@v4", "with": {
                    "path": "~/.cache/cnngrade",
                    "key": "cnngrade-${{ runner.os }}-" + __version__}},
                {"name": "Install cnngrade", "run": install_command(install or default_install())},
                {"name": "Check", "run": check_command(exercises)},
                {"name": "Keep the report", "if": "always()", "uses": "actions/upload-artifact@v4",  # i18n: not for people (the workflow's code)
                 "with": {"name": "cnngrade-report", "path": f"{JUNIT}\n{HTML}/\n", "if-no-files-found": "warn"}},
            ],
        }},
    }
    return "# cnngrade: the visible checks on every push (written by `cnngrade init --ci github`).\n" + _dump(workflow)  # i18n: not for people (the workflow's code)


def gitlab_ci(install: str | None = None, exercises: tuple[str, ...] = ()) -> str:
    """.gitlab-ci.yml: one job; the JUnit file becomes the pipeline's test report."""
    config = {
        "cnngrade": {
            "image": f"python:{PYTHON}",
            "variables": {"PIP_CACHE_DIR": "$CI_PROJECT_DIR/.cache/pip",
                          "CNNGRADE_CACHE": "$CI_PROJECT_DIR/.cache/cnngrade"},
            "cache": {"key": f"cnngrade-{__version__}", "paths": [".cache/"]},
            "before_script": [install_command(install or default_install())],
            "script": [check_command(exercises)],
            "artifacts": {"when": "always", "expire_in": "30 days", "paths": [JUNIT, f"{HTML}/"],
                          "reports": {"junit": JUNIT}},
        },
    }
    return "# cnngrade: the visible checks on every push (written by `cnngrade init --ci gitlab`).\n" + _dump(config)  # i18n: not for people (the workflow's code)


def _dump(data: dict) -> str:
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=False, width=120)


def write_ci(provider: str, directory: Path, install: str | None = None, exercises: tuple[str, ...] = (),
             force: bool = False) -> Path:
    """Write the provider's workflow into the student repository `directory`; return its path.

    provider: "github" or "gitlab". Refuses to overwrite an existing file unless force.
    """
    if provider not in TARGETS:
        raise ValueError(_("unknown CI {provider}: choose github or gitlab", provider=repr(provider)))
    target = directory / TARGETS[provider]
    if target.exists() and not force:
        raise FileExistsError(_("{target} exists already (use --force to overwrite it)", target=target))
    text = (github_workflow if provider == "github" else gitlab_ci)(install, exercises)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target

"""A PrairieLearn external-grader image recipe (PrairieLearn docs/externalGrading.md).

`write_image(DIR)` writes a Docker build context:

    DIR/Dockerfile            python:<this Python>-slim, the pinned requirements, the cnngrade wheel
    DIR/run                   the entrypoint: grades /grade/student into /grade/results/results.json
    DIR/cnngrade_harness.py   what run calls (standard library only: it always writes a result)
    DIR/config.json           the exercises to grade (none listed: all)
    DIR/requirements.txt      every dependency pinned to the version installed here
    DIR/wheels/cnngrade-*.whl
    DIR/data/NAME/            with --data NAME=PATH: the data a pack's --NAME option names
    DIR/README.md             how to build, push and reference the image from a question

In the container the files live in /cnngrade. The run script reads the job from $CNNGRADE_GRADE_ROOT
(default /grade: student/, results/, tests/, data/, serverFilesCourse/), an override for tests only.
Results: a graded submission gives the --prairielearn reporter's file (score in [0, 1]); no cnn.py,
or a cnn.py that does not import (a syntax error), gives `gradable: false` with `format_errors`;
a fault of the grader gives `gradable: false` saying so (the student loses no attempt).
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from grader.autograder import bundle
from grader.autograder.harness import say
from grader.i18n import N_, _, current

# The scripts are code; the sentences a student may read, the last-resort result's, are the
# harness' own (WORDS), filled in.
# i18n: not for people (a shell script)
RUN = r"""#!/bin/sh
# PrairieLearn's entrypoint: grade $ROOT/student, always leave $ROOT/results/results.json.
ROOT="${CNNGRADE_GRADE_ROOT:-/grade}"   # override for tests only
HERE="$(cd "$(dirname "$0")" && pwd)"
PYTHON="${CNNGRADE_PYTHON:-python3}"
RESULTS="$ROOT/results/results.json"
mkdir -p "$ROOT/results"
"$PYTHON" "$HERE/cnngrade_harness.py" prairielearn "$ROOT" || echo "run: the harness failed ($?)"
if ! "$PYTHON" -c 'import json, sys; json.load(open(sys.argv[1]))' "$RESULTS" 2>/dev/null; then
    echo "run: no valid results.json; writing a fail-closed one"
    printf '%s\n' '@FAIL_CLOSED@' > "$RESULTS"
fi
exit 0
"""

# i18n: not for people (a Dockerfile)
DOCKERFILE = """\
# The cnngrade grader image for PrairieLearn external grading (written by `cnngrade autograder prairielearn`).
FROM python:{python}-slim
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1 \\
    CNNGRADE_CACHE=/cnngrade/cache
WORKDIR /cnngrade
COPY requirements.txt /cnngrade/
RUN pip install -r /cnngrade/requirements.txt
COPY wheels/ /cnngrade/wheels/
RUN pip install --no-deps /cnngrade/wheels/*.whl
COPY . /cnngrade/
RUN chmod 755 /cnngrade/run
{warm_up}ENTRYPOINT ["/cnngrade/run"]
"""

# i18n: not for people (a Dockerfile's lines)
WARM_UP = """\
# The warm-up (`cnngrade selftest` on the graded exercises, with the bundled data): the packs'
# fixtures made once into /cnngrade/cache, the checks proven in this image. It fails the build
# if they cannot be. Left out with --no-warm-up.
RUN python /cnngrade/cnngrade_harness.py warm-up
"""

README = N_("""\
# cnngrade grader image for PrairieLearn

Build and publish it (the image name is yours):

    docker build -t YOUR_ORG/cnngrade-grader {where}
    docker push YOUR_ORG/cnngrade-grader

Then, in each question's info.json:

    "externalGradingOptions": {{
        "enabled": true,
        "image": "YOUR_ORG/cnngrade-grader",
        "entrypoint": "/cnngrade/run",
        "timeout": 600
    }}

with a <pl-file-upload file-names="cnn.py"> (add the other files the exercises grade) or a
<pl-file-editor> for cnn.py in
question.html and <pl-external-grader-results> to show the tests. Exercises graded: {exercises}.
The job's timeout must exceed the harness' own (config.json timeout_seconds, default 570 s) so
that a slow submission still gets a result; grading only the exercises a question is about
(`cnngrade autograder prairielearn DIR --exercise ID`) keeps it to seconds.
""")


def run_script(lang: str) -> str:
    """The entrypoint, its last-resort result in the language `lang`."""
    result = {"gradable": False, "format_errors": [say("pl_failed_before", lang)], "message": say("pl_failed", lang)}
    return RUN.replace("@FAIL_CLOSED@", bundle.shell_quoted(json.dumps(result, ensure_ascii=False)))


def write_image(directory: Path, exercises: tuple[str, ...] = (), data: tuple[str, ...] = (),
                timeout: int | None = None, warm_up: bool = True, lang: str | None = None) -> list[Path]:
    """Write the Docker build context into `directory` (created; existing files overwritten).

    The arguments are build_zip's (grader.autograder.gradescope): exercise ids, `NAME=PATH`
    data pairs, the harness' timeout, whether the build runs the warm-up and the language
    students read (default: the current one).
    """
    lang = lang or current()
    ids = bundle.check_exercises(exercises)
    options = bundle.check_data(data)
    directory.mkdir(parents=True, exist_ok=True)
    for stale in (directory / "wheels", directory / "data"):
        if stale.exists():
            shutil.rmtree(stale)
    wheel = bundle.build_wheel(directory / "wheels")
    written = [wheel]
    for path, name in bundle.data_files(options):
        (directory / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, directory / name)
        written.append(directory / name)
    dockerfile = DOCKERFILE.format(python=bundle.python_version(), warm_up=WARM_UP if warm_up else "")
    contents = {
        "Dockerfile": dockerfile,
        "run": run_script(lang),
        **{name: path.read_text(encoding="utf-8") for name, path in bundle.SHIPPED.items()},
        "config.json": bundle.config_text(ids, options, timeout, warm_up, lang),
        "requirements.txt": bundle.requirements_text(wheel),
        "README.md": _(README, where=directory, exercises=", ".join(ids) or _("all")),
        ".dockerignore": "cache/\n",
    }
    for name, text in contents.items():
        path = directory / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    (directory / "run").chmod(0o755)
    return written

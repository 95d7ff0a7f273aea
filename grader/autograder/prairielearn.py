"""A PrairieLearn external-grader image recipe (PrairieLearn docs/externalGrading.md).

`write_image(DIR)` writes a Docker build context:

    DIR/Dockerfile            python:<this Python>-slim, the pinned requirements, the cnngrade wheel
    DIR/run                   the entrypoint: grades /grade/student into /grade/results/results.json
    DIR/cnngrade_harness.py   what run calls (standard library only: it always writes a result)
    DIR/config.json           the exercises to grade (none listed: all)
    DIR/requirements.txt      every dependency pinned to the version installed here
    DIR/wheels/cnngrade-*.whl
    DIR/data/mnist/           with --data: the course's MNIST, baked into the image
    DIR/README.md             how to build, push and reference the image from a question

In the container the files live in /cnngrade. The run script reads the job from $CNNGRADE_GRADE_ROOT
(default /grade: student/, results/, tests/, data/, serverFilesCourse/), an override for tests only.
Results: a graded submission gives the --prairielearn reporter's file (score in [0, 1]); no cnn.py,
or a cnn.py that does not import (a syntax error), gives `gradable: false` with `format_errors`;
a fault of the grader gives `gradable: false` saying so (the student loses no attempt).
"""
from __future__ import annotations

import shutil
from pathlib import Path

from grader.autograder import bundle

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
    printf '%s\n' '{"gradable": false, "format_errors": ["The grader failed before it could grade this submission; this is not a fault of your code."], "message": "The grader failed; course staff can see what happened."}' > "$RESULTS"
fi
exit 0
"""

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
RUN chmod 755 /cnngrade/run{warm_up}
ENTRYPOINT ["/cnngrade/run"]
"""

WARM_UP = (" \\\n    && CNNGRADE_MNIST=/cnngrade/data/mnist CNNGRADE_OFFLINE=1 "
           "python -c '{code}'")

README = """\
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

with a <pl-file-upload file-names="cnn.py, model.keras"> (or <pl-file-editor> for cnn.py) in
question.html and <pl-external-grader-results> to show the tests. Exercises graded: {exercises}.
The job's timeout must exceed the harness' own (config.json timeout_seconds, default 570 s) so
that a slow submission still gets a result; grading only the exercises a question is about
(`cnngrade autograder prairielearn DIR --exercise ID`) keeps it to seconds.
"""


def write_image(directory: Path, exercises: tuple[str, ...] = (), data: Path | None = None,
                timeout: int | None = None) -> list[Path]:
    """Write the Docker build context into `directory` (created; existing files overwritten)."""
    ids = bundle.check_exercises(exercises)
    files = bundle.check_data(data) if data is not None else []
    directory.mkdir(parents=True, exist_ok=True)
    wheels = directory / "wheels"
    if wheels.exists():
        shutil.rmtree(wheels)
    written = [bundle.build_wheel(wheels)]
    warm = ""
    if files:
        (directory / "data" / "mnist").mkdir(parents=True, exist_ok=True)
        for path in files:
            shutil.copy2(path, directory / "data" / "mnist" / path.name)
            written.append(directory / "data" / "mnist" / path.name)
        if bundle.needs_reference_model(ids):
            warm = WARM_UP.format(code=bundle.WARM_UP)
    contents = {
        "Dockerfile": DOCKERFILE.format(python=bundle.python_version(), warm_up=warm),
        "run": RUN,
        "cnngrade_harness.py": bundle.HARNESS.read_text(encoding="utf-8"),
        "config.json": bundle.config_text(ids, timeout),
        "requirements.txt": bundle.requirements_text(),
        "README.md": README.format(where=directory, exercises=", ".join(ids) or "all"),
        ".dockerignore": "cache/\n",
    }
    for name, text in contents.items():
        path = directory / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    (directory / "run").chmod(0o755)
    return written

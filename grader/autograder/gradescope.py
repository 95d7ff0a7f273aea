"""A Gradescope autograder zip (gradescope-autograders.readthedocs.io, "Autograder Specifications").

The zip's root holds:

    setup.sh              run once when Gradescope builds the image (as root, in /autograder/source)
    run_autograder        run for every submission (copied to /autograder/run_autograder)
    cnngrade_harness.py   grades /autograder/submission, always writes /autograder/results/results.json
    config.json           the exercises to grade (none listed: all)
    requirements.txt      every dependency pinned to the version installed where the zip was built
    python-version        that Python's major.minor (setup.sh refuses another one)
    wheels/cnngrade-*.whl cnngrade itself, built from the source checkout
    data/NAME/            with --data NAME=PATH: the data a pack's --NAME option names, passed
                          to every grading as --NAME data/NAME

setup.sh makes a virtual environment at $ROOT/venv (ROOT is /autograder) with the recorded
Python, installs the pinned requirements and then the wheel (--no-deps), and runs the warm-up
(unless built with --no-warm-up): `cnngrade selftest` on the graded exercises with the bundled
data, so that the packs' fixtures (e.g. a reference model to train) are made once, into
source/cache, and the checks are proven in this very image; a failing warm-up fails the build.
It honours pip's own environment variables (PIP_NO_INDEX, PIP_FIND_LINKS, PIP_INDEX_URL). Two
variables exist for tests and local trials, never needed on Gradescope:

    CNNGRADE_AUTOGRADER_ROOT   the harness root instead of /autograder (source/, submission/, results/)
    PYTHON                     install into this interpreter's environment instead of making $ROOT/venv

Without --data, a pack finds its data as it always does (its option's default: an environment
variable, a cache, a download with the network Gradescope gives by default); bundling the
data is the reliable way.
"""
from __future__ import annotations

import io
import json
import stat
import tempfile
import zipfile
from pathlib import Path

from grader.autograder import bundle
from grader.autograder.harness import say
from grader.i18n import current

# The scripts are code (their log lines are for whoever builds or debugs the image); the one
# sentence a student may read, the last-resort result's, is the harness' own (WORDS), filled in.
# i18n: not for people (a shell script)
SETUP_SH = r"""#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image (cwd /autograder/source).
# It installs cnngrade and its pinned dependencies into a virtual environment.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="${CNNGRADE_AUTOGRADER_ROOT:-/autograder}"   # override for tests only
WANT="$(cat "$HERE/python-version")"

if [ -z "${PYTHON:-}" ]; then
    BASE="$(command -v "python$WANT" || command -v python3 || true)"
    if [ -z "$BASE" ] || ! "$BASE" -m venv --help >/dev/null 2>&1; then
        apt-get update && apt-get install -y --no-install-recommends python3 python3-venv python3-pip
        BASE="$(command -v "python$WANT" || command -v python3)"
    fi
    "$BASE" -m venv "$ROOT/venv"
    PYTHON="$ROOT/venv/bin/python"
fi
HAVE="$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
if [ "$HAVE" != "$WANT" ]; then
    echo "setup.sh: this autograder was built with Python $WANT and its dependencies are pinned for it;" >&2
    echo "setup.sh: $PYTHON is Python $HAVE. Choose a base image with Python $WANT, or rebuild the zip" >&2
    echo "setup.sh: with 'cnngrade autograder gradescope' run under Python $HAVE." >&2
    exit 1
fi
"$PYTHON" -m pip install --disable-pip-version-check -r "$HERE/requirements.txt"
"$PYTHON" -m pip install --disable-pip-version-check --no-deps "$HERE"/wheels/cnngrade-*.whl
"$PYTHON" -c 'import sys; print(sys.executable)' > "$HERE/python-path"
# The warm-up: `cnngrade selftest` on the graded exercises, with the bundled data. The packs'
# fixtures are made once, here, into $HERE/cache (not at every submission) and the checks proven.
PATH="$(dirname "$PYTHON"):$PATH" "$PYTHON" "$HERE/cnngrade_harness.py" warm-up
echo "setup.sh: cnngrade installed for $("$PYTHON" -c 'import sys; print(sys.executable)')"
"""

# i18n: not for people (a shell script)
RUN_AUTOGRADER = r"""#!/usr/bin/env bash
# Gradescope runs this for every submission (as /autograder/run_autograder, cwd /autograder).
# It grades /autograder/submission and ALWAYS leaves /autograder/results/results.json: if even
# the harness fails, a fail-closed result (score 0, saying the grader failed) is written here.
# What it prints goes to /autograder/results/stdout, which only staff see.
ROOT="${CNNGRADE_AUTOGRADER_ROOT:-/autograder}"   # override for tests only
SOURCE="$ROOT/source"
RESULTS="$ROOT/results/results.json"
mkdir -p "$ROOT/results"
PYTHON="$(cat "$SOURCE/python-path" 2>/dev/null || command -v python3 || echo python3)"
"$PYTHON" "$SOURCE/cnngrade_harness.py" gradescope "$ROOT" || echo "run_autograder: the harness failed ($?)"
if ! "$PYTHON" -c 'import json, sys; json.load(open(sys.argv[1]))' "$RESULTS" 2>/dev/null; then
    echo "run_autograder: no valid results.json; writing a fail-closed one"
    printf '%s\n' '@FAIL_CLOSED@' > "$RESULTS"
fi
exit 0
"""


def run_autograder(lang: str) -> str:
    """run_autograder, its last-resort result in the language `lang`."""
    result = {"score": 0, "output": say("failed_before", lang), "output_format": "text", "stdout_visibility": "hidden",
              "tests": [], "extra_data": {"cnngrade_failure": "run_autograder"}}
    return RUN_AUTOGRADER.replace("@FAIL_CLOSED@", bundle.shell_quoted(json.dumps(result, ensure_ascii=False)))


def _add(archive: zipfile.ZipFile, name: str, data: bytes | str, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    mode = 0o755 if executable else 0o644
    info.external_attr = (stat.S_IFREG | mode) << 16
    archive.writestr(info, data.encode() if isinstance(data, str) else data)


def build_zip(output: Path, exercises: tuple[str, ...] = (), data: tuple[str, ...] = (),
              timeout: int | None = None, warm_up: bool = True, lang: str | None = None) -> list[str]:
    """Write the autograder zip to `output`; return the names it holds.

    exercises: ids to grade (empty: every exercise); data: `NAME=PATH` pairs, each a pack option
    that takes a path and the folder (or file) to bundle for it; timeout: seconds the harness
    allows cnngrade (default 540, under Gradescope's 10 min); warm_up: setup.sh runs
    `cnngrade selftest` on the selection (the packs' fixtures made once, the checks proven);
    lang: the language students read (default: the current one).
    """
    lang = lang or current()
    ids = bundle.check_exercises(exercises)
    options = bundle.check_data(data)
    with tempfile.TemporaryDirectory(prefix="cnngrade-zip-") as scratch:
        wheel = bundle.build_wheel(Path(scratch))
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            _add(archive, "setup.sh", SETUP_SH, executable=True)
            _add(archive, "run_autograder", run_autograder(lang), executable=True)
            for name, path in bundle.SHIPPED.items():
                _add(archive, name, path.read_bytes())
            _add(archive, "config.json", bundle.config_text(ids, options, timeout, warm_up, lang))
            _add(archive, "requirements.txt", bundle.requirements_text(wheel))
            _add(archive, "python-version", bundle.python_version() + "\n")
            _add(archive, f"wheels/{wheel.name}", wheel.read_bytes())
            for path, name in bundle.data_files(options):
                _add(archive, name, path.read_bytes())
            names = archive.namelist()
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(buffer.getvalue())
    return names

"""The Gradescope zip and the PrairieLearn image recipe, run as the platforms run them.

Gradescope: the zip is unpacked into a temporary root laid out as Gradescope's harness lays out
/autograder (source/, submission/, results/, run_autograder copied to the root); setup.sh runs
OFFLINE (PIP_NO_INDEX=1) into a fresh virtual environment, with its warm-up (`cnngrade selftest`
on the zip's exercises, with the bundled MNIST passed as --mnist); the wheel-installed cnngrade
lists every exercise of the course; run_autograder then grades a good
folder, a mistake, a syntax error, a folder without cnn.py, a cnn.py that kills its process, and
two faults of the grader itself. Every results.json must be valid against Gradescope's
documented fields (tests/schemas/gradescope-results.schema.json).

The fresh venv and offline pins: setup.sh pins every dependency to the version installed in
this test venv, so pip must find them "already satisfied" with no index. A venv made from this
venv with --system-site-packages would see the *base* interpreter's packages, not this venv's,
so the fresh venv instead gets a .pth line naming this venv's site-packages (the mechanism
--system-site-packages itself uses). pip then resolves every pin against exactly those versions
(a pin that does not match fails setup.sh), downloads nothing, and installs the zip's own cnngrade
wheel into the fresh venv; the test checks that run_autograder grades with that copy.

PrairieLearn: the image recipe's run script runs in a temporary /grade layout (student/, tests/,
data/, serverFilesCourse/, results/) with this venv standing in for the image's Python (Docker
is not available here: the Dockerfile's own lines are checked as text).
"""
from __future__ import annotations

import io
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import sysconfig
import time
import zipfile
from pathlib import Path

import jsonschema
import pytest

from conftest import EXAMPLES, MNIST, ROOT, example_folder, run_cnngrade
from grader.autograder.bundle import BundleError, pinned_requirements, python_version
from grader.autograder.gradescope import build_zip
from grader.autograder.prairielearn import write_image

GS_SCHEMA = json.loads((Path(__file__).parent / "schemas" / "gradescope-results.schema.json").read_text())
PL_SCHEMA = json.loads((Path(__file__).parent / "schemas" / "prairielearn-results.schema.json").read_text())
EXERCISES = ("correlate2d", "pad2d")  # 18 points, graded in seconds
SYNTAX_ERROR = "import numpy as np\n\ndef correlate2d(image, kernel)\n    return image\n"
KILLS_ITSELF = "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n"
# The test session's own settings must not leak into the platforms' runs.
SESSION_ONLY = ("PYTHONPATH", "CNNGRADE_MNIST", "CNNGRADE_CACHE", "CNNGRADE_OFFLINE", "VIRTUAL_ENV")


def clean_env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in SESSION_ONLY}
    return {**env, **extra}


def unpack(archive: Path, destination: Path) -> None:
    """Unzip as unzip(1) does, keeping the permission bits stored in the archive."""
    with zipfile.ZipFile(archive) as zipped:
        for info in zipped.infolist():
            path = Path(zipped.extract(info, destination))
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                path.chmod(mode)


def submission(source: str | None = None, example: str | None = None) -> dict[str, str]:
    if example is not None:
        return {"cnn.py": (example_folder(example) / "cnn.py").read_text()}
    return {"cnn.py": source} if source is not None else {"README.txt": "I forgot my file\n"}


def put(folder: Path, files: dict[str, str]) -> None:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(text)


def assert_gradescope(data: dict) -> None:
    jsonschema.Draft202012Validator.check_schema(GS_SCHEMA)
    jsonschema.validate(data, GS_SCHEMA, cls=jsonschema.Draft202012Validator)
    assert data["stdout_visibility"] == "hidden"  # what cnngrade and the student printed: staff only


def assert_prairielearn(data: dict, path: Path) -> None:
    jsonschema.validate(data, PL_SCHEMA, cls=jsonschema.Draft202012Validator)
    assert path.stat().st_size < 1_000_000


# ------------------------------------------------------------------ Gradescope

@pytest.fixture(scope="module")
def gradescope_root(tmp_path_factory):
    """/autograder as Gradescope builds it: the zip in source/, setup.sh run into a fresh venv."""
    base = tmp_path_factory.mktemp("gradescope")
    archive = base / "autograder.zip"
    names = build_zip(archive, EXERCISES, data=(f"mnist={MNIST}",))
    assert {"setup.sh", "run_autograder", "cnngrade_harness.py", "requirements.txt"} <= set(names)
    assert any(n.startswith("wheels/cnngrade-") and n.endswith(".whl") for n in names)
    assert sorted(n for n in names if n.startswith("data/mnist/")) == sorted(
        f"data/mnist/{p.name}" for p in MNIST.iterdir() if not p.name.startswith("."))
    config = json.loads(zipfile.ZipFile(archive).read("config.json"))
    assert config == {"exercises": list(EXERCISES), "options": {"--mnist": "data/mnist"}, "warm_up": True}
    root = base / "autograder"
    unpack(archive, root / "source")
    requirements = (root / "source" / "requirements.txt").read_text()
    assert "numpy==" in requirements and "hypothesis==" in requirements and not any(line.lower().startswith("cnngrade") for line in requirements.splitlines())
    assert "pyyaml==" in requirements.lower()  # declared in pyproject.toml: read from the wheel, not the old install
    assert all("==" in line for line in requirements.splitlines() if not line.startswith("#"))

    venv = base / "fresh-venv"
    subprocess.run([sys.executable, "-m", "venv", venv], check=True, timeout=300)
    python = venv / "bin" / "python"
    purelib = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    (Path(purelib) / "test-venv-packages.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    start = time.monotonic()
    setup = subprocess.run(["bash", root / "source" / "setup.sh"], cwd=root / "source", capture_output=True,
                           text=True, timeout=600,
                           env=clean_env(CNNGRADE_AUTOGRADER_ROOT=str(root), PYTHON=str(python), PIP_NO_INDEX="1"))
    assert setup.returncode == 0, setup.stdout + setup.stderr
    assert time.monotonic() - start < 300
    # The warm-up ran cnngrade selftest on the zip's exercises with the bundled data, and proved them.
    assert "warm-up: $" in setup.stdout and "--mnist" in setup.stdout, setup.stdout
    for exercise in EXERCISES:
        assert re.search(rf"^{exercise} +reference (\d+)/\1 +mutants killed (\d+)/\2 ", setup.stdout, re.M), setup.stdout
    assert "selftest exit code 0" in setup.stdout
    where = subprocess.run([python, "-c", "import grader, exercises; print(grader.__file__, exercises.__file__)"],
                           capture_output=True, text=True, env=clean_env(), check=True, cwd=base).stdout.split()
    assert all(w.startswith(purelib) for w in where), where  # the zip's cnngrade, not this checkout
    # The wheel holds the exercise folders' files: the installed cnngrade lists the whole course.
    listed = subprocess.run([venv / "bin" / "cnngrade", "list"], capture_output=True, text=True, env=clean_env(),
                            cwd=base, timeout=120)
    here = run_cnngrade("list")
    assert listed.returncode == 0 and here.code == 0, listed.stderr
    assert listed.stdout == here.stdout and len(listed.stdout.splitlines()) >= 16
    shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")  # as Gradescope does
    return root


def run_autograder(root: Path, files: dict[str, str], **env: str) -> tuple[dict, str]:
    put(root / "submission", files)
    if (root / "results").exists():
        shutil.rmtree(root / "results")
    done = subprocess.run(["bash", root / "run_autograder"], cwd=root, capture_output=True, text=True,
                          timeout=600, env=clean_env(CNNGRADE_AUTOGRADER_ROOT=str(root), **env))
    assert done.returncode == 0, done.stderr
    return json.loads((root / "results" / "results.json").read_text()), done.stdout + done.stderr


def test_gradescope_good_and_mistake(gradescope_root):
    good, log = run_autograder(gradescope_root, submission(example="good"))
    assert_gradescope(good)
    assert good["score"] == 18 and len(good["tests"]) > 10
    assert all(t["status"] == "passed" for t in good["tests"])
    assert "cnngrade exit code 0" in log
    wrong, _ = run_autograder(gradescope_root, submission(example="correlate2d_flipped_kernel"))
    assert_gradescope(wrong)
    assert wrong["score"] == 13
    lost = [t for t in wrong["tests"] if t["score"] < t["max_score"]]
    assert lost and all(t["name"].startswith("correlate2d:") for t in lost)
    assert any("flips the kernel" in t["output"] for t in lost)


def test_gradescope_in_french(gradescope_root, tmp_path):
    """A bundle built with --lang fr: students read French, from the catalogs compiled into the
    wheel the zip installs (this checkout is not on that venv's path); scores as in English."""
    names = build_zip(tmp_path / "fr.zip", EXERCISES, data=(f"mnist={MNIST}",), lang="fr")
    french_config = json.loads(zipfile.ZipFile(tmp_path / "fr.zip").read("config.json"))
    assert french_config["lang"] == "fr" and "config.json" in names
    wheel = next(n for n in names if n.startswith("wheels/cnngrade-"))
    shipped = zipfile.ZipFile(io.BytesIO(zipfile.ZipFile(tmp_path / "fr.zip").read(wheel))).namelist()
    for catalog in ("grader/locale/fr/LC_MESSAGES/cnngrade.mo", "grader/locale/fr/LC_MESSAGES/reports.mo",
                    "grader/locale/fr/LC_MESSAGES/click.mo", "exercises/locale/fr/LC_MESSAGES/course.mo",
                    "exercises/correlate2d/statement.fr.md"):
        assert catalog in shipped, catalog
    config = gradescope_root / "source" / "config.json"
    english = config.read_text()
    config.write_text(json.dumps({**json.loads(english), "lang": french_config["lang"]}))
    try:
        wrong, log = run_autograder(gradescope_root, submission(example="correlate2d_flipped_kernel"))
    finally:
        config.write_text(english)
    assert_gradescope(wrong)
    assert wrong["score"] == 13 and "--lang fr" in log
    assert wrong["output"].splitlines()[-1] == "Total\u00a0: 13/18"
    lost = [t for t in wrong["tests"] if t["score"] < t["max_score"]]
    assert lost and any("cause probable\u00a0:" in t["output"].lower() for t in lost), lost[0]["output"]
    assert not any("likely cause" in t["output"].lower() or "flips the kernel" in t["output"] for t in lost)


def test_gradescope_student_prints_are_for_staff(gradescope_root):
    source = (EXAMPLES / "good" / "cnn.py").read_text() + "\nprint('SECRET-DEBUG-LINE')\n"
    data, log = run_autograder(gradescope_root, {"cnn.py": source})
    assert_gradescope(data)
    assert data["score"] == 18
    assert "SECRET-DEBUG-LINE" not in json.dumps(data)  # not in anything students see
    assert data["stdout_visibility"] == "hidden"


def test_gradescope_broken_submissions_still_give_results(gradescope_root):
    syntax, _ = run_autograder(gradescope_root, {"cnn.py": SYNTAX_ERROR})
    assert_gradescope(syntax)
    assert syntax["score"] == 0 and all("SyntaxError" in t["output"] for t in syntax["tests"])
    missing, _ = run_autograder(gradescope_root, submission())
    assert_gradescope(missing)
    assert missing["score"] == 0 and missing["tests"] == [] and "no cnn.py" in missing["output"]
    killed, _ = run_autograder(gradescope_root, {"cnn.py": KILLS_ITSELF})
    assert_gradescope(killed)
    assert killed["score"] == 0 and len(killed["tests"]) > 10


def test_gradescope_nested_folder(gradescope_root):
    put(gradescope_root / "submission", {})
    nested = gradescope_root / "submission" / "homework3"
    put(nested, submission(example="good"))
    (gradescope_root / "results").mkdir(exist_ok=True)
    done = subprocess.run(["bash", gradescope_root / "run_autograder"], cwd=gradescope_root, capture_output=True,
                          text=True, timeout=600, env=clean_env(CNNGRADE_AUTOGRADER_ROOT=str(gradescope_root)))
    data = json.loads((gradescope_root / "results" / "results.json").read_text())
    assert_gradescope(data)
    assert data["score"] == 18, done.stdout


def test_gradescope_grader_faults_fail_closed(gradescope_root):
    slow, log = run_autograder(gradescope_root, submission(example="good"), CNNGRADE_TIMEOUT="0.05")
    assert_gradescope(slow)
    assert slow["score"] == 0 and "not a fault of your code" in slow["output"] and "longer than" in slow["output"]
    harness = gradescope_root / "source" / "cnngrade_harness.py"
    saved = harness.read_bytes()
    harness.write_text("raise SystemExit('a broken install')\n")
    try:
        broken, log = run_autograder(gradescope_root, submission(example="good"))
    finally:
        harness.write_bytes(saved)
    assert_gradescope(broken)
    assert broken["score"] == 0 and "not a fault of your code" in broken["output"]
    assert "fail-closed" in log


def test_gradescope_zip_refuses_bad_input(tmp_path):
    with pytest.raises(BundleError, match="unknown exercise id 'nope'"):
        build_zip(tmp_path / "a.zip", ("nope",))
    with pytest.raises(BundleError, match="no installed pack has an option --nope .*mnist"):
        build_zip(tmp_path / "a.zip", EXERCISES, data=(f"nope={MNIST}",))
    with pytest.raises(BundleError, match="give NAME=PATH"):
        build_zip(tmp_path / "a.zip", EXERCISES, data=(str(MNIST),))
    with pytest.raises(BundleError, match="no such file or folder"):
        build_zip(tmp_path / "a.zip", EXERCISES, data=(f"mnist={tmp_path / 'absent'}",))
    (tmp_path / "empty").mkdir()
    with pytest.raises(BundleError, match="is empty"):
        build_zip(tmp_path / "a.zip", EXERCISES, data=(f"mnist={tmp_path / 'empty'}",))
    assert not (tmp_path / "a.zip").exists()


def test_setup_refuses_another_python(gradescope_root, tmp_path):
    source = tmp_path / "source"
    shutil.copytree(gradescope_root / "source", source, ignore=shutil.ignore_patterns("data", "wheels"))
    (source / "python-version").write_text("2.7\n")
    done = subprocess.run(["bash", source / "setup.sh"], capture_output=True, text=True, timeout=120,
                          env=clean_env(PYTHON=sys.executable, CNNGRADE_AUTOGRADER_ROOT=str(tmp_path)))
    assert done.returncode == 1 and "built with Python 2.7" in done.stderr


# ------------------------------------------------------------------ PrairieLearn

@pytest.fixture(scope="module")
def image(tmp_path_factory):
    directory = tmp_path_factory.mktemp("pl-image") / "image"
    write_image(directory, EXERCISES, data=(f"mnist={MNIST}",))
    dockerfile = (directory / "Dockerfile").read_text()
    assert "RUN python /cnngrade/cnngrade_harness.py warm-up" in dockerfile
    assert sorted(p.name for p in (directory / "data" / "mnist").iterdir()) == sorted(p.name for p in MNIST.iterdir())
    assert dockerfile.startswith("#") and f"FROM python:{python_version()}-slim" in dockerfile
    assert "pip install -r /cnngrade/requirements.txt" in dockerfile and "--no-deps /cnngrade/wheels/" in dockerfile
    assert 'ENTRYPOINT ["/cnngrade/run"]' in dockerfile
    assert len(list((directory / "wheels").glob("cnngrade-*.whl"))) == 1
    wheel = next((directory / "wheels").glob("cnngrade-*.whl"))
    assert (directory / "requirements.txt").read_text().splitlines()[2:] == pinned_requirements(wheel)
    config = json.loads((directory / "config.json").read_text())
    assert config["exercises"] == list(EXERCISES) and config["options"] == {"--mnist": "data/mnist"}
    assert os.stat(directory / "run").st_mode & stat.S_IXUSR
    return directory


def grade_prairielearn(image: Path, root: Path, files: dict[str, str]) -> dict:
    for name in ("tests", "data", "serverFilesCourse"):
        (root / name).mkdir(parents=True, exist_ok=True)
    (root / "data" / "data.json").write_text("{}")
    put(root / "student", files)
    shutil.rmtree(root / "results", ignore_errors=True)  # PrairieLearn does not create it: the script must
    # This venv (with this checkout on PYTHONPATH) stands in for the image's installed cnngrade.
    done = subprocess.run(["sh", image / "run"], cwd=root, capture_output=True, text=True, timeout=600,
                          env=clean_env(CNNGRADE_GRADE_ROOT=str(root), CNNGRADE_PYTHON=sys.executable,
                                        PYTHONPATH=str(ROOT)))
    assert done.returncode == 0, done.stderr
    path = root / "results" / "results.json"
    data = json.loads(path.read_text())
    assert_prairielearn(data, path)
    return data


def test_prairielearn_run_script(image, tmp_path):
    root = tmp_path / "grade"
    good = grade_prairielearn(image, root, submission(example="good"))
    assert good["gradable"] is True and good["score"] == 1.0
    wrong = grade_prairielearn(image, root, submission(example="correlate2d_flipped_kernel"))
    assert wrong["gradable"] is True and wrong["score"] == pytest.approx(13 / 18)
    assert any(t["points"] < t["max_points"] and t["name"].startswith("correlate2d:") for t in wrong["tests"])
    syntax = grade_prairielearn(image, root, {"cnn.py": SYNTAX_ERROR})
    assert syntax["gradable"] is False and "SyntaxError" in syntax["format_errors"][0]
    missing = grade_prairielearn(image, root, submission())
    assert missing["gradable"] is False and "no cnn.py" in missing["format_errors"][0]


def test_prairielearn_grader_fault_is_not_gradable(image, tmp_path):
    root = tmp_path / "grade"
    broken = tmp_path / "broken-image"
    shutil.copytree(image, broken, ignore=shutil.ignore_patterns("data", "wheels"))
    (broken / "cnngrade_harness.py").write_text("import sys; sys.exit(9)\n")
    data = grade_prairielearn(broken, root, submission(example="good"))
    assert data["gradable"] is False and "not a fault of your code" in data["format_errors"][0]


def test_prairielearn_warm_up_runs_selftest(image, tmp_path):
    """The Dockerfile's warm-up line, run here: selftest on the image's exercises, into its cache."""
    cache = tmp_path / "cache"
    done = subprocess.run([sys.executable, image / "cnngrade_harness.py", "warm-up"], capture_output=True, text=True,
                          timeout=600, env=clean_env(PYTHONPATH=str(ROOT), CNNGRADE_CACHE=str(cache)))
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"--mnist {image / 'data' / 'mnist'}" in done.stdout
    assert [line.split()[0] for line in done.stdout.splitlines() if "mutants killed" in line] == list(EXERCISES)


def test_no_warm_up(tmp_path):
    directory = tmp_path / "image"
    write_image(directory, ("pad2d",), warm_up=False)
    assert "warm-up" not in (directory / "Dockerfile").read_text()
    config = json.loads((directory / "config.json").read_text())
    assert config == {"exercises": ["pad2d"], "options": {}, "warm_up": False}
    done = subprocess.run([sys.executable, directory / "cnngrade_harness.py", "warm-up"], capture_output=True,
                          text=True, timeout=60, env=clean_env())
    assert done.returncode == 0 and "skipped" in done.stdout


# ------------------------------------------------------------------ the commands

def test_autograder_commands(tmp_path):
    """`cnngrade autograder ...` as a user runs it: its manual pages, a bad option, a zip."""
    for command in ("gradescope", "prairielearn"):
        page = run_cnngrade("autograder", command, "--help")
        assert page.code == 0 and "--exercise ID" in page.stdout and "--data NAME=PATH" in page.stdout
        assert "--warm-up / --no-warm-up" in page.stdout
    bad = run_cnngrade("autograder", "prairielearn", tmp_path / "img", "-e", "nope")
    assert bad.code == 2 and bad.stderr.strip() == "cnngrade: error: unknown exercise id 'nope' (see `cnngrade list`)"
    unknown = run_cnngrade("autograder", "gradescope", tmp_path / "x.zip", "--data", f"dataset={MNIST}")
    assert unknown.code == 2 and len(unknown.stderr.strip().splitlines()) == 1, unknown.stderr
    assert "no installed pack has an option --dataset" in unknown.stderr and "mnist" in unknown.stderr
    assert not (tmp_path / "x.zip").exists()
    built = run_cnngrade("autograder", "gradescope", tmp_path / "hw.zip", "-e", "pad2d", "--no-warm-up")
    assert built.code == 0, built.stderr
    with zipfile.ZipFile(tmp_path / "hw.zip") as archive:
        assert json.loads(archive.read("config.json")) == {"exercises": ["pad2d"], "options": {}, "warm_up": False}
        assert (archive.getinfo("run_autograder").external_attr >> 16) & 0o111
        assert not any(n.startswith("data/") for n in archive.namelist())
    module = subprocess.run([sys.executable, "-m", "grader.autograder.cli", "--help"], capture_output=True,
                            text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=tmp_path)
    assert module.returncode == 0 and "gradescope" in module.stdout and "prairielearn" in module.stdout


def test_reporter_option_prairielearn_everywhere():
    for command in ("submit", "check", "batch"):
        page = run_cnngrade(command, "--help")
        assert page.code == 0 and "--prairielearn" in page.stdout, page.stdout

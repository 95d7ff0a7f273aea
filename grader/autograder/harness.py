"""The grading harness that runs inside Gradescope's and PrairieLearn's containers.

Copied as a plain file (cnngrade_harness.py) next to the run script, with the one definition of a
submission's files beside it (grader/submission/files.py as cnngrade_files.py, standard library
only too), it imports only the standard library and that file, so it still writes a result when
cnngrade itself is missing or broken. It grades the
submission with `cnngrade submit`, then makes sure a results.json exists and is valid:

    python3 cnngrade_harness.py gradescope ROOT     # ROOT/submission -> ROOT/results/results.json
    python3 cnngrade_harness.py prairielearn ROOT   # ROOT/student    -> ROOT/results/results.json
    python3 cnngrade_harness.py warm-up             # once, when the image is built (see below)

Whatever happens, it writes a results.json:

- graded (exit 0 or 1): cnngrade's own file. For Gradescope, `stdout_visibility: hidden` is added:
  what cnngrade prints (the summary, what the student code printed, any fault) goes to the
  harness' stdout, which Gradescope shows to staff only.
- the student's mistake (exit 2: no cnn.py, an oversized folder): score 0 on Gradescope with the
  reason; `gradable: false` with the reason on PrairieLearn (the attempt is not counted).
- anything else (exit 3, a crash, a timeout, a missing or unreadable results.json): fail closed,
  score 0 (Gradescope) or not gradable (PrairieLearn), with a message saying that the grader,
  not the student's code, failed; the details go to stdout for staff.

config.json beside this file may give "exercises" (ids to grade, default all), "options" (the
packs' options and the bundled data they name, e.g. {"--NAME": "data/NAME"}, relative to this
file's folder), "timeout_seconds" (default 540 for Gradescope, whose default limit is 10 minutes;
570 for PrairieLearn, whose limit is at most 600; the environment variable CNNGRADE_TIMEOUT
overrides) and "warm_up" (default true).

The warm-up runs `cnngrade selftest` on the same exercises with the same options: the packs make
their fixtures once (a reference model trained, a data set verified) into the cache beside this
file, where every grading finds them, and the checks are proven on this image (the reference gets
full marks, every mutant loses points). A failing warm-up fails the image's build, not a student.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

try:  # shipped beside this file in the images, so that it needs nothing of cnngrade
    import cnngrade_files as files
except ImportError:  # run from cnngrade's own source tree
    from grader.submission import files

HERE = Path(__file__).resolve().parent
SUBMISSION = {"gradescope": "submission", "prairielearn": "student"}
TIMEOUT = {"gradescope": 540, "prairielearn": 570}
GRADER_FAILED = ("The autograder failed while grading this submission; this is not a fault of your code, "
                 "and course staff can see what happened. ")


def config() -> dict:
    try:
        return json.loads((HERE / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def submission_folder(folder: Path) -> Path:
    """The folder that holds cnn.py: the submission itself, or its only subfolder that has one
    (a student who zipped the folder rather than its files), among the submission's files as
    cnngrade takes them (no link out of the folder followed, caches and archive debris left out)."""
    if (folder / "cnn.py").exists() or not folder.is_dir():
        return folder
    try:
        taken = files.manifest(folder)
    except files.Refused:  # cnngrade itself says why
        return folder
    found = {f.path.rpartition(b"/")[0] for f in taken.files if f.path.rpartition(b"/")[2] == b"cnn.py"}
    return folder / os.fsdecode(found.pop()) if len(found) == 1 else folder


def option_arguments(settings: dict) -> list[str]:
    """The packs' options from config.json, their paths made absolute (beside this file)."""
    arguments: list[str] = []
    for flag, relative in sorted((settings.get("options") or {}).items()):
        arguments += [flag, str(HERE / relative)]
    return arguments


def selection_arguments(settings: dict) -> list[str]:
    return [argument for exercise in settings.get("exercises") or [] for argument in ("--exercise", exercise)]


def environment() -> dict:
    env = dict(os.environ)
    env.setdefault("CNNGRADE_CACHE", str(HERE / "cache"))
    return env


def warm_up() -> int:
    """Run `cnngrade selftest` once on the selection (at the image's build); its exit code."""
    settings = config()
    if not settings.get("warm_up", True):
        print("warm-up: skipped (built with --no-warm-up)")
        return 0
    command = cnngrade_command() + ["selftest", *(settings.get("exercises") or []), *option_arguments(settings)]
    print("warm-up: $", " ".join(command), flush=True)
    start = time.monotonic()
    code = subprocess.run(command, env=environment(), cwd=HERE).returncode
    print(f"warm-up: cnngrade selftest exit code {code} after {time.monotonic() - start:.0f} s", flush=True)
    if code:
        print("warm-up: the checks could not be proven on this image (see above); fix that before grading",
              file=sys.stderr)
    return code


def cnngrade_command() -> list[str]:
    """The cnngrade installed beside this Python (setup.sh's venv), else on PATH, else the module."""
    beside = Path(sys.executable).parent / "cnngrade"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("cnngrade")
    return [found] if found else [sys.executable, "-m", "grader.cli"]


def gradescope_failure(message: str, kind: str, seconds: float) -> dict:
    return {"score": 0, "execution_time": round(seconds, 1), "output": message, "output_format": "text",
            "visibility": "visible", "stdout_visibility": "hidden", "tests": [],
            "extra_data": {"cnngrade_failure": kind}}


def prairielearn_ungradable(message: str) -> dict:
    try:  # the reporter's own function, when cnngrade is importable
        from grader.reporters.prairielearn import ungradable
    except Exception:  # noqa: BLE001  (cnngrade broken: the same shape, built here)
        return {"gradable": False, "format_errors": [message],
                "message": "Your submission could not be graded: " + message}
    return ungradable(message)


def failure(platform: str, message: str, kind: str, seconds: float) -> dict:
    if platform == "gradescope":
        return gradescope_failure(message, kind, seconds)
    return prairielearn_ungradable(message)


def _user_error(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.startswith("cnngrade: error: ")]
    text = lines[-1][len("cnngrade: error: "):] if lines else "the submission could not be graded"
    return text.replace(str(Path.cwd()) + os.sep, "")


def grade(platform: str, root: Path) -> dict:
    """Run cnngrade on ROOT's submission; return the final results.json content."""
    settings = config()
    results = root / "results" / "results.json"
    folder = submission_folder(root / SUBMISSION[platform])
    command = (cnngrade_command() + ["submit", str(folder), f"--{platform}", str(results)]
               + selection_arguments(settings) + option_arguments(settings))
    env = environment()
    timeout = float(os.environ.get("CNNGRADE_TIMEOUT") or settings.get("timeout_seconds") or TIMEOUT[platform])
    if results.exists():
        results.unlink()
    if not (folder / "cnn.py").is_file():
        reason = ("there is no cnn.py in the submission: upload cnn.py itself (and the files it comes "
                  "with), not only a folder or an archive that holds them")
        if platform == "gradescope":
            return gradescope_failure(f"Your submission could not be graded: {reason}", "submission", 0.0)
        return prairielearn_ungradable(reason)
    start = time.monotonic()
    print("$", " ".join(command), flush=True)
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env, cwd=root)
    except subprocess.TimeoutExpired:
        return failure(platform, GRADER_FAILED + f"Grading took longer than {timeout:.0f} s.", "timeout",
                       time.monotonic() - start)
    except OSError as exc:
        return failure(platform, GRADER_FAILED + "cnngrade could not be started.", f"oserror: {exc}",
                       time.monotonic() - start)
    seconds = time.monotonic() - start
    print(done.stdout, end="")
    print(done.stderr, end="", file=sys.stderr)
    print(f"cnngrade exit code {done.returncode} after {seconds:.1f} s", flush=True)
    if done.returncode == 2:
        reason = _user_error(done.stderr)
        if platform == "gradescope":
            return gradescope_failure(f"Your submission could not be graded: {reason}", "submission", seconds)
        return prairielearn_ungradable(reason)
    if done.returncode not in (0, 1):
        return failure(platform, GRADER_FAILED + f"(cnngrade exit code {done.returncode})", "grader", seconds)
    try:
        data = json.loads(results.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return failure(platform, GRADER_FAILED + "It wrote no readable results.", f"results: {exc}", seconds)
    if not isinstance(data, dict):
        return failure(platform, GRADER_FAILED + "It wrote malformed results.", "results", seconds)
    if platform == "gradescope":
        data["stdout_visibility"] = "hidden"
        data.setdefault("execution_time", round(seconds, 1))
    return data


def main(argv: list[str]) -> int:
    if argv[1:] == ["warm-up"]:
        return warm_up()
    if len(argv) != 3 or argv[1] not in SUBMISSION:
        print("usage: cnngrade_harness.py gradescope|prairielearn ROOT  or  cnngrade_harness.py warm-up",
              file=sys.stderr)
        return 2
    platform, root = argv[1], Path(argv[2])
    results = root / "results" / "results.json"
    try:
        data = grade(platform, root)
    except Exception as exc:  # noqa: BLE001  (fail closed, whatever went wrong here)
        data = failure(platform, GRADER_FAILED, f"harness: {type(exc).__name__}: {exc}", 0.0)
        print(f"harness failed: {type(exc).__name__}: {exc}", file=sys.stderr)
    results.parent.mkdir(parents=True, exist_ok=True)
    temporary = results.with_suffix(".tmp")
    temporary.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    temporary.replace(results)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

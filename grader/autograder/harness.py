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
overrides), "warm_up" (default true) and "lang" (the language of what students and staff read:
"en", the default, or "fr"; cnngrade is run with --lang, and the harness says its own sentences
from WORDS, its own small table: it imports no catalog, so that it speaks when cnngrade cannot).

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
DEFAULT = "en"
# The harness's own sentences, in each language cnngrade speaks (not the catalogs': this file
# imports nothing of cnngrade; tests/test_i18n_marked.py holds every language to English's keys
# and placeholders). The run scripts' last-resort results take theirs from here too
# (grader/autograder/gradescope.py and prairielearn.py, when the image is built).
WORDS = {
    "en": {
        "grader_failed": "The autograder failed while grading this submission; this is not a fault of your code, and course staff can see what happened. ",
        "failed_before": "The autograder failed before it could grade this submission; this is not a fault of your code, and course staff can see what happened.",
        "pl_failed_before": "The grader failed before it could grade this submission; this is not a fault of your code.",
        "pl_failed": "The grader failed; course staff can see what happened.",
        "not_graded": "Your submission could not be graded: {reason}",
        "no_module": "there is no cnn.py in the submission: upload cnn.py itself (and the files it comes with), not only a folder or an archive that holds them",
        "unknown_mistake": "the submission could not be graded",
        "took_longer": "Grading took longer than {seconds} s.",
        "not_started": "cnngrade could not be started.",
        "exit_code": "(cnngrade exit code {code})",
        "no_results": "It wrote no readable results.",
        "malformed": "It wrote malformed results.",
        "error_prefix": "cnngrade: error: ",
        "warm_up_skipped": "warm-up: skipped (built with --no-warm-up)",
        "warm_up_done": "warm-up: cnngrade selftest exit code {code} after {seconds} s",
        "warm_up_failed": "warm-up: the checks could not be proven on this image (see above); fix that before grading",
        "graded_in": "cnngrade exit code {code} after {seconds} s",
        "harness_failed": "harness failed: {error}",
        "usage": "usage: cnngrade_harness.py gradescope|prairielearn ROOT  or  cnngrade_harness.py warm-up",  # i18n: not for people (a command line)
    },
    "fr": {
        "grader_failed": "Le correcteur automatique a échoué pendant la correction de ce rendu ; ce n'est pas la faute de votre code, et l'équipe pédagogique peut voir ce qui s'est passé. ",
        "failed_before": "Le correcteur automatique a échoué avant de pouvoir corriger ce rendu ; ce n'est pas la faute de votre code, et l'équipe pédagogique peut voir ce qui s'est passé.",
        "pl_failed_before": "Le correcteur a échoué avant de pouvoir corriger ce rendu ; ce n'est pas la faute de votre code.",
        "pl_failed": "Le correcteur a échoué ; l'équipe pédagogique peut voir ce qui s'est passé.",
        "not_graded": "Votre rendu n'a pas pu être corrigé : {reason}",
        "no_module": "le rendu ne contient pas de cnn.py : déposez cnn.py lui-même (et les fichiers qui l'accompagnent), pas seulement un dossier ou une archive qui les contient",
        "unknown_mistake": "le rendu n'a pas pu être corrigé",
        "took_longer": "La correction a pris plus de {seconds} s.",
        "not_started": "cnngrade n'a pas pu être lancé.",
        "exit_code": "(code de sortie de cnngrade : {code})",
        "no_results": "Il n'a écrit aucun résultat lisible.",
        "malformed": "Il a écrit des résultats mal formés.",
        "error_prefix": "cnngrade : erreur : ",
        "warm_up_skipped": "préchauffage : omis (construit avec --no-warm-up)",
        "warm_up_done": "préchauffage : cnngrade selftest s'est terminé avec le code {code} après {seconds} s",
        "warm_up_failed": "préchauffage : les vérifications n'ont pas pu être prouvées sur cette image (voir ci-dessus) ; corrigez cela avant de noter",
        "graded_in": "cnngrade s'est terminé avec le code {code} après {seconds} s",
        "harness_failed": "échec du harnais : {error}",
        "usage": "usage : cnngrade_harness.py gradescope|prairielearn ROOT  ou  cnngrade_harness.py warm-up",  # i18n: not for people (a command line)
    },
}


def say(key: str, language: str = DEFAULT, **params: object) -> str:
    """One of the harness' sentences (WORDS) in `language` (English for one it does not speak)."""
    return WORDS.get(language, WORDS[DEFAULT])[key].format(**params)


def seconds(value: float, decimals: int, language: str) -> str:
    """A number of seconds as the language writes it (a decimal comma in French)."""
    text = f"{value:.{decimals}f}"
    return text.replace(".", ",") if language == "fr" else text


def language(settings: dict) -> str:
    """The language config.json names, English when it names none the harness speaks."""
    chosen = settings.get("lang")
    return chosen if chosen in WORDS else DEFAULT


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


def language_arguments(settings: dict) -> list[str]:
    """--lang for cnngrade when config.json names a language other than the default."""
    chosen = language(settings)
    return [] if chosen == DEFAULT else ["--lang", chosen]


def warm_up() -> int:
    """Run `cnngrade selftest` once on the selection (at the image's build); its exit code."""
    settings = config()
    lang = language(settings)
    if not settings.get("warm_up", True):
        print(say("warm_up_skipped", lang))
        return 0
    command = cnngrade_command() + ["selftest", *(settings.get("exercises") or []), *option_arguments(settings),
                                    *language_arguments(settings)]
    print("warm-up: $", " ".join(command), flush=True)
    start = time.monotonic()
    code = subprocess.run(command, env=environment(), cwd=HERE).returncode
    print(say("warm_up_done", lang, code=code, seconds=seconds(time.monotonic() - start, 0, lang)), flush=True)
    if code:
        print(say("warm_up_failed", lang), file=sys.stderr)
    return code


def cnngrade_command() -> list[str]:
    """The cnngrade installed beside this Python (setup.sh's venv), else on PATH, else the module."""
    beside = Path(sys.executable).parent / "cnngrade"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("cnngrade")
    return [found] if found else [sys.executable, "-m", "grader.cli"]


def gradescope_failure(message: str, kind: str, elapsed: float) -> dict:
    return {"score": 0, "execution_time": round(elapsed, 1), "output": message, "output_format": "text",
            "visibility": "visible", "stdout_visibility": "hidden", "tests": [],
            "extra_data": {"cnngrade_failure": kind}}


def prairielearn_ungradable(message: str, lang: str = DEFAULT) -> dict:
    try:  # the reporter's own function, when cnngrade is importable
        from grader.i18n import speaking
        from grader.reporters.prairielearn import ungradable
    except Exception:  # noqa: BLE001  (cnngrade broken: the same shape, built here)
        return {"gradable": False, "format_errors": [message], "message": say("not_graded", lang, reason=message)}
    with speaking(lang):
        return ungradable(message)


def failure(platform: str, message: str, kind: str, elapsed: float, lang: str = DEFAULT) -> dict:
    if platform == "gradescope":
        return gradescope_failure(message, kind, elapsed)
    return prairielearn_ungradable(message, lang)


def not_gradable(platform: str, reason: str, elapsed: float, lang: str) -> dict:
    """The result of a submission that is the student's mistake to fix (no cnn.py, exit code 2)."""
    if platform == "gradescope":
        return gradescope_failure(say("not_graded", lang, reason=reason), "submission", elapsed)
    return prairielearn_ungradable(reason, lang)


def _user_error(stderr: str, lang: str = DEFAULT) -> str:
    """The one-line error cnngrade wrote (in `lang`, or in English), without this folder's path."""
    prefixes = tuple(dict.fromkeys((say("error_prefix", lang), say("error_prefix"))))
    lines = [line for line in stderr.splitlines() if line.startswith(prefixes)]
    if lines:
        text = next(lines[-1][len(p):] for p in prefixes if lines[-1].startswith(p))
    else:
        text = say("unknown_mistake", lang)
    return text.replace(str(Path.cwd()) + os.sep, "")


def grade(platform: str, root: Path) -> dict:
    """Run cnngrade on ROOT's submission; return the final results.json content."""
    settings = config()
    lang = language(settings)
    results = root / "results" / "results.json"
    folder = submission_folder(root / SUBMISSION[platform])
    command = (cnngrade_command() + ["submit", str(folder), f"--{platform}", str(results)]
               + selection_arguments(settings) + option_arguments(settings) + language_arguments(settings))
    env = environment()
    timeout = float(os.environ.get("CNNGRADE_TIMEOUT") or settings.get("timeout_seconds") or TIMEOUT[platform])
    if results.exists():
        results.unlink()
    if not (folder / "cnn.py").is_file():
        return not_gradable(platform, say("no_module", lang), 0.0, lang)
    start = time.monotonic()
    print("$", " ".join(command), flush=True)

    def failed(key: str, kind: str, **params: object) -> dict:
        return failure(platform, say("grader_failed", lang) + say(key, lang, **params), kind,
                       time.monotonic() - start, lang)

    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env, cwd=root)
    except subprocess.TimeoutExpired:
        return failed("took_longer", "timeout", seconds=seconds(timeout, 0, lang))
    except OSError as exc:
        return failed("not_started", f"oserror: {exc}")
    elapsed = time.monotonic() - start
    print(done.stdout, end="")
    print(done.stderr, end="", file=sys.stderr)
    print(say("graded_in", lang, code=done.returncode, seconds=seconds(elapsed, 1, lang)), flush=True)
    if done.returncode == 2:
        return not_gradable(platform, _user_error(done.stderr, lang), elapsed, lang)
    if done.returncode not in (0, 1):
        return failed("exit_code", "grader", code=done.returncode)
    try:
        data = json.loads(results.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return failed("no_results", f"results: {exc}")
    if not isinstance(data, dict):
        return failed("malformed", "results")
    if platform == "gradescope":
        data["stdout_visibility"] = "hidden"
        data.setdefault("execution_time", round(elapsed, 1))
    return data


def main(argv: list[str]) -> int:
    if argv[1:] == ["warm-up"]:
        return warm_up()
    lang = language(config())
    if len(argv) != 3 or argv[1] not in SUBMISSION:
        print(say("usage", lang), file=sys.stderr)
        return 2
    platform, root = argv[1], Path(argv[2])
    results = root / "results" / "results.json"
    try:
        data = grade(platform, root)
    except Exception as exc:  # noqa: BLE001  (fail closed, whatever went wrong here)
        data = failure(platform, say("grader_failed", lang), f"harness: {type(exc).__name__}: {exc}", 0.0, lang)
        print(say("harness_failed", lang, error=f"{type(exc).__name__}: {exc}"), file=sys.stderr)
    results.parent.mkdir(parents=True, exist_ok=True)
    temporary = results.with_suffix(".tmp")
    temporary.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    temporary.replace(results)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

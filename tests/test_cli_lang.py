"""The command line in the user's language (issue 21): --lang, the locale, one-line errors, the
starter and a first check in French, and a class whose roster gives each student's language.

The reports' and the course's words are tested in test_reports_fr.py; here, how a language is
chosen and that each command speaks it, end to end, through the console script's code.
"""
from __future__ import annotations

import json
import shutil

import pytest

from conftest import ROOT, example_folder, run_cnngrade

NBSP = "\u00a0"
FRENCH = {"LANG": "fr_FR.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""}
QUICK = ("-e", "correlate2d", "-e", "pad2d")


def test_the_locale_chooses_french_and_lang_overrides_it():
    french = run_cnngrade("--help", env=FRENCH)
    assert french.code == 0, french.stderr
    assert french.stdout.startswith(f"Utilisation{NBSP}:"), french.stdout[:200]
    assert "Affiche ce message et quitte." in french.stdout  # click's own words, from our catalog
    assert "Codes de sortie" in french.stdout  # the group's help, from the engine's catalog
    english = run_cnngrade("--help", "--lang", "en", env=FRENCH)
    assert english.stdout.startswith("Usage:") and "Show this message and exit." in english.stdout
    plain = run_cnngrade("--help", env={"LANG": "C", "LC_ALL": "", "LC_MESSAGES": ""})
    assert plain.stdout == english.stdout
    german = run_cnngrade("submit", "--help", env={"LANG": "de_DE.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""})
    assert german.stdout.startswith("Usage:")  # a locale cnngrade does not speak: English


def test_every_command_speaks_french_in_its_help():
    for command in ("submit", "check", "batch", "init", "list", "show", "selftest", "autograder"):
        run = run_cnngrade(command, "--help", "--lang", "fr")
        assert run.code == 0, (command, run.stderr)
        assert run.stdout.startswith(f"Utilisation{NBSP}: "), (command, run.stdout[:120])
        assert "--lang fr|en" in run.stdout and "Show this message" not in run.stdout, command


@pytest.mark.parametrize("args, french", [
    (("submit", "no/such/folder"), f"dossier introuvable{NBSP}: no/such/folder"),
    (("submit", "examples", "-e", "nope"), "identifiant d'exercice inconnu 'nope'"),
])
def test_a_users_mistake_is_one_french_line_and_exit_2(args, french):
    run = run_cnngrade(*args, "--lang", "fr")
    assert run.code == 2 and run.stdout == "", run
    assert len(run.stderr.strip().splitlines()) == 1 and french in run.stderr, run.stderr
    assert "Traceback" not in run.stderr


def test_an_unknown_language_is_a_users_mistake():
    run = run_cnngrade("list", "--lang", "de")
    assert run.code == 2 and "Traceback" not in run.stderr
    assert "de" in run.stderr and "en" in run.stderr and "fr" in run.stderr, run.stderr


def test_init_and_a_first_check_in_french(tmp_path):
    folder = tmp_path / "mine"
    assert run_cnngrade("init", folder, "--lang", "fr").code == 0
    english = tmp_path / "english"
    assert run_cnngrade("init", english, "--lang", "en").code == 0
    # The same functions and signatures, commented in French.
    starter, starter_en = (folder / "cnn.py").read_text(), (english / "cnn.py").read_text()
    assert starter != starter_en
    defs = [line for line in starter.splitlines() if line.startswith("def ")]
    assert defs == [line for line in starter_en.splitlines() if line.startswith("def ")] and len(defs) > 15
    compile(starter, "cnn.py", "exec")
    french = run_cnngrade("check", folder, "--lang", "fr", json_path=tmp_path / "fr.json")
    en = run_cnngrade("check", english, "--lang", "en", json_path=tmp_path / "en.json")
    assert french.code == en.code == 1
    assert french.result["lang"] == "fr" and en.result["lang"] == "en"
    assert "relu n'est pas encore implémenté (il lève NotImplementedError)" in french.stdout, french.stdout[:2000]
    assert "is not implemented yet" not in french.stdout
    scores = [(e["id"], e["score"], e["max_score"]) for e in french.result["exercises"]]
    assert scores == [(e["id"], e["score"], e["max_score"]) for e in en.result["exercises"]]


def test_a_class_whose_roster_gives_each_students_language(tmp_path):
    """ada speaks French, bob English, in a batch run in English; bob then switches to French:
    only bob is graded again (the store keys a record by its language too)."""
    klass = tmp_path / "class"
    for name, example in (("ada", "correlate2d_flipped_kernel"), ("bob", "correlate2d_flipped_kernel")):
        (klass / name).mkdir(parents=True)
        shutil.copy(example_folder(example) / "cnn.py", klass / name / "cnn.py")

    def batch(languages: dict[str, str]):
        roster = tmp_path / "roster.csv"
        roster.write_text("login,name,langue\n" + "".join(f"{n},{n.title()},{lang}\n" for n, lang in languages.items()))
        return run_cnngrade("batch", klass, *QUICK, "--roster", roster, "--roster-key", "login",
                            "--roster-lang", "langue", "--html", tmp_path / "html", "--out", tmp_path / "out",
                            "--lang", "en", json_path=tmp_path / "all.json")

    first = batch({"ada": "fr_FR", "bob": "en"})
    assert first.code == 1, first.stderr
    results = {r["submission"]: r for r in first.result}
    assert (results["ada"]["lang"], results["bob"]["lang"]) == ("fr", "en")
    ada_check = next(c for e in results["ada"]["exercises"] for c in e["checks"] if c["status"] == "failed")
    bob_check = next(c for e in results["bob"]["exercises"] for c in e["checks"] if c["status"] == "failed")
    assert ada_check["name"] == bob_check["name"] and ada_check["message"] != bob_check["message"]
    assert results["ada"]["score"] == results["bob"]["score"]
    pages = tmp_path / "html"
    assert '<html lang="fr">' in (pages / "students" / "ada.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in (pages / "students" / "bob.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in (pages / "index.html").read_text(encoding="utf-8")  # the command's
    assert "2 of 2 students graded" in first.stdout  # the summary, in the command's language

    again = batch({"ada": "fr", "bob": "fr"})
    assert "1 of 2 students unchanged since the last run" in again.stdout, again.stdout
    results = {r["submission"]: r for r in json.loads((tmp_path / "all.json").read_text())}
    assert results["bob"]["lang"] == "fr"
    bob_again = next(c for e in results["bob"]["exercises"] for c in e["checks"] if c["name"] == bob_check["name"])
    assert bob_again["message"] == ada_check["message"]


def test_list_and_show_in_french():
    french, english = run_cnngrade("list", "--lang", "fr"), run_cnngrade("list", "--lang", "en")
    assert french.code == english.code == 0
    assert len(french.stdout.splitlines()) == len(english.stdout.splitlines()) >= 18
    assert "Corrélation croisée 2D" in french.stdout and "2D cross-correlation" not in french.stdout
    # The same ids and points on every line (12,5 in French): only the titles and numbers' commas change.
    assert [line.replace(",", ".").split()[:3] for line in french.stdout.splitlines()] == \
        [line.split()[:3] for line in english.stdout.splitlines()]
    assert "12,5 pts" in french.stdout and "12.5 pts" in english.stdout
    shown = run_cnngrade("show", "correlate2d", "--lang", "fr", env=FRENCH)
    statement = (ROOT / "exercises" / "correlate2d" / "statement.fr.md").read_text(encoding="utf-8")
    assert shown.code == 0 and shown.stdout.startswith(statement.splitlines()[0]) and "## Indice" in shown.stdout

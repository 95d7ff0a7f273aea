"""The reports in French (issue 21): `cnngrade submit EXAMPLE --lang fr` writes no English.

Every example (examples/, assembled as conftest does) whose mistakes are in NumPy exercises is
graded on those exercises (good/ on every NumPy exercise), once with --lang fr and once with
--lang en. English is found by the catalogs' own sentences: the literal parts of every msgid
(placeholders removed) of two words or more, looked for in the French terminal output and the
French page, code set aside (counterexample values and tracebacks, reproduce lines, <code> and
<pre>); a part that the French translation keeps as it is does not count.

- test_french_submit_has_none_of_the_reports_english: the reports' words (reports.po) in the
  terminal, the page (opened in Chromium: lang="fr", no console error) and the LMS texts.
- test_french_submit_has_no_english: every catalog's words, the engine's and the course's
  (checks' messages, diagnoses, titles) too. It passes once grader/locale/fr/.../cnngrade.po and
  exercises/locale/fr/.../course.po are translated (the other translators' catalogs).
- test_json_differs_between_languages_only_in_words: the JSON of both languages, field by field.
- test_each_report_speaks_its_own_language: a class of a French and an English student, in-process.
- test_reporters_help_reads_in_the_current_language: the --NAME options' help lines.
"""
from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from chromium import Browser, find_chromium
from conftest import ROOT, example_folder, run_cnngrade
from grader.i18n import speaking
from grader.reporters import all_reporters, gradescope, junit, prairielearn
from grader.reporters.html import render_class, render_student
from grader.reporters.moodle import comment
from grader.reporters.outputs import ReportContext, planned_files
from grader.reporters.terminal import render
from grader.results import GradeReport
from test_examples import FOLDERS, NUMPY_EXERCISES, expected_scores

NBSP = "\u00a0"
REPORTS_CATALOG = ROOT / "grader" / "locale" / "fr" / "LC_MESSAGES" / "reports.po"
MAPPINGS = [ROOT / "grader" / "locale" / "babel.cfg", ROOT / "grader" / "locale" / "reports.cfg",
            ROOT / "exercises" / "locale" / "babel.cfg"]
# The JSON fields people read: they are in the result's language; all else is the same in both.
WORDS = {"title", "message", "diagnosis", "description", "hint"}


# ------------------------------------------------------------------ the English to look for

def literal_parts(msgid: str) -> list[str]:
    """The pieces of a sentence between its placeholders that have two words or more."""
    pieces = re.split(r"(?<!\{)\{[^{}]*\}(?!\})", msgid.replace("{{", "{").replace("}}", "}"))
    return [" ".join(p.split()) for p in pieces if len(re.findall(r"[A-Za-z]{2,}", p)) >= 2]


def english(entries: dict[str, list[str]]) -> dict[str, str]:
    """part -> the msgid it comes from; entries: msgid -> its French strings ([] when not in a .po
    yet). A part that every French string keeps as it is (code, a name) is not English to find."""
    parts = {}
    for msgid, french in entries.items():
        for part in literal_parts(msgid):
            if not french or not all(part in " ".join(f.split()) for f in french):
                parts[part] = msgid
    return parts


def catalog_entries(path: Path) -> dict[str, list[str]]:
    with path.open("rb") as handle:
        catalog = read_po(handle, locale="fr")
    entries: dict[str, list[str]] = {}
    for message in catalog:
        if message.id:
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = list(message.string) if isinstance(message.string, (list, tuple)) else [message.string]
            for msgid in ids:
                entries[msgid] = [s for s in strings if s]
    return entries


def every_entry() -> dict[str, list[str]]:
    """Every sentence marked in grader/, cnngrade/, exercises/ and the templates (extracted from the
    sources as docs/i18n.md's pybabel commands do), with its French where a catalog has it."""
    entries: dict[str, list[str]] = {}
    for path in sorted(ROOT.glob("grader/locale/fr/LC_MESSAGES/*.po")) + \
            sorted(ROOT.glob("exercises/locale/fr/LC_MESSAGES/*.po")):
        entries.update(catalog_entries(path))
    keywords = dict(DEFAULT_KEYWORDS, N_=None)
    for mapping in MAPPINGS:
        with mapping.open() as handle:
            method_map, options_map = parse_mapping_cfg(handle)
        for _file, _line, message, _comments, _context in extract_from_dir(str(ROOT), method_map, options_map,
                                                                            keywords=keywords):
            for msgid in (message if isinstance(message, tuple) else (message,)):
                if msgid:
                    entries.setdefault(msgid, [])
    return entries


def english_in(text: str, parts: dict[str, str]) -> list[str]:
    text = re.sub(r" a levé [^\n]*", " a levé", text)  # what a student's function raised: their words
    text = " ".join(text.split())
    return sorted(f"{part!r} (from {msgid!r})" for part, msgid in parts.items()
                  if re.search(r"(?<![\w'])" + re.escape(part) + r"(?![\w'])", text))


# ------------------------------------------------------------------ what people read, code set aside

def terminal_words(stdout: str, result: dict) -> str:
    """The terminal output without its code: counterexample values and tracebacks (indented by ten
    spaces), the reproduce lines' code, and what the student's code printed."""
    text = stdout
    for _exercise, check in checks_of(result):
        reproduce = (check["counterexample"] or {}).get("reproduce")
        if reproduce:
            text = text.replace(reproduce, "")
    return "\n".join(line for line in text.splitlines()
                     if not line.startswith(" " * 10) and not line.startswith("    | "))


class _Words(HTMLParser):
    """The text of a page and its title, alt and aria-label attributes, without code (<code>,
    <pre>, a similarity page's source lines), style or script."""

    CODE = {"code", "pre", "style", "script"}

    def __init__(self):
        super().__init__()
        self.words: list[str] = []
        self.skipping: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if self.skipping or tag in self.CODE or "code" in (attributes.get("class") or "").split():
            if tag not in ("br", "img", "meta", "link", "input"):
                self.skipping.append(tag)
            return
        self.words += [attributes[a] or "" for a in ("title", "alt", "aria-label") if a in attributes
                       and tag != "td"]  # a grid cell's title is its value

    def handle_endtag(self, tag):
        if self.skipping and self.skipping[-1] == tag:
            self.skipping.pop()

    def handle_data(self, data):
        if not self.skipping:
            self.words.append(data)


def page_words(html: str) -> str:
    parser = _Words()
    parser.feed(html)
    return "\n".join(parser.words)


def checks_of(result: dict):
    for exercise in result["exercises"]:
        for check in exercise["checks"]:
            yield exercise, check


# ------------------------------------------------------------------ the runs

def selection(name: str) -> list[str]:
    """The exercises an example's mistakes are in (good/: every NumPy exercise)."""
    ids = [i for i in expected_scores(name) if i in NUMPY_EXERCISES] or NUMPY_EXERCISES
    return [arg for i in ids for arg in ("-e", i)]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """name -> {lang: (Run, html text)} for every example, in French and in English."""
    root = tmp_path_factory.mktemp("french")

    def grade(job):
        name, lang = job
        out = root / lang / name
        run = run_cnngrade("submit", example_folder(name), *selection(name), "--lang", lang, "--html", out / "html",
                           json_path=out / "result.json")
        return name, lang, run, out / "html" / "index.html"

    for name in FOLDERS:  # assembled once, before the runs share the folders
        example_folder(name)
    runs: dict[str, dict] = {}
    with ThreadPoolExecutor(2) as pool:
        for name, lang, run, page in pool.map(grade, [(n, lang) for n in FOLDERS for lang in ("fr", "en")]):
            assert run.result is not None, (name, lang, run.stderr)
            runs.setdefault(name, {})[lang] = (run, page)
    return runs


@pytest.fixture(scope="module")
def browser():
    assert find_chromium(), "Chromium is needed for the HTML tests (Debian: apt-get install chromium)"
    with Browser() as chromium:
        yield chromium


def lms_texts(result: dict) -> str:
    """What the LMS formats show a person of one result, rendered here in English: each speaks the
    result's own language."""
    report = GradeReport.from_json(result)
    gradescope_json = gradescope.results(report)
    prairielearn_json = prairielearn.results(report)
    texts = [gradescope_json["output"], prairielearn_json["output"], prairielearn_json["message"],
             page_words(comment(report)), junit.dumps([report])]
    texts += [t["output"] for t in gradescope_json["tests"]]
    texts += [t[key] for t in prairielearn_json["tests"] for key in ("message", "output")]
    for _exercise, check in checks_of(result):  # code set aside, as in the terminal
        example = check["counterexample"] or {}
        texts = [t.replace(example.get("reproduce") or "\0", "") for t in texts]
    return "\n".join(line for text in texts for line in text.splitlines() if not line.startswith(" " * 10))


# ------------------------------------------------------------------ the tests

def test_french_submit_has_none_of_the_reports_english(graded, browser):
    reports_english = english(catalog_entries(REPORTS_CATALOG))
    assert len(reports_english) > 80  # the catalog is read (a typo in its path would find nothing)
    for name, runs in graded.items():
        run, page_path = runs["fr"]
        result = run.result
        assert result["lang"] == "fr"
        said = terminal_words(run.stdout, result)
        html = page_path.read_text(encoding="utf-8")
        shown = page_words(html)
        assert english_in(said, reports_english) == [], (name, "terminal")
        assert english_in(shown, reports_english) == [], (name, "page")
        assert english_in(lms_texts(result), reports_english) == [], (name, "LMS texts")
        # ...where the same search finds the English of the same example (a terminal explains only
        # what failed: good/'s holds titles and marks, no sentence of the reports').
        english_run, english_page = runs["en"]
        if english_run.result["score"] < english_run.result["max_score"]:
            assert english_in(terminal_words(english_run.stdout, english_run.result), reports_english) != []
        assert english_in(page_words(english_page.read_text(encoding="utf-8")), reports_english) != []
        # The reports' own words are there, in French (so the check above is not vacuous).
        assert said.splitlines()[0] == f"cnngrade submit{NBSP}: {name}"
        assert re.search(rf"^Total{NBSP}: [\d,]+/[\d,]+ points$", said, re.M), said[-200:]
        for _exercise, check in checks_of(result):
            if check["diagnosis"]:  # the diagnosis line, in the terminal and on the page
                assert f"cause probable{NBSP}: {check['diagnosis']}" in run.stdout
                assert f"Cause probable{NBSP}:" in shown
        if any(c["counterexample"] and c["visibility"] == "visible" for _e, c in checks_of(result)):
            assert f"plus petite entrée en échec{NBSP}:" in said and f"pour reproduire{NBSP}: " in run.stdout
        page = browser.page(page_path.resolve().as_uri())
        try:
            assert page.errors() == [], (name, page.errors())
            assert page.evaluate("document.documentElement.lang") == "fr"
            total = page.evaluate("document.getElementById('total').textContent.replace(/\\s+/g, ' ').trim()")
            assert total == f"{result['score']:g} / {result['max_score']:g}".replace(".", ",")
            assert "toutes les vérifications, visibles et cachées" in page.evaluate("document.body.innerText")
        finally:
            page.close()


def test_french_submit_has_no_english(graded):
    """Every catalog's English, the engine's and the course's included: the checks' messages, the
    diagnoses, the exercises' titles and the checks' descriptions. Depends on cnngrade.po and
    course.po being translated (see the module's docstring)."""
    everything = english(every_entry())
    found = {}
    for name, runs in graded.items():
        run, page_path = runs["fr"]
        for where, text in (("terminal", terminal_words(run.stdout, run.result)),
                            ("page", page_words(page_path.read_text(encoding="utf-8"))),
                            ("LMS texts", lms_texts(run.result))):
            english_found = english_in(text, everything)
            if english_found:
                found[f"{name} ({where})"] = english_found
    assert found == {}


def test_json_differs_between_languages_only_in_words(graded):
    for name, runs in graded.items():
        french, english_ = runs["fr"][0].result, runs["en"][0].result
        assert (french["lang"], english_["lang"]) == ("fr", "en")
        assert runs["fr"][0].code == runs["en"][0].code
        # The scores, field by field.
        assert (french["score"], french["max_score"]) == (english_["score"], english_["max_score"])
        assert [e["id"] for e in french["exercises"]] == [e["id"] for e in english_["exercises"]]
        for f_exercise, e_exercise in zip(french["exercises"], english_["exercises"]):
            assert (f_exercise["score"], f_exercise["max_score"]) == (e_exercise["score"], e_exercise["max_score"])
            assert [c["name"] for c in f_exercise["checks"]] == [c["name"] for c in e_exercise["checks"]]
            for f_check, e_check in zip(f_exercise["checks"], e_exercise["checks"]):
                for key in ("score", "max_score", "status", "visibility"):
                    assert f_check[key] == e_check[key], (name, f_exercise["id"], f_check["name"], key)
        # Everything else is the same but the words people read.
        assert without_words(french) == without_words(english_), name


def without_words(result: dict) -> dict:
    result = json.loads(json.dumps(result))
    del result["lang"]
    result["notices"] = len(result["notices"])
    for item in result["review"]:
        del item["message"]
    for exercise in result["exercises"]:
        for record in [exercise, *exercise["checks"]]:
            for key in WORDS & set(record):
                record[key] = bool(record[key])  # present or not, in both languages alike
    return result


def test_each_report_speaks_its_own_language(graded, tmp_path):
    """A class of a French and an English student, with the run in English, then in French: each
    student's page and terminal summary in the student's language, the class page in the run's."""
    french = GradeReport.from_json(graded["conv2d_no_bias"]["fr"][0].result)
    english_ = GradeReport.from_json(graded["pad2d_one_side"]["en"][0].result)
    reports_english = english(catalog_entries(REPORTS_CATALOG))
    context = ReportContext((french, english_), batch=True)
    for run_language, class_words in (("en", "Class results"), ("fr", "Résultats de la classe")):
        with speaking(run_language):
            files = {path.relative_to(tmp_path).as_posix(): text
                     for path, text in planned_files(context, {"html": tmp_path}).items()}
            summaries = (render(french), render(english_))
        assert f'<html lang="{run_language}">' in files["index.html"] and class_words in files["index.html"]
        student_page = files["students/conv2d_no_bias.html"]
        assert '<html lang="fr">' in student_page
        assert english_in(page_words(student_page), reports_english) == []
        assert "12,5/15" in page_words(student_page)  # numbers as French writes them
        assert '<html lang="en">' in files["students/pad2d_one_side.html"]
        assert "Likely cause:" in files["students/pad2d_one_side.html"]
        assert summaries[0].splitlines()[-1] == f"Total{NBSP}: {french.score:g}/{french.max_score:g} points".replace(".", ",")
        assert summaries[1].splitlines()[-1] == f"Total: {english_.score:g}/{english_.max_score:g} points"
    with speaking("fr"):
        class_page = render_class([french, english_], ["a.html", "b.html"])
    assert english_in(page_words(class_page), reports_english) == []
    with speaking("en"):  # a page renders in its report's language whatever the caller speaks
        alone = render_student(french)
    assert '<html lang="fr">' in alone and english_in(page_words(alone), reports_english) == []


def test_reporters_help_reads_in_the_current_language():
    """A reporter's help line is a class attribute, built once: it is translated when read."""
    reporters = all_reporters()
    with speaking("fr"):
        french = {name: (r.help, getattr(r, "batch_help", r.help)) for name, r in reporters.items()}
    with speaking("en"):
        english_ = {name: (r.help, getattr(r, "batch_help", r.help)) for name, r in reporters.items()}
    assert english_["json"][0] == ("Write the result as JSON (schema cnngrade/result-3); with several "
                                   "submissions, a JSON list.")
    assert french["json"][0] == "Écrire le résultat en JSON (schéma cnngrade/result-3)\u202f; avec plusieurs rendus, une liste JSON."
    reports_english = english(catalog_entries(REPORTS_CATALOG))
    for name in french:
        assert french[name] != english_[name], name
        assert english_in(" ".join(french[name]), reports_english) == [], name

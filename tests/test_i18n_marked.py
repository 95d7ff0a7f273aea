"""Every sentence a person reads is marked for translation, and every catalog entry has its French.

A sentence in code is a string with three or more words of letters (a message, a help text, a
title); it must be the first argument of `_`, `ngettext` or `N_` (grader.i18n). What is not for
people (a regular expression, a line of code the student pastes, a file name, a developer's
assertion) says so on its line with `# i18n: not for people` and why. Docstrings are for
developers, except where click shows them (commands take `help=_(...)` instead). In templates,
the text between tags and the title, alt and aria-label attributes are written as `{{ _("...") }}`.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from jinja2 import nodes

from conftest import ROOT
from grader.reporters.jinja import environment

SENTENCE = re.compile(r"[A-Za-z][a-z']+[ ,;:]+(?:[A-Za-z0-9'()]+[ ,;:]+)*[A-Za-z][a-z']+[ ,;:.]+[A-Za-z]{2,}")
MARKERS = {"_", "ngettext", "N_"}
EXEMPT = "# i18n: not for people"
PACKS = ("grader", "cnngrade", "exercises", "tests/packs/kernels/cnngrade_kernels")  # the second pack too
SOURCES = [p for folder in PACKS for p in sorted((ROOT / folder).rglob("*.py"))
           # a starter is the student's file (starter.fr.py is its French); the autograder's harness
           # imports nothing of cnngrade and speaks from its own table (test_the_harness_speaks_...)
           if p.name not in ("starter.py", "starter_header.py") and not p.name.startswith("starter.")
           and p.relative_to(ROOT).as_posix() != "grader/autograder/harness.py"]
TEMPLATES = sorted((ROOT / "grader" / "reporters" / "templates").glob("*.j2"))
CATALOGS = sorted(p for folder in PACKS for p in (ROOT / folder).rglob("locale/fr/LC_MESSAGES/*.po"))


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                found.add(id(first.value))
    return found


def _marked(tree: ast.AST) -> set[int]:
    """ids of the string nodes that are the first argument of a marker (f-strings are never marked:
    a catalog entry is a fixed sentence with named placeholders)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in MARKERS:
            for argument in node.args[:2]:
                found.update(id(n) for n in ast.walk(argument))
    return found


def _text(node: ast.AST) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else " X " for v in node.values)
    return ""


def unmarked_in_code(path: Path) -> list[str]:
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    lines = source.splitlines()
    skip = _docstrings(tree) | _marked(tree)
    inner = {id(v) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for v in node.values}
    found = []
    for node in ast.walk(tree):
        if id(node) in skip or id(node) in inner or not SENTENCE.search(_text(node)):
            continue
        span = lines[node.lineno - 1:(node.end_lineno or node.lineno)]
        if any(EXEMPT in line for line in span) or (node.lineno > 1 and EXEMPT in lines[node.lineno - 2]):
            continue
        found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {_text(node)[:80]!r}")
    return found


def unmarked_in_template(path: Path) -> list[str]:
    """The template's literal text in source order, an expression or a tag standing as \\0, so that a
    tag holding an expression (<html lang="{{ ... }}">) is still read as one tag; what is inside
    <style> and <script> is not for people."""
    tree = environment().parse(path.read_text(encoding="utf-8"))
    text, lines = "", []
    for data in tree.find_all(nodes.TemplateData):
        lines.append((len(text), data.lineno))
        text += data.data + "\0"

    def line_of(offset: int) -> int:
        return max((line for start, line in lines if start <= offset), default=1)

    def blank(match: re.Match) -> str:  # keeps offsets, and the \0 of the expressions in it
        return re.sub(r"[^\0]", " ", match.group())

    text = re.sub(r"<(style|script)\b.*?</\1>", blank, text, flags=re.S)
    found = []
    attributes = [(m.start(1), m.group(1)) for m in
                  re.finditer(r'(?:title|alt|aria-label|placeholder)="([^"]*)"', text)]
    visible = re.sub(r"<[^<>]*>", blank, text)  # words between tags
    for start, words in [*((m.start(), m.group()) for m in re.finditer(r"[^\0]+", visible)), *attributes]:
        for piece in words.split("\0"):
            piece = re.sub(r"&[a-z]+;|&#\d+;", " ", piece)
            if re.search(r"[A-Za-z]{2,}", piece) and not re.fullmatch(r"[\s\W\d]*", piece):
                found.append(f"{path.relative_to(ROOT)}:{line_of(start)}: {' '.join(piece.split())[:80]!r}")
    return found


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_sentence_in_code_is_marked(path):
    assert unmarked_in_code(path) == []


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_every_word_in_templates_is_marked(path):
    assert unmarked_in_template(path) == []


PLACEHOLDER = re.compile(r"\{(\w*)[^{}]*\}")


def _placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text.replace("{{", "").replace("}}", "")))


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_entry_is_translated_with_the_same_placeholders(path):
    with path.open("rb") as handle:
        catalog = read_po(handle, locale="fr")
    problems = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings) or message.fuzzy:
            problems.append(f"not translated: {ids[0]!r}")
            continue
        wanted = _placeholders(ids[0])
        problems += [f"placeholders differ: {ids[0]!r} -> {s!r}" for s in strings if _placeholders(s) != wanted]
    assert problems == []


def _tuple(value):
    return tuple(value) if isinstance(value, list) else value


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_catalog_is_compiled(path):
    """The .mo shipped beside each .po holds exactly its translations (`pybabel compile`)."""
    with path.open("rb") as handle:
        source = {m.id: m.string for m in read_po(handle, locale="fr") if m.id and not m.fuzzy}
    with path.with_suffix(".mo").open("rb") as handle:  # read_mo gives a plural entry as lists, read_po as tuples
        compiled = {_tuple(m.id): _tuple(m.string) for m in read_mo(handle) if m.id}
    assert compiled == source


def test_the_harness_speaks_every_language_with_englishs_placeholders():
    """The autograder's harness (stdlib only, so no catalog) has its own table: every language
    cnngrade speaks, every key of English's, the same placeholders, and French's typography."""
    from grader.autograder.harness import WORDS
    from grader.i18n import LANGUAGES

    assert sorted(WORDS) == sorted(LANGUAGES)
    for language, words in WORDS.items():
        assert words.keys() == WORDS["en"].keys(), language
        for key, text in words.items():
            assert set(re.findall(r"{(\w+)}", text)) == set(re.findall(r"{(\w+)}", WORDS["en"][key])), (language, key)
    assert not re.search(r" [:;?!]", " ".join(WORDS["fr"].values()))  # a no-break space before them
    assert all(text != WORDS["en"][key] for key, text in WORDS["fr"].items() if key != "usage")

"""Every exercise's statement exists in French (statement.fr.md beside statement.md), as issue 21 asks.

The French statement is the English one's twin: the same headings at the same levels (the hint
headed "## Indice" where the English says "## Hint"), every code block and every inline `code`
span of the English as it is (students copy them), French prose (few English function words), and
French typography in the prose: a no-break space before : ; ? ! and inside « », a decimal comma.
The exercises are those of every installed pack plus the packs kept in tests/packs (installed only
by their own test).
"""
from __future__ import annotations

import re
import tomllib
from fnmatch import fnmatch
from pathlib import Path

import pytest

from conftest import ROOT
from grader.plugins import exercise_folders

FOLDERS = sorted({folder.resolve() for folder in exercise_folders()}
                 | {spec.parent.resolve() for spec in (ROOT / "tests" / "packs").glob("*/*/*/spec.toml")})
HINT = {"en": "## Hint", "fr": "## Indice"}
NO_BREAK = "\u00a0\u202f"  # no-break space, narrow no-break space
# Words that are common in English prose and are not French words.
ENGLISH_WORDS = {"the", "of", "and", "is", "are", "with", "that", "this", "which", "to", "from", "each",
                 "when", "your", "it", "its", "be", "not", "or", "by", "for", "as"}


def _code_blocks(text: str) -> list[str]:
    """Fenced blocks, and indented ones (4 spaces or more, after a blank line, so not a list's
    continuation lines), each as its exact lines."""
    fenced = re.findall(r"^```.*?^```", text, flags=re.M | re.S)
    text = re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)
    blocks, current, previous_blank = [], [], True
    for line in text.splitlines():
        if line.startswith("    ") and (current or previous_blank):
            current.append(line.rstrip())
        elif current and not line.strip():
            current.append("")
        else:
            if current:
                blocks.append("\n".join(current).strip("\n"))
            current = []
        previous_blank = not line.strip()
    if current:
        blocks.append("\n".join(current).strip("\n"))
    return fenced + blocks


def _outside_blocks(text: str) -> str:
    for block in _code_blocks(text):
        text = text.replace(block, "\n")
    return text


def _prose(text: str) -> str:
    """The text without its code blocks and inline code spans (they stay in English)."""
    return re.sub(r"`[^`]+`", " ", _outside_blocks(text))


def _code_spans(text: str) -> set[str]:
    """The inline code spans outside code blocks, whitespace normalised (a span may be wrapped)."""
    return {" ".join(span.split()) for span in re.findall(r"`([^`]+)`", _outside_blocks(text))}


def _headings(text: str) -> list[str]:
    return [line for line in text.splitlines() if re.match(r"#+ ", line)]


def _english_share(text: str) -> float:
    words = re.findall(r"[a-zA-Z']+", _prose(text).lower())
    return sum(word in ENGLISH_WORDS for word in words) / max(len(words), 1)


def _statements(folder: Path) -> tuple[str, str]:
    french = folder / "statement.fr.md"
    assert french.is_file(), f"{folder.name} has no statement.fr.md beside its statement.md"
    return (folder / "statement.md").read_text(encoding="utf-8"), french.read_text(encoding="utf-8")


def test_the_packs_are_found():
    names = {folder.name for folder in FOLDERS}
    assert len(FOLDERS) >= 19 and {"correlate2d", "transfer_learning", "image_kernels"} <= names


@pytest.mark.parametrize("project", [ROOT, ROOT / "tests" / "packs" / "kernels"], ids=["cnngrade", "kernels"])
def test_the_french_statements_are_shipped_with_their_pack(project):
    """The wheel carries each package's data files by pattern: statement.fr.md must match one."""
    patterns = tomllib.loads((project / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    statements = [(package, spec.parent.relative_to(project / package.replace(".", "/")) / "statement.fr.md")
                  for package in patterns for spec in (project / package.replace(".", "/")).glob("*/spec.toml")]
    assert statements
    for package, path in statements:
        assert any(fnmatch(str(path), pattern) for pattern in patterns[package]), f"{package}/{path} is not packaged"


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda folder: folder.name)
def test_the_french_statement_has_the_english_ones_structure(folder):
    english, french = _statements(folder)
    levels = [h.split(" ", 1)[0] for h in _headings(english)]
    assert [h.split(" ", 1)[0] for h in _headings(french)] == levels
    assert (HINT["fr"] in _headings(french)) == (HINT["en"] in _headings(english))
    assert HINT["en"] not in _headings(french)


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda folder: folder.name)
def test_the_french_statement_keeps_every_code_block_and_code_span(folder):
    english, french = _statements(folder)
    french_blocks = _code_blocks(french)
    for block in _code_blocks(english):
        assert block in french_blocks, f"{folder.name}: a code block of the English statement is missing:\n{block}"
    missing = _code_spans(english) - _code_spans(french)
    assert not missing, f"{folder.name}: code spans of the English statement missing in French: {sorted(missing)}"


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda folder: folder.name)
def test_the_french_statement_is_french(folder):
    english, french = _statements(folder)
    assert _english_share(english) > 0.12  # the measure tells the languages apart...
    assert _english_share(french) < 0.03, f"{folder.name}: statement.fr.md reads as English"
    prose = _prose(french)
    # ... and the prose follows French typography.
    bad = re.findall(rf".{{0,20}}[^{NO_BREAK}][:;?!](?:\s|$).{{0,10}}", prose, flags=re.M)
    assert not bad, f"{folder.name}: a no-break space is missing before : ; ? ! in {bad}"
    assert not re.search(rf"«[^{NO_BREAK}]|[^{NO_BREAK}]»", prose), f"{folder.name}: « » without no-break spaces"
    assert not re.findall(r'"', prose), f"{folder.name}: English quotes in the prose; use « »"
    decimals = re.findall(r"(?<![\w.])\d+\.\d+(?![\w.])", prose)
    assert not decimals, f"{folder.name}: a decimal point in the prose (use a comma): {decimals}"

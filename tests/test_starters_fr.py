"""The course's starters in French (issue 21): `cnngrade init --lang fr` writes the French twin of
the English starter, the same code for the student to fill in with French docstrings.

- every starter.fr.py defines the functions of its starter.py with the same signatures and the
  same body, and only its docstrings differ (students get the same stubs in either language);
- `init --lang fr` writes the French header (starter_header.fr.py, the contract's tolerance filled
  in) and French docstrings, and `check --lang fr` on it grades every stub as missing, in French.
"""
from __future__ import annotations

import ast
import re

import pytest

from conftest import ROOT
from grader.pack import RELATIVE_TOLERANCE

EXERCISES = ROOT / "exercises"
TWINS = sorted(EXERCISES.glob("*/starter.fr.py")) + [EXERCISES / "shared" / "starter_header.fr.py"]


def _without_docstrings(source: str) -> str:
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef)) and node.body and isinstance(node.body[0], ast.Expr) \
                and isinstance(node.body[0].value, ast.Constant) and isinstance(node.body[0].value.value, str):
            node.body[0].value.value = ""
    return ast.dump(tree)


def _docstrings(source: str) -> list[str]:
    return [ast.get_docstring(node, clean=False) for node in ast.walk(ast.parse(source))
            if isinstance(node, (ast.Module, ast.FunctionDef)) and ast.get_docstring(node)]


@pytest.mark.parametrize("french", TWINS, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_french_starter_is_the_english_code_with_french_docstrings(french):
    english = french.with_name(french.name.replace(".fr.py", ".py"))
    french_source, english_source = french.read_text(encoding="utf-8"), english.read_text(encoding="utf-8")
    assert _without_docstrings(french_source) == _without_docstrings(english_source)
    docstrings = _docstrings(french_source)
    assert docstrings and docstrings != _docstrings(english_source)
    # French typography in the prose: never a plain space before a colon or a semicolon that ends a clause
    assert not [d for d in docstrings if re.search(r" [:;](?=\s)", d)]


def test_init_in_french_writes_the_french_starter_and_check_speaks_french(cnngrade, tmp_path):
    folder = tmp_path / "mine"
    assert cnngrade("init", folder, "--lang", "fr").code == 0
    starter = (folder / "cnn.py").read_text(encoding="utf-8")
    assert starter.startswith('"""Exercices sur les CNN\u00a0: vos solutions vont dans ce fichier.')
    assert f"<= {RELATIVE_TOLERANCE:g} * max(1, max|expected|)\u202f;" in starter
    assert '"""max(x, 0) élément par élément\u202f; de même forme que x."""' in starter
    assert "Fill in each function" not in starter and "element-wise" not in starter
    run = cnngrade("check", folder, "--lang", "fr", "-e", "activations", "-e", "pad2d")
    assert run.code == 1
    assert "relu n'est pas encore implémenté" in run.stdout and "Padding de zéros" in run.stdout
    assert "is not implemented yet" not in run.stdout

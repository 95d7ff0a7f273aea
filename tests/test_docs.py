"""The project's own documents say what the code does: the contract (docs/EXERCISES.md) names every
exercise, function and graded file of the installed packs, each statement names its functions,
and the README's sample output is what the grader prints."""
from __future__ import annotations

import re

from conftest import ROOT, example_folder, run_cnngrade
from grader.grading.exercise import all_exercises

CONTRACT = ROOT / "docs" / "EXERCISES.md"


def _table_rows() -> dict[str, str]:
    """The contract's table of functions: exercise id -> its row."""
    rows = {}
    for line in CONTRACT.read_text(encoding="utf-8").splitlines():
        match = re.match(r"\| ([a-z0-9_]+) \| (.*) \|$", line)
        if match and match.group(1) != "exercise":
            rows[match.group(1)] = match.group(2)
    return rows


def test_the_contract_names_every_exercise_function_and_file():
    rows = _table_rows()
    builtin = [e for e in all_exercises() if e.folder.parent.name == "exercises"]
    assert sorted(rows) == sorted(e.id for e in builtin)
    for exercise in builtin:
        for name in exercise.functions:
            assert f"`{name}(" in rows[exercise.id], (exercise.id, name)
        for name in exercise.files:
            assert f"`{name}`" in rows[exercise.id], (exercise.id, name)


def test_every_statement_names_its_functions_and_files():
    for exercise in all_exercises():
        for name in exercise.functions + exercise.files:
            assert name in exercise.statement, (exercise.id, name)


def test_readme_sample_output_is_what_the_grader_prints(tmp_path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("```\n", 2)[1]
    command, shown = block.split("\n", 1)
    assert command == "$ cnngrade submit my_work/ -e correlate2d"
    folder = tmp_path / "my_work"
    folder.mkdir()
    (folder / "cnn.py").write_bytes((example_folder("correlate2d_flipped_kernel") / "cnn.py").read_bytes())
    run = run_cnngrade("submit", folder, "-e", "correlate2d")
    assert run.code == 1, run.stderr
    assert shown in run.stdout, run.stdout

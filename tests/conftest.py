"""Shared fixtures: run the real `cnngrade` command in a subprocess, as a user would."""
from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
MNIST = ROOT.parent / "shared" / "data" / "mnist"

# Every cnngrade run of the suite reads the shared MNIST and never downloads; the grader's trained
# reference model (cnn_forward) goes to a cache made for this session, which xdist workers inherit
# (set CNNGRADE_CACHE yourself to keep one across sessions).
os.environ.setdefault("CNNGRADE_MNIST", str(MNIST))
os.environ.setdefault("CNNGRADE_OFFLINE", "1")
if not os.environ.get("CNNGRADE_CACHE"):
    os.environ["CNNGRADE_CACHE"] = tempfile.mkdtemp(prefix="cnngrade-test-cache-")
    atexit.register(shutil.rmtree, os.environ["CNNGRADE_CACHE"], True)


sys.path.insert(0, str(EXAMPLES))
import assemble  # noqa: E402  (examples/assemble.py: mistake folders store only what differs from good/)

_ASSEMBLED = Path(tempfile.mkdtemp(prefix="cnngrade-examples-"))
atexit.register(shutil.rmtree, _ASSEMBLED, True)


def example_folder(name: str) -> Path:
    """The whole submission folder of examples/NAME (assembled once per test process); good/ is
    used in place, so that its trained model.keras is there."""
    if name == "good":
        return EXAMPLES / "good"
    target = _ASSEMBLED / name
    if not target.exists():
        assemble.assemble(name, _ASSEMBLED)
    return target


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    result: dict | None  # the --json result, when one was asked for

    @property
    def scores(self) -> dict[str, float]:
        return {e["id"]: e["score"] for e in self.result["exercises"]}


def run_cnngrade(*args: str, json_path: Path | None = None, timeout: float = 900, cwd: Path | None = None,
                 env: dict | None = None) -> Run:
    """Run `python -m grader.cli ARGS` (the console script's code) and collect what it gave."""
    command = [sys.executable, "-m", "grader.cli", *map(str, args)]
    if json_path is not None:
        command += ["--json", str(json_path)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=cwd or ROOT,
                          env={**os.environ, **(env or {})})
    result = json.loads(json_path.read_text()) if json_path is not None and json_path.exists() else None
    return Run(done.returncode, done.stdout, done.stderr, result)


@pytest.fixture
def cnngrade(tmp_path):
    """cnngrade("submit", folder, json=True) runs the CLI; with json=True the result is parsed."""
    def run(*args: str, json: bool = False, **kwargs) -> Run:
        return run_cnngrade(*args, json_path=tmp_path / "result.json" if json else None, **kwargs)
    return run


@pytest.fixture
def student_folder(tmp_path):
    """Write a student folder from the good example with some functions replaced.

    student_folder({"correlate2d": "def correlate2d(image, kernel):\n    while True: pass\n"})
    appends the given sources to a copy of examples/good/cnn.py (later definitions win).
    """
    def make(replacements: dict[str, str] | None = None, name: str = "student", source: str | None = None) -> Path:
        folder = tmp_path / name
        folder.mkdir()
        text = source if source is not None else (EXAMPLES / "good" / "cnn.py").read_text()
        for code in (replacements or {}).values():
            text += "\n\n" + code.strip() + "\n"
        (folder / "cnn.py").write_text(text)
        return folder
    return make

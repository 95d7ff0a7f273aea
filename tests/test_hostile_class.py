"""A class that cannot be cheated or sunk (issue 18): hostile and careless students beside innocent
ones, graded by the real `cnngrade batch` in a subprocess with the real sandbox.

Every hostile kind the issue names (model files aside: tests/test_mnist.py and the model reader's
own tests have those) is one student: links out of the folder and inside it, a student folder
that is a link, FIFOs, a socket, a device, a sparse 1 TiB file, too many files, too deep a tree,
names that are not UTF-8 or hold escape sequences, 245 characters, formulas; code that prints and
raises escape sequences and lone surrogates, that searches the disk for other students' work and
imports it, that writes outside its folder; notebooks that nbformat cannot read. The big and
sparse files cost no disk. The batch must finish (exit 1), give each innocent student the row that
`submit` gives it alone, give each hostile student a row with a one-line reason, write nothing
outside --out and the sandboxes, read nothing outside a submission into a grade, and put no
control character of a student's on the terminal.
"""
from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

import nbformat
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nbformat import v4

import assemble
from conftest import EXAMPLES, ROOT, run_cnngrade
from grader.classroom.progress import Progress
from grader.classroom.store import ResultStore
from grader.grading.sandboxes import open_sandbox
from grader.reporters import csv_report, junit
from grader.reporters.common import file_names
from grader.reporters.terminal import printable, render
from grader.results import CheckResult, ExerciseResult, GradeReport
from grader.sandbox import client
from grader.sandbox.client import Limits
from grader.submission.files import MAX_ENTRIES, SKIPPED, manifest, shown, unpack

EXERCISES = ("-e", "pad2d", "-e", "activations")
INNOCENT = ("good", "pad2d_one_side", "leaky_relu_slope_0_01")
TRIVIAL = "x = 1\n"  # no graded function: the checks say so at once (the point of the student is elsewhere)
NAME_MAX = os.pathconf("/", "PC_NAME_MAX")

SEARCHER = '''
import glob, os
KNOWN = {known!r}
FOUND = []


def _take(path):
    try:
        with open(path, encoding="utf-8") as handle:
            source = handle.read()
    except (OSError, UnicodeDecodeError, ValueError):
        return
    if "def " not in source:
        return
    namespace = {{}}
    try:
        exec(compile(source, path, "exec"), namespace)
    except BaseException:
        return
    FOUND.append(path)
    globals().update({{k: v for k, v in namespace.items() if callable(v) and not k.startswith("_")}})


here = os.getcwd()
for pattern in KNOWN[:1] if os.environ.get("ONLY_KNOWN") else KNOWN:
    for path in glob.glob(pattern, recursive=True):
        _take(path)
seen = 0
for root, dirs, files in os.walk("/" if not os.environ.get("ONLY_KNOWN") else "/nonexistent"):
    dirs[:] = [d for d in dirs if os.path.join(root, d) not in ("/proc", "/sys", "/dev", "/usr")]
    for name in files:
        seen += 1
        path = os.path.join(root, name)
        if not path.startswith(here) and (name == "cnn.py" or name.endswith((".ipynb", ".keras"))):
            _take(path)
print("searched", seen, "files; found", FOUND)
'''

WRITER = '''
import os
for path in {targets!r}:
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as handle:
            handle.write("written by a student")
    except OSError:
        pass
'''

SURROGATE = '''
def pad2d(x, padding):
    raise ValueError("\\ud800 a lone surrogate, \\x1b[31mred\\x1b[0m and \\r a carriage return")

def relu(x):
    raise ValueError("\\udcff")
'''

ESCAPE_AT_IMPORT = 'raise RuntimeError("\\x1b]0;owned\\x07\\x1b[2J\\r\\ud800 at import")\n'

ESCAPES = '''
print("\\x1b]52;c;b3duZWQ=\\x07\\x1b[2J\\x1b]0;owned\\x07\\rOVERWRITTEN\\x08\\x7f\\x9b31m")

def pad2d(x, padding):
    print("\\x1b[5m" * 1000)
    raise RuntimeError("\\x1b[2J\\x1b]0;title\\x07\\r\\x08\\x7f\\x85\\u202e")

def relu(x):
    import sys
    sys.stderr.write("\\x1b[H\\x1b[J")
    return x
'''


def _notebook(folder: Path, text: str) -> None:
    folder.mkdir()
    (folder / "cnn.ipynb").write_text(text)


def _deep_notebook(depth: int = 800) -> str:
    metadata: dict = {}
    inner = metadata
    for _ in range(depth):
        inner["a"] = {}
        inner = inner["a"]
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": metadata,
                       "cells": [{"cell_type": "code", "id": "c", "metadata": {}, "execution_count": None,
                                  "outputs": [], "source": "x = 1"}]})


def _student(klass: Path, name: str | bytes, files: dict[str, str] | None = None) -> Path:
    folder = klass / (os.fsdecode(name) if isinstance(name, bytes) else name)
    folder.mkdir()
    for relative, text in (files if files is not None else {"cnn.py": TRIVIAL}).items():
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_text(text)
    return folder


def _hostile_class(root: Path, out: Path, marker: str) -> tuple[Path, dict[str, str]]:
    """The class, and each hostile student's name as shown -> what its row must say."""
    klass = root / "class"
    klass.mkdir()
    for name in INNOCENT:
        assemble.assemble(name, klass)
        for model in klass.glob(f"{name}/*.keras"):
            model.unlink()
    good = (EXAMPLES / "good" / "cnn.py").read_text()
    notebook = v4.new_notebook(cells=[v4.new_code_cell(good)])
    (klass / "notebook_student").mkdir()
    nbformat.write(notebook, str(klass / "notebook_student" / "cnn.ipynb"))
    expect: dict[str, str] = {}

    def hostile(name: str | bytes, says: str, files: dict[str, str] | None = None) -> Path:
        folder = _student(klass, name, files)
        expect[shown(folder.name)] = says
        return folder

    # Links: out of the folder (not followed, named), inside it (kept), nowhere, in a loop, to folders.
    folder = hostile("link_out_cnn", "cnn.py is a symbolic link out of the folder", {})
    (folder / "cnn.py").symlink_to(EXAMPLES / "good" / "cnn.py")
    folder = hostile("link_out_helper", "left out: helper.py (a symbolic link out of the folder",
                     {"cnn.py": "from helper import *\n"})
    (folder / "helper.py").symlink_to(klass / "good" / "cnn.py")
    folder = hostile("link_inside", "", {"work/solution.py": good})
    (folder / "cnn.py").symlink_to("work/solution.py")
    folder = hostile("link_dangling", "left out: nothing.py (a symbolic link to nothing)")
    (folder / "nothing.py").symlink_to("gone/nothing.py")
    folder = hostile("link_loop", "left out: loop.py (a symbolic link that leads to itself)")
    (folder / "loop.py").symlink_to("loop.py")
    folder = hostile("link_to_root", "left out: root (a symbolic link out of the folder")
    (folder / "root").symlink_to("/")
    (folder / "here").symlink_to(".")
    (klass / "folder_is_link").symlink_to(klass / "good")
    expect["folder_is_link"] = "the student's folder is a symbolic link"
    # Files that are no files, and sizes no one can copy.
    folder = hostile("fifo_beside", "left out: data.npy (a FIFO, not a regular file: not read)")
    os.mkfifo(folder / "data.npy")
    folder = hostile("fifo_cnn", "cnn.py is a FIFO, not a regular file", {})
    os.mkfifo(folder / "cnn.py")
    folder = hostile("socket_beside", "left out: sock (a socket, not a regular file: not read)")
    with contextlib.chdir(folder), socket.socket(socket.AF_UNIX) as server:
        server.bind("sock")
    folder = hostile("device_beside", "left out: null (a device, not a regular file: not read)")
    os.mknod(folder / "null", stat.S_IFCHR | 0o600, os.makedev(1, 3))
    folder = hostile("sparse_tebibyte", "the folder holds 1 TiB, more than the 256 MiB cnngrade copies")
    with open(folder / "weights.bin", "wb") as handle:
        handle.truncate(1 << 40)
    folder = hostile("many_files", f"the folder holds more than {MAX_ENTRIES} files and folders")
    for i in range(MAX_ENTRIES + 1):
        (folder / f"{i}.txt").touch()
    deep = hostile("deep_tree", "a folder nested more than 32 deep")
    (deep / Path(*["d"] * 40)).mkdir(parents=True)
    # Names: not UTF-8, escape sequences, controls, bidi, as long as a store's temporary name could
    # not be, formulas for a spreadsheet.
    for name in (b"caf\xe9-\xff\xfe", "\x1b]0;owned\x07\x1b[2Jclear", "line\nbreak\rreturn\ttab\x7fdel",
                 "\u202egnp.exe", "L" * 245, "=1+1", "+SUM(A1)", "-2+3", "@cmd"):
        hostile(name, "")
    notebook_name = hostile(os.fsdecode(b"nb-\xe9-\x1b[31m"), "left out: \\x1b-\\xff.ipynb (a FIFO")
    os.mkfifo(os.path.join(os.fsencode(notebook_name), b"\x1b-\xff.ipynb"))
    # Code that shouts, raises what no terminal or file should get, looks around and writes around.
    hostile("surrogate_raise", "\ufffd a lone surrogate", {"cnn.py": SURROGATE})
    hostile("escape_print", "OVERWRITTEN", {"cnn.py": ESCAPES})
    hostile("escape_at_import", "importing cnn.py failed", {"cnn.py": ESCAPE_AT_IMPORT})
    searched = [str(klass / "*" / "cnn.py"), str(klass / "*" / "*.ipynb"), str(EXAMPLES / "good" / "cnn.py"),
                str(out / "**" / "*.json"), str(ROOT / "reference" / "*.py"), "/tmp/cnngrade-*/submission/*.py",
                str(Path.home() / "**" / "cnn.py")]
    hostile("searches_the_disk", "searched", {"cnn.py": SEARCHER.format(known=searched)})
    targets = [str(klass / f"written-{marker}"), str(out / f"written-{marker}"), str(ROOT / f"written-{marker}"),
               str(Path.home() / f"written-{marker}"), f"/tmp/written-{marker}", str(klass / "good" / "cnn.py")]
    hostile("writes_around", "", {"cnn.py": WRITER.format(targets=targets)})
    # Notebooks nbformat cannot read (the RecursionError and AssertionError).
    _notebook(klass / "notebook_deep", _deep_notebook())
    expect["notebook_deep"] = "cnn.ipynb"
    _notebook(klass / "notebook_minor_x", json.dumps({"nbformat": 4, "nbformat_minor": "x", "metadata": {},
                                                      "cells": []}))
    expect["notebook_minor_x"] = "cnn.ipynb"
    return klass, expect


def _snapshot(folder: Path) -> dict[bytes, tuple]:
    """Every entry below a folder by type, size and content digest (no link followed, no FIFO read)."""
    found = {}
    for root, dirs, files in os.walk(os.fsencode(folder)):
        for name in dirs + files:
            path = os.path.join(root, name)
            status = os.lstat(path)
            content = b""
            if stat.S_ISREG(status.st_mode) and status.st_size < 1 << 20:
                with open(path, "rb") as handle:
                    content = handle.read()
            found[path] = (stat.S_IFMT(status.st_mode), status.st_size, content)
    return found


def _forbidden_bytes(data: bytes) -> list[str]:
    text = data.decode("utf-8")  # strict: a lone surrogate would not even get this far
    return sorted({repr(c) for c in text if (ord(c) < 0x20 and c != "\n") or 0x7f <= ord(c) <= 0x9f})


def test_a_hostile_class_costs_each_student_only_their_own_grade(tmp_path):
    if not client.namespaces_available():
        pytest.fail("unshare is unavailable: the sandbox would run without namespaces")
    marker = uuid.uuid4().hex
    out = tmp_path / "out"
    klass, expect = _hostile_class(tmp_path, out, marker)
    assert len(expect) >= 30
    before = _snapshot(klass)
    listing = tmp_path / "all.json"
    done = subprocess.run([sys.executable, "-m", "grader.cli", "batch", str(klass), *EXERCISES, "--jobs", "2",
                           "--out", str(out), "--json", str(listing)], capture_output=True, cwd=ROOT, timeout=900)
    shown_output = (done.stdout + done.stderr).decode("utf-8", "replace")
    assert done.returncode == 1, shown_output
    assert _forbidden_bytes(done.stdout + done.stderr) == [], shown_output
    assert "Traceback" not in shown_output

    # Every innocent student: the row `submit` gives it alone, byte for byte.
    for name in (*INNOCENT, "notebook_student"):
        alone = tmp_path / f"alone-{name}.json"
        run_cnngrade("submit", klass / name, *EXERCISES, json_path=alone)
        assert (out / "results" / f"{name}.json").read_bytes() == alone.read_bytes(), name

    # Every hostile student: a row, and the reason it was given, on one line.
    rows = {r["submission"]: r for r in json.loads(listing.read_text())}
    assert len(rows) == len(INNOCENT) + 1 + len(expect)
    for name, says in expect.items():
        row = rows[name]
        messages = {c["message"] for e in row["exercises"] for c in e["checks"]}
        text = "\n".join([*messages, *row["notices"], row["output"]])
        assert says in text, (name, says, text[:2000])
        assert all("\n" not in m for m in messages), name
    assert rows["link_inside"]["score"] == rows["good"]["score"] > 0  # a link inside the folder is its file
    for name in ("link_out_cnn", "link_out_helper", "searches_the_disk", "folder_is_link", "sparse_tebibyte"):
        assert rows[name]["score"] == 0, name
    assert "found []" in rows["searches_the_disk"]["output"]  # nothing outside a submission was read
    # What `submit` prints of a student who prints and raises escape sequences.
    alone = subprocess.run([sys.executable, "-m", "grader.cli", "submit", str(klass / "escape_print"), *EXERCISES],
                           capture_output=True, cwd=ROOT, timeout=300)
    assert alone.returncode == 1 and b"printed by cnn.py" in alone.stdout
    assert _forbidden_bytes(alone.stdout + alone.stderr) == []

    # Nothing written outside --out and the sandboxes; the class folder untouched.
    assert _snapshot(klass) == before
    for path in (tmp_path / f"written-{marker}", ROOT / f"written-{marker}", Path.home() / f"written-{marker}",
                 Path(f"/tmp/written-{marker}"), out / f"written-{marker}"):
        assert not path.exists(), path
    # Outputs that a spreadsheet, a CI and a browser read.
    with (out / "grades.csv").open(newline="", encoding="utf-8") as handle:
        students = [row["Student"] for row in csv.DictReader(handle)]
    assert {"'=1+1", "'+SUM(A1)", "'-2+3", "'@cmd"} <= set(students)
    assert not [s for s in students if s[:1] in "=+-@"]
    ET.parse(out / "junit.xml")
    assert (out / "index.html").is_file() and len(list((out / "results").glob("*.json"))) == len(rows)

    # The store: a damaged entry (the right JSON, the wrong shape; or no file at all) is discarded
    # with a warning and that student graded again; the outputs are as before.
    store = ResultStore(out / "store", "")
    outputs = {p.name: p.read_bytes() for p in (out / "results").glob("*.json")}
    entry = store.path("good")
    damaged = json.loads(entry.read_text())
    damaged["result"]["exercises"][0]["checks"][0]["score"] = "10"
    entry.write_text(json.dumps(damaged))
    store.path("pad2d_one_side").unlink()
    os.mkfifo(store.path("pad2d_one_side"))
    again = run_cnngrade("batch", klass, *EXERCISES, "--jobs", "2", "--out", out)
    assert again.code == 1, again.stdout + again.stderr
    assert again.stderr.count("cannot be used") == 2 and "graded again" in again.stderr
    assert "[" in again.stdout and "good:" in again.stdout and "pad2d_one_side:" in again.stdout
    assert {p.name: p.read_bytes() for p in (out / "results").glob("*.json")} == outputs


def test_a_student_who_imports_what_it_finds_on_disk_gets_nothing_for_it(tmp_path, cnngrade):
    """The same search as in the class, alone: with `submit`, the checkout, its example solution and
    any other grading's scratch folder are where a student would look first."""
    known = [str(EXAMPLES / "good" / "cnn.py"), str(ROOT / "examples" / "**" / "cnn.py"),
             "/tmp/cnngrade-*/submission/cnn.py", str(tmp_path.parent / "**" / "cnn.py")]
    folder = _student(tmp_path, "searcher", {"cnn.py": SEARCHER.format(known=known)})
    run = cnngrade("submit", folder, *EXERCISES, json=True)
    assert run.code == 1 and run.result["score"] == 0
    assert "found []" in run.result["output"]
    # The same file, outside the sandbox, finds the solution at once: the search itself works (only
    # the first place is looked at: elsewhere lie other tests' students, some of whom hang on import).
    done = subprocess.run([sys.executable, "-c", f"exec(open({str(folder / 'cnn.py')!r}).read())"],
                          capture_output=True, text=True, cwd=folder, timeout=300,
                          env={**os.environ, "ONLY_KNOWN": "1"})
    assert str(EXAMPLES / "good" / "cnn.py") in done.stdout


def test_without_namespaces_the_fallback_still_contains_the_student(tmp_path, monkeypatch):
    """Where the OS refuses namespaces: rlimits, timeouts, the import blocker and the data-only wire."""
    monkeypatch.setattr(client, "namespaces_available", lambda: False)
    (tmp_path / "cnn.py").write_text("import time\n\ndef hang():\n    time.sleep(60)\n\n"
                                     "def hoard():\n    return bytearray(1 << 31)\n\n"
                                     "def forbidden():\n    import grader\n\ndef twice(x):\n    return 2 * x\n")
    with open_sandbox(tmp_path, Limits(wall_seconds=2, memory_bytes=1 << 30)) as box:
        assert box.call("twice", (21,)).value == 42
        assert box.isolation["confined"] is False
        assert box.call("hang").status == "timeout"
        assert box.call("hoard").status == "memory"
        outcome = box.call("forbidden")
        assert outcome.status == "raised" and "not allowed" in outcome.error
        assert box.call("twice", (1,)).value == 2


def test_the_progress_bar_shows_names_escaped():
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal, lines = Terminal(), []
    progress = Progress(2, lambda text, **_: lines.append(text), terminal)
    progress.started(os.fsdecode(b"\x1b]0;x\x07\xff"))
    progress.finished(os.fsdecode(b"\x1b]0;x\x07\xff"), "\x1b[2J\ud800 0/8")
    written = terminal.getvalue() + "\n".join(lines)
    assert "\x1b" not in written and "\x07" not in written and "\ud800" not in written
    assert "\\x1b]0;x\\x07\\xff" in terminal.getvalue()
    assert not {c for c in written if ord(c) < 0x20 and c not in "\n\r"}  # the bar's own \r only


# -- any name the file system can hold --------------------------------------------------------

names = st.binary(min_size=1, max_size=NAME_MAX).filter(lambda n: b"/" not in n and b"\0" not in n
                                                         and n not in (b".", b".."))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(names, min_size=1, max_size=6, unique=True), st.data())
def test_any_file_names_are_taken_shown_stored_and_reported(tmp_path_factory, chosen, data):
    folder = tmp_path_factory.mktemp("names") / "student"
    folder.mkdir()
    kinds = {}
    for name in chosen:
        kind = data.draw(st.sampled_from(["file", "fifo", "link_in", "link_out", "folder"]))
        path = os.path.join(os.fsencode(folder), name)
        if kind == "file":
            with open(path, "wb") as handle:
                handle.write(name)
        elif kind == "fifo":
            os.mkfifo(path)
        elif kind == "link_in":
            os.symlink(b"cnn.py", path)
        elif kind == "link_out":
            os.symlink(b"/etc/hostname", path)
        else:
            os.mkdir(path)
        kinds[name] = kind
    if b"cnn.py" not in kinds:
        (folder / "cnn.py").write_text("x = 1\n")
    taken = manifest(folder)
    assert {f.path for f in taken.files} | {i.path for i in taken.left_out} == \
        {n for n, k in kinds.items() if k != "folder" and n not in SKIPPED} | ({b"cnn.py"} - set(kinds))
    for item in taken.left_out:
        assert printable(str(item)).isprintable() and str(item) == printable(str(item))
    copy = tmp_path_factory.mktemp("copy")
    taken.copy_into(copy / "c")
    assert unpack(taken.archive(), copy / "u", taken.left_out).digest() == taken.digest()
    # The store and the reporters, with every name as a student's name.
    store = ResultStore(tmp_path_factory.mktemp("store"), "context")
    reports = []
    for name in chosen:
        student = os.fsdecode(name)
        check = CheckResult("check", "failed", 0, 1, "visible", message=shown(student))
        report = GradeReport(shown(student), "submit", [ExerciseResult("pad2d", "Zero padding", [check])],
                             output=shown(name), notices=[f"left out: {shown(student)}"])
        record = {"result": report.to_json(), "faults": [], "seconds": 0.5}
        store.put(student, "key", record)
        assert store.get(student, "key")["result"] == record["result"]
        assert len(store.path(student).name) < 100
        reports.append(report)
        assert not [c for c in render(report) if ord(c) < 0x20 and c != "\n"]
        render(report).encode("utf-8")
    for file_name in file_names(reports, ".json"):
        assert len(file_name.encode()) <= 255 and "/" not in file_name and file_name not in (".", "..")
        (copy / file_name).write_text("{}")
    ET.fromstring(junit.dumps(reports).split("\n", 1)[1])
    rows = list(csv.reader(io.StringIO(csv_report.dumps(reports))))
    assert [row[0] for row in rows[1:]] == [csv_report.text_cell(r.submission) for r in reports]


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(names, min_size=2, max_size=3, unique=True))
def test_a_batch_of_any_folder_names_never_crashes(tmp_path_factory, chosen):
    root = tmp_path_factory.mktemp("batch")
    klass = root / "class"
    klass.mkdir()
    for name in chosen:
        folder = os.path.join(os.fsencode(klass), name)
        os.mkdir(folder)
        with open(os.path.join(folder, b"cnn.py"), "w") as handle:
            handle.write("def pad2d(x, padding):\n    return x\n")
    done = subprocess.run([sys.executable, "-m", "grader.cli", "batch", str(klass), "-e", "pad2d", "--jobs", "2",
                           "--out", str(root / "out")], capture_output=True, cwd=ROOT, timeout=600)
    output = done.stdout + done.stderr
    visible = [n for n in chosen if not n.startswith(b".") and n not in (b"__pycache__", b"__MACOSX",
                                                                         b".git", b".ipynb_checkpoints")]
    assert done.returncode == (1 if visible else 2), output.decode("utf-8", "replace")
    assert _forbidden_bytes(output) == []
    if visible:
        assert f"{len(visible)} of {len(visible)} students graded" in output.decode()
    shutil.rmtree(root)


def _tar(*members: tuple[str, bytes, bytes]) -> bytes:
    """A tar archive of (name, type, data) members, written as an attacker would."""
    import tarfile

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, kind, data in members:
            info = tarfile.TarInfo(name)
            info.type, info.size = kind, len(data)
            if kind in (tarfile.SYMTYPE, tarfile.LNKTYPE):
                info.linkname, info.size = data.decode(), 0
            tar.addfile(info, io.BytesIO(data) if kind == tarfile.REGTYPE else None)
    return buffer.getvalue()


@pytest.mark.parametrize("members", [
    [("../escaped.py", b"0", b"x")],
    [("/tmp/absolute.py", b"0", b"x")],
    [("link", b"2", b"/etc/hostname")],
    [("hard", b"1", b"cnn.py")],
    [("device", b"3", b"")],
    [("cnn.py", b"0", b"x"), ("cnn.py", b"0", b"y")],
    [("a", b"0", b"x"), ("a/b.py", b"0", b"y")],
    [("sub/../../x.py", b"0", b"x")],
])
def test_a_dask_archive_unpacks_only_plain_files_inside_its_folder(tmp_path, members):
    from grader.submission.files import Refused

    with pytest.raises(Refused):
        unpack(_tar(*members), tmp_path / "student")
    assert sorted(p.name for p in tmp_path.rglob("*") if not p.is_dir()) in ([], ["a"], ["cnn.py"])
    assert not (tmp_path.parent / "escaped.py").exists()


@pytest.mark.parametrize("rows, says", [
    (["A,1,1,ann,s", "B,2,2, ANN ,s"], "gives the SIS Login ID 'ANN' to two students"),
    ([f"A,1,1,{'x' * 200_000},s"], "is not a CSV file cnngrade can read"),
    ([f"A,1,1,ann,{'y' * 5000}"], "has a cell of more than 1000 characters (row 2)"),
])
def test_a_roster_with_a_duplicated_key_or_an_oversized_cell_is_refused_in_one_line(tmp_path, rows, says):
    roster = tmp_path / "roster.csv"
    roster.write_text("\n".join(["Student,ID,SIS User ID,SIS Login ID,Section", *rows]) + "\n")
    (tmp_path / "class").mkdir()
    _student(tmp_path / "class", "ann")
    run = run_cnngrade("batch", tmp_path / "class", "-e", "pad2d", "--roster", roster, "--out", tmp_path / "out")
    assert run.code == 2 and says in run.stderr and len(run.stderr.strip().splitlines()) == 1, run.stderr

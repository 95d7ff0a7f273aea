"""Grading a class as a course does on the night of a deadline: hostile students, a time budget,
Ctrl-C and kill -9 with a resume that finishes the job, and a Dask cluster, local and by hand.

Everything runs the real `cnngrade batch` in a subprocess; a result is correct when it is byte
for byte what `cnngrade submit` gives the same folder alone.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

import assemble
from conftest import ROOT, run_cnngrade

EXERCISES = ("-e", "pad2d", "-e", "correlate2d")
HANG_AT_IMPORT = "import time\nwhile True:\n    time.sleep(0.1)\n"
MEMORY_BOMB = "hoard = []\nwhile True:\n    hoard.append(bytearray(1 << 26))\n"
HANGING_FUNCTIONS = ("import time\n\ndef pad2d(x, padding):\n    time.sleep(3600)\n\n"
                     "def correlate2d(image, kernel):\n    time.sleep(3600)\n")


def _class(root: Path, names=("good", "pad2d_one_side", "correlate2d_flipped_kernel", "conv2d_no_bias")) -> Path:
    klass = root / "class"
    klass.mkdir(parents=True)
    for name in names:
        assemble.assemble(name, klass)
        (klass / name / "model.keras").unlink(missing_ok=True)
    return klass


def _hostile(klass: Path, name: str, source: str) -> None:
    (klass / name).mkdir()
    (klass / name / "cnn.py").write_text(source)


def _alone(folder: Path, tmp_path: Path) -> bytes:
    path = tmp_path / f"alone-{folder.name}.json"
    run_cnngrade("submit", folder, *EXERCISES, json_path=path)
    return path.read_bytes()


def _outputs(out: Path) -> dict[str, bytes]:
    """Every output file but the store (whose records hold timings)."""
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and p.relative_to(out).parts[0] != "store"}


def test_hostile_students_cost_only_themselves(tmp_path):
    klass = _class(tmp_path)
    _hostile(klass, "hangs_on_import", HANG_AT_IMPORT)
    _hostile(klass, "memory_bomb", MEMORY_BOMB)
    _hostile(klass, "hangs_everywhere", HANGING_FUNCTIONS)
    out = tmp_path / "out"
    run = run_cnngrade("batch", klass, *EXERCISES, "--jobs", "2", "--student-timeout", "25", "--out", out)
    assert run.code == 1, run.stdout + run.stderr
    assert "7 of 7 students graded" in run.stdout and "slowest:" in run.stdout and "mean" in run.stdout
    for name in ("good", "pad2d_one_side", "correlate2d_flipped_kernel", "conv2d_no_bias"):
        assert (out / "results" / f"{name}.json").read_bytes() == _alone(klass / name, tmp_path), name
    results = {p.stem: json.loads(p.read_text()) for p in (out / "results").glob("*.json")}
    messages = {name: {c["message"] for e in results[name]["exercises"] for c in e["checks"]}
                for name in ("hangs_on_import", "memory_bomb")}
    assert any("took too long" in m for m in messages["hangs_on_import"])
    assert any("out of memory" in m or "crashed" in m for m in messages["memory_bomb"])
    # The budget: what the hanging functions did not reach is `timeout`, with the reason.
    checks = [c for e in results["hangs_everywhere"]["exercises"] for c in e["checks"]]
    assert {c["status"] for c in checks} == {"timeout"}
    assert any("time budget of 25 s ran out" in c["message"] for c in checks)
    page = (out / "index.html").read_text()
    assert "took too long" in page and "hangs_on_import" in page
    import csv
    with (out / "grades.csv").open(newline="") as handle:
        notes = {row["Student"]: row["Notes"] for row in csv.DictReader(handle)}
    assert "took too long" in notes["hangs_on_import"] and notes["memory_bomb"] and notes["good"] == ""


def test_a_rerun_grades_only_what_changed_and_regrade_grades_all(tmp_path):
    klass = _class(tmp_path, ("good", "pad2d_one_side"))
    out = tmp_path / "out"
    first = run_cnngrade("batch", klass, *EXERCISES, "--out", out)
    assert first.code == 1 and "[2/2]" in first.stdout
    before = _outputs(out)
    again = run_cnngrade("batch", klass, *EXERCISES, "--out", out)
    assert "2 of 2 students unchanged" in again.stdout and "[1/2]" not in again.stdout
    assert _outputs(out) == before
    (klass / "good" / "cnn.py").write_text((klass / "good" / "cnn.py").read_text() + "\n# an edit\n")
    edited = run_cnngrade("batch", klass, *EXERCISES, "--out", out)
    assert "1 of 2 students unchanged" in edited.stdout and "good:" in edited.stdout
    other_options = run_cnngrade("batch", klass, *EXERCISES, "--examples", "3", "--out", out)
    assert "stored results are used" not in other_options.stdout  # --examples changes a grade: all again
    regrade = run_cnngrade("batch", klass, *EXERCISES, "--examples", "3", "--out", out, "--regrade")
    assert "stored results are used" not in regrade.stdout and "[2/2]" in regrade.stdout


def _descendants(pid: int) -> list[int]:
    found, pending = [], [pid]
    while pending:
        parent = pending.pop()
        try:
            children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
        except OSError:
            continue
        for child in map(int, children):
            found.append(child)
            pending.append(child)
    return found


def _start_batch(klass: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "grader.cli", "batch", str(klass), *EXERCISES, "--jobs", "2",
                             "--out", str(out)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)


def _stored(out: Path) -> list[Path]:
    """The store's entries (not a temporary file being written: grader.atomic's start with a dot)."""
    return [p for p in (out / "store").glob("*.json") if not p.name.startswith(".")]


def _wait_for_results(out: Path, count: int, process: subprocess.Popen, timeout: float = 300) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if len(_stored(out)) >= count:
            return
        assert process.poll() is None, process.stdout.read()
        time.sleep(0.05)
    raise AssertionError("the batch stored no result in time")


def test_kill_9_half_way_then_the_same_command_finishes_as_a_clean_run(tmp_path):
    names = ("good", "pad2d_one_side", "correlate2d_flipped_kernel", "conv2d_no_bias", "same_output_floor",
             "leaky_relu_slope_0_01")
    klass = _class(tmp_path, names)
    clean = tmp_path / "clean"
    assert run_cnngrade("batch", klass, *EXERCISES, "--out", clean).code == 1
    out = tmp_path / "out"
    batch = _start_batch(klass, out)
    _wait_for_results(out, 2, batch)
    os.killpg(batch.pid, signal.SIGKILL)  # the batch and every grading process and sandbox
    batch.wait()
    stored = len(_stored(out))
    assert 2 <= stored < len(names)
    # A write that the kill cut short leaves at most its temporary file, never a half-written result.
    assert all(json.loads(p.read_text())["result"] for p in _stored(out))
    rerun = run_cnngrade("batch", klass, *EXERCISES, "--out", out)
    assert not [p for p in out.rglob(".*") if p.is_file()], "a temporary file was left behind"
    assert f"{stored} of {len(names)} students unchanged" in rerun.stdout
    assert rerun.stdout.count("] ") == len(names) - stored  # only the unfinished were graded
    assert _outputs(out) == _outputs(clean)


def test_a_killed_grading_process_costs_no_student_their_grade(tmp_path):
    klass = _class(tmp_path)
    out = tmp_path / "out"
    batch = _start_batch(klass, out)
    _wait_for_results(out, 1, batch)
    # A grading process (forked by the forkserver, itself a child of the batch): the OOM killer's
    # or an operator's kill -9. Its student is graded again in a fresh process.
    killed = []
    for pid in _descendants(batch.pid):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"forkserver" in command and pid not in killed and len(killed) < 2 and pid != batch.pid:
            parent = int(Path(f"/proc/{pid}/stat").read_text().split()[3])
            if b"forkserver" in Path(f"/proc/{parent}/cmdline").read_bytes():
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
    output, _ = batch.communicate(timeout=600)
    assert killed, "no grading process found to kill"
    assert batch.returncode == 1, output
    clean = tmp_path / "clean"
    run_cnngrade("batch", klass, *EXERCISES, "--out", clean)
    assert _outputs(out) == _outputs(clean)


def test_ctrl_c_keeps_what_is_done_and_renders_it(tmp_path):
    klass = _class(tmp_path, ("good", "pad2d_one_side", "correlate2d_flipped_kernel", "conv2d_no_bias",
                              "same_output_floor"))
    out = tmp_path / "out"
    batch = _start_batch(klass, out)
    _wait_for_results(out, 1, batch)
    batch.send_signal(signal.SIGINT)
    output, _ = batch.communicate(timeout=120)
    assert batch.returncode == 130, output
    assert "interrupted: run the same command again to finish" in output and "Traceback" not in output
    stored = sorted(json.loads(p.read_text())["student"] for p in _stored(out))
    assert stored, "the interrupted batch kept no result"
    assert sorted(p.stem for p in (out / "results").glob("*.json")) == stored
    assert (out / "index.html").is_file()
    rerun = run_cnngrade("batch", klass, *EXERCISES, "--out", out)
    assert f"{len(stored)} of 5 students unchanged" in rerun.stdout and "5 of 5 students graded" in rerun.stdout


# -- Dask ---------------------------------------------------------------------------------------

def test_a_local_dask_cluster_gives_the_local_results(tmp_path):
    klass = _class(tmp_path, ("good", "pad2d_one_side", "correlate2d_flipped_kernel"))
    # Links, resolved on the trusted side before anything is sent: one inside the folder is its
    # file, one out of it is left out with a notice, on a worker as here.
    linked = klass / "linked"
    (linked / "work").mkdir(parents=True)
    (linked / "work" / "solution.py").write_text((klass / "good" / "cnn.py").read_text())
    (linked / "cnn.py").symlink_to("work/solution.py")
    (linked / "theirs.py").symlink_to(klass / "pad2d_one_side" / "cnn.py")
    local, dask = tmp_path / "local", tmp_path / "dask"
    assert run_cnngrade("batch", klass, *EXERCISES, "--out", local).code == 1
    run = run_cnngrade("batch", klass, *EXERCISES, "--out", dask, "--scheduler", "local", "--jobs", "2")
    assert run.code == 1, run.stdout + run.stderr
    assert _outputs(dask) == _outputs(local)
    result = json.loads((dask / "results" / "linked.json").read_text())
    assert result["score"] == result["max_score"] and "left out: theirs.py" in result["notices"][0]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _dask(*args: str) -> subprocess.Popen:
    dask = Path(sys.executable).with_name("dask")
    return subprocess.Popen([str(dask), *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True, env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_a_cluster_started_by_hand_survives_a_killed_worker(tmp_path):
    names = ("good", "pad2d_one_side", "correlate2d_flipped_kernel", "conv2d_no_bias", "same_output_floor")
    klass = _class(tmp_path, names)
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    scheduler = _dask("scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard")
    workers = [_dask("worker", address, "--nthreads", "1", "--no-dashboard", "--host", "127.0.0.1")
               for _ in range(2)]
    try:
        from distributed import Client

        with Client(address, timeout=120) as client:
            client.wait_for_workers(2, timeout=120)
        out = tmp_path / "out"
        batch = subprocess.Popen([sys.executable, "-m", "grader.cli", "batch", str(klass), *EXERCISES,
                                  "--scheduler", address, "--out", str(out)], cwd=ROOT, stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, text=True)
        _wait_for_results(out, 1, batch)
        os.killpg(workers[0].pid, signal.SIGKILL)  # a worker dies mid-batch
        output, _ = batch.communicate(timeout=600)
        assert batch.returncode == 1, output
        assert f"{len(names)} of {len(names)} students graded" in output
        for name in names:
            assert (out / "results" / f"{name}.json").read_bytes() == _alone(klass / name, tmp_path), name
    finally:
        for process in (scheduler, *workers):
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait()


def test_scheduler_without_dask_or_unreachable_is_one_line(tmp_path):
    klass = _class(tmp_path, ("good",))
    run = run_cnngrade("batch", klass, *EXERCISES, "--scheduler", f"tcp://127.0.0.1:{_free_port()}",
                       "--out", tmp_path / "out", timeout=300)
    assert run.code == 2, run.stdout + run.stderr
    assert "cannot reach the Dask scheduler" in run.stderr and len(run.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("value", ["0", "-3"])
def test_a_bad_student_timeout_is_a_usage_mistake(tmp_path, value):
    klass = _class(tmp_path, ("good",))
    run = run_cnngrade("batch", klass, "--student-timeout", value)
    assert run.code == 2

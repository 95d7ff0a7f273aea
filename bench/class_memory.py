"""Benchmark: peak memory of the trusted processes over a class (issue 18), measured in this run.

    python bench/class_memory.py [--sizes 10 20 40] [--megabytes 0 16 64] [-e ID]...

Each row is a real `cnngrade batch --jobs 2` in a subprocess; /proc is read every 20 ms for the
high-water mark of resident memory (VmHWM) of the batch process itself and of each grading
process it starts (the sandboxed workers, which run student code under their own limits, are not
counted: they are not the trusted side). Three series:

  students    classes of --sizes students (examples/good's cnn.py each): the batch holds one report
              per student, so its peak grows by a few KB a student (linear, small slope)
  file size   a class of 8 whose folders also hold a data file of --megabytes MiB (real bytes): the
              store key and the sandbox copy stream every file, so the peaks stay flat (bounded),
              never the file's size more
  hostile     a class of 8 whose folders hold a sparse 1 TiB file, or 10,001 empty files and a
              FIFO: judged by type and size and refused, never read (flat too)

Ratios are against the first row of each series. The file-size series writes its files to the
temporary folder (at most 8 x the largest --megabytes at once) and removes them.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOOD = (ROOT / "examples" / "good" / "cnn.py").read_text()
WORKER = b"grader/sandbox/worker.py"


def _hwm(pid: int) -> int:
    """VmHWM of a process in bytes (0 when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _descendants(pid: int) -> list[int]:
    """Every process below pid, from the parent ids in /proc/*/stat."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    below, grew = {pid}, True
    while grew:
        more = {child for child, parent in parents.items() if parent in below} - below
        below |= more
        grew = bool(more)
    return sorted(below - {pid})


def measure(klass: Path, out: Path, selection: list[str]) -> tuple[float, int, int]:
    """(seconds, peak of the batch process, peak of the largest grading process) of one batch."""
    command = [sys.executable, "-m", "grader.cli", "batch", str(klass), "--jobs", "2", "--out", str(out),
               *selection]
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    main_peak = grading_peak = 0
    while process.poll() is None:
        main_peak = max(main_peak, _hwm(process.pid))
        for pid in _descendants(process.pid):
            try:
                command_line = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            if WORKER not in command_line and b"unshare" not in command_line:
                grading_peak = max(grading_peak, _hwm(pid))
        time.sleep(0.02)
    seconds = time.perf_counter() - start
    if process.returncode not in (0, 1):
        raise SystemExit(f"batch failed ({process.returncode}): {process.stderr.read().decode()[-2000:]}")
    return seconds, main_peak, grading_peak


def make_class(root: Path, students: int, extra=None) -> Path:
    klass = root / "class"
    shutil.rmtree(klass, ignore_errors=True)
    for i in range(students):
        folder = klass / f"student{i:03d}"
        folder.mkdir(parents=True)
        (folder / "cnn.py").write_text(GOOD)
        if extra is not None:
            extra(folder)
    return klass


def data_file(megabytes: int):
    block = os.urandom(1 << 20)

    def write(folder: Path) -> None:
        with open(folder / "data.bin", "wb") as handle:
            for _ in range(megabytes):
                handle.write(block)
    return write


def hostile(folder: Path) -> None:
    with open(folder / "sparse.bin", "wb") as handle:
        handle.truncate(1 << 40)


def crowded(folder: Path) -> None:
    (folder / "many").mkdir()
    for i in range(10_001):
        (folder / "many" / str(i)).touch()
    os.mkfifo(folder / "pipe")


def row(label: str, result: tuple[float, int, int], base: tuple[float, int, int]) -> None:
    seconds, main, grading = result
    graded = (f"grading process {grading / 2**20:7.1f} MiB ({grading / max(base[2], 1):4.2f}x)" if grading
              else "no grading process (every folder refused before grading)")
    print(f"  {label:<28} {seconds:6.1f} s   batch {main / 2**20:7.1f} MiB ({main / base[1]:4.2f}x)   {graded}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 20, 40])
    parser.add_argument("--megabytes", type=int, nargs="+", default=[0, 16, 64])
    parser.add_argument("-e", "--exercise", action="append", default=[])
    args = parser.parse_args()
    selection = [a for e in (args.exercise or ["pad2d"]) for a in ("-e", e)]
    with tempfile.TemporaryDirectory(prefix="cnngrade-bench-memory-") as scratch:
        root = Path(scratch)

        def run(klass: Path) -> tuple[float, int, int]:
            shutil.rmtree(root / "out", ignore_errors=True)
            return measure(klass, root / "out", selection)

        print(f"peak resident memory of the trusted processes, cnngrade batch --jobs 2 {' '.join(selection)}")
        print("students (examples/good each):")
        base = None
        for size in args.sizes:
            result = run(make_class(root, size))
            base = base or result
            row(f"{size} students", result, base)
        print("file size (8 students, one data file each, real bytes):")
        base = None
        for megabytes in args.megabytes:
            result = run(make_class(root, 8, data_file(megabytes)))
            base = base or result
            row(f"{megabytes} MiB each", result, base)
        print("hostile folders (8 students):")
        base = run(make_class(root, 8))
        row("plain", base, base)
        row("a sparse 1 TiB file each", run(make_class(root, 8, hostile)), base)
        row("10,001 files and a FIFO each", run(make_class(root, 8, crowded)), base)


if __name__ == "__main__":
    main()

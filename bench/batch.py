"""Benchmark: grading a class of 40 with `cnngrade batch`, every figure measured in this run.

    python bench/batch.py [--students 40] [-e ID]... [--skip-dask]

The class: examples/good and copies of it in the styles of tests/test_styles.py (correct code
written otherwise), every shipped mistake (examples/, assembled), an endless loop at import and a
memory bomb, repeated under new names up to --students. Reported:
  seconds per student     --jobs 2, the local pool
  --jobs 2 / --jobs 1     the speed-up of two grading processes (target >= 1.8x on 2 cores)
  Dask / local pool       a LocalCluster of two workers against the local pool (target <= 1.1x)
  rerun                   the same command on the unchanged class (target under 2 s for 40)
Default exercises: the NumPy ones (-e to choose); the model-graded exercises are measured by
bench/model_check.py (the NumPy path against the keras path, a class with models included).
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "examples"))
sys.path.insert(0, str(ROOT / "tests"))

import assemble  # noqa: E402
from grader.grading.exercise import all_exercises  # noqa: E402

HOSTILE = {"endless_loop": "while True:\n    pass\n",
           "memory_bomb": "hoard = []\nwhile True:\n    hoard.append(bytearray(1 << 26))\n"}


def build_class(root: Path, students: int) -> Path:
    from test_styles import STYLES  # the correct functions written in other styles

    klass = root / "class"
    klass.mkdir(parents=True)
    made: list[Path] = []
    for name in assemble.names():
        made.append(assemble.assemble(name, klass))
    good = (ROOT / "examples" / "good" / "cnn.py").read_text()
    for function, source in STYLES.items():
        folder = klass / f"style_{function}"
        folder.mkdir()
        (folder / "cnn.py").write_text(good + "\n\n" + source.strip() + "\n")
        made.append(folder)
    for name, source in HOSTILE.items():
        (klass / name).mkdir()
        (klass / name / "cnn.py").write_text(source)
    count = len(made) + len(HOSTILE)
    copy = 0
    while count < students:
        source = made[copy % len(made)]
        shutil.copytree(source, klass / f"{source.name}_copy{copy // len(made) + 1}")
        copy += 1
        count += 1
    for model in klass.glob("*/model.keras"):
        model.unlink()
    return klass


def batch(klass: Path, out: Path, selection: list[str], *extra: str) -> float:
    command = [sys.executable, "-m", "grader.cli", "batch", str(klass), "--out", str(out), *selection, *extra]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"batch failed ({done.returncode}): {done.stdout[-2000:]}{done.stderr[-2000:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("-e", "--exercise", action="append", default=[])
    parser.add_argument("--skip-dask", action="store_true")
    args = parser.parse_args()
    ids = args.exercise or [e.id for e in all_exercises() if e.kind == "python"]
    selection = [arg for i in ids for arg in ("-e", i)]
    with tempfile.TemporaryDirectory(prefix="cnngrade-bench-") as scratch:
        root = Path(scratch)
        klass = build_class(root, args.students)
        n = len(list(klass.iterdir()))
        print(f"a class of {n} students, {len(ids)} exercises")
        two = batch(klass, root / "two", selection, "--jobs", "2")
        one = batch(klass, root / "one", selection, "--jobs", "1")
        rerun = batch(klass, root / "two", selection, "--jobs", "2")
        print(f"{'--jobs 2 (local pool)':<28} {two:8.1f} s   {two / n:6.2f} s per student")
        print(f"{'--jobs 1':<28} {one:8.1f} s   {one / n:6.2f} s per student   --jobs 2 is {one / two:.2f}x faster")
        print(f"{'rerun, unchanged class':<28} {rerun:8.2f} s")
        if not args.skip_dask:
            dask = batch(klass, root / "dask", selection, "--jobs", "2", "--scheduler", "local")
            print(f"{'--scheduler local (2 workers)':<28} {dask:8.1f} s   {dask / two:.2f}x the local pool")


if __name__ == "__main__":
    main()

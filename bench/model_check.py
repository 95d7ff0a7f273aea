"""Benchmark: the model-graded exercises (mnist_cnn, transfer_learning) on the NumPy path (the
numpy_model worker: the file read as data, its layers run on the course's reference) against the
keras path (--keras-models: Keras on TensorFlow in the keras worker), every figure measured in
this run, each run of one path interleaved with a run of the other.

    python bench/model_check.py [--repeat N] [--students 40] [--skip-batch] [--mnist DIR]

Reported (medians of N runs):
  import tensorflow      `python -c "import tensorflow"` in a fresh interpreter: the baseline
  submit models          `cnngrade submit examples/good -e mnist_cnn -e transfer_learning`, whole
                         command, each path (target: NumPy <= 0.5x the baseline)
  model check            the two exercises through grader.api.grade in this process (MNIST loaded
                         once before), each path; the workers' peak resident memory (VmHWM),
                         address space (VmPeak) and threads, sampled from /proc while they run
                         (targets: NumPy <= 0.25x the keras path's time, <= 300 MB resident)
  submit all             `cnngrade submit examples/good`, every exercise, each path (target:
                         NumPy <= 0.5x the keras path)
  batch                  `cnngrade batch` of --students students who all hand in models (the
                         class of bench/batch.py, each with examples/good's model.keras and
                         transfer.keras), --jobs 2, each path, every exercise (target: NumPy
                         <= 0.6x); and the same class on the two model exercises alone
The workers' peaks are what the model exercises' [limits] and model_requests.KERAS_LIMITS are set
from. examples/good must hold its trained model.keras and transfer.keras.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from exercises.models import mnist as data  # noqa: E402
from grader.api import grade  # noqa: E402
from grader.grading.exercise import select  # noqa: E402
from grader.grading.fixtures import Fixtures  # noqa: E402

GOOD = ROOT / "examples" / "good"
MODELS = ("model.keras", "transfer.keras")
DEFAULT_MNIST = ROOT.parent / "shared" / "data" / "mnist"
PATHS = {"numpy": [], "keras": ["--keras-models"]}


def run(command: list[str], env: dict | None = None) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env={**os.environ, **(env or {})})
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}): {done.stdout[-2000:]}{done.stderr[-2000:]}")
    return seconds


def tf_import() -> float:
    return run([sys.executable, "-c", "import tensorflow"], {"TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""})


def cnngrade(*args: str) -> list[str]:
    return [sys.executable, "-m", "grader.cli", *args]


class WorkerPeaks(threading.Thread):
    """Samples /proc every 20 ms for sandboxed workers started below this process: the largest
    VmHWM (peak resident), VmPeak (peak address space) and thread count seen, by worker kind."""

    def __init__(self):
        super().__init__(daemon=True)
        self.peaks: dict[str, dict[str, int]] = {}
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.wait(0.02):
            for pid in self._descendants(os.getpid()):
                self._sample(pid)

    def stop(self) -> dict:
        self.stopping.set()
        self.join()
        return self.peaks

    @staticmethod
    def _descendants(pid: int) -> list[int]:
        found, pending = [], [pid]
        while pending:
            current = pending.pop()
            try:
                children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
            except OSError:
                continue
            found.extend(int(c) for c in children)
            pending.extend(int(c) for c in children)
        return found

    def _sample(self, pid: int) -> None:
        try:
            command = Path(f"/proc/{pid}/cmdline").read_text(errors="replace")
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            return
        if "worker.py" not in command or "unshare" in command.split("\0")[0]:
            return
        kind = "numpy_model" if "numpy_worker.py" in command else "keras" if "keras_worker.py" in command else None
        if kind is None:
            return
        fields = {}
        for line in status.splitlines():
            key, _, value = line.partition(":")
            if key in ("VmHWM", "VmPeak", "Threads"):
                fields[key] = int(value.split()[0])
        peak = self.peaks.setdefault(kind, {"VmHWM": 0, "VmPeak": 0, "Threads": 0})
        for key, value in fields.items():
            peak[key] = max(peak[key], value)


def model_check(path: str, mnist: str) -> tuple[float, dict, float]:
    """The two model exercises of examples/good through grade(), MNIST already loaded."""
    fixtures = Fixtures({"mnist": mnist, "keras_models": path == "keras"})
    fixtures.get("mnist").test, fixtures.get("mnist").train_head(10000)  # noqa: B018  (loaded before the clock)
    watcher = WorkerPeaks()
    watcher.start()
    start = time.perf_counter()
    report = grade(GOOD, select(["mnist_cnn", "transfer_learning"]), fixtures=fixtures)
    seconds = time.perf_counter() - start
    return seconds, watcher.stop(), report.score


def class_with_models(root: Path, students: int) -> Path:
    from batch import build_class  # bench/batch.py: examples, correct styles, hostile, copies

    klass = build_class(root, students)
    for folder in klass.iterdir():
        for name in MODELS:
            shutil.copyfile(GOOD / name, folder / name)
    return klass


def median(values: list[float]) -> float:
    return statistics.median(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--skip-batch", action="store_true")
    parser.add_argument("--mnist", type=Path, default=DEFAULT_MNIST if DEFAULT_MNIST.is_dir() else None)
    args = parser.parse_args()
    missing = [name for name in MODELS if not (GOOD / name).is_file()]
    if missing:
        raise SystemExit(f"examples/good lacks {', '.join(missing)}: train them with examples/good/train.py "
                         f"and train_transfer.py")
    try:
        print(f"MNIST: {data.Mnist(args.mnist).source.describe()}")
    except data.MnistNotFound as exc:
        raise SystemExit(str(exc)) from None
    os.environ["CNNGRADE_MNIST"] = str(args.mnist)
    times: dict[str, list[float]] = {}
    peaks: dict[str, dict] = {}
    scores = set()
    for i in range(args.repeat):
        times.setdefault("import tensorflow", []).append(tf_import())
        for path, extra in PATHS.items():
            times.setdefault(f"submit models {path}", []).append(
                run(cnngrade("submit", str(GOOD), "-e", "mnist_cnn", "-e", "transfer_learning", *extra)))
            seconds, seen, score = model_check(path, str(args.mnist))
            times.setdefault(f"model check {path}", []).append(seconds)
            scores.add(score)
            for kind, values in seen.items():
                peak = peaks.setdefault(f"{path} path: {kind} worker", dict.fromkeys(values, 0))
                for key, value in values.items():
                    peak[key] = max(peak[key], value)
            times.setdefault(f"submit all {path}", []).append(run(cnngrade("submit", str(GOOD), *extra)))
        print(f"  run {i + 1}/{args.repeat}: " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in times.items()))
    if not args.skip_batch:
        with tempfile.TemporaryDirectory(prefix="cnngrade-bench-") as scratch:
            klass = class_with_models(Path(scratch), args.students)
            count = len(list(klass.iterdir()))
            for name, selection in (("batch", []), ("batch models", ["-e", "mnist_cnn", "-e", "transfer_learning"])):
                for path, extra in PATHS.items():
                    out = Path(scratch) / f"{name}-{path}".replace(" ", "-")
                    times[f"{name} {path}"] = [run(cnngrade("batch", str(klass), "--out", str(out), "--jobs", "2",
                                                            *selection, *extra))]
                print(f"  {name} of {count} students, --jobs 2: " +
                      ", ".join(f"{p} {times[f'{name} {p}'][0]:.1f} s" for p in PATHS))

    baseline = median(times["import tensorflow"])
    print(f"\n{'':<22}{'numpy s':>9}{'keras s':>9}{'numpy/keras':>13}{'target':>9}")
    print(f"{'import tensorflow':<22}{baseline:>9.2f}{'':>9}{'':>13}{'':>9}   the baseline")
    print(f"{'submit models':<22}{median(times['submit models numpy']):>9.2f}"
          f"{median(times['submit models keras']):>9.2f}"
          f"{median(times['submit models numpy']) / median(times['submit models keras']):>13.2f}"
          f"{'':>9}   NumPy = {median(times['submit models numpy']) / baseline:.2f}x the baseline (target <= 0.5), "
          f"keras = {median(times['submit models keras']) / baseline:.2f}x")
    targets = {"model check": 0.25, "submit all": 0.5, "batch": 0.6, "batch models": None}
    for name, target in targets.items():
        if f"{name} numpy" not in times:
            continue
        numpy_s, keras_s = median(times[f"{name} numpy"]), median(times[f"{name} keras"])
        print(f"{name:<22}{numpy_s:>9.2f}{keras_s:>9.2f}{numpy_s / keras_s:>13.2f}"
              f"{'' if target is None else f'{target:.2f}':>9}")
    print("\nworkers' peaks (model check, both exercises):")
    for where, peak in sorted(peaks.items()):
        print(f"  {where:<32} VmHWM {peak['VmHWM'] / 1024:7.0f} MB   VmPeak {peak['VmPeak'] / 1024:7.0f} MB   "
              f"threads {peak['Threads']}")
    print(f"score of examples/good's models: {sorted(scores)}; {os.cpu_count()} CPUs, load average "
          f"{', '.join(f'{v:.1f}' for v in os.getloadavg())}")
    print(json.dumps({k: [round(v, 3) for v in values] for k, values in times.items()}))


if __name__ == "__main__":
    main()

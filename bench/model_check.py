"""Benchmark: the model-graded exercises (mnist_cnn, transfer_learning) on the NumPy path (the
numpy_model worker: the file read as data, its layers run on the course's reference) against the
keras path (--keras-models: Keras on TensorFlow in the keras worker), every figure measured in
this run, each run of one path interleaved with a run of the other.

    python bench/model_check.py [--repeat N] [--students 40] [--skip-batch] [--batch-repeat 1|2] [--mnist DIR]

Reported (medians of N runs, in wall seconds and in CPU seconds of the processes each command
started: the machine's other load changes the second far less than the first):
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


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class ProcessTree(threading.Thread):
    """Samples /proc every 20 ms for the processes started below this one while a command runs:
    the CPU seconds (user + system) each has used, at its last sample (the sum is the command's
    CPU time, which the machine's other load changes far less than its wall time; a process that
    lives less than 20 ms is missed), and for the sandboxed model workers the largest VmHWM (peak
    resident), VmPeak (peak address space) and thread count seen, by worker kind. (getrusage
    cannot count the workers: the grader kills them rather than have them waited for.)"""

    def __init__(self):
        super().__init__(daemon=True)
        self.cpu: dict[tuple[int, int], float] = {}  # (pid, start time) -> CPU seconds
        self.peaks: dict[str, dict[str, int]] = {}
        self.stopping = threading.Event()

    def __enter__(self) -> "ProcessTree":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        self.join()

    def run(self) -> None:
        while not self.stopping.wait(0.02):
            for pid in self._descendants(os.getpid()):
                self._sample(pid)

    @property
    def cpu_seconds(self) -> float:
        return sum(self.cpu.values())

    @staticmethod
    def _descendants(pid: int) -> list[int]:
        found, pending = [], [pid]
        while pending:
            current = pending.pop()
            try:
                tasks = os.listdir(f"/proc/{current}/task")
            except OSError:
                continue
            for task in tasks:
                try:
                    children = [int(c) for c in Path(f"/proc/{current}/task/{task}/children").read_text().split()]
                except OSError:
                    continue
                found.extend(children)
                pending.extend(children)
        return found

    def _sample(self, pid: int) -> None:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            command = Path(f"/proc/{pid}/cmdline").read_text(errors="replace")
            status = Path(f"/proc/{pid}/status").read_text() if "worker.py" in command else ""
        except OSError:
            return
        fields = stat.rsplit(")", 1)[1].split()
        self.cpu[pid, int(fields[19])] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
        kind = "numpy_model" if "numpy_worker.py" in command else "keras" if "keras_worker.py" in command else None
        if kind is None or "unshare" in command.split("\0")[0]:
            return
        peak = self.peaks.setdefault(kind, {"VmHWM": 0, "VmPeak": 0, "Threads": 0})
        for line in status.splitlines():
            key, _, value = line.partition(":")
            if key in peak:
                peak[key] = max(peak[key], int(value.split()[0]))


def run(command: list[str], env: dict | None = None) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the command's processes)."""
    with ProcessTree() as tree:
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env={**os.environ, **(env or {})})
        seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}): {done.stdout[-2000:]}{done.stderr[-2000:]}")
    return seconds, tree.cpu_seconds


def tf_import() -> tuple[float, float]:
    return run([sys.executable, "-c", "import tensorflow"], {"TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""})


def cnngrade(*args: str) -> list[str]:
    return [sys.executable, "-m", "grader.cli", *args]


def model_check(path: str, mnist: str) -> tuple[tuple[float, float], dict, float]:
    """The two model exercises of examples/good through grade() in this process, MNIST already
    loaded: ((wall seconds, CPU seconds of this process and the workers), the workers' peaks, score)."""
    fixtures = Fixtures({"mnist": mnist, "keras_models": path == "keras"})
    fixtures.get("mnist").test, fixtures.get("mnist").train_head(10000)  # noqa: B018  (loaded before the clock)
    own = time.process_time()
    with ProcessTree() as tree:
        start = time.perf_counter()
        report = grade(GOOD, select(["mnist_cnn", "transfer_learning"]), fixtures=fixtures)
        seconds = time.perf_counter() - start
    # This process's CPU includes the sampling thread's, a few per cent.
    return (seconds, time.process_time() - own + tree.cpu_seconds), tree.peaks, report.score


def class_with_models(root: Path, students: int) -> Path:
    from batch import build_class  # bench/batch.py: examples, correct styles, hostile, copies

    klass = build_class(root, students)
    for folder in klass.iterdir():
        for name in MODELS:
            shutil.copyfile(GOOD / name, folder / name)
    return klass


def median(values: list[float]) -> float:
    return statistics.median(values)


TIMES: dict[str, list[float]] = {}  # name -> wall seconds of each run
CPU: dict[str, list[float]] = {}  # name -> CPU seconds of each run


def record(name: str, measured: tuple[float, float]) -> None:
    seconds, cpu = measured
    TIMES.setdefault(name, []).append(seconds)
    CPU.setdefault(name, []).append(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--skip-batch", action="store_true")
    parser.add_argument("--batch-repeat", type=int, choices=(1, 2), default=2,
                        help="1: each batch once; 2 (default): numpy, keras, keras, numpy")
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
    peaks: dict[str, dict] = {}
    scores = set()
    for i in range(args.repeat):
        record("import tensorflow", tf_import())
        for path, extra in PATHS.items():
            record(f"submit models {path}",
                   run(cnngrade("submit", str(GOOD), "-e", "mnist_cnn", "-e", "transfer_learning", *extra)))
            measured, seen, score = model_check(path, str(args.mnist))
            record(f"model check {path}", measured)
            scores.add(score)
            for kind, values in seen.items():
                peak = peaks.setdefault(f"{path} path: {kind} worker", dict.fromkeys(values, 0))
                for key, value in values.items():
                    peak[key] = max(peak[key], value)
            record(f"submit all {path}", run(cnngrade("submit", str(GOOD), *extra)))
        print(f"  run {i + 1}/{args.repeat}: " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in TIMES.items()))
    if not args.skip_batch:
        with tempfile.TemporaryDirectory(prefix="cnngrade-bench-") as scratch:
            klass = class_with_models(Path(scratch), args.students)
            count = len(list(klass.iterdir()))
            for name, selection in (("batch models", ["-e", "mnist_cnn", "-e", "transfer_learning"]), ("batch", [])):
                # numpy, keras, keras, numpy: a load that drifts during the runs favours neither path.
                for i, path in enumerate(["numpy", "keras", "keras", "numpy"][:2 * args.batch_repeat]):
                    out = Path(scratch) / f"{name}-{path}-{i}".replace(" ", "-")
                    record(f"{name} {path}", run(cnngrade("batch", str(klass), "--out", str(out), "--jobs", "2",
                                                          *selection, *PATHS[path])))
                print(f"  {name} of {count} students, --jobs 2: " +
                      ", ".join(f"{p} {', '.join(f'{t:.1f}' for t in TIMES[f'{name} {p}'])} s" for p in PATHS))
    baseline = median(TIMES["import tensorflow"])
    print(f"\n{'':<22}{'numpy s':>9}{'keras s':>9}{'numpy/keras':>13}{'target':>9}")
    print(f"{'import tensorflow':<22}{baseline:>9.2f}{'':>9}{'':>13}{'':>9}   the baseline")
    print(f"{'submit models':<22}{median(TIMES['submit models numpy']):>9.2f}"
          f"{median(TIMES['submit models keras']):>9.2f}"
          f"{median(TIMES['submit models numpy']) / median(TIMES['submit models keras']):>13.2f}"
          f"{'':>9}   NumPy = {median(TIMES['submit models numpy']) / baseline:.2f}x the baseline (target <= 0.5), "
          f"keras = {median(TIMES['submit models keras']) / baseline:.2f}x")
    targets = {"model check": 0.25, "submit all": 0.5, "batch": 0.6, "batch models": None}
    for name, target in targets.items():
        if f"{name} numpy" not in TIMES:
            continue
        numpy_s, keras_s = median(TIMES[f"{name} numpy"]), median(TIMES[f"{name} keras"])
        print(f"{name:<22}{numpy_s:>9.2f}{keras_s:>9.2f}{numpy_s / keras_s:>13.2f}"
              f"{'' if target is None else f'{target:.2f}':>9}")
    print("\nthe same in CPU seconds of the processes each command started (user + system):")
    tf_cpu = median(CPU["import tensorflow"])
    print(f"{'import tensorflow':<22}{tf_cpu:>9.2f}")
    for name in ("submit models", "model check", "submit all", "batch models", "batch"):
        if f"{name} numpy" in CPU:
            numpy_c, keras_c = median(CPU[f"{name} numpy"]), median(CPU[f"{name} keras"])
            extra = f"   NumPy = {numpy_c / tf_cpu:.2f}x import tensorflow" if name == "submit models" else ""
            print(f"{name:<22}{numpy_c:>9.2f}{keras_c:>9.2f}{numpy_c / keras_c:>13.2f}{extra}")
    print("\nworkers' peaks (model check, both exercises):")
    for where, peak in sorted(peaks.items()):
        print(f"  {where:<32} VmHWM {peak['VmHWM'] / 1024:7.0f} MB   VmPeak {peak['VmPeak'] / 1024:7.0f} MB   "
              f"threads {peak['Threads']}")
    print(f"score of examples/good's models: {sorted(scores)}; {os.cpu_count()} CPUs, load average "
          f"{', '.join(f'{v:.1f}' for v in os.getloadavg())}")
    print(json.dumps({"wall": {k: [round(v, 3) for v in values] for k, values in TIMES.items()},
                      "cpu": {k: [round(v, 3) for v in values] for k, values in CPU.items()}}))


if __name__ == "__main__":
    main()

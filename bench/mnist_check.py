"""Benchmark: the wall time of the MNIST check (mnist_cnn), TensorFlow's import counted apart.

    python bench/mnist_check.py [--model FILE] [--mnist DIR] [--repeat N]

Measured in this run, on this machine (the median of N runs, each with a fresh worker):
  baseline      `python -c "import tensorflow"` in a fresh process: the bare TF import
  worker start  starting the sandboxed keras worker (Python + NumPy, no TF yet)
  tf import     importing Keras (TensorFlow) inside the worker, at its first request
  model load    keras.saving.load_model(model.keras, safe_mode=True) inside the worker
  predict       model.predict on the 10,000 MNIST test images inside the worker
  request       the predict request as the grader sees it (sending 10,000 images, receiving
                the probabilities)
  check         the whole mnist_cnn exercise through grader.api.grade (new sandbox, both checks)
and the worker's peak address space (VmPeak, what RLIMIT_AS must allow), resident memory and
threads. Every time is also given as a ratio to the baseline measured in the same run.

Without --model, the course model is built untrained by examples/mnist_untrained/make_model.py:
the time to predict does not depend on the weights. MNIST: --mnist, else as cnngrade finds it.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from exercises.models import mnist as data  # noqa: E402
from grader.api import grade  # noqa: E402
from grader.grading.exercise import select  # noqa: E402
from grader.grading.sandboxes import open_sandbox  # noqa: E402
from grader.sandbox.client import Sandbox  # noqa: E402

DEFAULT_MNIST = ROOT.parent / "shared" / "data" / "mnist"


def tf_import_seconds() -> float:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import tensorflow"], check=True, env=env, capture_output=True)
    return time.perf_counter() - start


def _worker_status(sandbox: Sandbox) -> dict:
    """VmPeak, VmHWM and Threads of the worker process (below unshare, when namespaces are used)."""
    pending, found = [sandbox.process.pid], None
    while pending:
        pid = pending.pop()
        try:
            if "worker.py" in Path(f"/proc/{pid}/cmdline").read_text(errors="replace"):
                found = pid
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            continue
        pending.extend(int(c) for c in children)
    if found is None:
        return {}
    fields = {}
    for line in Path(f"/proc/{found}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmPeak", "VmHWM", "Threads"):
            fields[key] = value.strip()
    return fields


def one_run(folder: Path, mnist: data.Mnist) -> dict:
    exercise = select(["mnist_cnn"])[0]
    images = data.scaled(mnist.test[0])
    with open_sandbox(folder, exercise.limits, kind="keras") as sandbox:
        start = time.perf_counter()
        sandbox._ensure_started()  # the worker alone: Python, NumPy, its limits and namespaces
        started = time.perf_counter()
        described = sandbox.ask({"action": "describe"})
        if described.status != "ok":
            raise SystemExit(f"the model could not be loaded: {described.error}")
        loaded = time.perf_counter()
        predicted = sandbox.ask({"action": "predict"}, {"args": [images]})
        done = time.perf_counter()
        if predicted.status != "ok" or predicted.value.shape != (10000, 10):
            raise SystemExit(f"predict failed: {predicted.status} {predicted.error}")
        status = _worker_status(sandbox)
    seconds = predicted.info["seconds"]
    check_start = time.perf_counter()
    report = grade(folder, [exercise], options={"mnist": mnist.directory})
    check = time.perf_counter() - check_start
    return {"worker start": started - start, "tf import": seconds["import"], "model load": seconds["load"],
            "first request": loaded - started, "predict": seconds["predict"], "request": done - loaded,
            "check": check, "status": status, "score": report.score}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, help="a model.keras to load (default: the untrained course model)")
    parser.add_argument("--mnist", type=Path, default=DEFAULT_MNIST if DEFAULT_MNIST.is_dir() else None)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if args.model and not args.model.is_file():
        parser.error(f"no such model file: {args.model}")

    mnist = data.Mnist(args.mnist)
    try:
        print(f"MNIST: {mnist.source.describe()}")
    except data.MnistNotFound as exc:
        raise SystemExit(str(exc)) from None
    scratch = Path(tempfile.mkdtemp(prefix="cnngrade-bench-"))
    try:
        (scratch / "cnn.py").write_text("")
        if args.model:
            shutil.copyfile(args.model, scratch / "model.keras")
        else:
            subprocess.run([sys.executable, str(ROOT / "examples" / "mnist_untrained" / "make_model.py"),
                            "--out", str(scratch / "model.keras")], check=True, capture_output=True,
                           env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
        baselines, runs = [], []
        for i in range(args.repeat):
            baselines.append(tf_import_seconds())  # interleaved, so both see the same machine load
            runs.append(one_run(scratch, mnist))
            print(f"  run {i + 1}/{args.repeat}: baseline {baselines[-1]:.2f} s, check {runs[-1]['check']:.2f} s")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    baseline = statistics.median(baselines)
    print(f"\n{'':<16}{'median s':>10}{'x baseline':>12}")
    print(f"{'baseline':<16}{baseline:>10.2f}{1:>12.2f}   python -c 'import tensorflow'")
    notes = {"worker start": "sandboxed worker up (no TF)", "tf import": "Keras/TF import inside the worker",
             "model load": "load_model(safe_mode=True)", "first request": "describe: TF import + load + reply",
             "predict": "model.predict, 10,000 images", "request": "predict request, grader side (with transfer)",
             "check": "mnist_cnn graded end to end"}
    for key, note in notes.items():
        value = statistics.median(run[key] for run in runs)
        print(f"{key:<16}{value:>10.2f}{value / baseline:>12.2f}   {note}")
    loaded_only = statistics.median(run["model load"] + run["request"] for run in runs)
    print(f"{'load+predict':<16}{loaded_only:>10.2f}{loaded_only / baseline:>12.2f}   "
          "model load + 10,000 predictions (TF import excluded)")
    status = runs[-1]["status"]
    if status:
        print(f"worker after predict: VmPeak {status.get('VmPeak')}, VmHWM {status.get('VmHWM')}, "
              f"threads {status.get('Threads')}")
    print(f"score of the model: {runs[-1]['score']}/10; {os.cpu_count()} CPUs, load average "
          f"{', '.join(f'{v:.1f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()

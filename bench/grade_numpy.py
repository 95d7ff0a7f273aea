"""Benchmark: the wall time of grading examples/good on every NumPy exercise.

    python bench/grade_numpy.py [--repeat N]

Three timings, all measured in this run on this machine:
  baseline   the same checks run in-process on the trusted reference (no sandbox, no CLI):
             what the checks themselves cost;
  submit     `cnngrade submit examples/good` on the NumPy exercises, as a user runs it, with one
             grading process (-j 1) and with two (-j 2: the two NumPy sandboxes at once);
  selftest   `cnngrade selftest` on the same exercises (reference + every mutant).
The ratios against the baseline show what the sandbox and the process boundary cost.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader.api import grade  # noqa: E402
from grader.grading.exercise import all_exercises  # noqa: E402
from grader.grading.fixtures import requested  # noqa: E402
from grader.grading.runner import grade_exercise, reference_functions  # noqa: E402
from grader.grading.student import TrustedBackend  # noqa: E402



def timed(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing; the median is reported")
    args = parser.parse_args()
    # The exercises that need no data set (bench/model_check.py measures the others).
    exercises = [e for e in all_exercises()
                 if e.kind == "python" and not any(requested(c.function) for c in e.checks)]

    def baseline():
        for exercise in exercises:
            grade_exercise(exercise, TrustedBackend(reference_functions(exercise)))

    def submit(jobs: int):
        return lambda: grade(ROOT / "examples" / "good", exercises, jobs=jobs)

    def selftest():
        subprocess.run([sys.executable, "-m", "grader.cli", "selftest", *[e.id for e in exercises]],
                       check=True, capture_output=True)

    base = timed(baseline, args.repeat)
    print(f"{len(exercises)} NumPy exercises, {sum(len(e.checks) for e in exercises)} checks, median of {args.repeat}")
    print(f"{'baseline (in-process, reference)':<36} {base:7.2f} s   1.00x")
    for name, function in (("grade(examples/good), jobs=1", submit(1)),
                           ("grade(examples/good), jobs=2", submit(2)), ("cnngrade selftest", selftest)):
        seconds = timed(function, args.repeat)
        print(f"{name:<36} {seconds:7.2f} s   {seconds / base:.2f}x")


if __name__ == "__main__":
    main()

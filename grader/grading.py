"""Run an exercise's checks against a student and turn each into a CheckResult."""
from __future__ import annotations

import importlib
import inspect
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, ContextManager, Iterable

import numpy as np
from hypothesis import HealthCheck, Phase, Verbosity, settings
from hypothesis.configuration import set_hypothesis_home_dir
from hypothesis.errors import Flaky, FlakyFailure

from grader.checking import CheckFailed, Score, close
from grader.exercise import CheckSpec, Exercise, load_exercise
from grader.mnist import Mnist, cache_dir, hidden_folders, hide_folders, needed_by
from grader.processes import helper_pool
from grader.reproduce import reproduction
from grader.results import CheckResult, ExerciseResult, GradeReport, jsonable
from grader.sandbox.client import Sandbox
from grader.student import Backend, Call, SandboxBackend, Student, StudentFault, StudentRaised, TrustedBackend, bind_arguments

MODES = ("submit", "check")


def _fixed_examples() -> None:
    """Make generated examples depend on the check and the seed only.

    Hypothesis (>= 6.131) also draws some values from the constants of every local module it
    finds loaded, so the examples would change with which modules a process has imported (a
    helper process loads fewer), with an edit to any grader file, and with the install mode.
    Verdicts must not, so that pool is kept empty (tests/test_determinism.py checks this).
    """
    from hypothesis.internal.conjecture import providers

    if hasattr(providers, "_get_local_constants"):
        empty = providers.Constants()
        providers._get_local_constants = lambda: empty
    # Hypothesis' own storage goes to our cache, not to the user's working folder.
    set_hypothesis_home_dir(cache_dir() / "hypothesis")


_fixed_examples()


def examples_for(exercise: Exercise, mode: str, override: int | None) -> int:
    if override:
        return override
    return exercise.examples if mode == "submit" else max(10, exercise.examples // 4)


def checks_for(exercise: Exercise, mode: str) -> tuple[CheckSpec, ...]:
    """`check` runs only the visible checks; `submit` runs them all."""
    return exercise.checks if mode == "submit" else tuple(c for c in exercise.checks if c.visibility == "visible")


def reference_functions(exercise: Exercise) -> dict[str, Callable]:
    module = importlib.import_module(exercise.reference)
    return {name: fn for name, fn in vars(module).items() if callable(fn) and not name.startswith("_")}


SHARDS = 2  # sandboxes per group of NumPy exercises, whatever --jobs is, so that results never depend on it


def grade_submission(folder: Path, exercises: Iterable[Exercise], mode: str = "submit",
                     examples: int | None = None, mnist: Mnist | str | Path | None = None,
                     jobs: int = 1) -> GradeReport:
    """Grade a student folder, one sandbox per shard (see `shards`).

    mnist: the MNIST folder (--mnist DIR) or a Mnist shared across submissions; found at first use.
    jobs: how many shards are graded at once (jobs - 1 helper processes); the result is the same.
    """
    folder = Path(folder)
    mnist = mnist if isinstance(mnist, Mnist) else Mnist(mnist)
    report = GradeReport(submission=folder.resolve().name, mode=mode)
    exercises = list(exercises)
    if needed_by(exercises):
        mnist.prepare()  # found before any sandbox starts, so that the sandbox hides it
    plan = shards(exercises)
    # MNIST-bound shards stay here (the data set is loaded once), after the helpers are done, so
    # that TensorFlow never runs beside another sandbox; any other shard but the first may move.
    bound = [i for i, shard in enumerate(plan) if needed_by(shard)]
    movable = [i for i in range(len(plan)) if i not in bound][1:] if jobs > 1 else []
    graded: dict[int, ShardResult] = {}
    with _helpers(min(jobs - 1, len(movable))) as pool:
        futures = {i: pool.submit(_grade_shard_elsewhere, str(folder), [str(e.folder) for e in plan[i]], mode,
                                  examples, hidden_folders()) for i in movable}
        for i in [i for i in range(len(plan)) if i not in bound and i not in futures]:
            graded[i] = grade_shard(folder, plan[i], mode, examples, mnist)
        for i, future in futures.items():
            try:
                graded[i] = future.result()
            except BrokenProcessPool:  # the helper was killed (from outside, out of memory): grade it here
                graded[i] = grade_shard(folder, plan[i], mode, examples, mnist)
    for i in bound:
        graded[i] = grade_shard(folder, plan[i], mode, examples, mnist)
    by_id = {one.result.id: one for shard in graded.values() for one in shard.exercises}
    report.exercises = [by_id[e.id].result for e in exercises]
    # What cnn.py prints when imported is the same in every sandbox: shown once, then each exercise's.
    printed = [graded[0].printed_at_import] if plan else []
    report.output = "".join(printed + [by_id[e.id].output for e in exercises])[:8192]
    report.grader_faults = [fault for e in exercises for fault in by_id[e.id].faults]
    return report


def shards(exercises: list[Exercise]) -> list[list[Exercise]]:
    """Exercises that share a kind and limits share a sandbox; NumPy ones are dealt in course order
    over SHARDS sandboxes, so that two processes can grade them at once."""
    groups: dict[tuple, list[Exercise]] = {}
    for exercise in sorted(exercises, key=lambda e: (e.order, e.id)):
        groups.setdefault((exercise.kind, exercise.limits), []).append(exercise)
    plan = []
    for (kind, _), members in groups.items():
        count = SHARDS if kind == "python" else 1
        plan.extend(members[i::count] for i in range(min(count, len(members))))
    return plan


@dataclass
class Graded:
    result: ExerciseResult
    output: str  # what the student code printed while this exercise was graded
    faults: list[str]  # faults of the grader (exit code 3)


@dataclass
class ShardResult:
    printed_at_import: str
    exercises: list[Graded]


def grade_shard(folder: Path, shard: list[Exercise], mode: str, examples: int | None, mnist: Mnist) -> ShardResult:
    """Grade exercises of one kind and limits in one sandbox (strikes count across them)."""
    kind, limits = shard[0].kind, shard[0].limits
    with Sandbox(folder, limits, kind=kind) as sandbox:
        import_error = _import_error(sandbox) if kind == "python" else ""
        backend = SandboxBackend(sandbox, limits.wall_seconds)
        printed = sandbox.student_output()
        result = ShardResult(printed, [])
        for exercise in shard:
            faults: list[str] = []
            graded = grade_exercise(exercise, backend, mode, examples, import_error,
                                    context={"sandbox": sandbox, "mnist": mnist}, faults=faults)
            now = sandbox.student_output()
            result.exercises.append(Graded(graded, now[len(printed):], faults))
            printed = now
        return result


def _grade_shard_elsewhere(folder: str, exercise_folders: list[str], mode: str, examples: int | None,
                           hidden: list[str]) -> ShardResult:
    """What a helper process runs: plain arguments in, a ShardResult (trusted data) out. The
    exercises are loaded again from their folders; `hidden` are the folders this process found
    that the sandbox must hide (an MNIST folder given with --mnist)."""
    hide_folders(hidden)
    return grade_shard(Path(folder), [load_exercise(Path(f)) for f in exercise_folders], mode, examples, Mnist())


def _helpers(count: int) -> ContextManager[ProcessPoolExecutor | None]:
    return helper_pool(count) if count >= 1 else nullcontext()


def _import_error(sandbox: Sandbox) -> str:
    """'' when the student's module imports, else a one-line message naming file, line and error."""
    outcome = sandbox.import_module()
    if outcome.status == "ok":
        return ""
    if outcome.status == "raised":
        where = outcome.where or {}
        place = f"{where.get('file') or 'cnn.py'}, line {where['line']}: " if where.get("line") else "cnn.py: "
        return f"importing cnn.py failed: {place}{outcome.error}"
    if outcome.status == "timeout":
        return f"importing cnn.py took too long ({outcome.error}); does it run work at import time?"
    if outcome.status == "memory":
        return "importing cnn.py ran out of memory"
    return f"importing cnn.py crashed the worker: {outcome.error}"


def grade_exercise(exercise: Exercise, backend: Backend, mode: str = "submit", examples: int | None = None,
                   import_error: str = "", context: dict | None = None,
                   faults: list[str] | None = None, explain: bool = True) -> ExerciseResult:
    """Run the exercise's checks; explain=False skips shrinking and diagnosis (verdicts only)."""
    result = ExerciseResult(exercise.id, exercise.title)
    for check in checks_for(exercise, mode):
        student = Student(backend, import_error)
        result.checks.append(run_check(exercise, check, student, examples_for(exercise, mode, examples),
                                       context or {}, faults if faults is not None else [], explain))
    return result


def _hypothesis_settings(function: Callable, examples: int, shrink: bool) -> settings:
    parent = getattr(function, "_cnngrade_author_settings", None)
    if parent is None:
        parent = function._hypothesis_internal_use_settings
        function._cnngrade_author_settings = parent
    # Derandomized with no database: the same submission always meets the same examples.
    return settings(parent=parent, max_examples=examples, derandomize=True, database=None, deadline=None,
                    report_multiple_bugs=False, suppress_health_check=list(HealthCheck),
                    verbosity=Verbosity.quiet, print_blob=False,
                    phases=(Phase.explicit, Phase.reuse, Phase.generate) + ((Phase.shrink,) if shrink else ()))


def _call_check(check: CheckSpec, student: Student, examples: int, context: dict, shrink: bool) -> Any:
    function = check.function
    # Given-wrapped functions hide their strategy parameters from the signature, as pytest needs.
    parameters = inspect.signature(function).parameters
    extra = {name: value for name, value in context.items() if name in parameters}
    if not hasattr(function, "hypothesis"):
        return function(student, **extra)
    original = getattr(function, "_cnngrade_inner_test", None) or function.hypothesis.inner_test
    function._cnngrade_inner_test = original

    def one_example(*args, **kwargs):
        student.calls.clear()  # keep only the calls of the example being tried (the last is the minimal one)
        return original(*args, **kwargs)

    function.hypothesis.inner_test = one_example
    function._hypothesis_internal_use_settings = _hypothesis_settings(function, examples, shrink)
    return function(student, **extra)


def run_check(exercise: Exercise, check: CheckSpec, student: Student, examples: int,
              context: dict, faults: list[str], explain: bool = True) -> CheckResult:
    result = CheckResult(check.name, "passed", check.points, check.points, check.visibility, message="")
    try:
        outcome = _call_check(check, student, examples, context, shrink=explain)
    except StudentFault as fault:
        return _zero(result, fault.status, fault.message)
    except StudentRaised as raised:
        _zero(result, "error", raised.message)
        if explain:
            _explain(result, exercise, student.calls, None)
        if raised.traceback and check.visibility == "visible":
            result.counterexample = result.counterexample or {}
            result.counterexample["traceback"] = raised.traceback
        return result
    except (Flaky, FlakyFailure):
        return _zero(result, "failed", "gives different results when called twice with the same input")
    except AssertionError as failure:
        message = failure.message if isinstance(failure, CheckFailed) else (str(failure) or "an assertion failed")
        _zero(result, "failed", message)
        if explain:
            _explain(result, exercise, student.calls, failure)
        return result
    except Exception as exc:  # noqa: BLE001  (anything else is a bug in the check, not the student's)
        faults.append(f"{exercise.id}.{check.name}: {type(exc).__name__}: {exc}")
        return _zero(result, "error", f"internal error in this check (not your fault): {type(exc).__name__}: {exc}")
    if isinstance(outcome, Score):
        fraction = min(max(float(outcome.fraction), 0.0), 1.0)
        result.score = round(check.points * fraction, 4)
        result.status = "passed" if fraction >= 1.0 else "failed"
        result.message = outcome.message
        result.details = jsonable(outcome.details) if outcome.details else None
    return result


def _zero(result: CheckResult, status: str, message: str) -> CheckResult:
    result.status, result.score, result.message = status, 0, message
    return result


def _explain(result: CheckResult, exercise: Exercise, calls: list[Call], failure: BaseException | None) -> None:
    """Attach the minimal counterexample (visible checks only) and a diagnosis from the mutants."""
    if not calls:
        return
    reference = reference_functions(exercise)
    expected = [_run_trusted(TrustedBackend(reference), call) for call in calls]
    chosen = next((i for i, (call, exp) in enumerate(zip(calls, expected))
                   if call.raised or not _agrees(call.value, exp)), len(calls) - 1)
    call = calls[chosen]
    result.diagnosis = diagnose(exercise, reference, calls, expected)
    if result.visibility != "visible":
        return
    arguments = bind_arguments(reference.get(call.function), call)
    result.counterexample = {
        "function": call.function,
        "arguments": {name: jsonable(value) for name, value in arguments.items()},
        "expected": jsonable(expected[chosen]),
        "got": None if call.raised else jsonable(call.value),
        "reproduce": reproduction(call.function, call.args, call.kwargs),
    }


def _run_trusted(backend: TrustedBackend, call: Call) -> Any:
    outcome = backend.call(call.function, call.args, call.kwargs)
    return outcome.value if outcome.status == "ok" else None


def _agrees(got: Any, expected: Any) -> bool:
    if expected is None or got is None:
        return got is expected
    if isinstance(expected, (tuple, list)) or isinstance(got, (tuple, list)):
        if isinstance(expected, (tuple, list)) and any(isinstance(v, np.ndarray) for v in expected):
            # several arrays, e.g. conv2d_backward's (dx, dkernel, dbias): each within tolerance
            return (isinstance(got, (tuple, list)) and len(got) == len(expected)
                    and all(close(g, e) for g, e in zip(got, expected)))
        try:
            return [int(v) for v in got] == [int(v) for v in expected]
        except (TypeError, ValueError):
            return False
    return close(got, expected)


def diagnose(exercise: Exercise, reference: dict[str, Callable], calls: list[Call],
             expected: list[Any]) -> str | None:
    """The first mutant whose outputs equal the student's on every call of the failing example."""
    answered = [(call, exp) for call, exp in zip(calls, expected) if not call.raised and call.value is not None]
    if not answered or all(_agrees(call.value, exp) for call, exp in answered):
        return None
    for mutant in exercise.mutants:
        backend = TrustedBackend({**reference, **mutant.functions})
        if all(_agrees(call.value, _run_trusted(backend, call)) for call, _ in answered):
            return mutant.description
    return None

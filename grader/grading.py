"""Run an exercise's checks against a student and turn each into a CheckResult."""
from __future__ import annotations

import importlib
import inspect
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np
from hypothesis import HealthCheck, Phase, Verbosity, settings
from hypothesis.errors import Flaky, FlakyFailure

from grader.checking import CheckFailed, Score, close
from grader.exercise import CheckSpec, Exercise
from grader.mnist import Mnist, needed_by
from grader.reproduce import reproduction
from grader.results import CheckResult, ExerciseResult, GradeReport, jsonable
from grader.sandbox.client import Sandbox
from grader.student import Backend, Call, SandboxBackend, Student, StudentFault, StudentRaised, TrustedBackend, bind_arguments

MODES = ("submit", "check")


class GraderFault(Exception):
    """A fault of the grader or of an exercise pack, never of the student (exit code 3)."""


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


def grade_submission(folder: Path, exercises: Iterable[Exercise], mode: str = "submit",
                     examples: int | None = None, mnist: Mnist | str | Path | None = None) -> GradeReport:
    """Grade a student folder: one sandbox per group of exercises that share limits.

    mnist: the MNIST folder (--mnist DIR) or a Mnist shared across submissions; found at first use.
    """
    folder = Path(folder)
    mnist = mnist if isinstance(mnist, Mnist) else Mnist(mnist)
    report = GradeReport(submission=folder.resolve().name, mode=mode)
    exercises = list(exercises)
    if needed_by(exercises):
        mnist.prepare()  # found before any sandbox starts, so that the sandbox hides it
    groups: dict[tuple, list[Exercise]] = {}
    for exercise in exercises:
        groups.setdefault((exercise.kind, exercise.limits), []).append(exercise)
    results: dict[str, ExerciseResult] = {}
    outputs = []
    for (kind, limits), members in groups.items():
        with Sandbox(folder, limits, kind=kind) as sandbox:
            import_error = _import_error(sandbox) if kind == "python" else ""
            backend = SandboxBackend(sandbox, limits.wall_seconds)  # shared: strikes count across exercises
            for exercise in members:
                results[exercise.id] = grade_exercise(exercise, backend, mode, examples, import_error,
                                                      context={"sandbox": sandbox, "mnist": mnist},
                                                      faults=report.grader_faults)
            outputs.append(sandbox.student_output())
    report.exercises = [results[e.id] for e in exercises]
    report.output = "".join(outputs)[:8192]
    return report


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

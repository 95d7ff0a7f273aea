"""Run an exercise's checks against a student and turn each into a CheckResult."""
from __future__ import annotations

import importlib
import inspect
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, ContextManager, Iterable

import numpy as np
from hypothesis.errors import Flaky, FlakyFailure

from grader.grading.checking import CheckFailed, Score, close
from grader.grading.exercise import CheckSpec, Exercise, load_exercise
from grader.grading.fixtures import Fixtures, requested
from grader.i18n import DEFAULT, _, speaking
from grader.grading.processes import helper_pool
from grader.grading.reproduce import reproduction
from grader.results import CheckResult, ExerciseResult, GradeReport, Review, Status, jsonable
from grader.grading.sandboxes import open_sandbox
from grader.sandbox.client import PYTHON, Deadline, Sandbox
from grader.sandbox.wire import Answer
from grader.grading.student import Backend, Call, SandboxBackend, Student, StudentFault, StudentRaised, TrustedBackend, bind_arguments
from grader.submission.files import Manifest, Refused, shown
from grader.submission.folder import Submission, Unreadable, read_submission

MODES = ("submit", "check")


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


SHARDS = 2  # sandboxes per group of Python exercises, whatever --jobs is, so that results never depend on it


def grade_submission(folder: Path, exercises: Iterable[Exercise], mode: str = "submit",
                     examples: int | None = None, options: dict | None = None,
                     fixtures: Fixtures | None = None, jobs: int = 1,
                     deadline: Deadline | None = None, notebook: Path | None = None,
                     files: Manifest | None = None, lang: str = DEFAULT) -> GradeReport:
    """Grade a student folder, one sandbox per shard (see `shards`), speaking `lang` (its
    messages, descriptions, hints and diagnoses; grader.i18n).

    The folder's cnn.py, or its notebook (`notebook`, or the one grader.submission.folder finds when
    there is no cnn.py): grader.submission.Unreadable when that notebook cannot be read.
    options: the values of the packs' command-line options; fixtures: the packs' fixtures, made
    at first use (pass one Fixtures to share them across submissions).
    jobs: how many shards are graded at once (jobs - 1 helper processes); the result is the same.
    deadline: a time budget for the whole submission; what it leaves ungraded is `timeout`.
    files: the folder's manifest (grader.submission.files), when the caller has it.
    """
    with speaking(lang):
        return _grade_submission(Path(folder), list(exercises), mode, examples, fixtures or Fixtures(options),
                                 jobs, deadline, notebook, files, lang)


def _grade_submission(folder: Path, exercises: list[Exercise], mode: str, examples: int | None,
                      fixtures: Fixtures, jobs: int, deadline: Deadline | None, notebook: Path | None,
                      files: Manifest | None, lang: str) -> GradeReport:
    report = GradeReport(submission=shown(folder.resolve().name), mode=mode, lang=lang)
    submission = read_submission(folder, [f for e in exercises for f in e.functions], notebook, files)
    plan = shards(exercises)
    # Shards whose checks use a pack's fixtures stay here (a data set is loaded once), after the
    # helpers are done, so that a heavy worker never runs beside another sandbox; any other
    # shard but the first may move.
    bound = [i for i, shard in enumerate(plan) if any(_fixtures_of(e) for e in shard)]
    movable = [i for i in range(len(plan)) if i not in bound][1:] if jobs > 1 else []
    graded: dict[int, ShardResult] = {}
    with _helpers(min(jobs - 1, len(movable))) as pool:
        futures = {i: pool.submit(_grade_shard_elsewhere, str(folder), [str(e.folder) for e in plan[i]], mode,
                                  examples, fixtures.options, deadline, submission, lang) for i in movable}
        for i in [i for i in range(len(plan)) if i not in bound and i not in futures]:
            graded[i] = grade_shard(folder, plan[i], mode, examples, fixtures, deadline, submission)
        for i, future in futures.items():
            try:
                graded[i] = future.result()
            except BrokenProcessPool:  # the helper was killed (from outside, out of memory): grade it here
                graded[i] = grade_shard(folder, plan[i], mode, examples, fixtures, deadline, submission)
    for i in bound:
        graded[i] = grade_shard(folder, plan[i], mode, examples, fixtures, deadline, submission)
    by_id = {one.result.id: one for shard in graded.values() for one in shard.exercises}
    report.exercises = [by_id[e.id].result for e in exercises]
    # What cnn.py prints when imported is the same in every sandbox: shown once, then each exercise's.
    printed = [graded[0].printed_at_import] if plan else []
    report.output = "".join(printed + [by_id[e.id].output for e in exercises])[:8192]
    report.grader_faults = [fault for e in exercises for fault in by_id[e.id].faults]
    report.review = [review for e in exercises for review in by_id[e.id].review]
    # How the folder was read (a notebook, its left-out cells; a model file under another name).
    report.notices = list(dict.fromkeys(submission.notices + [n for i in sorted(graded) for n in graded[i].notices]))
    return report


def _fixtures_of(exercise: Exercise) -> list[str]:
    return [name for check in exercise.checks for name in requested(check.function)]


def shards(exercises: list[Exercise]) -> list[list[Exercise]]:
    """Exercises that share a kind and limits share a sandbox; Python ones are dealt in course order
    over SHARDS sandboxes, so that two processes can grade them at once."""
    groups: dict[tuple, list[Exercise]] = {}
    for exercise in sorted(exercises, key=lambda e: (e.order, e.id)):
        groups.setdefault((exercise.kind, exercise.limits), []).append(exercise)
    plan = []
    for (kind, _limits), members in groups.items():
        count = SHARDS if kind == PYTHON else 1
        plan.extend(members[i::count] for i in range(min(count, len(members))))
    return plan


@dataclass
class Graded:
    result: ExerciseResult
    output: str  # what the student code printed while this exercise was graded
    faults: list[str]  # faults of the grader (exit code 3)
    review: list[Review] = field(default_factory=list)  # signals for a person (Score.review), no points


@dataclass
class ShardResult:
    printed_at_import: str
    exercises: list[Graded]
    notices: list[str] = field(default_factory=list)  # what the checks said through sandbox.notice


def grade_shard(folder: Path, shard: list[Exercise], mode: str, examples: int | None,
                fixtures: Fixtures, deadline: Deadline | None = None,
                submission: Submission | None = None) -> ShardResult:
    """Grade exercises of one kind and limits in one sandbox (strikes count across them)."""
    kind, limits = shard[0].kind, shard[0].limits
    submission = submission or Submission(folder)
    generated = submission.generated if kind == PYTHON else {}
    try:
        sandbox = open_sandbox(folder, limits, kind=kind, options=fixtures.options, deadline=deadline,
                               generated=generated, files=submission.files)
    except Refused as exc:  # a file that changed or became unreadable since the folder was walked
        raise Unreadable(str(exc)) from None
    with sandbox:
        import_error = _import_error(sandbox, submission) if kind == PYTHON else ""
        backend = SandboxBackend(sandbox, limits.wall_seconds)
        printed = sandbox.student_output()
        result = ShardResult(printed, [])
        for exercise in shard:
            faults: list[str] = []
            review: list[Review] = []
            graded = grade_exercise(exercise, backend, mode, examples, import_error,
                                    fixtures=fixtures, sandbox=sandbox, faults=faults, review=review,
                                    submission=submission)
            now = sandbox.student_output()
            result.exercises.append(Graded(graded, now[len(printed):], faults, review))
            printed = now
        result.notices = list(sandbox.notices)
        return result


def _grade_shard_elsewhere(folder: str, exercise_folders: list[str], mode: str, examples: int | None,
                           options: dict, deadline: Deadline | None,
                           submission: Submission | None = None, lang: str = DEFAULT) -> ShardResult:
    """What a helper process runs: plain arguments in, a ShardResult (trusted data) out. The
    exercises are loaded again from their folders; the submission is trusted data (text)."""
    with speaking(lang):
        return grade_shard(Path(folder), [load_exercise(Path(f)) for f in exercise_folders], mode, examples,
                           Fixtures(options), deadline, submission)


def _helpers(count: int) -> ContextManager[ProcessPoolExecutor | None]:
    return helper_pool(count) if count >= 1 else nullcontext()


def _import_error(sandbox: Sandbox, submission: Submission | None = None) -> str:
    """'' when the student's module imports, else a one-line message naming file, line and error
    (a notebook's cell and line)."""
    outcome = sandbox.import_module()
    if outcome.status == Answer.OK:
        return ""
    if outcome.status == Answer.RAISED and submission is not None and submission.extracted is not None:
        return submission.import_error(outcome.where, outcome.error)
    if outcome.status == Answer.RAISED:
        where = outcome.where or {}
        if where.get("line"):
            return _("importing cnn.py failed: {file}, line {line}: {error}", file=where.get("file") or "cnn.py",
                     line=where["line"], error=outcome.error)
        return _("importing cnn.py failed: cnn.py: {error}", error=outcome.error)
    if outcome.status == Answer.TIMEOUT:
        return _("importing cnn.py took too long ({error}); does it run work at import time?", error=outcome.error)
    if outcome.status == Answer.MEMORY:
        return _("importing cnn.py ran out of memory")
    return _("importing cnn.py crashed the worker: {error}", error=outcome.error)


def grade_exercise(exercise: Exercise, backend: Backend, mode: str = "submit", examples: int | None = None,
                   import_error: str = "", fixtures: Fixtures | None = None, sandbox: Sandbox | None = None,
                   faults: list[str] | None = None, explain: bool = True,
                   review: list[Review] | None = None, submission: Submission | None = None) -> ExerciseResult:
    """Run the exercise's checks; explain=False skips shrinking and diagnosis (verdicts only).
    review, when given, receives the checks' signals for a person (Score.review).
    submission: a notebook's, to locate messages by cell (None: a cnn.py)."""
    result = ExerciseResult(exercise.id, exercise.title_text)
    fixtures = fixtures or Fixtures()
    count = examples_for(exercise, mode, examples)
    functions = exercise.check_functions(count, shrink=explain)
    broken = submission.broken(exercise.functions) if submission else {}
    for check in checks_for(exercise, mode):
        student = Student(backend, import_error, own=exercise.functions if check.points else None, broken=broken)
        checked = run_check(exercise, check, functions[check.name], student, fixtures, sandbox,
                            faults if faults is not None else [], explain, review)
        if submission is not None:
            submission.relocate(checked.counterexample)
        if not checked.passed:
            checked.hint = exercise.hint()  # carried in the result: a report needs no pack to show it
        result.checks.append(checked)
    return result


def _call_check(function: Callable, student: Student, arguments: dict) -> Any:
    if not hasattr(function, "hypothesis"):
        return function(student, **arguments)
    original = getattr(function, "_cnngrade_inner_test", None) or function.hypothesis.inner_test
    function._cnngrade_inner_test = original

    def one_example(*args, **kwargs):
        student.calls.clear()  # keep only the calls of the example being tried (the last is the minimal one)
        return original(*args, **kwargs)

    function.hypothesis.inner_test = one_example  # Hypothesis' documented hook for test runners
    return function(student, **arguments)


def run_check(exercise: Exercise, check: CheckSpec, function: Callable, student: Student, fixtures: Fixtures,
              sandbox: Sandbox | None, faults: list[str], explain: bool = True,
              review: list[Review] | None = None) -> CheckResult:
    result = CheckResult(check.name, Status.PASSED, check.points, check.points, check.visibility, message="",
                         description=_(check.description))
    names = requested(check.function)
    missing = fixtures.problem(names)
    if missing:
        return _zero(result, Status.MISSING, _("not graded: {reason}", reason=missing))
    arguments = {name: fixtures.get(name) for name in names}
    if "sandbox" in inspect.signature(check.function).parameters:
        arguments["sandbox"] = sandbox
    try:
        outcome = _call_check(function, student, arguments)
    except StudentFault as fault:
        return _zero(result, fault.status, fault.message)
    except StudentRaised as raised:
        _zero(result, Status.ERROR, raised.message)
        if explain:
            _explain(result, exercise, student.calls, None)
        if raised.traceback and check.visibility == "visible":
            result.counterexample = result.counterexample or {}
            result.counterexample["traceback"] = raised.traceback
        return result
    except (Flaky, FlakyFailure):
        return _zero(result, Status.FAILED, _("gives different results when called twice with the same input"))
    except AssertionError as failure:
        message = failure.message if isinstance(failure, CheckFailed) else (str(failure) or _("an assertion failed"))
        _zero(result, Status.FAILED, message)
        if explain:
            _explain(result, exercise, student.calls, failure)
        if isinstance(failure, CheckFailed):
            # A check that names the mistake itself (a model-file check: no calls to replay) is believed.
            result.diagnosis = result.diagnosis or failure.diagnosis
            result.details = jsonable(failure.details) if failure.details else None
        return result
    except Exception as exc:  # noqa: BLE001  (anything else is a bug in the check, not the student's)
        faults.append(f"{exercise.id}.{check.name}: {type(exc).__name__}: {exc}")
        return _zero(result, Status.ERROR, _("internal error in this check (not your fault): {error}",
                                             error=f"{type(exc).__name__}: {exc}"))
    if isinstance(outcome, Score):
        fraction = min(max(float(outcome.fraction), 0.0), 1.0)
        result.score = round(check.points * fraction, 4)
        result.status = Status.PASSED if fraction >= 1.0 else Status.FAILED
        result.message = outcome.message
        result.details = jsonable(outcome.details) if outcome.details else None
        result.diagnosis = outcome.diagnosis if fraction < 1.0 else None
        if review is not None:
            review.extend(replace(r, exercise=r.exercise or exercise.id) for r in outcome.review)
    return result


def _zero(result: CheckResult, status: Status, message: str) -> CheckResult:
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
    return outcome.value if outcome.status == Answer.OK else None


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
            return _(mutant.description)
    return None

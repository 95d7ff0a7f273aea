"""The `student` fixture: calls into a submission, through the sandbox or (for trusted code) in-process."""
from __future__ import annotations

import copy
import inspect
from dataclasses import dataclass
from typing import Any, Callable, Protocol

import numpy as np

from grader.grading.checking import CheckFailed
from grader.i18n import _, ngettext
from grader.results import Status
from grader.sandbox import wire
from grader.grading.sandboxes import wire_types
from grader.sandbox.client import Outcome, Sandbox
from grader.sandbox.wire import Answer

# The one mapping from what a worker's answer came to, when it ends a check, to the check's status.
_CHECK_STATUS = {Answer.MISSING: Status.MISSING, Answer.RAISED: Status.ERROR, Answer.MEMORY: Status.MEMORY,
                 Answer.TIMEOUT: Status.TIMEOUT, Answer.CRASHED: Status.ERROR}
# Answers after which the worker is replaced: a function that gives one STRIKES times is not called again.
FATAL = frozenset({Answer.TIMEOUT, Answer.MEMORY, Answer.CRASHED})


def check_status(answer: Answer) -> Status:
    """The status of a check that a worker's answer (other than OK) ends."""
    return _CHECK_STATUS.get(answer, Status.ERROR)


class StudentFault(BaseException):
    """Ends a check at once: the function is missing, or the process hung, ran out of memory or died.

    A BaseException so that Hypothesis does not retry or shrink: one timeout costs one timeout.
    """

    def __init__(self, status: Status, message: str):
        super().__init__(message)
        self.status = Status(status)
        self.message = message


class StudentRaised(Exception):
    """The student's function raised; Hypothesis shrinks to the smallest input that does it."""

    def __init__(self, message: str, traceback: str):
        super().__init__(message)
        self.message = message
        self.traceback = traceback


@dataclass
class Call:
    function: str
    args: tuple
    kwargs: dict
    value: Any = None
    raised: str = ""


class Backend(Protocol):
    def call(self, function: str, args: tuple, kwargs: dict) -> Outcome: ...


class SandboxBackend:
    """Untrusted code: every call crosses the process boundary.

    A function that hung, ran out of memory or killed the worker STRIKES times is not called
    again: its remaining checks get the same status at once, so one hanging function costs
    seconds, not minutes, and a batch keeps moving.
    """

    STRIKES = 2

    def __init__(self, sandbox: Sandbox, wall_seconds: float):
        self.sandbox = sandbox
        self.wall_seconds = wall_seconds
        self.faults: dict[str, list[Outcome]] = {}

    def call(self, function: str, args: tuple, kwargs: dict) -> Outcome:
        earlier = self.faults.get(function, [])
        if len(earlier) >= self.STRIKES:
            last = earlier[-1]
            return Outcome(last.status, error=ngettext("{error} (not called again after {n} such failure)",
                                                       "{error} (not called again after {n} such failures)",
                                                       len(earlier), error=last.error))
        outcome = self.sandbox.call(function, args, kwargs, self.wall_seconds)
        if outcome.status in FATAL:
            self.faults.setdefault(function, []).append(outcome)
        return outcome


class TrustedBackend:
    """Trusted code (the reference, a mutant) run in-process, values passed through the wire format
    so that it sees exactly what a sandboxed submission would."""

    def __init__(self, functions: dict[str, Callable]):
        self.functions = functions

    def call(self, function: str, args: tuple, kwargs: dict) -> Outcome:
        fn = self.functions.get(function)
        if fn is None:
            return Outcome(Answer.MISSING)
        args, kwargs = _roundtrip(list(args)), _roundtrip(dict(kwargs))
        before = copy.deepcopy((args, kwargs))
        try:
            value = fn(*args, **kwargs)
        except NotImplementedError:
            return Outcome(Answer.MISSING)
        except Exception as exc:  # noqa: BLE001  (a mutant may raise anything; that is its answer)
            return Outcome(Answer.RAISED, error=f"{type(exc).__name__}: {exc}")
        mutated = [] if _same_tree(before, (args, kwargs)) else ["an argument"]
        return Outcome(Answer.OK, value=_roundtrip(value), mutated=mutated)


def _roundtrip(value: Any) -> Any:
    wire_types()  # the packs' value types, registered as a sandbox registers them
    blobs: list[bytes] = []
    try:
        tree = wire.encode(value, blobs)
    except wire.WireError as exc:
        return wire.Unsupported(str(exc))
    return wire.decode(tree, blobs)


def _same_tree(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.shape == b.shape and np.array_equal(a, b, equal_nan=True)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same_tree(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same_tree(a[k], b[k]) for k in a)
    return True


class Student:
    """`student.correlate2d(image, kernel)` calls the submission's function and records the call.

    own: the functions of the check's exercise. A check that gives points may call only those, so
    that an exercise's points never depend on another exercise's functions (a check that combines
    exercises gives no points, or calls the reference for the other part).
    """

    def __init__(self, backend: Backend, import_error: str = "", own: tuple[str, ...] | None = None,
                 broken: dict[str, str] | None = None):
        self._backend = backend
        self._import_error = import_error
        self._own = own
        self._broken = broken or {}  # functions that cannot be there, and why (a notebook cell's syntax error)
        self.calls: list[Call] = []

    def __getattr__(self, function: str) -> Callable:
        if function.startswith("_"):
            raise AttributeError(function)
        return lambda *args, **kwargs: self._call(function, args, kwargs)

    def _call(self, function: str, args: tuple, kwargs: dict) -> Any:
        if self._own is not None and function not in self._own:
            raise LookupError(_("this check gives points but calls {function}, which is not a function of its "
                                "exercise ({functions}): make it informational (0 points) or call the reference "
                                "for that part", function=function, functions=", ".join(self._own) or _("none")))
        if self._import_error:
            raise StudentFault(Status.ERROR, self._import_error)
        if function in self._broken:
            raise StudentFault(Status.ERROR, self._broken[function])
        call = Call(function, args, kwargs)
        self.calls.append(call)
        outcome = self._backend.call(function, args, kwargs)
        if outcome.status == Answer.OK:
            call.value = outcome.value
            if outcome.mutated:
                raise CheckFailed(_("{function} modified its {arguments} in place; work on a copy (e.g. x = x.copy() "
                                    "or np.pad, which returns a new array)", function=function,
                                    arguments=", ".join(outcome.mutated)))
            if outcome.value is None:
                raise StudentFault(Status.MISSING, _("{function} returned None (not implemented yet?)",
                                                     function=function))
            return outcome.value
        if outcome.status == Answer.RAISED:
            call.raised = outcome.error
            raise StudentRaised(_("{function} raised {error}", function=function, error=outcome.error),
                                outcome.traceback)
        raise StudentFault(check_status(outcome.status), _failure(function, outcome))


def _failure(function: str, outcome: Outcome) -> str:
    """Why a call gave no value (other than raising), as a check's message. The worker reports
    NotImplementedError as the code "not_implemented" (grader.sandbox.worker)."""
    if outcome.status == Answer.MISSING:
        if outcome.info.get("reason") == "not_implemented":
            return _("{function} is not implemented yet (it raises NotImplementedError)", function=function)
        return _("{function} is not defined in cnn.py", function=function)
    if outcome.status == Answer.MEMORY:
        return _("{function} ran out of memory (the limit is per call)", function=function)
    if outcome.status == Answer.TIMEOUT:
        return _("{function} {error}", function=function, error=outcome.error)
    return _("{function} crashed the worker: {error}", function=function, error=outcome.error)


def bind_arguments(reference: Callable | None, call: Call) -> dict[str, Any]:
    """The call's arguments by parameter name (the contract's names, taken from the reference)."""
    if reference is not None:
        try:
            bound = inspect.signature(reference).bind(*call.args, **call.kwargs)
            return dict(bound.arguments)
        except TypeError:
            pass
    named = {f"arg{i + 1}": v for i, v in enumerate(call.args)}
    named.update(call.kwargs)
    return named

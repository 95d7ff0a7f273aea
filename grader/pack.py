"""What an exercise pack imports: the one module a pack author needs, kept stable while the
engine's own rooms move.

    from grader.pack import hookimpl, Fixture, expect_close, Score, Mutant, arrays

- hooks and what they return: `hookimpl`, `Fixture`, `FixtureMissing`, `OptionProblem`,
  `WorkerKind` (the hooks themselves are listed in grader.plugins.Hooks);
- words for people, in the grading's language: `_`, `ngettext`, `N_`, `number`, `percent`;
  `current()`, that language (e.g. to choose a file written in it)
  (grader.i18n; docs/i18n.md);
- statuses: `Status` (a check's, in the result), `Answer` (what a request to a sandbox came to:
  `sandbox.ask(...).status`), `check_status(answer)` (the check's status a failed answer gives);
- `Limits`: a worker's resource limits, for `sandbox.companion(kind, limits)` (another worker
  kind on the same submission, e.g. a fallback);
- checks: `expect_close`, `expect_equal`, `as_array`, `close`, `tolerance`, `RELATIVE_TOLERANCE`,
  `Score`, `CheckFailed`, `Review`; `StudentFault` ends a check at once with a status and a reason,
  `StudentRaised` is what a call raises when the student's function raised;
- mutants: `Mutant` (wrong functions), `FileMutant` (wrong submissions made as files);
- Hypothesis strategies that shrink to readable grids: `arrays`, `sides`, `SCALES`;
- `all_exercises()` (every installed exercise) and `cache_dir()` (where a pack keeps what it
  derives, hidden from every sandbox).
"""
from grader.cache import cache_dir
from grader.grading.checking import (RELATIVE_TOLERANCE, CheckFailed, Score, as_array, close, expect_close,
                                     expect_equal, tolerance)
from grader.grading.exercise import FileMutant, Mutant, all_exercises
from grader.grading.strategies import SCALES, arrays, sides
from grader.grading.student import StudentFault, StudentRaised, check_status
from grader.plugins import Fixture, FixtureMissing, OptionProblem, WorkerKind, hookimpl
from grader.i18n import N_, _, current, ngettext, number, percent
from grader.results import Review, Status
from grader.sandbox.client import Limits
from grader.sandbox.wire import Answer

__all__ = ["N_", "_", "current", "ngettext", "number", "percent", "Answer", "Status", "check_status", "RELATIVE_TOLERANCE", "SCALES", "CheckFailed", "FileMutant", "Fixture", "FixtureMissing", "Limits", "Mutant",
           "OptionProblem", "Review", "Score", "StudentFault", "StudentRaised", "WorkerKind", "all_exercises",
           "arrays", "as_array", "cache_dir", "close", "expect_close", "expect_equal", "hookimpl", "sides",
           "tolerance"]

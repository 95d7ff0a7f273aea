"""The packs' fixtures of one grading process: made at first use, once, and only when asked for."""
from __future__ import annotations

import inspect
from typing import Any, Iterable

from grader import plugins
from grader.i18n import _
from grader.plugins import FixtureMissing, OptionProblem

# What the engine itself gives a check, besides the packs' fixtures.
ENGINE_FIXTURES = ("student", "sandbox")


class Fixtures:
    """fixtures.get("dataset") makes the pack's fixture the first time and keeps it (or the reason it
    cannot be made: a missing data set is looked for once, and said once)."""

    def __init__(self, options: dict | None = None):
        self.options = dict(options or {})
        self._made: dict[str, Any] = {}
        self._missing: dict[str, FixtureMissing] = {}

    def get(self, name: str) -> Any:
        if name in self._missing:
            raise self._missing[name]
        if name not in self._made:
            fixture = plugins.fixtures().get(name)
            if fixture is None:
                raise LookupError(_("no installed pack provides the fixture {name}", name=repr(name)))
            try:
                self._made[name] = fixture.make(self)
            except FixtureMissing as missing:
                self._missing[name] = missing
                raise
        return self._made[name]

    def usage_problems(self) -> list[str]:
        """The fixtures that could not be made from what the user named (the user's mistake)."""
        return [str(missing) for missing in self._missing.values() if isinstance(missing, OptionProblem)]

    def problem(self, names: Iterable[str]) -> str:
        """'' when every fixture named can be made, else the first one-line reason why not."""
        for name in names:
            try:
                self.get(name)
            except FixtureMissing as missing:
                return str(missing)
        return ""


def requested(function) -> list[str]:
    """The pack fixtures a check function asks for by parameter name (Hypothesis' @given hides
    its strategy parameters from the signature, as pytest needs)."""
    parameters = inspect.signature(function).parameters
    return [name for name in parameters if name in plugins.fixtures() and name not in ENGINE_FIXTURES]

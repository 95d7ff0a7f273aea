"""Deterministic Hypothesis: the same submission meets the same examples on every run.

Checks are written as ordinary @given tests. Hypothesis takes a test's settings when @given
decorates it, so the checks module is executed under a settings profile made for each
(examples, shrink) pair the grader uses (settings.register_profile / load_profile, Hypothesis'
public API): derandomized, no example database, no deadline, quiet.

One thing the public API cannot do: Hypothesis (>= 6.131) also draws values from the literals
of every local module loaded in the process, so examples would change with what a process has
imported (a helper process imports less) and with any edit to a grader file. That pool is
emptied through a private function; if a Hypothesis release moves it, grading stops with a
grader fault (exit 3) rather than grade with examples that depend on the process.
"""
from __future__ import annotations

from contextlib import contextmanager
from functools import lru_cache
from importlib import metadata
from typing import Iterator

from hypothesis import HealthCheck, Phase, Verbosity, settings
from hypothesis.configuration import set_hypothesis_home_dir

from grader.cache import cache_dir
from grader.i18n import _

POOL_SINCE = (6, 131)  # the first Hypothesis that draws from local modules' literals


class DeterminismError(Exception):
    """Hypothesis cannot be made deterministic here (a fault of the grader's environment)."""


@lru_cache(maxsize=1)
def guard() -> None:
    """Empty Hypothesis' pool of local constants, or raise DeterminismError saying why not."""
    from hypothesis.internal.conjecture import providers

    version = tuple(int(part) for part in metadata.version("hypothesis").split(".")[:2])
    if hasattr(providers, "_get_local_constants") and hasattr(providers, "Constants"):
        empty = providers.Constants()
        providers._get_local_constants = lambda: empty
    elif version >= POOL_SINCE:
        raise DeterminismError(_(
            "Hypothesis {version} has no hypothesis.internal.conjecture.providers._get_local_constants: its "
            "examples would depend on the modules a process has loaded; install the Hypothesis version cnngrade "
            "pins (pip install 'hypothesis<7') or update grader/grading/determinism.py",
            version=metadata.version("hypothesis")))
    # Hypothesis' own files go to our cache, not to the user's working folder.
    set_hypothesis_home_dir(cache_dir() / "hypothesis")


def check_settings(examples: int, shrink: bool) -> settings:
    return settings(max_examples=examples, derandomize=True, database=None, deadline=None,
                    report_multiple_bugs=False, suppress_health_check=list(HealthCheck),
                    verbosity=Verbosity.quiet, print_blob=False,
                    phases=(Phase.explicit, Phase.reuse, Phase.generate) + ((Phase.shrink,) if shrink else ()))


@contextmanager
def profile(examples: int, shrink: bool) -> Iterator[None]:
    """Within it, @given takes the grader's settings; outside, the default profile is back."""
    guard()
    name = f"cnngrade-{examples}-{'shrink' if shrink else 'verdict'}"
    settings.register_profile(name, check_settings(examples, shrink))
    settings.load_profile(name)
    try:
        yield
    finally:
        settings.load_profile("default")

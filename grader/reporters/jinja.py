"""The Jinja2 environment of every HTML page (the templates are in templates/)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from grader import __version__

TEMPLATES = Path(__file__).with_name("templates")


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["points"] = lambda x: f"{x:g}"
    env.filters["percent"] = lambda x: f"{100 * x:.0f}%"
    env.globals["version"] = __version__
    return env

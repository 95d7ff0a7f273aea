"""The Jinja2 environment of every HTML page (the templates are in templates/)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from grader import __version__
from grader.i18n import _, ngettext

TEMPLATES = Path(__file__).with_name("templates")


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                      extensions=["jinja2.ext.i18n"])
    # The templates call {{ _("... {name} ...", name=x) }}: the engine's own gettext (grader.i18n),
    # in the language of the page being rendered, with the same named placeholders as the code.
    env.install_gettext_callables(gettext=_, ngettext=ngettext, newstyle=False)
    env.filters["points"] = lambda x: f"{x:g}"
    env.filters["percent"] = lambda x: f"{100 * x:.0f}%"
    env.globals["version"] = __version__
    return env

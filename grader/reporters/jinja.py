"""The Jinja2 environment of every HTML page (the templates are in templates/)."""
from __future__ import annotations

import html
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from grader import __version__
from grader.i18n import _, current, ngettext, number, percent

TEMPLATES = Path(__file__).with_name("templates")


def format_html(sentence: str, **params: object) -> Markup:
    """A translated sentence whose placeholders hold markup (e.g. <code>): the sentence is escaped
    as text between tags (&, < and >; its apostrophes stay as written), then filled; a parameter
    is escaped unless it is Markup (the `code` filter's).

        {{ _("matched to the {column} column")|format_html(column=roster.key|code) }}
    """
    return Markup(html.escape(sentence, quote=False)).format(**params)


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                      extensions=["jinja2.ext.i18n"])
    # The templates call {{ _("... {name} ...", name=x) }}: the engine's own gettext (grader.i18n),
    # in the language of the page being rendered, with the same named placeholders as the code.
    env.install_gettext_callables(gettext=_, ngettext=ngettext, newstyle=False)
    # Numbers for people, as the page's language writes them (12,5 and 98 % in French); points are
    # never grouped (the English never wrote 1,000 points).
    env.filters["points"] = lambda x: number(x, grouping=False)
    env.filters["percent"] = percent
    env.globals["version"] = __version__
    env.globals["language"] = current  # <html lang="...">
    env.filters["format_html"] = format_html
    env.filters["code"] = lambda text: Markup("<code>{}</code>").format(text)
    return env

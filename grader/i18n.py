"""The language people read: French or English, chosen once per command and passed down.

Every sentence a person reads is written in English in the code, marked `_("...")` (or
`ngettext(...)` when it counts something), with named placeholders filled by keyword
(`_("{name} is not implemented yet", name=function)`), so that a catalog holds whole
sentences, never fragments. The catalogs are gettext ones: `.po` files edited by people,
compiled to `.mo` (Babel: `pybabel extract/update/compile`, see docs/i18n.md), the engine's in
grader/locale/, each pack's wherever its `cnngrade_locale_dirs` hook says. Every `.mo` of a
language found there is merged into one catalog, so that a check's message, a template's word
and click's own "Usage:" come from the same place.

The language is chosen by `--lang fr|en`, else by the locale ($LC_ALL, $LC_MESSAGES, $LANG),
else English (`choose`), and held in a context variable for the grading or rendering it applies
to (`speaking(lang)`): a batch may speak French to one student and English to the next, and no
process-wide locale is ever set for it. Numbers shown to people follow the language (`number`,
`percent`: 12,5 and 98,7 % in French, with non-breaking spaces); numbers in JSON and in the CSV
columns an LMS parses never do.
"""
from __future__ import annotations

import os
import re
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator, Mapping

from babel.numbers import format_decimal, format_percent
from babel.support import NullTranslations, Translations

LANGUAGES = ("en", "fr")
DEFAULT = "en"
LOCALE_DIR = Path(__file__).with_name("locale")  # the engine's catalogs (click's own words included)
_BABEL_LOCALE = {"en": "en_US", "fr": "fr_FR"}
_current: ContextVar[str] = ContextVar("cnngrade_language", default=DEFAULT)


class UnknownLanguage(ValueError):
    """A language cnngrade does not speak (the user's mistake)."""


def choose(option: str | None = None, environ: Mapping[str, str] = os.environ) -> str:
    """The language of a command: --lang, else the first locale variable that names a language
    (LC_ALL, LC_MESSAGES, LANG, as gettext reads them), English when it names one cnngrade does
    not speak (or is C/POSIX). UnknownLanguage for an --lang value that is not one of LANGUAGES."""
    if option:
        language = option.strip().lower()
        if language not in LANGUAGES:
            raise UnknownLanguage(_("unknown language {value}: choose one of {languages}", value=repr(option),
                                    languages=", ".join(LANGUAGES)))
        return language
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(variable, "")
        if value:
            return language_of(value) or DEFAULT
    return DEFAULT


def language_of(tag: str) -> str | None:
    """The language cnngrade speaks that a language tag or locale names ("fr", "fr_FR.UTF-8",
    "en-GB"), None for any other."""
    language = re.split(r"[_.@-]", tag.strip(), maxsplit=1)[0].lower()
    return language if language in LANGUAGES else None


def current() -> str:
    """The language of what is being graded or rendered now."""
    return _current.get()


@contextmanager
def speaking(language: str) -> Iterator[str]:
    """Within the block, every `_()` and every number shown speaks `language`."""
    token = _current.set(language if language in LANGUAGES else DEFAULT)
    try:
        yield _current.get()
    finally:
        _current.reset(token)


# -------------------------------------------------------------------------- catalogs

_locale_dirs: list[Path] = [LOCALE_DIR]


def add_locale_dirs(folders: Iterable[Path]) -> None:
    """Add the packs' catalog folders (each holding <lang>/LC_MESSAGES/*.mo), after the engine's."""
    for folder in folders:
        folder = Path(folder)
        if folder not in _locale_dirs:
            _locale_dirs.append(folder)
            catalog.cache_clear()


@lru_cache(maxsize=None)
def catalog(language: str) -> NullTranslations:
    """Every catalog of `language` merged: the engine's, then each pack's (a later one wins)."""
    merged: NullTranslations = NullTranslations()
    for folder in _locale_dirs:
        messages = folder / language / "LC_MESSAGES"
        for path in sorted(messages.glob("*.mo")) if messages.is_dir() else ():
            with path.open("rb") as handle:
                loaded = Translations(handle)
            if isinstance(merged, Translations):
                merged.merge(loaded)
            else:
                merged = loaded
    return merged


def _(message: str, /, **params: object) -> str:
    """The sentence in the current language, its {named} placeholders filled."""
    translated = catalog(current()).gettext(message) if current() != DEFAULT else message
    return translated.format(**params) if params else translated


def said(message: str, /, **params: object) -> str:
    """A sentence marked N_ where it was written, said now: `_()` with every float among its
    params shown as a number (the sandbox's sentences, the batch's rows of a grading that stopped)."""
    return _(message, **{k: number(v) if isinstance(v, float) else v for k, v in params.items()})


def ngettext(singular: str, plural: str, n: int, /, **params: object) -> str:
    """The sentence for a count n (the language's plural rule: French puts 0 with 1); n is also
    the placeholder {n}."""
    translated = catalog(current()).ngettext(singular, plural, n)
    return translated.format(n=number(n), **params)


def N_(message: str, /) -> str:
    """Marks a sentence for the catalog where it is defined; `_()` translates it where it is shown."""
    return message


# -------------------------------------------------------------------------- numbers for people

def number(value: float, decimals: int | None = None, grouping: bool = True) -> str:
    """A number as the current language writes it: 0.9838 / 0,9838, 10,000 / 10 000. decimals:
    exactly that many digits after the point; None: Python's shortest form of the value (%g)."""
    if current() == DEFAULT:
        if decimals is None:
            return format(value, "," if grouping and isinstance(value, int) else "g")
        return format(value, f"{',' if grouping else ''}.{decimals}f")
    pattern = ("#,##0" if grouping else "0") + ("." + "0" * decimals if decimals else "")
    if decimals is None:
        pattern = ("#,##0" if grouping else "0") + ".######"
    return format_decimal(value, format=pattern, locale=_BABEL_LOCALE[current()])


def percent(fraction: float, decimals: int = 0) -> str:
    """A fraction as a percentage: 98.7% / 98,7 %."""
    if current() == DEFAULT:
        return f"{100 * fraction:.{decimals}f}%"
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "") + " %"
    return format_percent(fraction, format=pattern, locale=_BABEL_LOCALE[current()])


# -------------------------------------------------------------------------- extraction (pybabel)

def extract_spec(fileobj, keywords, comment_tags, options) -> Iterator[tuple[int, str, str, list[str]]]:
    """Babel's extractor for an exercise's spec.toml (`[cnngrade_spec: **/spec.toml]` in a
    mapping file): its title and every check's description, the words the reports show."""
    import tomllib  # only pybabel calls this, on Python >= 3.11 as the project's tooling does

    text = fileobj.read().decode("utf-8")
    spec = tomllib.loads(text)
    lines = text.splitlines()

    def line_of(value: str) -> int:
        return next((i for i, line in enumerate(lines, 1) if value in line), 0)

    if spec.get("title"):
        yield line_of(spec["title"]), "_", spec["title"], ["the exercise's title"]  # i18n: not for people (a comment for translators)
    for name, check in spec.get("checks", {}).items():
        if check.get("description"):
            yield line_of(check["description"]), "_", check["description"], [f"check {name}"]

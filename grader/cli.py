"""The `cnngrade` command: the language is chosen first, then the commands are built in it.

    cnngrade [--lang fr|en] COMMAND ...     (python -m grader.cli ... is the same)

The language is --lang (on any command, anywhere on the line), else the locale ($LC_ALL,
$LC_MESSAGES, $LANG), else English (grader.i18n.choose). It must be known before the commands
exist, because their --help texts are sentences of the catalog; so this module reads it off the
command line, sets it for the whole run (click's own words included), and only then imports
grader.commands.
"""
from __future__ import annotations

import gettext
import os
import sys
from typing import Sequence

import click

from grader.i18n import LOCALE_DIR, UnknownLanguage, _, choose, speaking

CLICK_DOMAIN = "click"  # click's own sentences ("Usage:", "Show this message and exit.") in our catalog


def language_in(args: Sequence[str]) -> str | None:
    """The value of --lang on a command line (`--lang fr` or `--lang=fr`), if any."""
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--lang" and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return None


def _speak_click(language: str) -> None:
    """click translates its own sentences with the standard gettext of this process: point it at
    our catalog of them, in this run's language (a command line is one run, one language)."""
    gettext.bindtextdomain(CLICK_DOMAIN, str(LOCALE_DIR))
    gettext.textdomain(CLICK_DOMAIN)
    os.environ["LANGUAGE"] = language


def main(args: Sequence[str] | None = None, **extra) -> None:
    """The console script: `extra` goes to click (e.g. standalone_mode=False)."""
    args = list(sys.argv[1:] if args is None else args)
    with speaking(choose()):  # a wrong --lang is said in the locale's language
        try:
            language = choose(language_in(args))
        except UnknownLanguage as exc:
            click.echo(_("cnngrade: error: {message}", message=str(exc)), err=True)
            sys.exit(2)
    _speak_click(language)
    with speaking(language):
        # Imported here, not at the top: the commands' help texts are built in this language.
        from grader.commands import cnngrade

        cnngrade.main(args=args, prog_name="cnngrade", **extra)


if __name__ == "__main__":
    main()

"""What a batch shows while it runs: a progress bar on a terminal, plain lines in a CI log."""
from __future__ import annotations

import shutil
import time
from typing import Callable, TextIO

from grader.i18n import _, number
from grader.reporters.terminal import printable
from grader.submission.files import shown

Echo = Callable[..., None]


class Progress:
    """Count, rate, ETA and who is being graded; a finished student is one line either way.

    On a terminal the bar is one line redrawn in place under the finished lines; elsewhere only
    the finished lines are written (a log should not fill with redraws). Names and lines hold what
    students named and raised: they are shown `printable` (the bar's own carriage return is ours).
    """

    def __init__(self, total: int, echo: Echo, stream: TextIO, reused: int = 0):
        self.total = total
        self.echo = echo
        self.stream = stream
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.done = reused
        self.graded_here = 0
        self.running: list[str] = []
        self.start = time.monotonic()

    def started(self, name: str) -> None:
        self.running.append(name)
        self._draw()

    def finished(self, name: str, line: str) -> None:
        if name in self.running:
            self.running.remove(name)
        self.done += 1
        self.graded_here += 1
        self._clear()
        self.echo(printable(f"[{self.done}/{self.total}] {line}"))
        self._draw()

    def close(self) -> None:
        self._clear()

    def bar(self, width: int = 24) -> str:
        elapsed = time.monotonic() - self.start
        rate = self.graded_here / elapsed if elapsed > 0 and self.graded_here else 0.0
        left = self.total - self.done
        eta = _("ETA {seconds} s", seconds=number(left / rate, 0, grouping=False)) if rate else _("ETA --")
        filled = int(width * self.done / self.total) if self.total else width
        who = ", ".join(shown(name) for name in self.running[:3]) \
            + (f" +{len(self.running) - 3}" if len(self.running) > 3 else "")
        return _("{bar} {done}/{total}  {rate}/min  {eta}  grading: {who}", bar=f"[{'#' * filled}{'.' * (width - filled)}]",
                 done=self.done, total=self.total, rate=number(rate * 60, 1, grouping=False), eta=eta, who=who or "-")

    def _draw(self) -> None:
        if self.tty:
            columns = shutil.get_terminal_size((100, 20)).columns
            self.stream.write("\r" + self.bar()[:columns - 1])
            self.stream.flush()

    def _clear(self) -> None:
        if self.tty:
            columns = shutil.get_terminal_size((100, 20)).columns
            self.stream.write("\r" + " " * (columns - 1) + "\r")
            self.stream.flush()

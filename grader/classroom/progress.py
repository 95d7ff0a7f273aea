"""What a batch shows while it runs: a progress bar on a terminal (tqdm), plain lines in a CI log."""
from __future__ import annotations

from typing import Callable, TextIO

from tqdm import tqdm

from grader.i18n import _
from grader.reporters.terminal import printable
from grader.submission.files import shown

Echo = Callable[..., None]
SHOWN_RUNNING = 3  # students named on the bar; the others counted


class Progress:
    """Count, rate, ETA and who is being graded; a finished student is one line either way.

    On a terminal the bar is one line redrawn in place under the finished lines; elsewhere only
    the finished lines are written (a log should not fill with redraws). Names and lines hold what
    students named and raised: they are shown `printable` (the bar's own carriage return is ours).
    """

    def __init__(self, total: int, echo: Echo, stream: TextIO, reused: int = 0):
        self.echo = echo
        self.total = total
        self.done = reused
        self.running: list[str] = []
        self.stream = stream
        tty = bool(getattr(stream, "isatty", lambda: False)())
        self.bar = tqdm(total=total, initial=reused, file=stream, disable=not tty, leave=False, ascii=" #",
                        unit="student", dynamic_ncols=True, desc="grading: -",
                        bar_format="[{bar:24}] {n_fmt}/{total_fmt}  {rate_fmt}  ETA {remaining}  {desc}")

    def started(self, name: str) -> None:
        self.running.append(name)
        self._who()

    def finished(self, name: str, line: str) -> None:
        if name in self.running:
            self.running.remove(name)
        self.done += 1
        text = printable(f"[{self.done}/{self.total}] {line}")
        if self.bar.disable:
            self.echo(text)
        else:
            self.bar.write(text, file=self.stream)  # above the bar, which is redrawn under it
        self._who()
        self.bar.update(1)

    def close(self) -> None:
        self.bar.close()

    def _who(self) -> None:
        names = ", ".join(shown(name) for name in self.running[:SHOWN_RUNNING])  # shown escapes all a terminal acts on
        more = len(self.running) - SHOWN_RUNNING
        self.bar.set_description_str(_("grading: {names}", names=(names or "-") + (f" +{more}" if more > 0 else "")),
                                     refresh=False)

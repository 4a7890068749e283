"""What a long build shows while it works: on a terminal, after about two seconds, the stage and
the pages done of the total, on one line that is rewritten; redirected to a file or a CI log,
nothing until the one summary line the command prints at the end."""
from __future__ import annotations

import sys
import time
import unicodedata
from typing import TextIO

from .i18n import _

QUIET_SECONDS = 2.0
"""A build shorter than this shows no progress at all."""
INTERVAL = 0.2


class Progress:
    """Stage and count of a build, shown on `stream` when it is a terminal."""

    def __init__(self, stream: TextIO | None = None, clock=time.monotonic):
        self.stream = stream if stream is not None else sys.stderr
        self.live = self.stream.isatty()
        self.clock = clock
        self.started = clock()
        self.shown_at = 0.0
        self.width = 0
        self.name, self.done, self.total = "", 0, 0

    @property
    def seconds(self) -> float:
        return self.clock() - self.started

    def stage(self, name: str, total: int = 0) -> None:
        self.name, self.done, self.total = name, 0, total
        self._show(force=True)

    def advance(self, count: int = 1) -> None:
        self.done += count
        self._show()

    def _show(self, force: bool = False) -> None:
        now = self.clock()
        if not self.live or now - self.started < QUIET_SECONDS or \
                (not force and now - self.shown_at < INTERVAL):
            return
        self.shown_at = now
        count = f" {self.done:,}/{self.total:,}" if self.total else ""
        line = _("{stage}{count} ({seconds} s)").format(stage=self.name, count=count,
                                                        seconds=f"{now - self.started:.0f}")
        self.stream.write("\r" + line + " " * (self.width - _columns(line)))
        self.stream.flush()
        self.width = _columns(line)

    def finish(self) -> None:
        """Clear the progress line, so the summary and any message start on a clean line."""
        if self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()
            self.width = 0


def _columns(text: str) -> int:
    """How many columns a terminal gives `text`: two for each Chinese character (so that a
    shorter line written over a longer one wipes all of it)."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)

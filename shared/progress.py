"""A tiny progress bar for command-line work (no dependency): the registry's cluster import and
the evaluation report import (``python -m services.manage import-…``)."""

from __future__ import annotations

import time
from typing import TextIO


class Progress:
    """A one-line progress bar on a stream (stderr): phase, rows done/total, rate.

    On a terminal the line is redrawn in place (at most ten times a second); otherwise one
    line is written when a phase ends, so logs stay readable.
    """

    def __init__(self, stream: TextIO | None, width: int = 28) -> None:
        self.stream = stream
        self.tty = bool(stream is not None and stream.isatty())
        self.width = width
        self.phase, self.total, self.done = "", 0, 0
        self.started = self.drawn = 0.0

    def start(self, phase: str, total: int) -> None:
        self.phase, self.total, self.done = phase, total, 0
        self.started = time.perf_counter()
        self.drawn = 0.0
        self._draw(force=True)

    def advance(self, n: int = 1) -> None:
        self.done += n
        self._draw()

    def finish(self) -> None:
        if self.stream is None:
            return
        seconds = time.perf_counter() - self.started
        if self.tty:
            self._draw(force=True)
            self.stream.write("\n")
        else:
            self.stream.write(
                f"{self.phase}: {self.done:,} rows in {seconds:.1f} s "
                f"({self.done / max(seconds, 1e-9):,.0f} rows/s)\n"
            )
        self.stream.flush()

    def _draw(self, force: bool = False) -> None:
        if self.stream is None or not self.tty:
            return
        now = time.perf_counter()
        if not force and now - self.drawn < 0.1 and self.done < self.total:
            return
        self.drawn = now
        filled = int(self.width * self.done / self.total) if self.total else self.width
        rate = self.done / max(now - self.started, 1e-9)
        self.stream.write(
            f"\r{self.phase:<10} [{'#' * filled}{'.' * (self.width - filled)}] "
            f"{self.done:>9,}/{self.total:,}  {rate:>9,.0f} rows/s"
        )
        self.stream.flush()

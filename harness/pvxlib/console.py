"""Console stream handling: the serial output of a run, as text.

GRUB and firmware write terminal control sequences and CR LF line ends;
ConsoleFilter turns the byte stream into clean text lines (keeping a
partial last line until it completes) for the terminal, the log file and
the tests' checks.
"""
from __future__ import annotations

import re
import time
from typing import Callable, TextIO

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Za-z0-9]|\x1b[=>]")


def clean(text: str) -> str:
    """Removes terminal control sequences and carriage returns."""
    return ANSI.sub("", text).replace("\r", "")


class ConsoleFilter:
    """Feeds bytes in, emits clean complete lines to the sinks."""

    def __init__(self, sinks: list[Callable[[str], None]]):
        self.sinks = sinks
        self.pending = ""
        self.lines: list[str] = []
        self.times: list[float] = []    # time.monotonic() at each line's arrival

    def feed(self, data: bytes) -> None:
        text = self.pending + data.decode("utf-8", errors="replace")
        parts = text.split("\n")
        self.pending = parts.pop()
        for p in parts:
            self._emit(clean(p))

    def close(self) -> None:
        if self.pending:
            self._emit(clean(self.pending))
            self.pending = ""

    def _emit(self, line: str) -> None:
        self.lines.append(line)
        self.times.append(time.monotonic())
        for s in self.sinks:
            s(line)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def file_sink(f: TextIO) -> Callable[[str], None]:
    def write(line: str) -> None:
        f.write(line + "\n")
        f.flush()
    return write

"""Progress of a `pvx run` on stderr: which configuration and boot, which
metric (n of N), the time elapsed, and an estimate of what remains.

The estimate assumes every boot takes as long as the mean of the boots
finished so far (so the first boot's duration until a second one
finishes); before the first boot ends there is none. Boots of different
configurations differ (a PV boot is slower), so it is rough, and says so
with a "~". Given a plan (`pvx reproduce`: each boot's estimated seconds,
from earlier runs or the experiment's declared boot_s), the estimate is
the plan's seconds left, scaled by how the finished boots compared with
their plan (a loaded host makes every boot slower alike), and is there
from the start.

ConsoleTap turns boot.run_guest's echo (print(line, file=...)) into one
callback per console line, which is how the runner sees each metric's
JSON line as the guest prints it.
"""
from __future__ import annotations

import sys
import time
from typing import Callable, TextIO


def clock_text(seconds: float) -> str:
    """'42 s', '3:05', '1:02:03'."""
    s = int(round(seconds))
    if s < 60:
        return f"{s} s"
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def remaining(durations: list[float], boots_left: int, current: float | None) -> float | None:
    """Seconds left: boots not yet started at the mean duration, plus the
    rest of the current boot (current = its elapsed time, None between
    boots). None before any boot finished."""
    if not durations:
        return None
    mean = sum(durations) / len(durations)
    rest = 0.0 if current is None else max(0.0, mean - current)
    return boots_left * mean + rest


def planned_remaining(planned: list[float], durations: list[float],
                      current: float | None) -> float:
    """Seconds left of a plan (every boot's estimate, in run order, the
    finished ones first, then the one running if current is not None):
    the estimates not yet finished, times the ratio of the finished boots'
    real to planned time, less what the running boot has spent."""
    n = len(durations)
    done_plan = sum(planned[:n])
    scale = sum(durations) / done_plan if durations and done_plan > 0 else 1.0
    left = scale * sum(planned[n:])
    if current is not None:
        left -= min(current, scale * planned[n]) if n < len(planned) else 0.0
    return max(0.0, left)


class Progress:
    def __init__(self, total_boots: int, out: TextIO | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 planned: list[tuple[str, float]] | None = None,
                 label: str = "pvx run"):
        """planned: (key, estimated seconds) per boot in run order, the key
        being "<context>/<config>" (or the config without a context)."""
        self.total = total_boots
        self.out = out or sys.stderr
        self.clock = clock
        self.start = clock()
        self.durations: list[float] = []
        self.done = 0                       # boots finished
        self.boot_start: float | None = None
        self.where = ""
        self.planned = list(planned) if planned is not None else None
        self.label = label
        self.context = ""                   # e.g. the experiment, in the tag

    def key(self, config: str) -> str:
        return f"{self.context}/{config}" if self.context else config

    def begin_boot(self, config: str, rep: int, reps: int) -> None:
        self.boot_start = self.clock()
        what = f"{self.context} {config}" if self.context else config
        self.where = f"[boot {self.done + 1}/{self.total}: {what} rep {rep}/{reps}]"
        self.say("booting")

    def metric(self, name: str, k: int, n: int, value: str) -> None:
        self.say(f"{k}/{n} {name} {value}")

    def end_boot(self, outcome: str) -> float:
        """Records the boot's duration; returns it."""
        assert self.boot_start is not None
        took = self.clock() - self.boot_start
        self.durations.append(took)
        self.done += 1
        self.boot_start = None
        self.say(f"{outcome} ({took:.1f} s)")
        return took

    def skip(self, boots: int, config: str | None = None) -> None:
        """`boots` planned boots of `config` will not run (its
        configuration failed): the last ones of that key leave the plan."""
        self.total -= boots
        if self.planned is None or config is None:
            return
        key, first = self.key(config), len(self.durations)
        for _ in range(boots):
            i = max((i for i in range(first, len(self.planned))
                     if self.planned[i][0] == key), default=None)
            if i is None:
                break
            del self.planned[i]

    def forget(self, prefix: str) -> None:
        """The planned boots whose key starts with prefix and that have not
        run will not (their experiment ended early)."""
        if self.planned is None:
            return
        first = len(self.durations)
        gone = [i for i in range(first, len(self.planned))
                if self.planned[i][0].startswith(prefix)]
        for i in reversed(gone):
            del self.planned[i]
        self.total -= len(gone)

    def left(self) -> float | None:
        now = self.clock()
        cur = now - self.boot_start if self.boot_start is not None else None
        if self.planned is not None:
            return planned_remaining([s for _, s in self.planned], self.durations, cur)
        in_flight = 1 if cur is not None else 0
        return remaining(self.durations, self.total - self.done - in_flight, cur)

    def status(self) -> str:
        left = self.left()
        est = "estimate after the first boot" if left is None else f"~{clock_text(left)} left"
        return f"elapsed {clock_text(self.clock() - self.start)}, {est}"

    def say(self, msg: str) -> None:
        print(f"{self.label}: {self.where} {msg} | {self.status()}",
              file=self.out, flush=True)


class ConsoleTap:
    """A write-only text stream that calls on_line once per line."""

    def __init__(self, on_line: Callable[[str], None]):
        self.on_line = on_line
        self.pending = ""

    def write(self, text: str) -> int:
        self.pending += text
        while "\n" in self.pending:
            line, self.pending = self.pending.split("\n", 1)
            self.on_line(line)
        return len(text)

    def flush(self) -> None:
        pass

"""What the guest tests (guesttests.py, modetests.py) share: a test's
outcome, the clean-dmesg check they append to their guest scripts, how
they read the script's "CHK key: value" lines and PVX's counters, and
how they report a boot."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

from . import boot

# The kernel echoes its command line (which has panic=-1): not a finding.
DMESG = r"""
dmesg | grep -iv 'command line' | grep -E 'Oops|BUG|WARNING:|panic' > /tmp/bad
echo "CHK dmesg-bad: $(wc -l < /tmp/bad)"
head -20 /tmp/bad
"""


@dataclass
class Outcome:
    ok: bool
    detail: str
    note: str


def value(output: str, key: str) -> str | None:
    """The value of the first "CHK key: value" line, or None."""
    m = re.search(rf"CHK {re.escape(key)}: ?(.*)", output)
    return m.group(1).strip() if m else None


COUNTERS_JSON = re.compile(r"^\(PVX\) counters-json d1: (.*)$")


def read_hv_counters(console: list[str]) -> tuple[dict | None, str | None]:
    """Domain 1's counters from PVX's end-of-run "(PVX) counters-json d1:"
    line: (counters, None), or (None, what is wrong)."""
    for line in console:
        m = COUNTERS_JSON.match(line.strip())
        if not m:
            continue
        try:
            obj = json.loads(m.group(1))
        except ValueError as e:
            return None, f"counters-json is not JSON: {e}"
        return (obj, None) if isinstance(obj, dict) else \
            (None, "counters-json is not a JSON object")
    return None, "no (PVX) counters-json d1 line"


def hv_counters(console: list[str]) -> dict | None:
    """read_hv_counters' counters, or None."""
    return read_hv_counters(console)[0]


def report(run: boot.GuestRun, problems: list[str]) -> str:
    """The log's path, and with problems, them and the console's tail."""
    detail = f"log {run.outcome.log}"
    if problems:
        tail = "\n".join("    | " + line for line in run.outcome.lines[-30:])
        detail += "\n  " + "\n  ".join(problems) + "\n  console (last lines):\n" + tail
    return detail

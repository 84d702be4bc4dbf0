"""What the guest tests (guesttests.py, modetests.py) share: a test's
outcome, the clean-dmesg check they append to their guest scripts, and
how they read the script's "CHK key: value" lines and report a boot."""
from __future__ import annotations

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


def report(run: boot.GuestRun, problems: list[str]) -> str:
    """The log's path, and with problems, them and the console's tail."""
    detail = f"log {run.outcome.log}"
    if problems:
        tail = "\n".join("    | " + line for line in run.outcome.lines[-30:])
        detail += "\n  " + "\n  ".join(problems) + "\n  console (last lines):\n" + tail
    return detail

"""Exit statuses: the hypervisor's (PVX_EXIT_* in hv/include/public/pvx.h)
and the harness's own for runs that ended without one.

QEMU's isa-debug-exit device turns the hypervisor's write of v into QEMU
exiting with (v << 1) | 1; any other QEMU exit status means the hypervisor
never reported (reset, triple fault, QEMU error).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from . import paths

# Harness statuses, chosen outside the hypervisor's range.
USAGE = 64          # bad command line or missing input file (EX_USAGE)
TIMEOUT = 124       # the run exceeded its time limit (as timeout(1))
NO_STATUS = 125     # QEMU ended without the hypervisor reporting a status
QEMU_FAILED = 126   # QEMU could not be started
INTERRUPTED = 130   # Ctrl-C


def read_hv_codes(header: Path = paths.PVX_H) -> dict[int, str]:
    """PVX_EXIT_* values from the public header: {value: name}."""
    codes: dict[int, str] = {}
    pattern = re.compile(r"#define\s+PVX_EXIT_(\w+)\s+(\d+)")
    for m in pattern.finditer(header.read_text()):
        codes[int(m.group(2))] = m.group(1).lower()
    return codes


@dataclass(frozen=True)
class RunStatus:
    code: int        # what `pvx boot` exits with
    name: str        # e.g. "ok", "hv_fault", "timeout"
    from_hv: bool    # reported by the hypervisor through isa-debug-exit


def from_qemu(returncode: int, codes: dict[int, str] | None = None,
              hv_ran: bool = True) -> RunStatus:
    """Maps QEMU's exit status to the run's status. hv_ran: the hypervisor
    printed something. QEMU's own startup errors (a bad -drive, say) exit
    1 too, the same as the hypervisor's status 0; a run in which PVX never
    printed cannot have been a clean hypervisor exit."""
    codes = read_hv_codes() if codes is None else codes
    if returncode == 1 and not hv_ran:
        return RunStatus(QEMU_FAILED, "qemu_failed", False)
    if returncode > 0 and returncode & 1:
        v = returncode >> 1
        return RunStatus(v, codes.get(v, f"unknown_{v}"), True)
    return RunStatus(NO_STATUS, "no_status", False)


def describe(code: int, codes: dict[int, str] | None = None) -> str:
    codes = read_hv_codes() if codes is None else codes
    own = {USAGE: "usage", TIMEOUT: "timeout", NO_STATUS: "no_status",
           QEMU_FAILED: "qemu_failed", INTERRUPTED: "interrupted"}
    return own.get(code) or codes.get(code, f"unknown_{code}")

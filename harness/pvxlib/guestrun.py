"""One command in a guest: how it is passed in, and how its result is read
back from the console. Pure functions; boot.py does the booting.

The command travels base64-encoded on the guest kernel's command line
(`pvx.cmd=`, a name with a dot so the kernel keeps it away from init's
argv and environment); guests/rootfs/init decodes it, runs it under
`sh -c`, and brackets its output with marker lines:

    @@PVX-UPTIME 3.52          seconds from boot to /init
    @@PVX-BEGIN
    ...the command's output...
    @@PVX-END status=0

The console carries more than the guest's user space: kernel messages
(which /init mostly silences while the command runs), the hypervisor's
own "(PVX) ..." lines (Xen's: "(XEN) ..."), and possibly a "(dN) " domain prefix on guest
lines. A kernel message can even land in the middle of a user-space
line, because printk writes to the UART directly while the tty layer is
still sending the line: "@@PVX-EN[    2.345678] random: ...", then
"D status=0". classify() undoes that: a timestamped kernel message that
starts mid-line is cut out and the line's two halves are joined again.
Lines that look like kernel messages are therefore never part of the
command's output (run `dmesg -t`, without timestamps, to see dmesg).
"""
from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field

from . import exitcodes

BEGIN = "@@PVX-BEGIN"
END = "@@PVX-END"
UPTIME = "@@PVX-UPTIME"

# `pvx boot native|pv` exits with this when the run ended normally but the
# guest never printed its end marker (panic, crash, or a hypervisor that
# cannot run guests yet). Outside the hypervisor's 0..7 and next to the
# harness's own 124..126, which keep their meanings (timeout, ...).
NO_GUEST_RESULT = 123

# Longest kernel command lines: COMMAND_LINE_SIZE on x86 (2048) for native
# boots, MAX_GUEST_CMDLINE in start_info (1024) for PV; both include the NUL.
# Xen copies domain 0's into start_info too.
CMDLINE_LIMIT = {"native": 2047, "pv": 1023, "xen": 1023}
CONSOLE = {"native": "ttyS0", "pv": "hvc0", "xen": "hvc0"}
# Native boots skip the kernel's check that the IO-APIC timer ticks: under
# TCG on a loaded host it can miss its window and panic the boot ("IO-APIC +
# timer doesn't work!"), as cloud and libvirt images avoid the same way.
# PV guests have no IO-APIC timer to check.
MODE_ARGS = {"native": "no_timer_check", "pv": "", "xen": ""}

KERNEL_STAMP = re.compile(r"\[\s*\d+\.\d{6}\]")
DOMAIN_PREFIX = re.compile(r"^\(d\d+\) ")
HV_LINE = re.compile(r"^\((PVX|XEN)\)")      # PVX's, or the Xen peer's
END_STATUS = re.compile(re.escape(END) + r" status=(\S*)")
UPTIME_VALUE = re.compile(re.escape(UPTIME) + r" (\d+(?:\.\d+)?)")
PANIC = re.compile(r"Kernel panic - not syncing.*")


class CommandError(Exception):
    """The command cannot be passed to the guest (e.g. too long)."""


# ---- passing the command in ----

def encode_command(cmd: str) -> str:
    return base64.b64encode(cmd.encode()).decode("ascii")


def kernel_cmdline(mode: str, guest_args: str, cmd: str) -> str:
    """The guest kernel's command line for `pvx boot <mode>`:
    console, panic=-1 (a panic ends the run at once), the mode's own
    arguments (MODE_ARGS), the user's arguments, and the command."""
    words = [f"console={CONSOLE[mode]}", "panic=-1", MODE_ARGS[mode], guest_args.strip(),
             f"pvx.cmd={encode_command(cmd)}"]
    line = " ".join(w for w in words if w)
    if len(line) > CMDLINE_LIMIT[mode]:
        raise CommandError(f"the guest command line would be {len(line)} bytes, "
                           f"over the {mode} limit of {CMDLINE_LIMIT[mode]}; "
                           "put a long command in a script in the initramfs")
    if mode == "pv" and '"' in line:
        raise CommandError('double quotes cannot be passed in a PV guest\'s '
                           'command line (the module line quotes it whole)')
    return line


# ---- reading the result back ----

@dataclass
class GuestResult:
    uptime: float | None = None      # @@PVX-UPTIME: boot-to-/init seconds
    began: bool = False              # @@PVX-BEGIN seen
    status: int | None = None        # from @@PVX-END; None if missing or bad
    output: list[str] = field(default_factory=list)
    kernel: list[str] = field(default_factory=list)   # messages while it ran
    end_line: str | None = None      # the end marker line, even if malformed
    panic: str | None = None         # first "Kernel panic" line

    @property
    def complete(self) -> bool:
        return self.status is not None


def classify(lines: list[str]) -> list[tuple[str, str]]:
    """('user' | 'kernel' | 'hv', text) per logical line, with domain
    prefixes removed and user lines split by a kernel message rejoined."""
    out: list[tuple[str, str]] = []
    carry = ""
    for raw in lines:
        if HV_LINE.match(raw):
            out.append(("hv", raw))
            continue
        line = DOMAIN_PREFIX.sub("", raw, count=1)
        m = KERNEL_STAMP.search(line)
        if m:
            carry += line[:m.start()]
            out.append(("kernel", line[m.start():]))
            continue
        out.append(("user", carry + line))
        carry = ""
    if carry:
        out.append(("user", carry))
    return out


def parse_status(end_line: str) -> int | None:
    m = END_STATUS.search(end_line)
    if m and m.group(1).isdigit():
        return int(m.group(1))
    return None


def parse(lines: list[str]) -> GuestResult:
    """The guest's result from the console lines of one run: the first
    begin marker, the last end marker after it, and what lies between."""
    r = GuestResult()
    r.panic = next((m.group(0) for ln in lines if (m := PANIC.search(ln))), None)
    events = classify(lines)
    for kind, text in events:
        m = UPTIME_VALUE.search(text)
        if kind == "user" and m:
            r.uptime = float(m.group(1))
            break
    begin = next((i for i, (k, t) in enumerate(events) if k == "user" and BEGIN in t), None)
    if begin is None:
        return r
    r.began = True
    end = next((i for i in range(len(events) - 1, begin, -1)
                if events[i][0] == "user" and END in events[i][1]), None)
    stop = len(events) if end is None else end
    for kind, text in events[begin + 1:stop]:
        (r.output if kind == "user" else r.kernel).append(text)
    if end is not None:
        line = events[end][1]
        before = line[:line.index(END)]
        if before:                    # output without a final newline
            r.output.append(before)
        r.end_line = line[line.index(END):]
        r.status = parse_status(line)
    return r


# ---- what `pvx boot native|pv` exits with ----

@dataclass(frozen=True)
class Verdict:
    code: int
    message: str


def stage(r: GuestResult) -> str:
    """How far the guest got, for messages."""
    if r.panic:
        return f"the guest kernel panicked: {r.panic}"
    if r.end_line is not None:
        return f"the end marker is malformed: {r.end_line!r}"
    if r.began:
        return "the command started but never finished"
    if r.uptime is not None:
        return "/init started but the command did not"
    return "the guest never reached /init"


def verdict(mode: str, r: GuestResult, run: exitcodes.RunStatus) -> Verdict:
    """The guest command's status if it completed; otherwise a status
    saying why not (timeout 124, the hypervisor's own status for PV,
    QEMU failures 125/126, or NO_GUEST_RESULT)."""
    if r.complete:
        assert r.status is not None
        return Verdict(r.status, f"guest command exited with status {r.status}")
    if run.code == exitcodes.TIMEOUT:
        return Verdict(run.code, f"timed out: {stage(r)}")
    if run.code == exitcodes.QEMU_FAILED:
        return Verdict(run.code, "QEMU could not be started")
    if mode == "pv" and not run.from_hv:
        return Verdict(run.code, "QEMU ended without a status from the "
                                 f"hypervisor ({run.name}); {stage(r)}")
    if mode == "pv" and run.code != 0:
        return Verdict(run.code, f"the hypervisor ended with status {run.code} "
                                 f"({run.name}) without a guest result; {stage(r)}")
    if mode == "pv":
        return Verdict(NO_GUEST_RESULT, "no guest result: the hypervisor ended "
                                        f"normally (status 0), but {stage(r)}")
    return Verdict(NO_GUEST_RESULT, f"no guest result: {stage(r)}")

"""The one place that starts QEMU.

QemuConfig -> argv is pure (unit-tested). run() starts QEMU in its own
process group, streams its serial console to sinks, enforces a timeout
and always kills the whole group on the way out (timeout, Ctrl-C,
SIGTERM, or an exception), so no QEMU process outlives the harness.
"""
from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from . import paths

QEMU = os.environ.get("PVX_QEMU", "qemu-system-x86_64")
DEBUG_EXIT = "isa-debug-exit,iobase=0xf4,iosize=0x04"


@dataclass
class QemuConfig:
    accel: str = "tcg"           # tcg or kvm (see choose_accel)
    cpu: str = "qemu64"          # pinned and recorded with every result
    machine: str = "pc"
    mem_mib: int = 1024
    smp: int = 1
    debug_flags: str = ""        # QEMU -d flags, e.g. int,cpu_reset,guest_errors
    debug_log: Path | None = None
    gdb: bool = False            # -s -S: wait for gdb on tcp::1234
    extra: list[str] = field(default_factory=list)
    # Runs QEMU through this, e.g. `ip netns exec NS` (netns.py). It must
    # exec QEMU in place, so that the process group run() kills is QEMU's.
    wrapper: list[str] = field(default_factory=list)

    def argv(self, iso: Path) -> list[str]:
        a = [*self.wrapper, QEMU, "-machine", f"{self.machine},accel={self.accel}",
             "-cpu", self.cpu, "-m", str(self.mem_mib), "-smp", str(self.smp),
             "-display", "none", "-nodefaults", "-no-reboot",
             "-serial", "stdio", "-monitor", "none", "-net", "none",
             "-device", DEBUG_EXIT, "-cdrom", str(iso), "-boot", "d"]
        if self.debug_flags:
            a += ["-d", self.debug_flags]
            if self.debug_log is not None:
                a += ["-D", str(self.debug_log)]
        if self.gdb:
            a += ["-s", "-S"]
        return a + self.extra


class Interrupted(Exception):
    """SIGTERM or SIGINT arrived while QEMU ran."""


def raise_on_sigterm(signum, frame):
    """A SIGTERM handler for long runs: turns it into Interrupted, so the
    run's cleanup (QEMU's process group, temporary files) happens."""
    raise Interrupted(signal.Signals(signum).name)


def virtio_disk(image: Path, cache: str = "writeback", ident: str = "vd0") -> list[str]:
    """QEMU arguments for a raw image as a virtio-blk-pci disk."""
    return ["-drive", f"file={image},format=raw,if=none,id={ident},cache={cache}",
            "-device", f"virtio-blk-pci,drive={ident}"]


@dataclass
class RunResult:
    returncode: int | None     # None: killed on timeout
    elapsed: float             # seconds, wall clock
    argv: list[str]


def kill_group(proc: subprocess.Popen) -> None:
    """SIGTERM to proc's process group, then SIGKILL if it lingers; proc
    must lead its own group (start_new_session=True)."""
    if proc.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, 2.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def run(argv: list[str], timeout: float,
        on_output: Callable[[bytes], None]) -> RunResult:
    """Runs QEMU to completion or timeout; on_output gets console bytes."""
    def raise_interrupted(signum, frame):
        raise Interrupted(signal.Signals(signum).name)

    old = {s: signal.signal(s, raise_interrupted)
           for s in (signal.SIGTERM, signal.SIGINT)}
    start = time.monotonic()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        return RunResult(_pump(proc, start, timeout, on_output),
                         time.monotonic() - start, argv)
    finally:
        kill_group(proc)
        if proc.stdout:
            proc.stdout.close()
        for s, h in old.items():
            signal.signal(s, h)


def _pump(proc: subprocess.Popen, start: float, timeout: float,
          on_output: Callable[[bytes], None]) -> int | None:
    assert proc.stdout is not None
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    fd = proc.stdout.fileno()
    while True:
        left = timeout - (time.monotonic() - start)
        if left <= 0:
            return None
        if sel.select(timeout=min(left, 0.5)):
            data = os.read(fd, 65536)
            if data:
                on_output(data)
                continue
            return proc.wait()      # EOF: QEMU is exiting
        if proc.poll() is not None:
            return proc.returncode


def version() -> str:
    try:
        out = subprocess.run([QEMU, "--version"], stdout=subprocess.PIPE,
                             text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return "unavailable"
    return out.splitlines()[0].strip()


# ---- accelerator choice: KVM only where a canary boot proves it works ----

def _kvm_usable_device() -> bool:
    return os.access("/dev/kvm", os.R_OK | os.W_OK)


def _canary_key() -> str:
    # Whether KVM can run PVX is a property of the host (kernel, KVM
    # flavour, QEMU), not of one hypervisor build.
    return f"{version()}|{os.uname().release}|{os.uname().machine}"


def choose_accel(requested: str, canary: Callable[[], bool]) -> tuple[str, str]:
    """Returns (accel, reason). 'auto' uses KVM only if /dev/kvm exists and
    the canary (a short boot of the hypervisor under KVM) succeeds; the
    verdict is cached per QEMU version and host kernel."""
    if requested in ("tcg", "kvm"):
        return requested, "requested"
    if not _kvm_usable_device():
        return "tcg", "no usable /dev/kvm"
    cache = paths.cache_dir() / "kvm-canary.json"
    key = _canary_key()
    try:
        saved = json.loads(cache.read_text())
        if saved.get("key") == key:
            ok = bool(saved["ok"])
            return ("kvm" if ok else "tcg"), f"cached canary verdict ({'passed' if ok else 'failed'})"
    except (OSError, ValueError, KeyError):
        pass
    ok = canary()
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_suffix(".tmp")
    tmp.write_text(json.dumps({"key": key, "ok": ok}))
    tmp.replace(cache)
    return ("kvm" if ok else "tcg"), f"canary boot under KVM {'passed' if ok else 'failed'}"

"""`pvx boot`: build the image for a configuration, boot it in QEMU,
stream the console to the terminal and a log file, and map the outcome
to an exit status.

Configurations so far: `hv`, the hypervisor with the modules given on the
command line. Guest configurations (`pv`, `native`, ...) join as the
hypervisor learns to run guests.
"""
from __future__ import annotations

import shlex
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from . import exitcodes, images, paths, qemu
from .console import ConsoleFilter, file_sink


@dataclass
class BootOutcome:
    status: exitcodes.RunStatus
    lines: list[str]
    elapsed: float
    log: Path

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def parse_module(spec: str) -> images.Module:
    """'PATH ARG ARG...' with shell quoting, e.g.
    '/k dom=1 mem=512M cmdline="console=hvc0 quiet"'."""
    words = shlex.split(spec)
    if not words:
        raise images.ImageError("empty --module")
    return images.Module(Path(words[0]), words[1:])


def hv_entry(hv_args: list[str], modules: list[images.Module],
             hv_elf: Path = paths.HV_ELF) -> images.BootEntry:
    return images.BootEntry("multiboot2", hv_elf, hv_args, modules)


def default_log(tag: str) -> Path:
    return paths.runs_dir() / f"{tag}-{time.strftime('%Y%m%d-%H%M%S')}-{id(tag) & 0xffff:04x}.log"


def run_boot(entry: images.BootEntry, cfg: qemu.QemuConfig, timeout: float,
             log: Path, echo: bool = False) -> BootOutcome:
    """Builds the ISO, boots it, returns the outcome. Raises ImageError for
    bad input, qemu.Interrupted on Ctrl-C/SIGTERM (QEMU already gone)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="pvx-boot-") as tmp, \
            open(log, "w") as logf:
        iso = images.build_iso(entry, Path(tmp))
        sinks = [file_sink(logf)]
        if echo:
            sinks.append(lambda line: print(line, flush=True))
        cons = ConsoleFilter(sinks)
        argv = cfg.argv(iso)
        logf.write("# " + shlex.join(argv) + "\n")
        try:
            res = qemu.run(argv, timeout, cons.feed)
        except OSError as e:
            cons.close()
            return BootOutcome(exitcodes.RunStatus(exitcodes.QEMU_FAILED,
                                                   "qemu_failed", False),
                               [f"cannot start QEMU: {e}"], 0.0, log)
        cons.close()
    if res.returncode is None:
        status = exitcodes.RunStatus(exitcodes.TIMEOUT, "timeout", False)
    else:
        status = exitcodes.from_qemu(res.returncode)
    return BootOutcome(status, cons.lines, res.elapsed, log)


def kvm_canary() -> bool:
    """A short boot of the bare hypervisor under KVM: True if it reports
    a clean exit within 20 s (under TCG it takes about 1 s)."""
    cfg = qemu.QemuConfig(accel="kvm", mem_mib=128)
    try:
        out = run_boot(hv_entry([], []), cfg, 20.0, default_log("kvm-canary"))
    except images.ImageError:
        return False
    return out.status.from_hv and out.status.code == 0


def cmd_boot(args) -> int:
    """Implements `pvx boot CONFIG`; returns the exit status."""
    if args.config != "hv":
        print(f"pvx boot: unknown configuration {args.config!r} (known: hv)",
              file=sys.stderr)
        return exitcodes.USAGE
    try:
        modules = [parse_module(m) for m in args.module]
        entry = hv_entry(shlex.split(args.hv_args), modules)
        images.check_inputs(entry)
    except (images.ImageError, ValueError) as e:
        print(f"pvx boot: {e}", file=sys.stderr)
        return exitcodes.USAGE
    accel, why = qemu.choose_accel(args.accel, kvm_canary)
    cfg = qemu.QemuConfig(accel=accel, cpu=args.cpu, mem_mib=args.mem,
                          debug_flags=args.qemu_debug,
                          debug_log=Path(args.qemu_debug_log) if args.qemu_debug_log else None,
                          gdb=args.gdb)
    log = Path(args.log) if args.log else default_log("boot-hv")
    timeout = 24 * 3600.0 if args.gdb else args.timeout
    print(f"pvx: booting hv ({accel}: {why}; -cpu {cfg.cpu}, {cfg.mem_mib} MiB); log {log}",
          file=sys.stderr)
    try:
        out = run_boot(entry, cfg, timeout, log, echo=not args.quiet)
    except images.ImageError as e:
        print(f"pvx boot: {e}", file=sys.stderr)
        return exitcodes.USAGE
    except qemu.Interrupted as e:
        print(f"pvx: interrupted ({e}); QEMU stopped", file=sys.stderr)
        return exitcodes.INTERRUPTED
    print(f"pvx: run ended: status {out.status.code} ({out.status.name}) "
          f"after {out.elapsed:.2f} s", file=sys.stderr)
    return out.status.code

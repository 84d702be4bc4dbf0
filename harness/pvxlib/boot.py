"""`pvx boot`: build the image for a configuration, boot it in QEMU,
stream the console to the terminal and a log file, and map the outcome
to an exit status.

Configurations:
  hv      the hypervisor with the modules given on the command line
  native  a Linux kernel booted directly by GRUB, running one command from
          the busybox initramfs
  pv      the same kernel (its ELF vmlinux) and initramfs as domain 1 of
          the hypervisor
  xen     the same kernel (its bzImage) and initramfs as domain 0 of
          Debian's Xen 4.17, the reference peer (xenpeer.py)

For native and pv the command's output and exit status come back over the
console (guestrun.py); `pvx boot` prints the output on stdout, the console
on stderr, and exits with the command's status.
"""
from __future__ import annotations

import shlex
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from . import exitcodes, guestrun, images, kernels, paths, qemu, rootfs, xenpeer
from .console import ConsoleFilter, file_sink


@dataclass
class BootOutcome:
    status: exitcodes.RunStatus
    lines: list[str]
    elapsed: float
    log: Path
    times: list[float] = field(default_factory=list)   # arrival of each line

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
             log: Path, echo: bool = False,
             echo_file: TextIO | None = None) -> BootOutcome:
    """Builds the ISO, boots it, returns the outcome. Raises ImageError for
    bad input, qemu.Interrupted on Ctrl-C/SIGTERM (QEMU already gone).
    echo copies the console to echo_file (default stdout)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="pvx-boot-") as tmp, \
            open(log, "w") as logf:
        iso = images.build_iso(entry, Path(tmp))
        sinks = [file_sink(logf)]
        if echo:
            sinks.append(lambda line: print(line, file=echo_file or sys.stdout,
                                            flush=True))
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
        status = exitcodes.from_qemu(
            res.returncode, hv_ran=any(l.startswith("(PVX)") for l in cons.lines))
    return BootOutcome(status, cons.lines, res.elapsed, log, cons.times)


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
    if args.config in ("native", "pv", "xen"):
        return cmd_boot_guest(args)
    if args.config != "hv":
        print(f"pvx boot: unknown configuration {args.config!r} (known: hv, native, pv, xen)",
              file=sys.stderr)
        return exitcodes.USAGE
    if args.cmd:
        print("pvx boot hv: takes no command (did you mean `pvx boot pv`?)",
              file=sys.stderr)
        return exitcodes.USAGE
    if getattr(args, "net", None) is not None:
        print("pvx boot hv: --net is for native and pv guests", file=sys.stderr)
        return exitcodes.USAGE
    try:
        modules = [parse_module(m) for m in args.module]
        entry = hv_entry(shlex.split(args.hv_args), modules)
        images.check_inputs(entry)
    except (images.ImageError, ValueError) as e:
        print(f"pvx boot: {e}", file=sys.stderr)
        return exitcodes.USAGE
    accel, why = qemu.choose_accel(args.accel, kvm_canary)
    cfg = qemu_config(args, accel, args.mem or HV_MEM_MIB)
    log = Path(args.log) if args.log else default_log("boot-hv")
    timeout = 24 * 3600.0 if args.gdb else (args.timeout or HV_TIMEOUT)
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


# ---- guests: `pvx boot native|pv -- CMD` ----

HV_MEM_MIB = 1024         # QEMU RAM for `boot hv`
HV_TIMEOUT = 60.0
GUEST_MEM_MIB = 512       # guest RAM (native: QEMU's -m; pv: the domain's mem=)
GUEST_TIMEOUT = 300.0
PV_HEADROOM_MIB = 256     # QEMU RAM beyond the domain's, for PVX itself


def qemu_config(args, accel: str, mem_mib: int) -> qemu.QemuConfig:
    return qemu.QemuConfig(accel=accel, cpu=args.cpu, mem_mib=mem_mib,
                           debug_flags=args.qemu_debug,
                           debug_log=Path(args.qemu_debug_log) if args.qemu_debug_log else None,
                           gdb=args.gdb,
                           extra=[w for a in args.qemu_arg for w in shlex.split(a)])


def command_string(words: list[str]) -> str:
    """One word is a shell command line as it stands ('uname -a; echo ok');
    several are quoted and joined (`-- ls "my file"`)."""
    return words[0] if len(words) == 1 else shlex.join(words)


@dataclass
class GuestSetup:
    """Everything a guest boot needs, resolved before QEMU starts."""
    mode: str                          # native, pv or xen
    entry: images.BootEntry
    kernel: kernels.Kernel
    cmdline: str                       # the guest kernel's
    qemu_mem_mib: int
    notes: dict[str, str] = field(default_factory=dict)   # pv: Xen notes
    peer: dict[str, str] = field(default_factory=dict)    # xen: package, version, sha256


class SetupError(Exception):
    """A user-facing problem preparing a guest boot (exit status 64)."""


def pv_modules(vmlinux: Path, initrd: Path, mem_mib: int, cmdline: str,
               domain_args: list[str] | None = None) -> list[images.Module]:
    """Domain 1: the kernel with its memory, command line and any further
    domain keys (e.g. vbd=0:0:0:w), then the initramfs as its ramdisk
    (the module lines PVX parses)."""
    return [images.Module(vmlinux, ["dom=1", f"mem={mem_mib}M", f"cmdline={cmdline}"]
                          + (domain_args or [])),
            images.Module(initrd, ["dom=1", "role=ramdisk"])]


def prepare_guest(mode: str, kernel_spec: str, cmd: str, guest_args: str = "",
                  mem_mib: int = GUEST_MEM_MIB, hv_args: list[str] | None = None,
                  kmods: list[str] | None = None,
                  extra_modules: list[images.Module] | None = None,
                  extra_files: dict[str, Path] | None = None,
                  host_tools: list[str] | None = None,
                  domain_args: list[str] | None = None) -> GuestSetup:
    """Resolves the kernel, builds (or reuses) the initramfs and the boot
    entry. Raises SetupError with a message for the user."""
    try:
        k = kernels.resolve(kernel_spec)
        initrd = rootfs.build_initramfs(extra_files, host_tools, kmods, k.modules_dir)
        cmdline = guestrun.kernel_cmdline(mode, guest_args, cmd)
        if mode == "native":
            entry = images.BootEntry("linux", kernels.native_image(k), cmdline.split(),
                                     initrd=initrd)
            setup = GuestSetup(mode, entry, k, cmdline, mem_mib)
        elif mode == "xen":
            x = xenpeer.xen()
            entry = xenpeer.boot_entry(x.image, kernels.native_image(k), cmdline, initrd,
                                       mem_mib, hv_args)
            setup = GuestSetup(mode, entry, k, cmdline, mem_mib + PV_HEADROOM_MIB,
                               peer=x.meta)
        else:
            vmlinux = kernels.vmlinux_path(k)
            notes = kernels.xen_notes(vmlinux)
            if "ENTRY" not in notes:
                raise SetupError(f"{vmlinux} has no Xen ENTRY note: not a PV-capable kernel")
            mods = (pv_modules(vmlinux, initrd, mem_mib, cmdline, domain_args)
                    + (extra_modules or []))
            setup = GuestSetup(mode, hv_entry(hv_args or [], mods), k, cmdline,
                               mem_mib + PV_HEADROOM_MIB, notes)
        images.check_inputs(setup.entry)
    except (kernels.KernelError, rootfs.RootfsError, guestrun.CommandError,
            images.ImageError) as e:
        raise SetupError(str(e)) from e
    except OSError as e:                 # e.g. an unwritable $PVX_CACHE
        raise SetupError(f"{e.filename or ''}: {e.strerror}") from e
    return setup


@dataclass
class GuestRun:
    result: guestrun.GuestResult
    verdict: guestrun.Verdict
    outcome: BootOutcome


def run_guest(setup: GuestSetup, cfg: qemu.QemuConfig, timeout: float, log: Path,
              echo: bool = False, echo_file: TextIO | None = None) -> GuestRun:
    """Boots a prepared guest; raises ImageError / qemu.Interrupted as
    run_boot does."""
    out = run_boot(setup.entry, cfg, timeout, log, echo, echo_file)
    result = guestrun.parse(out.lines)
    return GuestRun(result, guestrun.verdict(setup.mode, result, out.status), out)


def describe_setup(s: GuestSetup, cfg: qemu.QemuConfig, why: str, log: Path) -> str:
    k = s.kernel
    name = k.meta.get("package", k.spec) + (f" {k.meta['version']}" if "version" in k.meta else "")
    lines = [f"pvx: booting {s.mode} ({cfg.accel}: {why}; -cpu {cfg.cpu}, "
             f"{cfg.mem_mib} MiB); kernel {name}; log {log}"]
    if s.mode == "xen":
        lines.append(f"pvx: multiboot2 {s.entry.kernel} {shlex.join(s.entry.args)}")
    if s.mode in ("pv", "xen"):
        lines += [f"pvx: module2 {m.path} {shlex.join(m.args)}" for m in s.entry.modules]
    else:
        lines.append(f"pvx: linux {s.entry.kernel} {s.cmdline}")
    return "\n".join(lines)


def cmd_boot_guest(args) -> int:
    """`pvx boot native|pv [options] -- CMD...`: the command's output on
    stdout, its exit status as ours."""
    if not args.cmd:
        print(f"pvx boot {args.config}: give the guest command after `--`, e.g. "
              f"pvx boot {args.config} -- uname -a", file=sys.stderr)
        return exitcodes.USAGE
    try:
        extra = [parse_module(m) for m in args.module]
        if extra and args.config == "native":
            raise SetupError("--module applies to hv and pv only")
        net_mtu = getattr(args, "net", None)
        net = net_inputs(args) if net_mtu is not None else {}
        setup = prepare_guest(args.config, args.kernel, command_string(args.cmd),
                              args.guest_args, args.mem or GUEST_MEM_MIB,
                              shlex.split(args.hv_args), args.kmod + net.get("kmods", []),
                              extra, **{k: v for k, v in net.items() if k != "kmods"})
    except (SetupError, images.ImageError, ValueError) as e:
        print(f"pvx boot {args.config}: {e}", file=sys.stderr)
        return exitcodes.USAGE
    except KeyboardInterrupt:
        print("pvx: interrupted while preparing the guest", file=sys.stderr)
        return exitcodes.INTERRUPTED
    accel, why = qemu.choose_accel(args.accel, kvm_canary)
    cfg = qemu_config(args, accel, args.qemu_mem or setup.qemu_mem_mib)
    log = Path(args.log) if args.log else default_log(f"boot-{args.config}")
    timeout = 24 * 3600.0 if args.gdb else (args.timeout or GUEST_TIMEOUT)
    print(describe_setup(setup, cfg, why, log), file=sys.stderr)
    try:
        if net_mtu is not None:
            run = run_guest_on_net(setup, cfg, net_mtu, timeout, log, not args.quiet)
        else:
            run = run_guest(setup, cfg, timeout, log, echo=not args.quiet,
                            echo_file=sys.stderr)
    except images.ImageError as e:
        print(f"pvx boot: {e}", file=sys.stderr)
        return exitcodes.USAGE
    except SetupError as e:                 # the host's side of --net
        print(f"pvx boot: {e}", file=sys.stderr)
        return exitcodes.USAGE
    except qemu.Interrupted as e:
        print(f"pvx: interrupted ({e}); QEMU stopped", file=sys.stderr)
        return exitcodes.INTERRUPTED
    report_guest(run)
    return run.verdict.code


def net_inputs(args) -> dict:
    """--net MTU: prepare_guest's extra inputs for the network experiment's
    link (netrun.py): the NIC driver's modules, iperf3 and /bin/pvx-net in
    the initramfs, a PV domain's vif=."""
    from . import iperf, netns, netrun, workloads
    try:
        netns.check_mtu(args.net)
        files = workloads.build(workloads.spec("iperf3"))
    except (netns.NetError, workloads.WorkloadError) as e:
        raise SetupError(str(e)) from e
    return {"kmods": netrun.driver_modules(args.config, args.kernel),
            "host_tools": iperf.HOST_TOOLS, "extra_files": files,
            "domain_args": netrun.domain_args(args.config)}


def run_guest_on_net(setup: GuestSetup, cfg: qemu.QemuConfig, mtu: int, timeout: float,
                     log: Path, echo: bool) -> GuestRun:
    """run_guest inside a network namespace with the peer (netrun.run); the
    peer's output goes beside the console log."""
    from . import netns, netrun
    server_log = log.with_name(log.stem + "-iperf3-server.log")
    print(f"pvx: network: tap at {netns.HOST_ADDR}/{netns.PREFIX_LEN}, MTU {mtu}, "
          f"iperf3 -s there (log {server_log}); the guest is {netns.GUEST_ADDR}",
          file=sys.stderr)
    try:
        return netrun.run(setup, cfg, mtu, timeout, log, server_log, echo=echo,
                          echo_file=sys.stderr,
                          say=lambda m: print(f"pvx: {m}", file=sys.stderr))
    except netns.NetError as e:
        raise SetupError(f"cannot set up the network: {e}") from e


def report_guest(run: GuestRun) -> None:
    """The command's output on stdout; the verdict and timings on stderr."""
    for line in run.result.output:
        print(line)
    sys.stdout.flush()
    r, out = run.result, run.outcome
    init = f"/init at {r.uptime:.2f} s after boot, " if r.uptime is not None else ""
    print(f"pvx: {run.verdict.message} ({init}run {out.elapsed:.2f} s; "
          f"exit {run.verdict.code})", file=sys.stderr)

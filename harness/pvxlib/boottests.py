"""QEMU boot tests of the hypervisor: each boots once and checks the exit
status and the console. One verdict per test; failures show the console
lines that matched (GOOD), should have matched (MISSING) and must not
have (BAD), in the style of xv6's gradelib.

Plus one guest test: Debian's stock kernel booted natively runs a command
from the initramfs (fetching the kernel on first use), which proves the
kernel, initramfs, command passing and marker parsing end to end."""
from __future__ import annotations

import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import boot, exitcodes, images, qemu

HV_CODES = exitcodes.read_hv_codes()
CODE = {name: value for value, name in HV_CODES.items()}


@dataclass
class BootTest:
    name: str
    hv_args: list[str]
    modules: list[tuple[str, list[str]]]     # (file name in tmp, args)
    status: int
    expect: list[str]                        # regexes, all must match
    forbid: list[str] = field(default_factory=list)
    mem_mib: int = 256
    timeout: float = 60.0
    disk_kib: int = 0                        # >0: attach a virtio-blk disk
    nic: bool = False                        # attach a virtio-net NIC (no peer)


TESTS = [
    BootTest("normal-boot", ["selftest"], [], CODE["ok"],
             [r"memory map \(\d+ regions\):",
              r"^\(PVX\)\s+0000000000100000-000000000[0-9a-f]+ available",
              r"modules \(0\):",
              r"frames: self-test passed: \d+ frames allocated",
              r"heap: self-test passed",
              r"timer: self-test passed",
              r"no domains configured: exit status 0"],
             [r"warning", r"error"]),
    # The hypervisor's own virtio-blk driver on QEMU's virtio-blk-pci: PCI
    # probe, a write/flush/read-back/restore self-test at the end of the
    # disk, then reads completed by the IOAPIC-routed INTx interrupt.
    BootTest("virtio-blk-disk", ["selftest"], [], CODE["ok"],
             [r"pci 00:0[0-9a-f]\.0 1af4:1001 class 01\.00\.00",
              r"virtio-blk vda: pci .* 8192 sectors, .*read-write.*INTx GSI \d+",
              r"blkdev 0: vda, 8192 sectors \(4 MiB\)",
              r"blkdev vda: self-test passed: .* read back, restored, verified",
              r"virtio-blk vda: interrupt self-test passed: 2 reads completed by interrupt",
              r"no domains configured: exit status 0"],
             [r"warning", r"error", r"failed"], disk_kib=4096),
    BootTest("module-lines-parsed", [],
             [("kernel", ["dom=1", "mem=64M", "cmdline=console=hvc0 quiet"]),
              ("ramdisk", ["dom=1", "role=ramdisk"])],
             CODE["config"],
             [r"modules \(2\):",
              r"0: [0-9a-f]{8}-[0-9a-f]{8} +64 KiB \"dom=1 mem=64M",
              r"domain 1: kernel module 0, ramdisk module 1, mem 64M, cmdline \"console=hvc0 quiet\"",
              r"domain 1: kernel ELF: not an ELF file",
              r"exit status 3 \(configuration error\)"]),
    BootTest("fault-dump-page-fault", ["crashtest=pagefault"], [],
             CODE["hv_fault"],
             [r"FATAL: page fault \(#PF\), vector 14, in the hypervisor",
              r"error code 0x0002 \[not-present, write, supervisor\]  CR2 0x000000000dead000",
              r"RIP: e008:ffff82d0[0-9a-f]{8} crashtest_page_fault\+0x[0-9a-f]+/0x[0-9a-f]+",
              r"RAX: [0-9a-f]{16}  RBX:", r"CR0: [0-9a-f]{16}  CR3:",
              r"Backtrace:", r"\] crashtest_run\+", r"\] start_pvx\+",
              r"exit status 2 \(hypervisor fault\)"]),
    BootTest("fault-dump-invalid-opcode", ["crashtest=invalid-opcode"], [],
             CODE["hv_fault"],
             [r"FATAL: invalid opcode \(#UD\), vector 6",
              r"RIP: e008:[0-9a-f]{16} crashtest_invalid_opcode\+",
              r"\] start_pvx\+"]),
    BootTest("panic", ["crashtest=panic"], [], CODE["panic"],
             [r"PANIC: crashtest=panic", r"Backtrace:", r"\] crashtest_run\+",
              r"exit status 1 \(panic\)"]),
    BootTest("malformed-module-line", [],
             [("kernel", ["dom=1", "mem=12Q"])], CODE["config"],
             [r"error: module lines: module 0: mem=12Q: not a valid size",
              r"exit status 3 \(configuration error\)"],
             [r"nothing left to run"]),
    BootTest("module-without-kernel", [],
             [("ramdisk", ["dom=1", "role=ramdisk"])], CODE["config"],
             [r"domain 1 has no kernel module",
              r"exit status 3 \(configuration error\)"]),
    BootTest("module-line-missing-dom", [],
             [("kernel", ["mem=64M"])], CODE["config"],
             [r"module 0: missing dom=", r"exit status 3"]),
    BootTest("malformed-hv-option", ["loglvl=loud"], [], CODE["config"],
             [r"command line: loglvl=loud: expected one of error\|warn\|info\|debug",
              r"exit status 3"]),
    # The hypervisor's own virtio-net driver on QEMU's virtio-net-pci (on
    # a hub port with no peer: nothing leaves the machine), with the VFR's
    # rules parsed; then a rule that does not parse stops the boot.
    BootTest("virtio-net-nic", ["vfr=drop,proto=udp,dport=53;accept,from=wire"], [],
             CODE["ok"],
             [r"pci 00:0[0-9a-f]\.0 1af4:1000 class 02\.00\.00",
              # A hub port has no vnet header: the device offers no offloads.
              r"virtio-net vnet0: pci .* queues 256/256, \d+ receive buffers, "
              r"checksums in software, INTx",
              r"netdev 0: vnet0, mac 52:54:00:12:34:57, frames up to \d+ bytes",
              r"vfr: 2 rules", r"no domains configured: exit status 0"],
             [r"\(PVX\).*warning", r"error"], nic=True),
    BootTest("malformed-vfr-rule", ["vfr=accept;drop,dport=99999"], [], CODE["config"],
             [r"vfr: rule 2 \(\"drop,dport=99999\"\): expected",
              r"exit status 3 \(configuration error\)"]),
    BootTest("malformed-paging-option", ["paging=nested"], [], CODE["config"],
             [r"command line: paging=nested: expected one of direct\|shadow",
              r"exit status 3"]),
    BootTest("unknown-hv-option-warns", ["frobnicate=1"], [], CODE["ok"],
             [r"warning: unknown option 'frobnicate' ignored",
              r"exit status 0"]),
]


def check_console(text: str, expect: list[str], forbid: list[str]) -> list[str]:
    """Returns report lines; empty if every expectation holds."""
    report = []
    for pat in expect:
        if not re.search(pat, text, re.MULTILINE):
            report.append(f"MISSING {pat}")
    for pat in forbid:
        m = re.search(pat, text, re.MULTILINE)
        if m:
            line = text[text.rfind("\n", 0, m.start()) + 1:text.find("\n", m.end())]
            report.append(f"BAD     {line.strip()}")
    return report


def run_test(t: BootTest, accel: str) -> tuple[bool, str, float]:
    """Boots once; returns (passed, detail, seconds)."""
    with tempfile.TemporaryDirectory(prefix="pvx-boottest-") as tmp:
        mods = []
        for fname, args in t.modules:
            f = Path(tmp) / fname
            f.write_bytes(bytes(range(256)) * 256)      # 64 KiB
            mods.append(images.Module(f, args))
        extra = []
        if t.disk_kib:
            disk = Path(tmp) / "disk.img"
            disk.write_bytes(bytes(range(256)) * (t.disk_kib * 4))
            extra = qemu.virtio_disk(disk, cache="unsafe")
        if t.nic:
            extra += ["-netdev", "hubport,id=n0,hubid=0", "-device",
                      "virtio-net-pci,netdev=n0,mac=52:54:00:12:34:57"]
        cfg = qemu.QemuConfig(accel=accel, mem_mib=t.mem_mib, extra=extra)
        out = boot.run_boot(boot.hv_entry(t.hv_args, mods), cfg, t.timeout,
                            boot.default_log(f"test-{t.name}"))
    problems = []
    if out.status.code != t.status:
        problems.append(f"status {out.status.code} ({out.status.name}), "
                        f"expected {t.status} ({HV_CODES.get(t.status)})")
    problems += check_console(out.text, t.expect, t.forbid)
    detail = f"{out.elapsed:.2f} s, log {out.log}"
    if problems:
        tail = "\n".join("    | " + line for line in out.lines[-25:])
        detail += "\n  " + "\n  ".join(problems) + "\n  console (last lines):\n" + tail
    return not problems, detail, out.elapsed


def run_missing_file_test() -> tuple[bool, str]:
    """The harness refuses a module that does not exist, before QEMU."""
    from .cli import main
    import contextlib
    import io
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        rc = main(["boot", "hv", "--accel", "tcg", "--quiet",
                   "--module", "/nonexistent/pvx-module dom=1"])
    ok = rc == exitcodes.USAGE and "boot file not found: /nonexistent/pvx-module" in err.getvalue()
    return ok, f"exit {rc}: {err.getvalue().strip()}"


def run_qemu_error_test() -> tuple[bool, str]:
    """QEMU refusing its arguments (a disk that does not exist) exits 1,
    which is also how the hypervisor's status 0 arrives: the run must be
    reported as QEMU's failure, not as a clean exit."""
    from .cli import main
    import contextlib
    import io
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        rc = main(["boot", "hv", "--accel", "tcg", "--quiet", "--qemu-arg",
                   "-drive file=/nonexistent/pvx-disk.img,format=raw,if=none,id=d0 "
                   "-device virtio-blk-pci,drive=d0"])
    return (rc == exitcodes.QEMU_FAILED,
            f"exit {rc}, expected {exitcodes.QEMU_FAILED}: {err.getvalue().strip()}")



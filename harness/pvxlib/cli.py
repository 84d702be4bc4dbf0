"""Command-line interface: `pvx boot`, `pvx test`, `pvx kernel`, `pvx run`,
`pvx reproduce`, `pvx report`, `pvx report-batching`, `pvx fio`, `pvx iperf`.

`pvx report` writes paper/tables-3-5.md (report.py), except for a run of
a batching experiment (workload forkexec-counters), which it hands to
batching.py, as `pvx report-batching` does, and a network run (workload
iperf3), which netreport.py turns into paper/table-6.md.

`pvx boot native|pv [options] -- CMD...`: everything after `--` is the
guest command (argparse cannot tell a positional list after options from
stray arguments, so main() splits argv at the first `--` itself).
"""
from __future__ import annotations

import argparse
import sys

from . import exitcodes, guestrun


def mem_mib(text: str) -> int:
    """A memory size in MiB: '512', '512M' or '1G'."""
    units = {"M": 1, "G": 1024}
    t = text.strip().upper().removesuffix("IB").removesuffix("B")
    scale = units.get(t[-1:], None)
    digits = t[:-1] if scale else t
    if not digits.isdigit() or int(digits) == 0:
        raise argparse.ArgumentTypeError(f"{text!r}: expected MiB, e.g. 512, 512M or 1G")
    return int(digits) * (scale or 1)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="pvx", description="PVX harness")
    sub = p.add_subparsers(dest="command", required=True)

    b = sub.add_parser(
        "boot", help="boot a configuration in QEMU",
        usage="pvx boot {hv,native,pv,xen} [options] [-- CMD...]",
        epilog="native/pv run CMD in the guest's busybox initramfs under sh -c "
               "(one word is taken as a shell command line, several are quoted "
               "and joined), print its output on stdout and exit with its "
               f"status; {guestrun.NO_GUEST_RESULT} if it never finished, "
               "124 on timeout, or the hypervisor's status (pv).")
    b.add_argument("config", choices=["hv", "native", "pv", "xen"],
                   help="hv: the hypervisor with the given modules; native: Linux "
                        "on QEMU; pv: Linux as domain 1 of the hypervisor; xen: "
                        "Linux as domain 0 of Debian's Xen 4.17 (the reference peer)")
    b.add_argument("--hv-args", default="",
                   help="hypervisor command line, e.g. 'loglvl=debug selftest' "
                        "(xen: added to Xen's)")
    b.add_argument("--module", action="append", default=[], metavar="'PATH ARGS'",
                   help="a module2 line: path and arguments, shell-quoted "
                        "(pv: added after the guest's)")
    b.add_argument("--kernel", default="stock", metavar="stock|patched|PATH",
                   help="guest kernel: Debian's stock kernel (fetched on first use), "
                        "guests/linux's build, or a bzImage/vmlinux (default stock)")
    b.add_argument("--guest-args", default="", metavar="'ARGS'",
                   help="extra guest kernel arguments, e.g. 'loglevel=8 pvx.loglevel=8'")
    b.add_argument("--kmod", action="append", default=[], metavar="NAME",
                   help="put this kernel module (and its dependencies) in the "
                        "initramfs for modprobe (repeatable)")
    b.add_argument("--accel", choices=["auto", "tcg", "kvm"], default="auto",
                   help="auto: KVM if a canary boot proves it works, else TCG")
    b.add_argument("--cpu", default="qemu64", help="QEMU -cpu model (recorded)")
    b.add_argument("--mem", type=mem_mib,
                   help="MiB: QEMU RAM for hv (1024), the guest's RAM for "
                        "native/pv (512)")
    b.add_argument("--qemu-mem", type=mem_mib, metavar="SIZE",
                   help="native/pv: QEMU RAM (default --mem; pv: --mem + 256)")
    b.add_argument("--timeout", type=float,
                   help="seconds (hv 60, native/pv 300)")
    b.add_argument("--log", help="console log file (default build/runs/...)")
    b.add_argument("--quiet", action="store_true", help="do not echo the console")
    b.add_argument("--qemu-debug", default="", metavar="FLAGS",
                   help="QEMU -d flags, e.g. int,cpu_reset,guest_errors")
    b.add_argument("--qemu-debug-log", metavar="FILE", help="QEMU -D file")
    b.add_argument("--qemu-arg", action="append", default=[], metavar="'ARGS'",
                   help="extra QEMU arguments, shell-quoted (repeatable), e.g. "
                        "'-drive file=disk.img,format=raw,if=none,id=d0 "
                        "-device virtio-blk-pci,drive=d0'")
    b.add_argument("--net", type=int, metavar="MTU",
                   help="native/pv: put the guest on the network experiment's link: a "
                        "private network namespace with a tap at 192.0.2.1/24 and this "
                        "MTU, iperf3 -s there, QEMU's virtio-net NIC (pv: vif= on the "
                        "domain), iperf3, /bin/pvx-net and the NIC driver's modules in "
                        "the initramfs; e.g. -- 'pvx-net 1500 5 - tx,rx xen-netfront'")
    b.add_argument("--gdb", action="store_true",
                   help="start paused with a gdb stub on tcp::1234 (no timeout)")

    k = sub.add_parser("kernel", help="find (or fetch) a guest kernel; print "
                                      "its files, version and Xen notes as JSON")
    k.add_argument("spec", nargs="?", default="stock", metavar="stock|patched|PATH")
    k.add_argument("--refresh", action="store_true",
                   help="stock: ask apt for the current package, fetch it if new")
    k.add_argument("--vmlinux", action="store_true",
                   help="also extract the ELF vmlinux and read its Xen notes")

    r = sub.add_parser("run", help="run an experiment (harness/experiments/*.toml) "
                                   "and write results/<UTC time>-<name>/")
    r.add_argument("experiment", metavar="EXPERIMENT",
                   help="a name in harness/experiments (lmbench-quick, lmbench) "
                        "or the path of a .toml file")
    r.add_argument("--configs", metavar="A,B",
                   help="only these of the experiment's configurations, in this order")
    r.add_argument("--reps", type=int, metavar="N",
                   help="boots per configuration (default: the experiment's)")
    r.add_argument("--quick", action="store_true",
                   help="one boot per configuration (unless --reps) and the "
                        "workload's quick_params")
    r.add_argument("--out", metavar="DIR", help="parent of the run's directory "
                                                "(default results/)")
    r.add_argument("--accel", choices=["auto", "tcg", "kvm"],
                   help="override the experiment's accelerator")
    r.add_argument("--resume", metavar="RUN_DIR",
                   help="continue this run: its finished boots are kept, the "
                        "interrupted and missing ones run (same plan only)")
    r.add_argument("--retry-failed", action="store_true",
                   help="with --resume: run a failed configuration's boots again")
    r.add_argument("-v", "--verbose", action="store_true",
                   help="echo every guest console line to stderr")

    rr = sub.add_parser("reproduce", help="run a set of experiments (harness/experiments/"
                                          "sets.toml), resumable, then every report")
    which = rr.add_mutually_exclusive_group()
    which.add_argument("--quick", action="store_true",
                       help="the quick set (the default; about 20 minutes under TCG)")
    which.add_argument("--full", action="store_true", help="the full set (states its budget)")
    which.add_argument("--set", metavar="NAME", help="any set of the sets file")
    rr.add_argument("--new", action="store_true",
                    help="start a new run instead of continuing the current one")
    rr.add_argument("--retry-failed", action="store_true",
                    help="run failed configurations' boots again")
    rr.add_argument("--plan", action="store_true",
                    help="print the cells and the estimate, boot nothing")
    rr.add_argument("--accel", choices=["auto", "tcg", "kvm"],
                    help="override the experiments' accelerator")
    rr.add_argument("--sets", metavar="FILE", help="another sets file (default "
                                                   "harness/experiments/sets.toml)")
    rr.add_argument("--results", metavar="DIR", help="results directory (default results/)")
    rr.add_argument("-v", "--verbose", action="store_true",
                    help="echo every guest console line to stderr")

    rp = sub.add_parser("report", help="write paper/tables-3-5.md from a results "
                                       "directory (a batching run: paper/batching.md)")
    rp.add_argument("run_dir", nargs="?", metavar="RUN_DIR",
                    help="default: the newest directory under results/")
    rp.add_argument("--out", metavar="DIR", help="output directory (default paper/)")

    rb = sub.add_parser("report-batching",
                        help="write paper/batching.md and batching.dat from a run of "
                             "batching-quick or batching (`pvx report` hands such a "
                             "run over to this too)")
    rb.add_argument("run_dir", nargs="?", metavar="RUN_DIR",
                    help="default: the newest batching run under results/")
    rb.add_argument("--out", metavar="DIR", help="output directory (default paper/)")

    f = sub.add_parser("fio", help="ext4 + fio (verify=crc32c, O_DIRECT) on a virtio-blk "
                                   "disk, native and PV, with a reboot and re-verify; "
                                   "writes results/fio-TIMESTAMP.json and prints PV/native")
    f.add_argument("--size", type=int, default=256, metavar="MIB",
                   help="file size per fio job (default 256)")
    f.add_argument("--modes", default="native,pv", help="comma list of native,pv")
    f.add_argument("--kernel", default="stock", help="guest kernel (see `pvx kernel`)")
    f.add_argument("--accel", default="auto", choices=["auto", "tcg", "kvm"])
    f.add_argument("--out", metavar="FILE", help="result file (default results/fio-TIMESTAMP.json)")

    n = sub.add_parser("iperf", help="TCP TX and RX with iperf3 against a peer in a network "
                                     "namespace, per mode and MTU (SOSP'03 Table 6); writes "
                                     "results/<UTC time>-iperf/ and prints Mbit/s and PV/native")
    n.add_argument("--modes", default="native,pv", help="comma list of native,pv "
                                                        "(default both)")
    n.add_argument("--mtus", default="1500,500",
                   help="comma list of MTUs in bytes, one boot each (default the paper's "
                        "1500,500)")
    n.add_argument("--sweep", action="store_true",
                   help="MTUs 500,576,1000,1500,3000,9000 instead of --mtus")
    n.add_argument("--time", type=int, default=10, metavar="S",
                   help="seconds per iperf3 run (default 10)")
    n.add_argument("--reps", type=int, default=1, metavar="N",
                   help="boots per mode and MTU (default 1)")
    n.add_argument("--window", metavar="SIZE",
                   help="iperf3 -w, e.g. 128K (the paper's ttcp buffers); default the "
                        "kernel's")
    n.add_argument("--no-offload", action="store_true",
                   help="QEMU's NIC offers no checksum or segmentation offload (TSO, GSO), "
                        "so every frame is MTU-sized, as on the paper's NICs")
    n.add_argument("--kernel", default="stock", help="guest kernel (see `pvx kernel`)")
    n.add_argument("--accel", default="auto", choices=["auto", "tcg", "kvm"])
    n.add_argument("--out", metavar="DIR", help="parent of the run's directory "
                                                "(default results/)")
    n.add_argument("-v", "--verbose", action="store_true",
                   help="echo every guest console line to stderr")

    t = sub.add_parser("test", help="run the test suites (make test)")
    t.add_argument("--suite", action="append", default=[],
                   help="run only these suites (repeatable)")
    t.add_argument("--list", action="store_true", help="list the suites")
    t.add_argument("-v", "--verbose", action="store_true")
    return p


def split_command(argv: list[str]) -> tuple[list[str], list[str]]:
    """(options, guest command): argv split at the first `--`."""
    if "--" in argv:
        i = argv.index("--")
        return argv[:i], argv[i + 1:]
    return argv, []


def main(argv: list[str]) -> int:
    parser = build_parser()
    argv, cmd = split_command(argv)
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:
        return exitcodes.USAGE if e.code else 0
    if cmd and args.command != "boot":
        print(f"pvx {args.command}: unexpected `-- {' '.join(cmd)}`", file=sys.stderr)
        return exitcodes.USAGE
    args.cmd = cmd
    if args.command == "kernel":
        from .kernels import cmd_kernel
        return cmd_kernel(args)
    if args.command == "boot":
        from .boot import cmd_boot
        return cmd_boot(args)
    if args.command == "run":
        from .matrix import cmd_run
        return cmd_run(args)
    if args.command == "reproduce":
        from .reproduce import cmd_reproduce
        return cmd_reproduce(args)
    if args.command in ("report", "report-batching"):
        from . import batching
        if args.command == "report-batching" or batching.wants(args.run_dir):
            return batching.cmd_report(args)
        from . import netreport
        if netreport.wants(args.run_dir):
            return netreport.cmd_report(args)
        from .report import cmd_report
        return cmd_report(args)
    if args.command == "fio":
        from .fio import cmd_fio
        return cmd_fio(args)
    if args.command == "iperf":
        from .iperf import cmd_iperf
        return cmd_iperf(args)
    if args.command == "test":
        from .testrun import cmd_test
        return cmd_test(args)
    parser.print_help(sys.stderr)
    return exitcodes.USAGE

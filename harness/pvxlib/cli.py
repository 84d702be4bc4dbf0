"""Command-line interface: `pvx boot`, `pvx test`."""
from __future__ import annotations

import argparse
import sys

from . import exitcodes


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="pvx", description="PVX harness")
    sub = p.add_subparsers(dest="command", required=True)

    b = sub.add_parser("boot", help="boot a configuration in QEMU")
    b.add_argument("config", choices=["hv"],
                   help="hv: the hypervisor with the given modules")
    b.add_argument("--hv-args", default="",
                   help="hypervisor command line, e.g. 'loglvl=debug selftest'")
    b.add_argument("--module", action="append", default=[], metavar="'PATH ARGS'",
                   help="a module2 line: path and arguments, shell-quoted")
    b.add_argument("--accel", choices=["auto", "tcg", "kvm"], default="auto",
                   help="auto: KVM if a canary boot proves it works, else TCG")
    b.add_argument("--cpu", default="qemu64", help="QEMU -cpu model (recorded)")
    b.add_argument("--mem", type=int, default=1024, help="guest RAM in MiB")
    b.add_argument("--timeout", type=float, default=60.0, help="seconds")
    b.add_argument("--log", help="console log file (default build/runs/...)")
    b.add_argument("--quiet", action="store_true", help="do not echo the console")
    b.add_argument("--qemu-debug", default="", metavar="FLAGS",
                   help="QEMU -d flags, e.g. int,cpu_reset,guest_errors")
    b.add_argument("--qemu-debug-log", metavar="FILE", help="QEMU -D file")
    b.add_argument("--gdb", action="store_true",
                   help="start paused with a gdb stub on tcp::1234 (no timeout)")

    t = sub.add_parser("test", help="run the test suites (make test)")
    t.add_argument("--suite", action="append", default=[],
                   help="run only these suites (repeatable)")
    t.add_argument("--list", action="store_true", help="list the suites")
    t.add_argument("-v", "--verbose", action="store_true")
    return p


def main(argv: list[str]) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:
        return exitcodes.USAGE if e.code else 0
    if args.command == "boot":
        from .boot import cmd_boot
        return cmd_boot(args)
    if args.command == "test":
        from .testrun import cmd_test
        return cmd_test(args)
    parser.print_help(sys.stderr)
    return exitcodes.USAGE

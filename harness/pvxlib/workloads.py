"""The workloads an experiment can name: how each is built on the host,
which files it adds to the guest's initramfs, the command that runs it
in the guest, and how its output is read back.

Only workloads/lmbench-like exists so far. Its binaries are static, are
built into $PVX_CACHE/workloads/<source dir>-<hash of its sources>/ (the
checkout stays clean, and different checkouts never mix binaries), and
go into the initramfs as /bin/lmb and /bin/lmb-hello. It prints one
JSON object per metric on stdout (workloads/lmbench-like/README.md),
which parse_output() collects; its diagnostics on stderr share the
console and are skipped.

Two workloads use it. "lmbench-like" runs `lmb ARGS OPTIONS`.
"forkexec-counters" (kind "forkexec-counters", forkexec.py) runs each
process metric in ARGS for a fixed count, bracketed by the patched guest
kernel's page-table hypercall counters, and also keeps PVX's end-of-boot
counters line; the batching experiment (batching.py) reads them. check(),
command(), extra_expected() and parse_boot() dispatch on the kind.

"iperf3" (kind "iperf3", iperf.py) is the network experiment: a shell
script, workloads/net/pvx-net, copied as it is (nothing to build), run
against a peer in a network namespace; it needs a network (needs_network)
and one MTU per configuration, and its command depends on both
(iperf.command, called by matrix.py per configuration).
"""
from __future__ import annotations

import hashlib
import json
import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path

from . import forkexec, iperf, paper_numbers, paths


class WorkloadError(Exception):
    """The workload is unknown or does not build."""


@dataclass(frozen=True)
class Spec:
    name: str
    src: Path                          # its directory (has a Makefile)
    files: dict[str, str]              # guest path -> file name in the build dir
    program: str                       # guest path of the program to run
    suite: str                         # the "suite" field of its JSON lines
    kind: str = "lmb"                  # lmb | forkexec-counters | iperf3: see the module doc


LMB_SRC = paths.REPO / "workloads" / "lmbench-like"
LMB_FILES = {"/bin/lmb": "lmb", "/bin/lmb-hello": "lmb-hello"}
NET_SRC = paths.REPO / "workloads" / "net"
KNOWN = {
    "lmbench-like": Spec("lmbench-like", LMB_SRC, LMB_FILES, "/bin/lmb",
                         "pvx-lmbench-like/1"),
    "forkexec-counters": Spec("forkexec-counters", LMB_SRC, LMB_FILES, "/bin/lmb",
                              "pvx-lmbench-like/1", "forkexec-counters"),
    "iperf3": Spec("iperf3", NET_SRC, {iperf.PROGRAM: "pvx-net"}, iperf.PROGRAM,
                   iperf.SUITE, "iperf3"),
}


def needs_network(s: Spec) -> bool:
    """Boots of this workload need netns.Namespace and QEMU's NIC."""
    return s.kind == "iperf3"


def spec(name: str) -> Spec:
    if name not in KNOWN:
        raise WorkloadError(f"unknown workload {name!r} (known: {', '.join(KNOWN)})")
    return KNOWN[name]


def source_key(s: Spec) -> str:
    """A hash of the workload's sources (every file but its build/), so
    that checkouts with different sources never share binaries through
    make's timestamps."""
    h = hashlib.sha256()
    for f in sorted(p for p in s.src.rglob("*") if p.is_file()):
        rel = f.relative_to(s.src)
        if rel.parts[0] in ("build", "__pycache__"):
            continue
        h.update(str(rel).encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def build_dir(s: Spec) -> Path:
    """Named after the source directory: workloads built from the same
    sources share their binaries."""
    return paths.cache_dir() / "workloads" / f"{s.src.name}-{source_key(s)}"


def build(s: Spec, out: Path | None = None) -> dict[str, Path]:
    """`make -C <src> OUT=<out>`; returns {guest path: built file}. A
    workload of scripts (iperf3) has nothing to build: its files are
    taken from its source directory."""
    if s.kind == "iperf3":
        files = {dest: s.src / name for dest, name in s.files.items()}
        missing = [str(f) for f in files.values() if not f.is_file()]
        if missing:
            raise WorkloadError(f"{s.name}: missing {', '.join(missing)}")
        return files
    out = out or build_dir(s)
    out.mkdir(parents=True, exist_ok=True)
    try:
        p = subprocess.run(["make", "-s", "-C", str(s.src), f"OUT={out}"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    except OSError as e:
        raise WorkloadError(f"cannot run make: {e} (make deps)") from e
    if p.returncode != 0:
        raise WorkloadError(f"building {s.name} failed (make exit {p.returncode}):\n"
                            + p.stdout[-2000:])
    files = {dest: out / name for dest, name in s.files.items()}
    missing = [str(f) for f in files.values() if not f.is_file()]
    if missing:
        raise WorkloadError(f"building {s.name} did not produce {', '.join(missing)}")
    return files


def check(s: Spec, args: list[str], params: dict) -> None:
    """Refuses an experiment's args and params that the workload cannot
    run (WorkloadError); before anything is built or booted."""
    if s.kind == "forkexec-counters":
        try:
            forkexec.check(args, params)
        except forkexec.ForkexecError as e:
            raise WorkloadError(str(e)) from e
    if s.kind == "iperf3":
        try:
            iperf.check(args, params)
        except iperf.IperfError as e:
            raise WorkloadError(str(e)) from e


def command(s: Spec, args: list[str], options: list[str]) -> str:
    """The guest shell command line."""
    if s.kind == "forkexec-counters":
        return forkexec.command(s.program, args, options)
    if s.kind == "iperf3":      # the real one is per configuration (MTU, driver)
        return f"{s.program} (per configuration: its MTU and NIC driver; see configs)"
    return shlex.join([s.program, *args, *options])


def extra_expected(s: Spec, args: list[str], mode: str) -> list[str]:
    """Records a boot in `mode` must yield besides the metrics of
    expected_metrics()."""
    if s.kind == "forkexec-counters":
        return forkexec.expected(args, mode)
    return []


def workload_metrics(s: Spec, args: list[str]) -> list[str]:
    """The records every boot must yield, in order."""
    if s.kind == "iperf3":
        return iperf.expected(args)
    return expected_metrics(args)


def expected_metrics(args: list[str]) -> list[str]:
    """The metrics `lmb ARGS` reports, in its run order (which is the
    paper's table order): run-all, tableN and metric names combine."""
    chosen: set[str] = set()
    for a in args:
        if a == "run-all":
            chosen.update(paper_numbers.METRICS)
        elif a.startswith("table") and a[5:].isdigit():
            chosen.update(m for t in paper_numbers.TABLES
                          if t.number == int(a[5:]) for m in t.metrics)
        elif a in paper_numbers.METRICS:
            chosen.add(a)
    return [m for m in paper_numbers.METRICS if m in chosen]


def parse_line(line: str, suite: str) -> dict | None:
    """The JSON object on one output line, if it is one of the suite's."""
    text = line.strip()
    if not text.startswith("{"):
        return None
    try:
        obj = json.loads(text)
    except ValueError:
        return None
    if not isinstance(obj, dict) or obj.get("suite") != suite or "name" not in obj:
        return None
    return obj


def parse_output(lines: list[str], suite: str) -> tuple[list[dict], list[str]]:
    """(records, problems): the suite's JSON objects, and the lines that
    start like one but cannot be read (e.g. cut short by a crash)."""
    records, problems = [], []
    for line in lines:
        obj = parse_line(line, suite)
        if obj is not None:
            records.append(obj)
        elif line.strip().startswith("{"):
            problems.append(f"unreadable output line: {line.strip()[:120]!r}")
    return records, problems


def parse_boot(s: Spec, output: list[str], console: list[str]) -> tuple[list[dict], list[str]]:
    """(records, problems) of one boot: parse_output() of the command's
    output, and for forkexec-counters also its counter lines and PVX's
    counters line from the whole console."""
    records, problems = parse_output(output, s.suite)
    if s.kind == "forkexec-counters":
        more, why = forkexec.parse_counters(output, console)
        records += more
        problems += why
    return records, problems

"""The forkexec-counters workload: lmbench-like's process-creation
metrics run for a fixed number of processes, each bracketed by the
patched guest kernel's page-table hypercall counters (/proc/xen_mmu_stats,
guests/linux/README.md), for the batching experiment (batching.py).

The guest runs one small shell script (command()). For each phase it
zeroes the counters, runs one lmb, and prints the counters, one line per
counter:

    @@XEN-MMU-STATS fork_proc mmu_update_calls 123
    ...
    @@XEN-MMU-STATS fork_proc end          (all counters printed)
    @@XEN-MMU-STATS fork_proc absent       (no /proc/xen_mmu_stats: native)

The phases are "base" (`lmb list`: the shell starting one lmb that does
nothing, the overhead included in every phase, subtracted by
batching.py) and then one per metric in the experiment's args, e.g.
`lmb fork_proc --iters 200 --reps 5`. With --iters N and --reps R an lmb
metric runs exactly N * (R + 1) processes: one untimed warm-up call of N,
then R timed ones (workloads/lmbench-like/README.md). The counters are
read with the shell's own `read`, so no process is started between the
end of lmb and the reading.

Records (results.jsonl), besides lmb's own JSON line per metric:

    {"suite": SUITE, "name": "mmu_stats/<phase>", "phase": ..., "counters": {...}}
    {"suite": SUITE, "name": "pvx_counters", "domain": 1, "counters": {...}}

The second is PVX's "(PVX) counters-json d1: {...}" console line, printed
when the domain ends: counts over the whole boot, for cross-checking.
Neither exists on a native boot.
"""
from __future__ import annotations

import json
import re
import shlex

SUITE = "pvx-forkexec-counters/1"
MARK = "@@XEN-MMU-STATS"
STATS_FILE = "/proc/xen_mmu_stats"
BASE = "base"
PROC_METRICS = ("fork_proc", "exec_proc", "sh_proc")
LMB_REPS = (5, 101)                    # what lmb --reps accepts
COUNTERS_JSON = re.compile(r"^\(PVX\) counters-json d(\d+): (.*)$")


class ForkexecError(Exception):
    """The experiment asks for something this workload cannot do."""


def check(args: list[str], params: dict) -> None:
    """Refuses arguments that would not give a known number of processes."""
    if not args:
        raise ForkexecError("forkexec-counters: args must name at least one of "
                            + ", ".join(PROC_METRICS))
    bad = [a for a in args if a not in PROC_METRICS]
    if bad:
        raise ForkexecError(f"forkexec-counters: args {', '.join(map(repr, bad))} are "
                            f"not process metrics (use {', '.join(PROC_METRICS)})")
    if len(set(args)) != len(args):
        raise ForkexecError("forkexec-counters: args name a metric twice")
    iters = params.get("iters")
    if isinstance(iters, bool) or not isinstance(iters, int) or iters < 1:
        raise ForkexecError("forkexec-counters: [workload.params] needs iters = N "
                            "(a whole number >= 1): without it lmb calibrates, and the "
                            "number of processes behind the counters is unknown")
    reps = params.get("reps", LMB_REPS[0])
    if isinstance(reps, bool) or not isinstance(reps, int) or \
            not LMB_REPS[0] <= reps <= LMB_REPS[1]:
        raise ForkexecError(f"forkexec-counters: reps = {reps!r}; lmb accepts "
                            f"{LMB_REPS[0]}..{LMB_REPS[1]}")


def command(program: str, args: list[str], options: list[str]) -> str:
    """The guest shell script: zero, run, print, per phase; exits 1 if
    any lmb failed. Kept short: it travels on the kernel command line."""
    lines = [f"f={STATS_FILE};r=0",
             "z(){ [ -e $f ]&&echo 0 >$f;}",
             "s(){ if [ -e $f ];then while read k v;do echo " + MARK + " $1 $k $v;"
             "done <$f;echo " + MARK + " $1 end;else echo " + MARK + " $1 absent;fi;}",
             f"z;{shlex.quote(program)} list >/dev/null||r=1;s {BASE}"]
    for a in args:
        run = shlex.join([program, a, *options])
        lines.append(f"z;{run}||r=1;s {a}")
    lines.append("exit $r")
    return "\n".join(lines)


def expected(args: list[str], mode: str) -> list[str]:
    """Records a boot must yield besides lmb's metrics."""
    if mode != "pv":
        return []
    return [f"mmu_stats/{p}" for p in [BASE, *args]] + ["pvx_counters"]


def parse_counters(output: list[str], console: list[str]) -> tuple[list[dict], list[str]]:
    """(records, problems) from the command's output (the counter lines)
    and the whole console (PVX's counters-json line)."""
    records: list[dict] = []
    problems: list[str] = []
    phases: dict[str, dict[str, int]] = {}
    order: list[str] = []
    ended: set[str] = set()
    for line in output:
        words = line.split()
        if not words or words[0] != MARK:
            continue
        if len(words) == 3 and words[2] == "absent":
            continue
        if len(words) == 3 and words[2] == "end":
            ended.add(words[1])
            if words[1] not in phases:
                phases[words[1]] = {}
                order.append(words[1])
            continue
        if len(words) != 4 or not words[3].isdigit():
            problems.append(f"unreadable counter line: {line.strip()[:120]!r}")
            continue
        phase, key, value = words[1], words[2], int(words[3])
        if phase not in phases:
            phases[phase] = {}
            order.append(phase)
        phases[phase][key] = value
    for phase in order:
        if phase not in ended:
            problems.append(f"the counters after {phase} were cut short")
            continue
        records.append({"suite": SUITE, "name": f"mmu_stats/{phase}", "phase": phase,
                        "counters": phases[phase]})
    for line in console:
        m = COUNTERS_JSON.match(line.strip())
        if not m or m.group(1) != "1":
            continue
        try:
            obj = json.loads(m.group(2))
        except ValueError:
            problems.append(f"PVX's counters-json line is not JSON: {line.strip()[:120]!r}")
            continue
        if not isinstance(obj, dict):
            problems.append("PVX's counters-json line is not a JSON object")
            continue
        records.append({"suite": SUITE, "name": "pvx_counters", "domain": 1,
                        "counters": obj})
    return records, problems

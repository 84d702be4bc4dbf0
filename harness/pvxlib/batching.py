"""`pvx report-batching [RUN_DIR] [--out paper/]`: the batching experiment
(harness/experiments/batching*.toml, workload forkexec-counters) as
paper/batching.md and paper/batching.dat.

The claim under test (SOSP'03, Section 4.2, on fork and exec in Table
3): "XenoLinux can amortize each hypercall across 2048 updates (the
maximum size of its batch buffer)". Each boot ran fork+exit+wait
(lmb fork_proc) and fork+execve+wait (lmb exec_proc) for a known number
of processes, each bracketed by the patched guest kernel's
/proc/xen_mmu_stats (forkexec.py), on PVX with the guest's batch limit
xen_mmu_batch=N and without it, and natively.

Arithmetic, per configuration and phase (fork_proc or exec_proc), pooled
over boots:

    processes  = sum over boots of iters * (reps + 1)     (lmb's record)
    count      = sum over boots of (phase counter - base counter)
    per process = count / processes

"base" is the counter reading around `lmb list` in the same boot: the
shell starting and reaping one lmb, which every phase includes once.
Derived quantities (guests/linux/README.md defines the counters):

    mmu_update hypercalls = mmu_update_calls + mmu_update_in_mc
    entries per mmu_update = mmu_update_entries / mmu_update hypercalls
    page-table hypercalls = multicalls + mmu_update_calls + mmuext_calls
                            + update_va_mapping_calls   (entries into PVX)

An mmu_update inside a multicall is still one mmu_update operation of its
own in PVX (PVX's per-number count includes it), so "entries per
mmu_update" is the batch size in the paper's sense; the paper's
XenoLinux reached 2048. Latencies are lmb's per-repetition values (each
the mean over iters processes), pooled over boots: median, min, max.
PVX's whole-boot counters ("(PVX) counters-json d1") cross-check the
guest's: the phases cannot have more mmu_update operations than the boot.
"""
from __future__ import annotations

import math
import re
import statistics
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import exitcodes, forkexec, paths, results
from .paper_numbers import PAPER, PAPER_BASE, PAPER_VMM

OUTPUT_MD = "batching.md"
OUTPUT_DAT = "batching.dat"
PAPER_DIR = paths.REPO / "paper"
WORKLOAD_KIND = "forkexec-counters"
PHASES = ("fork_proc", "exec_proc")
PHASE_TEXT = {"fork_proc": "fork+exit+wait", "exec_proc": "fork+execve+wait",
              "sh_proc": "fork+sh -c+wait"}
PAPER_BATCH = 2048
LINUX_MAX_BATCH = 31
BATCH_ARG = re.compile(r"(?<!\S)xen_mmu_batch=(\d+)(?!\S)")
PAPER_QUOTE = ("XenoLinux can amortize each hypercall across 2048 updates (the "
               "maximum size of its batch buffer). Hence each update hypercall "
               "constructs 8MB of address space.")


class BatchingError(Exception):
    """The results directory is not a batching run, or unreadable."""


# ---- per-process arithmetic ----

def processes(lmb_record: dict[str, Any]) -> int | None:
    """Processes lmb ran for one metric with --iters: iters per call, one
    untimed warm-up call and `reps` timed ones. None for an error record."""
    if "error" in lmb_record:
        return None
    try:
        iters, reps = int(lmb_record["iters"]), int(lmb_record["reps"])
    except (KeyError, TypeError, ValueError):
        return None
    if iters < 1 or reps < 1:
        return None
    return iters * (reps + 1)


def net(phase: dict[str, int], base: dict[str, int]) -> dict[str, int]:
    """The phase's counters less the base reading, key by key."""
    return {k: v - base.get(k, 0) for k, v in phase.items()}


def add_into(total: dict[str, int], counts: dict[str, int]) -> None:
    for k, v in counts.items():
        total[k] = total.get(k, 0) + v


def mmu_update_ops(c: dict[str, int]) -> int:
    return c.get("mmu_update_calls", 0) + c.get("mmu_update_in_mc", 0)


def pt_hypercalls(c: dict[str, int]) -> int:
    return (c.get("multicalls", 0) + c.get("mmu_update_calls", 0)
            + c.get("mmuext_calls", 0) + c.get("update_va_mapping_calls", 0))


def div(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b == 0:
        return None
    return a / b


@dataclass
class PerProcess:
    """Counts of one phase, pooled over boots, and what they divide to."""
    processes: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    boots: int = 0

    def per(self, value: float) -> float | None:
        return div(value, self.processes)

    @property
    def updates(self) -> float | None:
        return self.per(self.counts.get("mmu_update_entries", 0))

    @property
    def mmu_updates(self) -> float | None:
        return self.per(mmu_update_ops(self.counts))

    @property
    def entries_per_mmu_update(self) -> float | None:
        return div(self.counts.get("mmu_update_entries", 0), mmu_update_ops(self.counts))

    @property
    def multicalls(self) -> float | None:
        return self.per(self.counts.get("multicalls", 0))

    @property
    def hypercalls(self) -> float | None:
        return self.per(pt_hypercalls(self.counts))


@dataclass
class Latency:
    samples: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def median(self) -> float | None:
        return statistics.median(self.samples) if self.samples else None


@dataclass
class Row:
    """One configuration."""
    name: str
    mode: str
    batch: int | None                  # xen_mmu_batch=N; None: not given
    status: str
    reason: str
    latency: dict[str, Latency] = field(default_factory=dict)
    counters: dict[str, PerProcess] = field(default_factory=dict)
    pvx: list[dict[str, Any]] = field(default_factory=list)    # per boot
    notes: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        if self.mode == "native":
            return "native"
        return f"batch {self.batch}" if self.batch is not None else "default"

    @property
    def limit(self) -> int | None:
        """The most updates one hypercall may carry in this configuration."""
        if self.mode == "native":
            return None
        return self.batch if self.batch is not None else LINUX_MAX_BATCH


def batch_of(guest_args: str) -> int | None:
    """N of the last xen_mmu_batch=N on a command line."""
    found = BATCH_ARG.findall(guest_args)
    return int(found[-1]) if found else None


def boot_rows(meta: dict[str, Any], records: list[dict[str, Any]]) -> list[Row]:
    """One Row per configuration, in the plan's order (then any the
    records name that meta does not)."""
    configs = meta.get("configs", {})
    base_args = meta.get("guest", {}).get("guest_args", "") or ""
    names = list(configs) + sorted({r["config"] for r in records} - set(configs))
    by_boot: dict[tuple[str, int], dict[str, dict[str, Any]]] = {}
    for r in records:
        by_boot.setdefault((r["config"], int(r.get("rep", 0))), {})[r["name"]] = r
    rows = []
    for n in names:
        c = configs.get(n, {})
        row = Row(n, c.get("mode", "?"),
                  batch_of(f"{base_args} {c.get('guest_args', '') or ''}"),
                  c.get("status", "?"), c.get("reason", "") or "")
        for (cfg, rep), recs in sorted(by_boot.items()):
            if cfg == n:
                add_boot(row, rep, recs)
        rows.append(row)
    return rows


def add_boot(row: Row, rep: int, recs: dict[str, dict[str, Any]]) -> None:
    for phase in PHASES:
        lat = row.latency.setdefault(phase, Latency())
        rec = recs.get(phase)
        if rec is None:
            continue
        if "error" in rec:
            lat.errors.append(f"boot {rep}: {rec['error']}")
            continue
        lat.samples += [float(s) for s in (rec.get("samples") or [rec["value"]])]
        stats = recs.get(f"mmu_stats/{phase}")
        if stats is None:
            continue
        base = recs.get(f"mmu_stats/{forkexec.BASE}")
        procs = processes(rec)
        if base is None or procs is None:
            row.notes.append(f"boot {rep}, {phase}: counters not used "
                             + ("(no base reading)" if base is None else
                                "(lmb's record has no iters/reps)"))
            continue
        pp = row.counters.setdefault(phase, PerProcess())
        pp.processes += procs
        pp.boots += 1
        add_into(pp.counts, net(stats["counters"], base["counters"]))
    if "pvx_counters" in recs:
        row.pvx.append(dict(recs["pvx_counters"]["counters"], rep=rep))


# ---- formatting ----

def num(v: float | None, digits: int = 3) -> str:
    """About three significant figures; n/a for nothing."""
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "n/a"
    a = abs(v)
    if a >= 100:
        return f"{v:,.0f}"
    if a >= 10:
        return f"{v:.1f}"
    return f"{v:.{digits - 1}f}"


def ratio_text(r: float | None) -> str:
    return "n/a" if r is None else (f"{r:.1f}x" if r >= 10 else f"{r:.2f}x")


def latency_text(lat: Latency | None) -> str:
    if lat is None or not lat.samples:
        return "n/a"
    return f"{num(lat.median)} ({num(min(lat.samples))}-{num(max(lat.samples))})"


def percent(part: float | None, whole: float | None) -> str:
    r = div(part, whole)
    return "n/a" if r is None else f"{100 * r:.0f}%"


def bucket_text(b: int) -> str:
    """Log2 bucket b of PVX's histograms: 2^b .. 2^(b+1)-1 entries."""
    lo, hi = 1 << b, (1 << (b + 1)) - 1
    return str(lo) if lo == hi else f"{lo}-{hi}"


def largest_bucket(hist: list[int]) -> int | None:
    used = [b for b, n in enumerate(hist) if n]
    return used[-1] if used else None


def md_row(cells: list[str]) -> str:
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


# ---- the report ----

def native_row(rows: list[Row]) -> Row | None:
    return next((r for r in rows if r.mode == "native"), None)


def lat_ratio(row: Row, base: Row | None, phase: str) -> float | None:
    if base is None:
        return None
    return div(row.latency.get(phase, Latency()).median,
               base.latency.get(phase, Latency()).median)


def header(meta: dict[str, Any], label: str) -> list[str]:
    q, h = meta.get("qemu", {}), meta.get("host", {})
    k = meta.get("guest", {}).get("kernel", {})
    git = meta.get("git", {})
    plan = meta.get("plan", {})
    params = plan.get("params", {})
    dirty = " (with uncommitted changes)" if git.get("dirty") else ""
    kernel = k.get("kernel_release") or k.get("release") or k.get("version") or "?"
    iters, reps = params.get("iters", "?"), params.get("reps", forkexec.LMB_REPS[0])
    per_metric = (f"{int(iters) * (int(reps) + 1):,}"
                  if isinstance(iters, int) and isinstance(reps, int) else "?")
    return [
        f"_Generated by `harness/pvx report-batching` from `{label}`. Do not edit: "
        "rerun the experiment and the report._", "",
        "# Batching page-table updates over fork and exec, on PVX", "",
        f"- **Run:** experiment `{meta.get('experiment', {}).get('name', '?')}`, status "
        f"**{meta.get('status', '?')}**, {len(plan.get('configs', []))} configurations x "
        f"{plan.get('reps', '?')} boot(s), started {meta.get('start', '?')}, wall time "
        f"{num(meta.get('elapsed_s'))} s, commit `{str(git.get('commit', '?'))[:12]}`{dirty}.",
        f"- **Platform:** QEMU `{q.get('version', '?')}`, accelerator "
        f"**{str(q.get('accel', '?')).upper()}**, `-cpu {q.get('cpu', '?')}`, one vCPU; "
        f"host {h.get('cpu_model', '?')} ({h.get('cpus', '?')} CPUs), load average "
        f"{h.get('loadavg_start', '?')} at the start, {h.get('loadavg_end', '?')} at the end.",
        f"- **Guest:** the patched kernel `{kernel}` (guests/linux: `xen_mmu_batch=N` and "
        f"`/proc/xen_mmu_stats`), {meta.get('guest', {}).get('mem_mib', '?')} MiB, "
        "busybox initramfs.",
        f"- **Workload:** per boot, `lmb fork_proc` and `lmb exec_proc` with `--iters "
        f"{iters} --reps {reps}`: {per_metric} processes each ({iters} per call, one "
        f"untimed warm-up call and {reps} timed ones), each run bracketed by zeroing and "
        "reading `/proc/xen_mmu_stats` (harness/pvxlib/forkexec.py). The guest command:",
        "", "```sh", str(meta.get("workload", {}).get("command", "?")), "```", "",
    ]


def claim_section() -> list[str]:
    return [
        "## The claim", "",
        f"SOSP'03, Section 4.2, explaining fork, exec and sh in Table 3: \"{PAPER_QUOTE}\" "
        "(`/work/shared/reference/paper-numbers.md`, prose around Tables 3-6).", "",
        "Linux 6.1, the guest here, batches differently. Its Xen PV code queues "
        "page-table updates in a per-CPU multicall buffer only inside lazy MMU mode "
        "(fork's page-table copy, mprotect, mremap), and the buffer holds "
        f"at most {LINUX_MAX_BATCH} updates per hypercall: `xen_mmu_batch=N` lowers "
        f"that limit to N (1..{LINUX_MAX_BATCH}); without it Linux flushes when the "
        "buffer is full or lazy mode ends. Every other PTE write (page faults, "
        "`set_pte_at()` outside lazy mode) is an `mmu_update` hypercall of one entry "
        "whatever N is. The tables show how that plays out.", ""]


def main_table(rows: list[Row], native: Row | None) -> list[str]:
    lines = ["## Results", "",
             "Latency in µs per process: median over the timed repetitions of all boots "
             "(min-max). Counters per fork+exit+wait (`fork_proc`), the base reading "
             "subtracted; \"PT hypercalls\" are all entries into PVX for page tables "
             "(multicalls, mmu_update, mmuext_op, update_va_mapping). Ratios divide by "
             "native's median.", "",
             md_row(["configuration", "batch limit", "fork+exit µs", "fork+exec µs",
                     "fork / native", "exec / native", "mmu_update hypercalls per fork",
                     "entries per mmu_update", "multicalls per fork",
                     "PT hypercalls per fork"]),
             md_row(["---", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:",
                     "---:"])]
    for r in rows:
        pp = r.counters.get("fork_proc")
        counts = ([num(pp.mmu_updates), num(pp.entries_per_mmu_update),
                   num(pp.multicalls), num(pp.hypercalls)] if pp else
                  ["-"] * 4 if r.mode == "native" else ["n/a"] * 4)
        lines.append(md_row([
            f"**{r.name}**", "-" if r.limit is None else
            (str(r.limit) if r.batch is not None else f"{r.limit} (Linux's)"),
            latency_text(r.latency.get("fork_proc")),
            latency_text(r.latency.get("exec_proc")),
            ratio_text(lat_ratio(r, native, "fork_proc")),
            ratio_text(lat_ratio(r, native, "exec_proc")), *counts]))
    return lines + [""]


def detail_table(rows: list[Row]) -> list[str]:
    lines = ["## Page-table work per process", "",
             "Per fork+exit+wait (`fork_proc`) and per fork+execve+wait of a static "
             "binary (`exec_proc`), the base reading subtracted, pooled over boots.", "",
             md_row(["configuration", "phase", "processes", "PT updates per process",
                     "mmu_update hypercalls", "of them in multicalls",
                     "entries per mmu_update", "multicalls", "requests per multicall",
                     "mmuext_op", "update_va_mapping", "PT hypercalls",
                     "updates per PT hypercall"]),
             md_row(["---", "---"] + ["---:"] * 11)]
    for r in rows:
        if r.mode == "native":
            continue
        for phase in PHASES:
            pp = r.counters.get(phase)
            if pp is None:
                lines.append(md_row([f"**{r.name}**", phase] + ["n/a"] * 11))
                continue
            c = pp.counts
            lines.append(md_row([
                f"**{r.name}**", phase, f"{pp.processes:,}", num(pp.updates),
                num(pp.mmu_updates), num(pp.per(c.get("mmu_update_in_mc", 0))),
                num(pp.entries_per_mmu_update), num(pp.multicalls),
                num(div(c.get("multicall_requests", 0), c.get("multicalls", 0))),
                num(pp.per(c.get("mmuext_calls", 0) + c.get("mmuext_in_mc", 0))),
                num(pp.per(c.get("update_va_mapping_calls", 0)
                           + c.get("update_va_mapping_in_mc", 0))),
                num(pp.hypercalls),
                num(div(c.get("mmu_update_entries", 0), pt_hypercalls(c)))]))
    return lines + ["", "mmuext_op and update_va_mapping count requests, alone or "
                        "inside multicalls (pinning and unpinning page tables, TLB "
                        "flushes, new base pointers, protection changes of page-table "
                        "pages); `xen_mmu_batch` does not limit them.", ""]


def pvx_totals(boots: list[dict[str, Any]]) -> dict[str, Any]:
    """PVX's whole-boot counters summed over a configuration's boots."""
    hyper: dict[str, int] = {}
    hist = [0] * 13
    scalars: dict[str, int] = {}
    for b in boots:
        for k, v in (b.get("hypercalls") or {}).items():
            hyper[str(k)] = hyper.get(str(k), 0) + int(v)
        for i, v in enumerate(b.get("mmu_update_batches_log2") or []):
            if i < len(hist):
                hist[i] += int(v)
        for k in ("mmu_update_entries", "ptwr_emulations", "multicall_entries"):
            scalars[k] = scalars.get(k, 0) + int(b.get(k, 0))
    return {"hypercalls": hyper, "hist": hist, **scalars}


def phase_total(r: Row) -> tuple[int, int]:
    """(mmu_update operations, entries) the guest counted in its measured
    phases and base readings, for the boots PVX reported on."""
    ops = entries = 0
    for pp in r.counters.values():
        ops += mmu_update_ops(pp.counts)
        entries += pp.counts.get("mmu_update_entries", 0)
    return ops, entries


def crosscheck_table(rows: list[Row], base_raw: dict[str, dict[str, int]]) -> list[str]:
    lines = ["## Cross-check: PVX's own counters, whole boot", "",
             "From the `(PVX) counters-json d1` line each PV boot ends with, summed over "
             "boots: everything from the guest's first instruction to its power-off, "
             "so more than the measured phases. \"single-entry share\" is the share of "
             "all page-table updates that came one per mmu_update; \"largest batch\" is "
             "the highest non-empty bucket of PVX's log2 histogram of entries per "
             "mmu_update. \"phases' share\" is the guest-counted mmu_update operations "
             "of the two phases (base subtracted) against PVX's count; it cannot "
             "exceed 100%. \"ptwr emulations\" are stores into page tables that trapped "
             "and that PVX emulated: PTE changes that are not hypercalls at all (Linux "
             "changes some PTEs in place with atomic instructions, e.g. "
             "`ptep_set_wrprotect()` in fork's copy and `ptep_get_and_clear()` when "
             "unmapping), invisible to the guest's counters.",
             "",
             md_row(["configuration", "boots", "mmu_update operations (#1)", "entries",
                     "entries per mmu_update", "single-entry share", "largest batch",
                     "multicalls (#13)", "phases' share", "check", "ptwr emulations"]),
             md_row(["---"] + ["---:"] * 10)]
    for r in rows:
        if r.mode == "native":
            continue
        if not r.pvx:
            lines.append(md_row([f"**{r.name}**", "0"] + ["n/a"] * 9))
            continue
        t = pvx_totals(r.pvx)
        ops = t["hypercalls"].get("1", 0)
        entries = t["mmu_update_entries"]
        big = largest_bucket(t["hist"])
        guest_ops, guest_entries = phase_total(r)
        ok = guest_ops <= ops and guest_entries <= entries
        lines.append(md_row([
            f"**{r.name}**", str(len(r.pvx)), f"{ops:,}", f"{entries:,}",
            num(div(entries, ops)), percent(t["hist"][0], entries),
            "-" if big is None else bucket_text(big),
            f"{t['hypercalls'].get('13', 0):,}", percent(guest_ops, ops),
            "ok" if ok else "**MISMATCH**", f"{t['ptwr_emulations']:,}"]))
    lines += [""]
    if base_raw:
        b = next(iter(base_raw.values()))
        lines += ["The base reading (the shell starting and reaping one `lmb list`, "
                  "subtracted from each phase) was, e.g. in "
                  f"{next(iter(base_raw))}: {b.get('mmu_update_entries', 0)} updates in "
                  f"{mmu_update_ops(b)} mmu_update hypercalls and "
                  f"{pt_hypercalls(b)} page-table hypercalls.", ""]
    return lines


def pick(rows: list[Row], batch: int | None) -> Row | None:
    """The PV row with this xen_mmu_batch (None: without the parameter)
    that has fork counters."""
    return next((r for r in rows if r.mode == "pv" and r.batch == batch
                 and "fork_proc" in r.counters), None)


def findings(rows: list[Row], native: Row | None) -> list[str]:
    """The measured answer to the claim, in sentences built from the data."""
    lines = ["## What was measured", ""]
    unb = pick(rows, 1)
    bat = pick(rows, None) or next(
        (r for r in sorted(rows, key=lambda r: -(r.batch or 0))
         if r.mode == "pv" and r.batch and r.batch > 1 and "fork_proc" in r.counters),
        None)
    if bat is None and unb is None:
        return lines + ["No PV configuration has counters; nothing to compare.", ""]
    for r in [x for x in (bat, unb) if x is not None]:
        for phase in PHASES:
            pp = r.counters.get(phase)
            if pp is None:
                continue
            lines.append(
                f"- **{r.name}**, per {PHASE_TEXT[phase]}: {num(pp.updates)} page-table "
                f"updates in {num(pp.mmu_updates)} mmu_update hypercalls, "
                f"{num(pp.entries_per_mmu_update)} entries per mmu_update (the paper: up "
                f"to {PAPER_BATCH}); {num(pp.hypercalls)} page-table hypercalls in all.")
    if bat is not None and unb is not None:
        for phase in PHASES:
            a, b = unb.counters.get(phase), bat.counters.get(phase)
            if a is None or b is None or not a.mmu_updates:
                continue
            saved = 1 - (b.mmu_updates or 0) / a.mmu_updates
            la, lb = unb.latency.get(phase), bat.latency.get(phase)
            lat = ""
            if la and lb and la.median and lb.median:
                lat = (f"; the {PHASE_TEXT[phase]} latency went from {num(la.median)} to "
                       f"{num(lb.median)} µs ({100 * (lb.median / la.median - 1):+.0f}%"
                       + (", within the noise: the min-max ranges overlap)"
                          if overlap(la, lb) else ")"))
            lines.append(f"- Batching ({bat.name} against {unb.name}) removed "
                         f"{100 * saved:.0f}% of the mmu_update hypercalls per "
                         f"{PHASE_TEXT[phase]}{lat}.")
    lines += saturation_finding(rows, bat)
    in_mc = sum(pp.counts.get("mmu_update_in_mc", 0)
                for r in rows if r.mode == "pv" for pp in r.counters.values())
    if in_mc == 0 and any(r.counters for r in rows):
        lines.append("- No mmu_update travelled inside a multicall in any phase: a lazy "
                     "section's updates left as an mmu_update hypercall of their own, and "
                     "the multicalls carried the other page-table requests (mmuext_op, "
                     "update_va_mapping).")
    if bat is not None and bat.pvx:
        lines += largest_batch_finding(bat)
    if native is not None and bat is not None:
        rs = [f"{PHASE_TEXT[p]} {ratio_text(lat_ratio(bat, native, p))}" for p in PHASES]
        paper = ", ".join(
            f"{PHASE_TEXT[p]} {ratio_text(div(PAPER[PAPER_VMM][p], PAPER[PAPER_BASE][p]))}"
            for p in PHASES)
        lines.append(f"- {bat.name} against native: " + ", ".join(rs)
                     + f" (the paper's {PAPER_VMM} / {PAPER_BASE}: {paper}, on 2003 "
                       "hardware; under TCG every page-table switch and trap costs far "
                       "more relative to plain computation, see paper/tables-3-5.md).")
    return lines + [""]


def overlap(a: Latency, b: Latency) -> bool:
    return bool(a.samples and b.samples) and \
        min(a.samples) <= max(b.samples) and min(b.samples) <= max(a.samples)


def same_counts(a: Row, b: Row, tolerance: float = 0.01) -> bool:
    """Whether two rows made the same mmu_update hypercalls per process
    in every phase, within `tolerance` (relative)."""
    for phase in PHASES:
        x, y = a.counters.get(phase), b.counters.get(phase)
        if x is None or y is None or x.mmu_updates is None or y.mmu_updates is None:
            return False
        if abs(x.mmu_updates - y.mmu_updates) > tolerance * max(y.mmu_updates, 1e-9):
            return False
    return True


def saturation_finding(rows: list[Row], bat: Row | None) -> list[str]:
    """From which limit N on the counts equal the batched reference's."""
    if bat is None:
        return []
    swept = sorted((r for r in rows if r.mode == "pv" and r.batch is not None
                    and r is not bat), key=lambda r: r.batch or 0)
    if not swept:
        return []
    first = None
    for r in reversed(swept):             # the longest run of equal counts at the top
        if not same_counts(r, bat):
            break
        first = r
    if first is None:
        return [f"- No batch limit tried made the same mmu_update hypercalls as "
                f"{bat.name}."]
    tried = ", ".join(str(r.batch) for r in swept if (r.batch or 0) >= (first.batch or 0))
    return [f"- From `xen_mmu_batch={first.batch}` up (tried: {tried}) the mmu_update "
            f"hypercalls per process equal {bat.name}'s within 1%: a larger buffer "
            "changes nothing once it holds every lazy section's updates."]


def largest_batch_finding(r: Row) -> list[str]:
    t = pvx_totals(r.pvx)
    big = largest_bucket(t["hist"])
    if big is None:
        return []
    most = (1 << (big + 1)) - 1
    why = (f"well below the limit of {r.limit}: in this workload one lazy section "
           "writes only a few PTEs" if r.limit is not None and most < r.limit else
           f"up to the limit of {r.limit}")
    return [f"- Over the whole of {r.name}'s boot(s), PVX saw "
            f"{percent(t['hist'][0], t['mmu_update_entries'])} of all page-table updates "
            f"arrive one per mmu_update, and the largest batches were "
            f"{bucket_text(big)} entries ({why}); XenoLinux's limit was {PAPER_BATCH}."]


def notes_section(rows: list[Row]) -> list[str]:
    out = []
    for r in rows:
        if r.status not in ("ok", "?"):
            out.append(f"- {r.name} is {r.status}: {r.reason or 'no reason recorded'}")
        for phase, lat in r.latency.items():
            if lat.errors:
                out.append(f"- {r.name}, {phase}: lmb reported an error: "
                           + "; ".join(lat.errors))
        out += [f"- {r.name}: {n}" for n in r.notes]
    return (["## Notes", "", *out, ""] if out else [])


def run_times(meta: dict[str, Any]) -> list[str]:
    lines = ["## Run time", "", md_row(["configuration", "status", "boots", "wall time",
                                        "per boot"]),
             md_row(["---", "---", "---:", "---:", "---:"])]
    for n, c in meta.get("configs", {}).items():
        boots = [b for b in c.get("reps", []) if "elapsed_s" in b]
        total = sum(float(b["elapsed_s"]) for b in boots)
        per = f"{total / len(boots):.1f} s" if boots else "-"
        lines.append(md_row([n, str(c.get("status", "?")), str(len(boots)),
                             f"{total:.1f} s", per]))
    return lines + ["", f"The whole run: {num(meta.get('elapsed_s'))} s of wall time, "
                        "including building the boot images.", ""]


def base_readings(records: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    return {f"{r['config']} boot {r.get('rep', '?')}": r["counters"] for r in records
            if r.get("name") == f"mmu_stats/{forkexec.BASE}"}


def render(meta: dict[str, Any], records: list[dict[str, Any]], label: str) -> str:
    rows = boot_rows(meta, records)
    native = native_row(rows)
    lines = header(meta, label) + claim_section() + main_table(rows, native)
    lines += findings(rows, native) + detail_table(rows)
    lines += crosscheck_table(rows, base_readings(records))
    lines += notes_section(rows) + run_times(meta)
    lines += [f"The same numbers, tab-separated for gnuplot: `{OUTPUT_DAT}` beside this "
              "file (its header says what each column is).", ""]
    return "\n".join(lines).rstrip() + "\n"


# ---- the data file for a figure ----

DAT_COLUMNS = [
    ("index", "row number, 0 = first configuration"),
    ("config", "configuration name in the experiment file"),
    ("label", "native | batch_N | default (no spaces, for xticlabels)"),
    ("batch_limit", "most updates per hypercall: N, 31 for default (Linux's own), NaN native"),
    ("fork_us", "fork+exit+wait latency, µs, median"),
    ("fork_us_min", "minimum"),
    ("fork_us_max", "maximum"),
    ("fork_ratio", "fork_us / native's fork_us"),
    ("exec_us", "fork+execve+wait latency, µs, median"),
    ("exec_us_min", "minimum"),
    ("exec_us_max", "maximum"),
    ("exec_ratio", "exec_us / native's exec_us"),
    ("fork_updates", "page-table updates (mmu_update entries) per fork+exit+wait"),
    ("fork_mmu_updates", "mmu_update hypercalls (alone or in multicalls) per fork+exit+wait"),
    ("fork_entries_per_mmu_update", "fork_updates / fork_mmu_updates"),
    ("fork_multicalls", "multicalls per fork+exit+wait"),
    ("fork_pt_hypercalls", "page-table hypercalls per fork+exit+wait"),
    ("exec_updates", "the same five per fork+execve+wait"),
    ("exec_mmu_updates", ""),
    ("exec_entries_per_mmu_update", ""),
    ("exec_multicalls", ""),
    ("exec_pt_hypercalls", ""),
]


def dat_value(v: float | int | None) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "NaN"
    return str(v) if isinstance(v, int) else f"{v:.6g}"


def render_dat(meta: dict[str, Any], records: list[dict[str, Any]], label: str) -> str:
    rows = boot_rows(meta, records)
    native = native_row(rows)
    lines = [f"# Generated by `harness/pvx report-batching` from {label}; do not edit.",
             "# Batching page-table updates over fork and exec on PVX (paper/batching.md).",
             "# One row per configuration, tab-separated; NaN = no data (native has no",
             "# hypercalls). Counters are per process, the base reading subtracted.",
             "# Columns:"]
    lines += [f"#  {i + 1:2d} {name}: {what}" if what else f"#  {i + 1:2d} {name}"
              for i, (name, what) in enumerate(DAT_COLUMNS)]
    lines.append("# " + "\t".join(name for name, _ in DAT_COLUMNS))
    for i, r in enumerate(rows):
        vals: list[Any] = [i, r.name, r.label.replace(" ", "_"), r.limit]
        for phase in PHASES:
            lat = r.latency.get(phase)
            s = lat.samples if lat else []
            vals += [lat.median if lat else None, min(s) if s else None,
                     max(s) if s else None, lat_ratio(r, native, phase)]
        for phase in PHASES:
            pp = r.counters.get(phase)
            vals += ([pp.updates, pp.mmu_updates, pp.entries_per_mmu_update,
                      pp.multicalls, pp.hypercalls] if pp else [None] * 5)
        lines.append("\t".join(v if isinstance(v, str) else dat_value(v) for v in vals))
    return "\n".join(lines) + "\n"


# ---- finding the run, and the command ----

def is_batching(meta: dict[str, Any]) -> bool:
    w = meta.get("workload", {})
    return w.get("kind") == WORKLOAD_KIND or w.get("name") == WORKLOAD_KIND


def read_meta(run: Path) -> dict[str, Any] | None:
    try:
        return results.load(run)[0]
    except results.ResultsError:
        return None


def newest(root: Path = results.RESULTS_DIR) -> Path:
    """The newest results directory of a batching experiment."""
    runs = sorted((p.parent for p in root.glob("*/" + results.META)),
                  key=lambda p: p.name, reverse=True) if root.is_dir() else []
    for run in runs:
        meta = read_meta(run)
        if meta is not None and is_batching(meta):
            return run
    raise BatchingError(f"no batching run under {root}; run `harness/pvx run "
                        "batching-quick` first")


def wants(run_dir: str | None) -> bool:
    """Whether `pvx report [RUN_DIR]` should hand over to this report:
    the directory (default: the newest under results/) is a batching run."""
    try:
        run = Path(run_dir) if run_dir else results.newest()
    except results.ResultsError:
        return False
    meta = read_meta(run)
    return meta is not None and is_batching(meta)


def run_label(run: Path) -> str:
    try:
        return str(run.resolve().relative_to(paths.REPO))
    except ValueError:
        return str(run)


def cmd_report(args) -> int:
    try:
        run = Path(args.run_dir) if args.run_dir else newest()
        meta, records = results.load(run)
        if not is_batching(meta):
            raise BatchingError(
                f"{run} is a run of {meta.get('experiment', {}).get('name', '?')} "
                f"(workload {meta.get('workload', {}).get('name', '?')}), not of a batching "
                "experiment; use `harness/pvx report` for it")
    except (results.ResultsError, BatchingError) as e:
        print(f"pvx report-batching: {e}", file=sys.stderr)
        return exitcodes.USAGE
    out_dir = Path(args.out) if args.out else PAPER_DIR
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        label = run_label(run)
        md, dat = out_dir / OUTPUT_MD, out_dir / OUTPUT_DAT
        results.atomic_write(md, render(meta, records, label))
        results.atomic_write(dat, render_dat(meta, records, label))
    except OSError as e:
        print(f"pvx report-batching: cannot write to {out_dir}: {e.strerror}",
              file=sys.stderr)
        return 1
    print(f"pvx report-batching: {md} and {dat} from {label} ({len(records)} records, "
          f"run {meta.get('status', '?')})", file=sys.stderr)
    return 0

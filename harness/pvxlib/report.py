"""`pvx report [RUN_DIR] [--out paper/]`: the SOSP'03 Tables 3-5 from one
results directory, written to paper/tables-3-5.md.

Per configuration and metric, every sample of every boot is pooled; a
cell is the median of the pool (stats.py also gives min, max, a
confidence interval and the spread). Each table has the paper's columns
and, as rows: the paper's L-UP and Xen, each measured configuration, the
ratio of each non-native configuration to the native one, and the
paper's own Xen / L-UP ratio. Absolute times under an emulator are not
comparable with the paper's 2003 hardware; the ratios are what a
reproduction compares. A cell without data says "n/a" and a note under
the table says why (the metric's error, or the configuration's failure).
Below the tables: the figures (figures.py: data files and gnuplot
drawings under <out>/figures/, embedded as PNG), the sanity checks
(sanity.py) and the per-metric statistics, with metrics whose samples
spread more than 2x flagged.
"""
from __future__ import annotations

import math
import statistics
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import figures, paper_numbers, paths, results, sanity, stats
from .paper_numbers import PAPER, PAPER_BASE, PAPER_VMM, REPORT_ROWS, TABLES

OUTPUT = "tables-3-5.md"
NOISY_MARK = "†"           # after a table cell whose samples spread more than NOISY_SPREAD
PAPER_DIR = paths.REPO / "paper"


@dataclass
class Cell:
    """One configuration's data for one metric."""
    samples: list[float] = field(default_factory=list)
    boot_medians: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def summary(self) -> stats.Summary | None:
        return stats.summarize(self.samples) if self.samples else None


Data = dict[str, dict[str, Cell]]         # config -> metric -> cell


def aggregate(records: list[dict[str, Any]]) -> Data:
    data: Data = {}
    for r in records:
        cell = data.setdefault(r["config"], {}).setdefault(r["name"], Cell())
        if "error" in r:
            cell.errors.append(str(r["error"]))
            continue
        samples = r.get("samples") or [r["value"]]
        cell.samples += [float(s) for s in samples]
        cell.boot_medians.append(float(r["value"]))
    return data


def medians(row: dict[str, Cell]) -> dict[str, float]:
    return {m: c.summary.median for m, c in row.items() if c.summary is not None}


def config_names(meta: dict[str, Any], data: Data) -> list[str]:
    """The plan's order, then any configuration only the records name."""
    names = list(meta.get("configs", {}))
    return names + [c for c in data if c not in names]


def base_config(meta: dict[str, Any], names: list[str]) -> str | None:
    """The first native configuration: the denominator of the ratios."""
    configs = meta.get("configs", {})
    return next((n for n in names if configs.get(n, {}).get("mode") == "native"), None)


# ---- formatting ----

def fmt(v: float | None) -> str:
    """Three significant figures or so, as the paper prints them."""
    if v is None or math.isnan(v):
        return "n/a"
    a = abs(v)
    if a >= 100:
        return f"{v:.0f}"
    if a >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def fmt_ratio(r: float | None) -> str:
    if r is None or not math.isfinite(r):
        return "n/a"
    return f"{r:.1f}" if r >= 10 else f"{r:.2f}"


def ratio(num: float | None, den: float | None) -> float | None:
    if num is None or den is None or den <= 0:
        return None
    return num / den


def geomean(values: list[float]) -> float | None:
    vals = [v for v in values if v is not None and v > 0]
    return statistics.geometric_mean(vals) if vals else None


def md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


class Notes:
    """Numbered notes under a table, each text once."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def mark(self, text: str) -> str:
        if text not in self.texts:
            self.texts.append(text)
        return f"[{self.texts.index(text) + 1}]"

    def render(self) -> list[str]:
        return [f"{i}. {md_escape(t)}" for i, t in enumerate(self.texts, 1)]


def config_note(meta: dict[str, Any], config: str) -> str | None:
    """Why a configuration has no complete set of results, if it has not."""
    c = meta.get("configs", {}).get(config, {})
    status = c.get("status", "ok")
    if status in ("ok", "partial"):       # a partial boot's errors are in its cells
        return None
    reason = c.get("reason") or f"the run is {meta.get('status', '?')}"
    return f"{config} is {status}: {reason}"


def missing_reason(meta: dict[str, Any], config: str, heading: str,
                   cell: Cell | None) -> str:
    if cell is not None and cell.errors:
        return (f"{config}, {heading}: the benchmark reported an error: "
                + "; ".join(sorted(set(cell.errors))))
    return config_note(meta, config) or f"{config}, {heading}: no result in this run"


# ---- the tables ----

def row_line(label: str, cells: list[str]) -> str:
    return "| " + " | ".join([label, *cells]) + " |"


def measured_cells(meta: dict[str, Any], data: Data, config: str,
                   table: paper_numbers.Table, notes: Notes) -> list[str]:
    row = data.get(config, {})
    out = []
    for metric, heading in table.columns:
        cell = row.get(metric)
        s = cell.summary if cell else None
        if s is None:
            out.append("n/a " + notes.mark(missing_reason(meta, config, heading, cell)))
        elif cell is not None and cell.errors:
            n_err, n_ok = len(cell.errors), len(cell.boot_medians)
            out.append(fmt(s.median) + " " + notes.mark(
                f"{config}, {heading}: from {n_ok} of {n_ok + n_err} boots; the others "
                "reported an error: " + "; ".join(sorted(set(cell.errors)))))
        else:
            out.append(fmt(s.median))
        if s is not None and s.noisy:
            out[-1] += NOISY_MARK
    return out


def peer_name(meta: dict[str, Any]) -> str:
    """'Xen 4.17.7+13-...' from the run's record of Debian's package."""
    x = meta.get("hypervisor", {}).get("xen", {})
    return f"Xen {x['version']}" if x.get("version") else "Xen 4.17"


def row_label(meta: dict[str, Any], config: str, notes: Notes) -> str:
    """The configuration's name; a configuration of mode xen is the
    measured reference peer, labelled so beside the paper's Xen row."""
    note = config_note(meta, config)
    mode = meta.get("configs", {}).get(config, {}).get("mode")
    ours = " (Xen 4.17, ours)" if mode == "xen" else ""
    return f"**{config}**{ours}" + (f" {notes.mark(note)}" if note else "")


def render_table(meta: dict[str, Any], data: Data, names: list[str],
                 table: paper_numbers.Table) -> list[str]:
    notes = Notes()
    base = base_config(meta, names)
    lines = [f"## Table {table.number}: {table.title}", "",
             row_line("Config", [h for _, h in table.columns]),
             row_line("---", ["---:"] * len(table.columns))]
    for p in REPORT_ROWS:
        lines.append(row_line(f"{p} (paper)", [fmt(PAPER[p][m]) for m in table.metrics]))
    for n in names:
        lines.append(row_line(row_label(meta, n, notes),
                              measured_cells(meta, data, n, table, notes)))
    geo: list[str] = []
    base_med = medians(data.get(base, {})) if base else {}
    for n in names:
        if base is None or n == base:
            continue
        med = medians(data.get(n, {}))
        rs = [ratio(med.get(m), base_med.get(m)) for m in table.metrics]
        lines.append(row_line(f"{n} / {base}", [fmt_ratio(r) for r in rs]))
        g = geomean([r for r in rs if r is not None])
        geo.append(f"{n} / {base} {fmt_ratio(g)}")
    prs = [ratio(PAPER[PAPER_VMM][m], PAPER[PAPER_BASE][m]) for m in table.metrics]
    lines.append(row_line(f"{PAPER_VMM} / {PAPER_BASE} (paper)", [fmt_ratio(r) for r in prs]))
    geo.append(f"{PAPER_VMM} / {PAPER_BASE} (paper) {fmt_ratio(geomean(prs))}")
    lines += ["", "Geometric mean of the ratios over the table's columns: "
              + "; ".join(geo) + "."]
    if any(NOISY_MARK in ln for ln in lines):
        lines += ["", f"{NOISY_MARK} noisy: the cell's samples spread more than "
                  f"{stats.NOISY_SPREAD:g}x (max/min); its 95% confidence interval is in "
                  "\"Statistics per metric\"."]
    if notes.texts:
        lines += ["", *notes.render()]
    return lines + [""]


# ---- the sections around the tables ----

def header(meta: dict[str, Any], run_label: str) -> list[str]:
    q, h = meta.get("qemu", {}), meta.get("host", {})
    k = meta.get("guest", {}).get("kernel", {})
    git = meta.get("git", {})
    plan = meta.get("plan", {})
    kernel = " ".join(str(k.get(x, "")) for x in ("package", "version")).strip() or "unknown"
    dirty = " (with uncommitted changes)" if git.get("dirty") else ""
    lines = [
        f"_Generated by `harness/pvx report` from `{run_label}`. Do not edit: "
        "rerun the experiment and the report._", "",
        "# SOSP'03 Tables 3-5 (lmbench), reproduced on PVX", "",
        f"- **Run:** experiment `{meta.get('experiment', {}).get('name', '?')}`, "
        f"status **{meta.get('status', '?')}**, {len(plan.get('configs', []))} "
        f"configuration(s) x {plan.get('reps', '?')} boot(s), "
        f"started {meta.get('start', '?')}, commit `{git.get('commit', '?')[:12]}`{dirty}.",
        f"- **Platform:** QEMU `{q.get('version', '?')}`, accelerator "
        f"**{str(q.get('accel', '?')).upper()}** ({q.get('accel_reason', '')}), "
        f"`-cpu {q.get('cpu', '?')}`, one vCPU; host CPU {h.get('cpu_model', '?')} "
        f"({h.get('cpus', '?')} CPUs), host kernel {h.get('kernel', '?').split(' #')[0]}, "
        f"load average {h.get('loadavg_start', '?')} at the start and "
        f"{h.get('loadavg_end', '?')} at the end (1, 5, 15 min).",
        f"- **Guest:** {kernel} (kernel {k.get('release', '?')}, config sha256 "
        f"`{str(k.get('config_sha256', ''))[:16]}`), "
        f"{meta.get('guest', {}).get('mem_mib', '?')} MiB, busybox initramfs.",
        f"- **Workload:** `{meta.get('workload', {}).get('command', '?')}` "
        "(workloads/lmbench-like: written from scratch after lmbench 3.0's "
        "methods; not lmbench, and its numbers are not lmbench results).",
        "- **Configurations:** " + "; ".join(
            f"`{n}`: {c.get('description') or c.get('mode', '')}"
            for n, c in meta.get("configs", {}).items()) + ".",
        "",
    ]
    if q.get("accel") == "tcg":
        lines += ["**Read the ratios, not the microseconds.** Under QEMU TCG every "
                  "guest instruction is translated in software, so the absolute times "
                  "below are not comparable with the paper's 2003 hardware. What a "
                  "reproduction can compare is the ratio of each configuration to "
                  "native Linux on the same emulator against the paper's Xen / L-UP "
                  "ratio. Even these are skewed: TCG makes some operations (page-table "
                  "switches, privileged instructions, traps) far dearer relative to "
                  "plain computation than real hardware does.", ""]
    if any(c.get("mode") == "xen" for c in meta.get("configs", {}).values()):
        lines += [f"**The reference peer.** Rows marked \"Xen 4.17, ours\" are Debian's "
                  f"{peer_name(meta)} (package xen-hypervisor-4.17-amd64) running the same "
                  "guest kernel and initramfs as domain 0, measured in this run on the same "
                  "QEMU as native and PVX: a 64-bit PV Linux on the real Xen, so its ratio "
                  "to native shows which costs belong to x86-64 PV under TCG and which to "
                  "PVX. The guest is the same; where the two hypervisors differ, the "
                  "difference is in their own paths (Xen's boot messages in the run's "
                  "console logs list its build and the mitigations it enabled).", ""]
    if any(c.get("mode") in ("pv", "xen") for c in meta.get("configs", {}).values()):
        lines += ["**x86-64 PV is not the paper's x86-32 Xen.** The paper's guests "
                  "took system calls straight into the guest kernel through a trap "
                  "gate (its Section 2.1.3). A 64-bit PV guest's kernel runs in ring 3 "
                  "with its own page tables, so every system call and trap enters the "
                  "hypervisor first and switches page tables to reach the guest "
                  "kernel, and back on return. Expect the PV / native ratio of the "
                  "system-call columns to be far above the paper's 1.0, most of all "
                  "under TCG, where a page-table switch empties QEMU's software TLB.",
                  ""]
    return lines + [
        f"Cells are medians in µs over all samples of all boots (each boot is a fresh "
        f"QEMU, so boot-to-boot variation is inside them); the 95% confidence interval "
        f"of every median and the spread of the boots' own medians are under \"Statistics "
        f"per metric\". The paper's rows are from {paper_numbers.SOURCE}. Ratio rows "
        f"divide medians of the same run.", ""]


def run_times(meta: dict[str, Any]) -> list[str]:
    lines = ["## Run time per configuration", "",
             "| config | status | boots | wall time | per boot |",
             "| --- | --- | ---: | ---: | ---: |"]
    for n, c in meta.get("configs", {}).items():
        boots = [r for r in c.get("reps", []) if "elapsed_s" in r]
        total = sum(float(r["elapsed_s"]) for r in boots)
        per = f"{total / len(boots):.1f} s" if boots else "-"
        lines.append(f"| {n} | {c.get('status', '?')} | {len(boots)} | {total:.1f} s | {per} |")
    return lines + ["", "Wall time per boot includes building the boot image, "
                        "QEMU start, GRUB, the kernel's boot and the workload.", ""]


def sanity_section(data: Data, names: list[str]) -> list[str]:
    lines = ["## Sanity checks", ""]
    for n in names:
        med = medians(data.get(n, {}))
        lines.append(f"**{n}**")
        lines.append("")
        for c in sanity.checks(med):
            vals = " < ".join(fmt(v) for v in c.values)
            lines.append(f"- {c.verdict}: {c.name}: {vals}")
        lines.append("")
    paper = [p for p in REPORT_ROWS if all(c.ok for c in sanity.checks(PAPER[p]))]
    lines += [f"The paper's {' and '.join(paper)} rows pass every check."
              if paper == REPORT_ROWS else
              "Not every paper row passes these checks (see paper_numbers.py).", ""]
    return lines


def ci_text(s: stats.Summary) -> str:
    if s.ci is None:
        return "-"
    text = f"{fmt(s.ci.lo)} to {fmt(s.ci.hi)}"
    return text if s.ci.level >= 0.95 else f"{text} ({s.ci.level:.1%})"


def spread_text(s: stats.Summary) -> str:
    return "inf (a sample <= 0)" if math.isinf(s.spread) else f"{s.spread:.2f}"


def statistics_section(data: Data, names: list[str]) -> list[str]:
    lines = ["## Statistics per metric", "",
             f"n samples pooled over boots; 95% confidence interval of the median from "
             f"order statistics (shown with its exact level when n is too small for "
             f"95%); spread = max/min over the samples, **noisy** when above "
             f"{stats.NOISY_SPREAD:g}; boot medians = each boot's median, min to max.", "",
             "| table | column | config | n | median | 95% CI | min | max | spread "
             "| boot medians | |",
             "| --- | --- | --- | ---: | ---: | --- | ---: | ---: | ---: | --- | --- |"]
    noisy: dict[str, list[str]] = {}
    for t in TABLES:
        for metric, heading in t.columns:
            for n in names:
                cell = data.get(n, {}).get(metric)
                s = cell.summary if cell else None
                if s is None:
                    lines.append(f"| {t.number} | {heading} | {n} | 0 | n/a | | | | | | |")
                    continue
                bm = cell.boot_medians
                boots = f"{fmt(min(bm))} to {fmt(max(bm))}" if len(bm) > 1 else "-"
                flag = "**noisy**" if s.noisy else ""
                if s.noisy:
                    noisy.setdefault(n, []).append(heading)
                lines.append(f"| {t.number} | {heading} | {n} | {s.n} | {fmt(s.median)} | "
                             f"{ci_text(s)} | {fmt(s.min)} | {fmt(s.max)} | "
                             f"{spread_text(s)} | {boots} | {flag} |")
    lines.append("")
    for n in names:
        flagged = noisy.get(n, [])
        lines.append(f"- {n}: {len(flagged)} of {len(paper_numbers.METRICS)} metrics noisy"
                     + (f" ({', '.join(flagged)})" if flagged else "") + ".")
    return lines + [""]


def render(meta: dict[str, Any], records: list[dict[str, Any]], run_label: str,
           figure_lines: list[str] | None = None) -> str:
    """The report's text; figure_lines (figures.markdown()) go between the
    tables and the sanity checks."""
    data = aggregate(records)
    names = config_names(meta, data)
    lines = header(meta, run_label)
    for t in TABLES:
        lines += render_table(meta, data, names, t)
    lines += figure_lines or []
    lines += sanity_section(data, names)
    lines += statistics_section(data, names)
    lines += run_times(meta)
    return "\n".join(lines).rstrip() + "\n"


def run_label(run: Path) -> str:
    try:
        return str(run.resolve().relative_to(paths.REPO))
    except ValueError:
        return str(run)


def cmd_report(args) -> int:
    try:
        run = Path(args.run_dir) if args.run_dir else results.newest()
        meta, records = results.load(run)
    except results.ResultsError as e:
        print(f"pvx report: {e}", file=sys.stderr)
        return 64
    out_dir = Path(args.out) if args.out else PAPER_DIR
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / OUTPUT
    data = aggregate(records)
    names = config_names(meta, data)
    figs = figures.make(out_dir, figures.medians_of(data), names,
                        base_config(meta, names), run_label(run))
    results.atomic_write(out, render(meta, records, run_label(run),
                                     figures.markdown(figs, out_dir)))
    print(f"pvx report: {out} from {run_label(run)} ({len(records)} records, "
          f"run {meta.get('status', '?')})", file=sys.stderr)
    for line in figures.describe(figs, out_dir):
        print(f"pvx report: figure {line}", file=sys.stderr)
    return 0

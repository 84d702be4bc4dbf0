"""`pvx report RUN_DIR` for a network run (workload iperf3): the SOSP'03
Table 6 as <out>/table-6.md, and the bandwidth-against-MTU figure
(<out>/figures/mtu.dat drawn by plots/mtu.gp).

Grouping: a configuration is one series (its name without a trailing
"-<mtu>", so native-1500 and native-500 are the series "native") at one
MTU. Each boot gives one value per direction, Mbit/s as the receiver
counted it (iperf.py); a cell is the median over boots, with the 95%
confidence interval of stats.py when there are enough boots. The ratio
row divides each PV series by the first native one at the same MTU and
direction. The paper's rows are its Linux and Xen (Table 6 has no
L-UP/L-SMP split), on Gigabit Ethernet between two machines; ours is a
tap link inside one host under an emulator, so only the ratios compare.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import exitcodes, figures, iperf, paths, results, stats
from .paper_numbers import TABLE6, TABLE6_ROWS, TABLE6_SOURCE
from .report import fmt, fmt_ratio, md_escape, run_label

OUTPUT = "table-6.md"
PAPER_DIR = paths.REPO / "paper"
DIRS = iperf.DIRECTIONS
DIR_TEXT = {"tx": "TX", "rx": "RX"}
PAPER, PAPER_ROWS, PAPER_SOURCE = TABLE6, TABLE6_ROWS, TABLE6_SOURCE


@dataclass
class Cell:
    values: list[float] = field(default_factory=list)      # one per boot
    errors: list[str] = field(default_factory=list)
    unsupported: bool = False

    @property
    def summary(self) -> stats.Summary | None:
        return stats.summarize(self.values) if self.values else None

    @property
    def median(self) -> float | None:
        s = self.summary
        return s.median if s else None


@dataclass
class Data:
    series: list[str]                                # in the run's order
    modes: dict[str, str]                            # series -> native | pv
    mtus: list[int]                                  # ascending
    cells: dict[tuple[str, int, str], Cell]          # (series, mtu, dir)
    failed: dict[tuple[str, int], str]               # configs without data: why

    def cell(self, s: str, mtu: int, d: str) -> Cell | None:
        return self.cells.get((s, mtu, d))

    @property
    def base(self) -> str | None:
        return next((s for s in self.series if self.modes[s] == "native"), None)


def series_of(name: str, mtu: int | None) -> str:
    """'native-1500' at MTU 1500 -> 'native'; other names stay."""
    suffix = f"-{mtu}"
    return name[:-len(suffix)] if mtu is not None and name.endswith(suffix) \
        and len(name) > len(suffix) else name


def aggregate(meta: dict[str, Any], records: list[dict[str, Any]]) -> Data:
    configs = meta.get("configs", {})
    series: list[str] = []
    modes: dict[str, str] = {}
    of: dict[str, tuple[str, int]] = {}
    for name, c in configs.items():
        mtu = c.get("mtu")
        if mtu is None:
            continue
        s = series_of(name, mtu)
        of[name] = (s, mtu)
        if s not in modes:
            series.append(s)
            modes[s] = c.get("mode", "?")
    cells: dict[tuple[str, int, str], Cell] = {}
    for r in records:
        if r.get("suite") != iperf.SUITE or r["config"] not in of:
            continue
        s, mtu = of[r["config"]]
        cell = cells.setdefault((s, mtu, r.get("direction", "?")), Cell())
        if "error" in r:
            cell.errors.append(str(r["error"]))
            cell.unsupported |= bool(r.get("unsupported"))
        elif isinstance(r.get("value"), (int, float)):
            cell.values.append(float(r["value"]))
    failed = {}
    for name, (s, mtu) in of.items():
        c = configs[name]
        if c.get("status") == "failed" or not any(cells.get((s, mtu, d)) for d in DIRS):
            failed[(s, mtu)] = c.get("reason") or f"no result ({c.get('status', '?')})"
    mtus = sorted({m for _, m in of.values()})
    return Data(series, modes, mtus, cells, failed)


def ratio(data: Data, s: str, mtu: int, d: str) -> float | None:
    base = data.base
    if base is None or s == base:
        return None
    a, b = data.cell(s, mtu, d), data.cell(base, mtu, d)
    am, bm = (a.median if a else None), (b.median if b else None)
    return am / bm if am is not None and bm else None


def paper_ratio(mtu: int, d: str) -> float | None:
    x, l = PAPER["Xen"].get((mtu, d)), PAPER["Linux"].get((mtu, d))
    return x / l if x and l else None


# ---- text ----

class Notes:
    def __init__(self) -> None:
        self.texts: list[str] = []

    def mark(self, text: str) -> str:
        if text not in self.texts:
            self.texts.append(text)
        return f"[{self.texts.index(text) + 1}]"


def cell_text(data: Data, s: str, mtu: int, d: str, notes: Notes) -> str:
    c = data.cell(s, mtu, d)
    if c is None or not c.values:
        if c is not None and c.unsupported:
            return "not supported " + notes.mark(f"{s}, MTU {mtu}: " + sorted(set(c.errors))[0])
        if c is not None and c.errors:
            return "n/a " + notes.mark(f"{s}, MTU {mtu}, {DIR_TEXT.get(d, d)}: "
                                       + "; ".join(sorted(set(c.errors))))
        why = data.failed.get((s, mtu), "not in this run")
        return "n/a " + notes.mark(f"{s}, MTU {mtu}: {why}")
    text = fmt(c.median)
    if c.errors:
        text += " " + notes.mark(f"{s}, MTU {mtu}, {DIR_TEXT.get(d, d)}: from "
                                 f"{len(c.values)} of {len(c.values) + len(c.errors)} boots; "
                                 + "; ".join(sorted(set(c.errors))))
    return text


def row(label: str, cells: list[str]) -> str:
    return "| " + " | ".join([label, *cells]) + " |"


def table(data: Data, mtus: list[int], with_paper: bool, notes: Notes) -> list[str]:
    cols = [(m, d) for m in mtus for d in DIRS]
    lines = [row("Config", [f"MTU {m} {DIR_TEXT[d]}" for m, d in cols]),
             row("---", ["---:"] * len(cols))]
    if with_paper:
        for p in PAPER_ROWS:
            lines.append(row(f"{p} (paper)", [fmt(PAPER[p].get(c)) for c in cols]))
    for s in data.series:
        lines.append(row(f"**{s}**", [cell_text(data, s, m, d, notes) for m, d in cols]))
    base = data.base
    for s in data.series:
        if base is not None and s != base:
            lines.append(row(f"{s} / {base}",
                             [fmt_ratio(ratio(data, s, m, d)) for m, d in cols]))
    if with_paper:
        lines.append(row("Xen / Linux (paper)", [fmt_ratio(paper_ratio(m, d)) for m, d in cols]))
    return lines


def header(meta: dict[str, Any], label: str) -> list[str]:
    q, h = meta.get("qemu", {}), meta.get("host", {})
    k = meta.get("guest", {}).get("kernel", {})
    git = meta.get("git", {})
    plan = meta.get("plan", {})
    params = plan.get("params", {})
    kernel = " ".join(str(k.get(x, "")) for x in ("package", "version")).strip() or "unknown"
    window = params.get("window")
    offload = params.get("offload", True) is not False
    return [
        f"_Generated by `harness/pvx report` from `{label}`. Do not edit: rerun the "
        "experiment and the report._", "",
        "# SOSP'03 Table 6 (TCP bandwidth), reproduced on PVX", "",
        f"- **Run:** experiment `{meta.get('experiment', {}).get('name', '?')}`, status "
        f"**{meta.get('status', '?')}**, {plan.get('reps', '?')} boot(s) per configuration, "
        f"started {meta.get('start', '?')}, commit `{str(git.get('commit', '?'))[:12]}`"
        + (" (with uncommitted changes)" if git.get("dirty") else "") + ".",
        f"- **Platform:** QEMU `{q.get('version', '?')}`, accelerator "
        f"**{str(q.get('accel', '?')).upper()}** ({q.get('accel_reason', '')}), "
        f"`-cpu {q.get('cpu', '?')}`, one vCPU; host CPU {h.get('cpu_model', '?')} "
        f"({h.get('cpus', '?')} CPUs), load average {h.get('loadavg_start', '?')} at the "
        f"start and {h.get('loadavg_end', '?')} at the end.",
        f"- **Guest:** {kernel} (kernel {k.get('release', '?')}), "
        f"{meta.get('guest', {}).get('mem_mib', '?')} MiB, busybox initramfs with iperf3.",
        f"- **Link:** QEMU `virtio-net-pci` on a tap device in a network namespace of the "
        f"host (192.0.2.1/24), the guest at 192.0.2.2/24, the same MTU on both ends. "
        f"Natively Linux's virtio_net drives the NIC; on PVX, PVX drives it and the guest "
        f"uses xen-netfront. The peer is `iperf3 -s` on the host. "
        + ("The NIC offers checksum and segmentation offload (QEMU's defaults)."
           if offload else "The NIC offers **no** checksum or segmentation offload "
           "(`offload = false`): every frame is MTU-sized, as on the paper's NICs."),
        f"- **Workload:** `iperf3 -c 192.0.2.1 -t {params.get('time_s', 10)}` "
        + (f"`-w {window}` " if window else "(default socket buffers) ")
        + "once per direction per boot: TX = the guest sends, RX = `-R`, the guest "
        "receives. Mbit/s (10^6 bit/s) as the receiver counted them.",
        "",
        "**Read the ratios.** The paper measured ttcp between two machines over Gigabit "
        "Ethernet (400 MB, 128 kB socket buffers, median of 9). Here both ends share one "
        "host and the guest runs under QEMU; the link is a tap device with no wire speed, "
        "so absolute numbers reflect the emulator's and the host's CPU, not a NIC. "
        "virtio-net also offers segmentation offload (TSO/GSO), so a small MTU costs the "
        "guest far fewer packets than it cost the paper's machines"
        + (" (`harness/pvx iperf --no-offload` turns it off)." if offload else "; this "
           "run turned it off."),
        "",
        f"Cells are medians over boots; the paper's rows are from {PAPER_SOURCE}.", ""]


def stats_section(data: Data) -> list[str]:
    lines = ["## Statistics", "",
             "One value per boot; 95% confidence interval of the median from order "
             "statistics (stats.py), shown from 5 boots on (with its exact level below "
             f"6 boots); spread = max / min, **noisy** above {stats.NOISY_SPREAD:g}: "
             "under TCG on a shared host, other guests' CPU use moves these numbers more "
             "than the MTU does, so read them with the host's load average above.", "",
             "| config | MTU | dir | n | median | 95% CI | min | max | spread | |",
             "| --- | ---: | --- | ---: | ---: | --- | ---: | ---: | ---: | --- |"]
    for s in data.series:
        for m in data.mtus:
            for d in DIRS:
                c = data.cell(s, m, d)
                st = c.summary if c else None
                if st is None:
                    continue
                ci = "-" if st.ci is None else f"{fmt(st.ci.lo)} to {fmt(st.ci.hi)}" + \
                    ("" if st.ci.level >= 0.95 else f" ({st.ci.level:.1%})")
                lines.append(f"| {s} | {m} | {DIR_TEXT[d]} | {st.n} | {fmt(st.median)} | "
                             f"{ci} | {fmt(st.min)} | {fmt(st.max)} | {st.spread:.2f} | "
                             + ("**noisy** |" if st.noisy else " |"))
    return lines + [""]


def run_times(meta: dict[str, Any]) -> list[str]:
    lines = ["## Boots", "", "| config | status | boots | per boot | reason |",
             "| --- | --- | ---: | ---: | --- |"]
    for n, c in meta.get("configs", {}).items():
        boots = [r for r in c.get("reps", []) if "elapsed_s" in r]
        per = f"{sum(float(r['elapsed_s']) for r in boots) / len(boots):.1f} s" if boots else "-"
        lines.append(f"| {n} | {c.get('status', '?')} | {len(boots)} | {per} | "
                     f"{md_escape(str(c.get('reason', ''))[:300])} |")
    return lines + [""]


def render(meta: dict[str, Any], records: list[dict[str, Any]], label: str,
           figure_lines: list[str] | None = None) -> str:
    data = aggregate(meta, records)
    notes = Notes()
    lines = header(meta, label)
    paper_mtus = [m for m in iperf.PAPER_MTUS]
    lines += ["## Table 6: TCP bandwidth in Mbit/s (larger is better)", ""]
    lines += table(data, paper_mtus, True, notes) + [""]
    if not any(m == "pv" for m in data.modes.values()):
        lines += ["This run has no PV configuration, so no PV / native ratio: the table "
                  "gives native Linux on this link beside the paper's rows.", ""]
    others = [m for m in data.mtus if m not in paper_mtus]
    if others:
        lines += ["## Every MTU of the run", ""]
        lines += table(data, data.mtus, False, notes) + [""]
    if notes.texts:
        lines += [f"{i}. {md_escape(t)}" for i, t in enumerate(notes.texts, 1)] + [""]
    lines += figure_lines or []
    lines += stats_section(data) + run_times(meta)
    return "\n".join(lines).rstrip() + "\n"


def summary_lines(meta: dict[str, Any], records: list[dict[str, Any]]) -> list[str]:
    """The end-of-run summary on stdout: Mbit/s per series and MTU, and
    the PV / native ratios."""
    data = aggregate(meta, records)
    out = [f"{'config':<14} {'MTU':>5} {'TX Mbit/s':>12} {'RX Mbit/s':>12}"]
    for s in data.series:
        for m in data.mtus:
            cells = []
            for d in DIRS:
                c = data.cell(s, m, d)
                if c is not None and c.values:
                    cells.append(fmt(c.median))
                elif c is not None and c.unsupported:
                    cells.append("not supported")
                elif (s, m) in data.failed:
                    cells.append("failed")
                else:
                    cells.append("n/a")
            out.append(f"{s:<14} {m:>5} {cells[0]:>12} {cells[1]:>12}")
    base = data.base
    for s in data.series:
        if base is None or s == base:
            continue
        for m in data.mtus:
            rs = [fmt_ratio(ratio(data, s, m, d)) for d in DIRS]
            out.append(f"{s + '/' + base:<14} {m:>5} {rs[0]:>12} {rs[1]:>12}")
    return out


# ---- the figure ----

MTU_TITLE = "Figure: TCP bandwidth against the MTU"
MTU_CAPTION = (
    "Top: iperf3 TCP bandwidth (Mbit/s, median over boots, bars from min to max) "
    "against the link's MTU (log scale), TX solid and a little left of its MTU, RX "
    "dashed and a little right, one colour per configuration; the open symbols are the paper's Table 6 (Linux and Xen, Gigabit "
    "Ethernet, ttcp). Bottom: each PV configuration divided by native at the same MTU, "
    "with the paper's Xen / Linux; 1 means no cost. A missing point is an MTU the guest "
    "did not support or a run without data (the table says which).")


def dat_num(v: float | None) -> str:
    return figures.num(v, positive=True)


def mtu_dat(data: Data, label: str) -> str:
    """Blocks (gnuplot index): 0 the paper, 1 the ratios to native, then
    one per series; every block starts with a header row."""
    lines = ["# PVX figure data: mtu (plots/mtu.gp), written by `harness/pvx report`.",
             f"# Run: {label}.",
             "# Block 0: the paper's Table 6 (Mb/s): mtu, Linux TX, Linux RX, Xen TX, Xen RX.",
             "# Block 1: ratios to the first native configuration, by MTU: mtu, then per "
             "PV configuration its TX and RX ratio, then the paper's Xen / Linux TX and RX.",
             "# Blocks 2..: one per configuration, native first, then block 1's order: mtu, "
             "TX median, min, max, RX median, min, max (Mbit/s over boots).",
             f"# {figures.MISSING} = no value.", ""]
    lines.append("\t".join(["mtu"] + [f"{p} {DIR_TEXT[d]} (paper)" for p in PAPER_ROWS
                                      for d in DIRS]))
    for m in sorted(iperf.PAPER_MTUS):
        lines.append("\t".join([str(m)] + [dat_num(PAPER[p].get((m, d)))
                                          for p in PAPER_ROWS for d in DIRS]))
    base = data.base
    pvs = [s for s in data.series if s != base]
    lines += ["", "", "\t".join(["mtu"] + [f"{s} {DIR_TEXT[d]}" for s in pvs for d in DIRS]
                                + ["paper TX", "paper RX"])]
    for m in sorted(set(data.mtus) | set(iperf.PAPER_MTUS)):
        lines.append("\t".join([str(m)] + [dat_num(ratio(data, s, m, d)) for s in pvs
                                          for d in DIRS]
                               + [dat_num(paper_ratio(m, d)) for d in DIRS]))
    for s in ([base] if base else []) + pvs:
        lines += ["", "", "\t".join(["mtu"] + [f"{s} {DIR_TEXT[d]}{x}" for d in DIRS
                                               for x in ("", " min", " max")])]
        for m in data.mtus:
            vals = []
            for d in DIRS:
                c = data.cell(s, m, d)
                st = c.summary if c else None
                vals += [dat_num(st.median if st else None), dat_num(st.min if st else None),
                         dat_num(st.max if st else None)]
            lines.append("\t".join([str(m)] + vals))
    return "\n".join(lines) + "\n"


def make_figure(out_dir: Path, data: Data, label: str) -> figures.Figure:
    fig_dir = out_dir / figures.SUBDIR
    fig_dir.mkdir(parents=True, exist_ok=True)
    dat = fig_dir / "mtu.dat"
    results.atomic_write(dat, mtu_dat(data, label))
    ok, why = figures.draw(figures.PLOTS_DIR / "mtu.gp", dat, fig_dir / "mtu")
    return figures.Figure("mtu", MTU_TITLE, MTU_CAPTION, dat, ok, why)


# ---- the command ----

def is_network(meta: dict[str, Any]) -> bool:
    return meta.get("workload", {}).get("kind") == "iperf3"


def wants(run_dir: str | None) -> bool:
    """Whether `pvx report [RUN_DIR]` is for a network run."""
    try:
        run = Path(run_dir) if run_dir else results.newest()
        meta = results.load(run)[0]
    except results.ResultsError:
        return False
    return is_network(meta)


def cmd_report(args) -> int:
    try:
        run = Path(args.run_dir) if args.run_dir else results.newest()
        meta, records = results.load(run)
    except results.ResultsError as e:
        print(f"pvx report: {e}", file=sys.stderr)
        return exitcodes.USAGE
    out_dir = Path(args.out) if args.out else PAPER_DIR
    label = run_label(run)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        fig = make_figure(out_dir, aggregate(meta, records), label)
        out = out_dir / OUTPUT
        results.atomic_write(out, render(meta, records, label,
                                         figures.markdown([fig], out_dir)))
    except OSError as e:
        print(f"pvx report: cannot write to {out_dir}: {e.strerror}", file=sys.stderr)
        return 1
    print(f"pvx report: {out} from {label} ({len(records)} records, run "
          f"{meta.get('status', '?')})", file=sys.stderr)
    for line in figures.describe([fig], out_dir):
        print(f"pvx report: figure {line}", file=sys.stderr)
    return 0

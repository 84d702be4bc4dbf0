"""The report's figures: data files under <out>/figures/ and the gnuplot
scripts in plots/ that draw them (plots/README.md describes both).

  relative   Figure 3 style: every Tables 3-5 column, each configuration's
             median time divided by native's, beside the paper's Xen / L-UP
             (plots/relative.gp)
  batching   fork+exec latency and page-table hypercalls per fork against
             the page-table update batch size, from the batching
             experiment's batching.dat in the output directory
             (plots/batching.gp)

figures/relative.dat is tab-separated text: '#' comment lines first (what
the file is, which run it came from, what each column is), then one block
per table, each starting with a header row that gnuplot reads for the
legend. A missing value is written "?", which relative.gp declares with
`set datafile missing "?"`. The data file is written whether or not
gnuplot is installed; drawing needs gnuplot (Debian package gnuplot-nox),
and without it the report says so instead of showing the figure. The
batching figure reads batching.dat as batching.py writes it ("NaN" for no
value), after a check of its column names (BATCHING_COLUMNS).

Each script is run as
  gnuplot -e "datafile='DATA'; outfile='<out>/figures/NAME'" plots/NAME.gp
and writes outfile.png (pngcairo, or gnuplot's plain png terminal when
cairo is missing) and outfile.pdf (pdfcairo, when present).
"""
from __future__ import annotations

import math
import os
import re
import shutil
import statistics
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

from . import paths
from .paper_numbers import PAPER, PAPER_BASE, PAPER_VMM, TABLES
from .results import atomic_write

PLOTS_DIR = paths.REPO / "plots"
SUBDIR = "figures"
MISSING = "?"
GNUPLOT_TIMEOUT_S = 120
BATCHING_DAT = "batching.dat"
PAPER_SERIES = f"{PAPER_VMM} / {PAPER_BASE} (paper)"


def num(v: float | None, positive: bool = False) -> str:
    """A value for a data file: 4 significant digits, or MISSING when there
    is none (None, NaN, infinite, or not positive when `positive`: the log
    axes cannot show it)."""
    if v is None or not math.isfinite(v) or (positive and v <= 0):
        return MISSING
    return f"{v:.4g}"


def tick_label(heading: str, width: int) -> str:
    """The paper's column heading for a tick label: headings longer than
    `width` are broken into two lines at the space nearest their middle
    (written as the two characters backslash n, which gnuplot turns into a
    line break)."""
    spaces = [i for i, ch in enumerate(heading) if ch == " "]
    if len(heading) <= width or not spaces:
        return heading
    cut = min(spaces, key=lambda i: abs(i - len(heading) / 2))
    return heading[:cut] + "\\n" + heading[cut + 1:]


def clean(text: str) -> str:
    """A header cell or comment: no tabs or line breaks."""
    return re.sub(r"[\t\r\n]+", " ", str(text))


# ---- relative: Figure 3 style ----

RELATIVE_FIXED = ["slot", "table", "metric", "column", "label", PAPER_SERIES]


def geomean(values: Sequence[float | None]) -> float | None:
    """Of the positive values; None when there is none (as the report's)."""
    vals = [v for v in values if v is not None and math.isfinite(v) and v > 0]
    return statistics.geometric_mean(vals) if vals else None


GEOMEAN = "geomean"


def relative_rows(medians: Mapping[str, Mapping[str, float]], configs: Sequence[str],
                  base: str) -> list[list[str]]:
    """One row per Tables 3-5 column, in the paper's order, and after each
    table's columns a row (metric GEOMEAN) with the geometric mean of that
    table's ratios. A row: the slot (0-based position within its table,
    the bar group's x), the table, the metric, the paper's heading, the
    tick label, the paper's Xen / L-UP and then, per configuration, its
    median / the base's median."""
    base_med = medians.get(base, {})
    rows = []
    for t in TABLES:
        # Table 3's ten columns leave room for about one word per line
        width = 4 if len(t.columns) > 7 else 9
        ratios: list[list[float | None]] = []
        for metric in t.metrics:
            rs: list[float | None] = [PAPER[PAPER_VMM][metric] / PAPER[PAPER_BASE][metric]]
            for c in configs:
                v, b = medians.get(c, {}).get(metric), base_med.get(metric)
                rs.append(v / b if v is not None and b is not None and b > 0 else None)
            ratios.append(rs)
        for slot, ((metric, heading), rs) in enumerate(zip(t.columns, ratios)):
            rows.append([str(slot), str(t.number), metric, heading,
                         tick_label(heading, width), *(num(r, positive=True) for r in rs)])
        means = [geomean([rs[i] for rs in ratios]) for i in range(len(configs) + 1)]
        rows.append([str(len(t.columns)), str(t.number), GEOMEAN, "geometric mean",
                     "geo.\\nmean", *(num(m, positive=True) for m in means)])
    return rows


def relative_text(medians: Mapping[str, Mapping[str, float]], configs: Sequence[str],
                  base: str, run: str, left_out: Sequence[str] = ()) -> str:
    """The data file: one block per table (two blank lines between blocks,
    gnuplot's `index`), each starting with the header row."""
    comments = [
        "PVX figure data: relative (plots/relative.gp), written by `harness/pvx report`.",
        f"Run: {run}.",
        "One row per column of the SOSP'03 Tables 3-5 (lmbench), in the paper's order; "
        "one block per table, each with its header row.",
        f"Ratios are time / time (smaller is better for every column): each "
        f"configuration's median over all samples of all boots divided by {base}'s "
        f"median; {PAPER_SERIES} is the paper's Xen row divided by its L-UP row.",
        f"{MISSING} = no value (no data in the run, or a median that is not positive).",
        f"The last row of each block (metric {GEOMEAN}) is the geometric mean of the "
        "block's ratios (of those present).",
        "Columns:",
        "  slot     position of the column within its table, from 0 (the bar group's x)",
        "  table    the paper's table number (3, 4 or 5)",
        "  metric   workloads/lmbench-like metric name",
        "  column   the paper's column heading",
        "  label    tick label (\\n = line break)",
        f"  {PAPER_SERIES}",
        *[f"  {c}  {c} / {base}" for c in configs],
    ]
    if left_out:
        comments.append("Left out, without a single ratio: " + ", ".join(left_out) + ".")
    header = "\t".join(clean(h) for h in RELATIVE_FIXED + list(configs))
    out = ["# " + clean(c) for c in comments]
    rows = relative_rows(medians, configs, base)
    for i, t in enumerate(TABLES):
        if i:
            out += ["", ""]
        out.append(header)
        out += ["\t".join(r) for r in rows if r[1] == str(t.number)]
    return "\n".join(out) + "\n"


# ---- batching: fork+exec vs batch size ----

# <out>/batching.dat as `harness/pvx report-batching` writes it
# (batching.py, render_dat): '#' comments, the last of which is the
# tab-separated list of column names, then one row per configuration,
# "NaN" where there is no value. plots/batching.gp reads these columns by
# number; make_batching checks the names first, so a changed layout skips
# the figure with a note instead of drawing the wrong columns.
BATCHING_COLUMNS = {2: "config", 3: "label", 4: "batch_limit",
                    5: "fork_us", 6: "fork_us_min", 7: "fork_us_max",
                    9: "exec_us", 10: "exec_us_min", 11: "exec_us_max",
                    17: "fork_pt_hypercalls", 22: "exec_pt_hypercalls"}


def batching_problem(text: str) -> str | None:
    """Why plots/batching.gp cannot draw this batching.dat, or None."""
    names: list[str] = []
    rows: list[list[str]] = []
    for line in text.splitlines():
        if line.startswith("#"):
            fields = line[1:].strip().split("\t")
            if len(fields) > 1:
                names = fields
        elif line.strip():
            rows.append(line.split("\t"))
    wrong = [f"column {i} is {names[i - 1] if i <= len(names) else 'absent'}, not {n}"
             for i, n in BATCHING_COLUMNS.items()
             if i > len(names) or names[i - 1] != n]
    if wrong:
        return ("its columns are not the ones plots/batching.gp reads ("
                + "; ".join(wrong[:3]) + ("; ..." if len(wrong) > 3 else "") + ")")
    points = [r for r in rows if len(r) >= len(names) and r[2].startswith("batch_")
              and _positive(r[3])]
    if not points:
        return "it has no batch_N row with a batch limit"
    return None


def batching_source(text: str) -> str | None:
    """The run a batching.dat names in its first comments ("... from RUN;")."""
    for line in text.splitlines()[:5]:
        m = re.match(r"#.*\bfrom (\S+?);", line)
        if m:
            return m.group(1)
    return None


def _positive(text: str) -> bool:
    try:
        v = float(text)
    except ValueError:
        return False
    return math.isfinite(v) and v > 0


# ---- drawing ----

def gnuplot() -> str | None:
    return shutil.which("gnuplot")


def gp_string(s: str) -> str:
    """A gnuplot single-quoted string ('' is a quote inside one)."""
    return "'" + s.replace("'", "''") + "'"


def draw(script: Path, datafile: Path, outstem: Path,
         exe: str | None = None) -> tuple[bool, str]:
    """Runs one plots/*.gp script: (True, "") when it wrote outstem.png, else
    (False, why)."""
    png = outstem.with_suffix(".png")
    for f in (png, outstem.with_suffix(".pdf")):       # never show a stale drawing
        f.unlink(missing_ok=True)
    exe = exe or gnuplot()
    if exe is None:
        return False, "gnuplot is not installed (Debian: apt-get install gnuplot-nox)"
    cmd = [exe, "-e", f"datafile={gp_string(str(datafile))}; "
                      f"outfile={gp_string(str(outstem))}", str(script)]
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, timeout=GNUPLOT_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired) as e:
        return False, f"gnuplot failed: {e}"
    if p.returncode != 0 or not png.is_file():
        tail = " / ".join(p.stdout.strip().splitlines()[-3:])
        return False, f"gnuplot {script.name} exited {p.returncode}: {tail}"
    return True, ""


@dataclass
class Figure:
    name: str                 # relative, batching
    title: str
    caption: str
    data: Path | None         # the data file, when written
    drawn: bool
    note: str                 # why not drawn, or ""

    def png(self, out_dir: Path) -> Path:
        return out_dir / SUBDIR / f"{self.name}.png"

    def pdf(self, out_dir: Path) -> Path:
        return out_dir / SUBDIR / f"{self.name}.pdf"


RELATIVE_TITLE = "Figure: Tables 3-5 relative to native Linux"
BATCHING_TITLE = "Figure: fork+exec against the page-table update batch size"


def relative_caption(base: str) -> str:
    return (f"Each group of bars is one column of Tables 3-5 and each bar one "
            f"configuration's median time divided by {base}'s (the ratio rows of the "
            f"tables), drawn from 1 on a log scale: a bar above the line at 1 is slower "
            f"than {base}, one below it faster, and a ratio within a few percent of 1 "
            f"leaves no visible bar; \"n/a\" marks a configuration without a value for "
            f"the column (the tables' notes say why). The hatched bar is the paper's {PAPER_VMM} / "
            f"{PAPER_BASE} for the same column; the last group of each panel is the "
            f"geometric mean over the table's columns. The paper's Figure 3 plots "
            f"scores relative to Linux for macro benchmarks, where higher is better; "
            f"these are times, so here lower is better.")


def plotted(medians: Mapping[str, Mapping[str, float]], configs: Sequence[str],
            base: str) -> tuple[list[str], list[str]]:
    """(configurations with at least one ratio, those with none): a series
    without a single point would silently drop out of gnuplot's key, so it
    is left out of the data file and named in the caption instead."""
    base_med = medians.get(base, {})
    have, empty = [], []
    for c in configs:
        med = medians.get(c, {})
        ok = any(med.get(m) is not None and base_med.get(m, 0) > 0
                 and num(med[m] / base_med[m], positive=True) != MISSING
                 for t in TABLES for m in t.metrics)
        (have if ok else empty).append(c)
    return have, empty


def make_relative(out_dir: Path, medians: Mapping[str, Mapping[str, float]],
                  names: Sequence[str], base: str | None, run: str,
                  exe: str | None) -> Figure:
    if base is None:
        return Figure("relative", RELATIVE_TITLE, "", None, False,
                      "the run has no native configuration to divide by")
    configs, empty = plotted(medians, [n for n in names if n != base], base)
    fig_dir = out_dir / SUBDIR
    fig_dir.mkdir(parents=True, exist_ok=True)
    dat = fig_dir / "relative.dat"
    atomic_write(dat, relative_text(medians, configs, base, run, empty))
    ok, why = draw(PLOTS_DIR / "relative.gp", dat, fig_dir / "relative", exe)
    caption = relative_caption(base)
    if empty:
        caption += (" Not in the figure, for want of any ratio (the tables say why): "
                    + ", ".join(empty) + ".")
    return Figure("relative", RELATIVE_TITLE, caption, dat, ok, why)


BATCHING_CAPTION = (
    "Top: latency per process of fork+exit (lmb fork_proc: fork, exit, wait) and "
    "fork+execve (exec_proc: fork, execve, wait), the median with bars from the "
    "minimum to the maximum, against the guest's batch limit `xen_mmu_batch=N`, the "
    "most page-table updates one hypercall may carry (log2 axis); the dashed lines "
    "are native Linux. Bottom: page-table hypercalls into PVX per process "
    "(multicalls, mmu_update, mmuext_op and update_va_mapping). The open diamonds (medians) "
    "are the guest without `xen_mmu_batch` (Linux's own limit, 31). XenoLinux "
    "batched up to 2048 updates per hypercall (SOSP'03, Section 4.2); Linux 6.1 "
    "queues at most 31, and only inside lazy MMU mode.")


def make_batching(out_dir: Path, exe: str | None) -> Figure:
    """The batching figure from out_dir/batching.dat, drawn straight from
    that file."""
    src = out_dir / BATCHING_DAT
    if not src.is_file():
        return Figure("batching", BATCHING_TITLE, "", None, False,
                      f"there is no {BATCHING_DAT} in this directory yet "
                      "(`harness/pvx report-batching` writes it from a run of the "
                      "batching experiment)")
    source = None
    try:
        text = src.read_text()
        problem, source = batching_problem(text), batching_source(text)
    except (OSError, UnicodeDecodeError) as e:
        problem = f"it cannot be read: {e}"
    if problem is not None:
        return Figure("batching", BATCHING_TITLE, "", src, False,
                      f"{BATCHING_DAT} is here, but {problem}")
    fig_dir = out_dir / SUBDIR
    fig_dir.mkdir(parents=True, exist_ok=True)
    ok, why = draw(PLOTS_DIR / "batching.gp", src, fig_dir / "batching", exe)
    caption = (f"From the batching run `{source}` ({BATCHING_DAT}), not from this "
               f"report's run. " if source else "") + BATCHING_CAPTION
    return Figure("batching", BATCHING_TITLE, caption, src, ok, why)


def make(out_dir: Path, medians: Mapping[str, Mapping[str, float]],
         names: Sequence[str], base: str | None, run: str) -> list[Figure]:
    """Writes every figure's data under out_dir/figures and draws it when
    gnuplot is installed."""
    exe = gnuplot()
    return [make_relative(out_dir, medians, names, base, run, exe),
            make_batching(out_dir, exe)]


def rel(path: Path, start: Path) -> str:
    return Path(os.path.relpath(path, start)).as_posix()


def markdown(figures: Sequence[Figure], out_dir: Path) -> list[str]:
    """The report's section for the figures, links relative to out_dir."""
    lines: list[str] = []
    for f in figures:
        lines += [f"## {f.title}", ""]
        script = f"`plots/{f.name}.gp`"
        if f.drawn:
            lines += [f"![{f.title.split(': ', 1)[-1]}]({rel(f.png(out_dir), out_dir)})", ""]
        else:
            lines += [f"_Not drawn: {f.note}._", ""]
        if f.caption:
            lines += [f.caption, ""]
        links = []
        if f.drawn and f.pdf(out_dir).is_file():
            links.append(f"PDF [{rel(f.pdf(out_dir), out_dir)}]"
                         f"({rel(f.pdf(out_dir), out_dir)})")
        if f.data is not None:
            links.append(f"data [{rel(f.data, out_dir)}]({rel(f.data, out_dir)})")
        if f.data is not None or f.drawn:
            links.append(f"script {script}")
            lines += ["Files: " + ", ".join(links) + ".", ""]
    return lines


def describe(figures: Sequence[Figure], out_dir: Path) -> list[str]:
    """One line per figure for the command's stderr."""
    out = []
    for f in figures:
        if f.drawn:
            out.append(f"{f.png(out_dir)}")
        else:
            out.append(f"{f.name}: not drawn: {f.note}")
    return out


def medians_of(data: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, float]]:
    """config -> metric -> median, from report.Data (cells with a summary)."""
    return {c: {m: cell.summary.median for m, cell in row.items()
                if cell.summary is not None} for c, row in data.items()}

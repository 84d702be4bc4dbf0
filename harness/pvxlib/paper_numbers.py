"""The SOSP'03 paper's Tables 3-5 (lmbench, Section 4.2): the columns in
the paper's order, keyed by the metric names of workloads/lmbench-like,
and the published rows.

Source: "Xen and the Art of Virtualization", Barham et al., SOSP 2003,
PDF page 10, as transcribed in ../shared/reference/paper-numbers.md
section 1 (source S1 there, every cell confirmed against the PDF).
The paper's "4k2" notation is written out (4200). All values are
microseconds per operation, smaller is better.
"""
from __future__ import annotations

from dataclasses import dataclass

SOURCE = ("Barham et al., \"Xen and the Art of Virtualization\", SOSP 2003, "
          "Tables 3-5 (PDF page 10), via ../shared/reference/paper-numbers.md §1")


@dataclass(frozen=True)
class Table:
    number: int
    title: str
    columns: list[tuple[str, str]]     # (metric name, the paper's heading)

    @property
    def metrics(self) -> list[str]:
        return [m for m, _ in self.columns]


TABLES = [
    Table(3, "lmbench: Processes - times in µs (smaller is better)", [
        ("null_call", "null call"), ("null_io", "null I/O"), ("stat", "stat"),
        ("open_close", "open close"), ("select_tcp", "slct TCP"),
        ("sig_install", "sig inst"), ("sig_handler", "sig hndl"),
        ("fork_proc", "fork proc"), ("exec_proc", "exec proc"),
        ("sh_proc", "sh proc")]),
    Table(4, "lmbench: Context switching times in µs", [
        ("ctx_2p_0k", "2p 0K"), ("ctx_2p_16k", "2p 16K"), ("ctx_2p_64k", "2p 64K"),
        ("ctx_8p_16k", "8p 16K"), ("ctx_8p_64k", "8p 64K"),
        ("ctx_16p_16k", "16p 16K"), ("ctx_16p_64k", "16p 64K")]),
    Table(5, "lmbench: File & VM system latencies in µs", [
        ("fs_create_0k", "0K File create"), ("fs_delete_0k", "0K File delete"),
        ("fs_create_10k", "10K File create"), ("fs_delete_10k", "10K File delete"),
        ("mmap_lat", "Mmap lat"), ("prot_fault", "Prot fault"),
        ("page_fault", "Page fault")]),
]

METRICS = [m for t in TABLES for m in t.metrics]


def _row(values: list[float]) -> dict[str, float]:
    assert len(values) == len(METRICS)
    return dict(zip(METRICS, values))


# Rows in the paper's order; Table 3, then 4, then 5, column by column.
PAPER: dict[str, dict[str, float]] = {
    "L-SMP": _row([0.53, 0.81, 2.10, 3.51, 23.2, 0.83, 2.94, 143, 601, 4200,
                   1.69, 1.88, 2.03, 2.36, 26.8, 4.79, 38.4,
                   44.9, 24.2, 123, 45.2, 99.0, 1.33, 1.88]),
    "L-UP": _row([0.45, 0.50, 1.28, 1.92, 5.70, 0.68, 2.49, 110, 530, 4000,
                  0.77, 0.91, 1.06, 1.03, 24.3, 3.61, 37.6,
                  32.1, 6.08, 66.0, 12.5, 68.0, 1.06, 1.42]),
    "Xen": _row([0.46, 0.50, 1.22, 1.88, 5.69, 0.69, 1.75, 198, 768, 4800,
                 1.97, 2.22, 2.67, 3.07, 28.7, 7.08, 39.4,
                 32.5, 5.86, 68.2, 13.6, 139, 1.40, 2.73]),
    "VMW": _row([0.73, 0.83, 1.88, 2.99, 11.1, 1.02, 4.63, 874, 2300, 10000,
                 18.1, 17.6, 21.3, 22.4, 51.6, 41.7, 72.2,
                 35.3, 9.3, 85.6, 21.4, 620, 7.53, 12.4]),
    "UML": _row([24.7, 25.1, 36.1, 62.8, 39.9, 26.0, 46.0, 21000, 33000, 58000,
                 15.5, 14.6, 14.4, 16.3, 36.8, 23.6, 52.0,
                 130, 65.7, 250, 113, 1400, 21.8, 26.3]),
}

# The rows the report prints, and the pair whose ratio it prints.
REPORT_ROWS = ["L-UP", "Xen"]
PAPER_BASE, PAPER_VMM = "L-UP", "Xen"


# Table 6 (ttcp over Gigabit Ethernet, Mb/s, larger is better; PDF page
# 10, paper-numbers.md section 1). Its rows are Linux, Xen, VMW and UML:
# there is no L-UP / L-SMP split in this table. {row: {(mtu, dir): Mb/s}}
TABLE6_SOURCE = ("Barham et al., \"Xen and the Art of Virtualization\", SOSP 2003, "
                 "Table 6 (ttcp, Mb/s; PDF page 10), via ../shared/reference/paper-numbers.md §1")
TABLE6_MTUS = (1500, 500)
TABLE6: dict[str, dict[tuple[int, str], float]] = {
    "Linux": {(1500, "tx"): 897, (1500, "rx"): 897, (500, "tx"): 602, (500, "rx"): 544},
    "Xen": {(1500, "tx"): 897, (1500, "rx"): 897, (500, "tx"): 516, (500, "rx"): 467},
    "VMW": {(1500, "tx"): 291, (1500, "rx"): 615, (500, "tx"): 101, (500, "rx"): 137},
    "UML": {(1500, "tx"): 165, (1500, "rx"): 203, (500, "tx"): 61.1, (500, "rx"): 91.4},
}
TABLE6_ROWS = ["Linux", "Xen"]        # the rows the report prints

"""The orderings a reviewer checks in any set of lmbench numbers before
believing them (workloads/lmbench-like/README.md, "Sanity properties"):

  fork < exec < sh               each does strictly more work
  context switch grows with the working set, per process count
                                 (2p: 0K < 16K < 64K; 8p and 16p: 16K < 64K)
  prot fault < page fault        a signal delivery vs a fault that maps a page

They hold in the paper's L-UP and Xen rows. A failure on a noisy quick
run may be two close numbers swapped; on a full run it points at the
measurement or at the system measured.
"""
from __future__ import annotations

from dataclasses import dataclass

CHAINS: list[tuple[str, list[str]]] = [
    ("fork < exec < sh", ["fork_proc", "exec_proc", "sh_proc"]),
    ("ctx grows with working set, 2 processes (0K < 16K < 64K)",
     ["ctx_2p_0k", "ctx_2p_16k", "ctx_2p_64k"]),
    ("ctx grows with working set, 8 processes (16K < 64K)",
     ["ctx_8p_16k", "ctx_8p_64k"]),
    ("ctx grows with working set, 16 processes (16K < 64K)",
     ["ctx_16p_16k", "ctx_16p_64k"]),
    ("prot fault < page fault", ["prot_fault", "page_fault"]),
]


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool | None        # None: a value is missing
    values: list[float | None]

    @property
    def verdict(self) -> str:
        return "n/a" if self.ok is None else ("PASS" if self.ok else "FAIL")


def check(name: str, metrics: list[str], values: dict[str, float]) -> Check:
    vs = [values.get(m) for m in metrics]
    if any(v is None for v in vs):
        return Check(name, None, vs)
    ok = all(a < b for a, b in zip(vs, vs[1:]))      # type: ignore[operator]
    return Check(name, ok, vs)


def checks(values: dict[str, float]) -> list[Check]:
    """Every check on one row of medians ({metric: µs})."""
    return [check(name, metrics, values) for name, metrics in CHAINS]

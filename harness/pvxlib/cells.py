"""Which cells of a run are done: the bookkeeping that lets `pvx run
--resume` and `pvx reproduce` continue a run where it stopped.

A cell is one boot of one configuration, (config, rep). Its state is its
entry in meta.json's configs.<config>.reps (matrix.py writes it), and its
metrics are the records of results.jsonl tagged with the same config and
rep (results.RunDir.put replaces them whole). States of an entry:

  ok, partial, failed    finished: the boot ended (a failed boot ends its
                         configuration; its remaining cells are skipped)
  running, interrupted   unfinished: the harness stopped during the boot
                         (Ctrl-C, SIGTERM, a crash of the harness or the
                         host); what it printed is not counted

Rules for continuing a run (prune() then todo()):
  - a finished cell is not run again;
  - an unfinished cell's entry and records are dropped, and it runs again;
  - a failed configuration stays failed, its skipped cells stay skipped,
    unless retry_failed: then its failed cells are dropped too and it runs
    again from there;
  - a run continues only with the same plan (experiment file, configs,
    boots, parameters, accelerator): mismatch() says what differs, so
    results of different set-ups are never pooled.
Pure functions on the meta dictionary.
"""
from __future__ import annotations

from typing import Any

FINISHED = ("ok", "partial", "failed")
Cell = tuple[str, int]


def finished(entry: dict[str, Any]) -> bool:
    return entry.get("status") in FINISHED


def done(meta: dict[str, Any]) -> set[Cell]:
    """The finished cells."""
    return {(name, int(e["rep"])) for name, c in meta.get("configs", {}).items()
            for e in c.get("reps", []) if finished(e)}


def failed_configs(meta: dict[str, Any]) -> set[str]:
    return {n for n, c in meta.get("configs", {}).items() if c.get("status") == "failed"}


def prune(meta: dict[str, Any], retry_failed: bool = False) -> list[Cell]:
    """Drops the entries of unfinished cells (and, with retry_failed, of
    failed ones, clearing their configuration's failure) from meta;
    returns the dropped cells, whose records the caller drops too.
    Configurations keep their status only when it is final."""
    dropped: list[Cell] = []
    for name, c in meta.get("configs", {}).items():
        again = retry_failed and c.get("status") == "failed"
        keep = []
        for e in c.get("reps", []):
            if finished(e) and not (again and e.get("status") == "failed"):
                keep.append(e)
            else:
                dropped.append((name, int(e["rep"])))
        c["reps"] = sorted(keep, key=lambda e: int(e["rep"]))
        if again or c.get("status") in ("running", "pending", None):
            c["status"] = "running" if keep else "pending"
            c["reason"] = ""
            c.pop("skipped_boots", None)
    return dropped


def todo(meta: dict[str, Any], configs: list[str], reps: int) -> list[Cell]:
    """The cells still to run, in the runner's round-robin order (rep 1 of
    every configuration, then rep 2, ...), without finished cells and
    without the cells of failed configurations."""
    have, failed = done(meta), failed_configs(meta)
    return [(c, r) for r in range(1, reps + 1) for c in configs
            if c not in failed and (c, r) not in have]


def skipped(meta: dict[str, Any], configs: list[str], reps: int) -> list[Cell]:
    """Cells that will not run because their configuration failed."""
    have, failed = done(meta), failed_configs(meta)
    return [(c, r) for r in range(1, reps + 1) for c in configs
            if c in failed and (c, r) not in have]


def plan_key(meta: dict[str, Any]) -> dict[str, Any]:
    """What must not change between the sessions of one run."""
    plan = meta.get("plan", {})
    return {"experiment file": meta.get("experiment", {}).get("text"),
            "configurations": plan.get("configs"), "boots per configuration":
            plan.get("reps"), "workload parameters": plan.get("params"),
            "quick": plan.get("quick"), "accelerator": meta.get("qemu", {}).get("accel")}


def mismatch(saved: dict[str, Any], wanted: dict[str, Any]) -> str | None:
    """Why a run started with meta `saved` cannot be continued with the
    set-up of meta `wanted`, or None if it can."""
    a, b = plan_key(saved), plan_key(wanted)
    diff = [k for k in a if a[k] != b[k]]
    if not diff:
        return None
    return ("the run was started with a different " + ", ".join(diff)
            + "; start a new run instead")

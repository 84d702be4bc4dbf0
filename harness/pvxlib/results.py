"""A run's results directory, results/<UTC timestamp>-<experiment>/
(results/README.md describes the files):

  console-<config>-<rep>.log   raw console of one boot
  results.jsonl                one JSON object per metric per config per rep
  meta.json                    how, where and when; status of every boot

results.jsonl and meta.json are only ever replaced whole (write a temp
file in the same directory, fsync, rename), after every boot, so a crash
or Ctrl-C leaves the last complete version and never a half-written one.
meta.json's "status" is "running" while a run is under way and
"complete", "failed" or "incomplete" (interrupted, or stopped by an
error in the harness) at the end.

A run can be continued (RunDir.open, `pvx run --resume`, `pvx
reproduce`): each boot's records are one cell's, tagged with config and
rep, and put() replaces a cell's records whole, so a cell run again
never counts twice (cells.py decides which cells are run again).
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from . import paths

RESULTS_DIR = paths.REPO / "results"
RESULTS = "results.jsonl"
META = "meta.json"


class ResultsError(Exception):
    """A results directory is missing or unreadable."""


def utc_stamp(t: float | None = None) -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(t))


def utc_iso(t: float | None = None) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def atomic_write(path: Path, text: str) -> None:
    """path holds the old text or the new one, never part of either; an
    interruption (even Ctrl-C mid-write) leaves no temporary file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def jsonl(records: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(r, sort_keys=False) + "\n" for r in records)


class RunDir:
    """The directory of a run in progress."""

    def __init__(self, root: Path, experiment: str, start: float | None = None,
                 path: Path | None = None):
        """A new directory root/<UTC stamp>-<experiment>, or exactly `path`
        (which must not hold a run yet)."""
        if path is None:
            name = f"{utc_stamp(start)}-{experiment}"
            path = root / name
            n = 1
            while path.exists():               # two runs in the same second
                n += 1
                path = root / f"{name}.{n}"
        elif (path / META).exists():
            raise ResultsError(f"{path} already holds a run")
        self.path = path
        self.path.mkdir(parents=True, exist_ok=True)
        self.records: list[dict[str, Any]] = []

    @classmethod
    def open(cls, path: Path) -> tuple["RunDir", dict[str, Any]]:
        """(the run at path, its meta.json) to continue it."""
        meta, records = load(path)
        rundir = cls.__new__(cls)
        rundir.path, rundir.records = path, records
        return rundir, meta

    def console_log(self, config: str, rep: int) -> Path:
        return self.path / f"console-{config}-{rep}.log"

    def put(self, config: str, rep: int, records: list[dict[str, Any]]) -> None:
        """One boot's records (tagged with config and rep), replacing any
        the cell had, then results.jsonl rewritten."""
        self.records = [r for r in self.records
                        if (r.get("config"), r.get("rep")) != (config, rep)]
        self.records += [{"config": config, "rep": rep, **r} for r in records]
        atomic_write(self.path / RESULTS, jsonl(self.records))

    add = put          # the name before runs could be continued

    def drop(self, cells: list[tuple[str, int]]) -> None:
        """Forgets the records of these (config, rep) cells."""
        gone = set(cells)
        kept = [r for r in self.records if (r.get("config"), r.get("rep")) not in gone]
        if len(kept) != len(self.records):
            self.records = kept
            atomic_write(self.path / RESULTS, jsonl(self.records))

    def write_meta(self, meta: dict[str, Any]) -> None:
        atomic_write(self.path / META, json.dumps(meta, indent=2) + "\n")


# ---- reading ----

def parse_jsonl(text: str, where: str = RESULTS) -> list[dict[str, Any]]:
    out = []
    for i, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as e:
            raise ResultsError(f"{where}:{i}: not JSON: {e}") from e
        if not isinstance(obj, dict) or "config" not in obj or "name" not in obj:
            raise ResultsError(f"{where}:{i}: not a result record (needs config and name)")
        out.append(obj)
    return out


def load(run: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(meta, records) of a results directory. A run that produced no
    records yet has no results.jsonl; that reads as no records."""
    meta_file, res_file = run / META, run / RESULTS
    if not meta_file.is_file():
        raise ResultsError(f"{run}: no {META} (not a results directory?)")
    try:
        meta = json.loads(meta_file.read_text())
        text = res_file.read_text() if res_file.is_file() else ""
    except (OSError, ValueError) as e:
        raise ResultsError(f"{run}: {e}") from e
    return meta, parse_jsonl(text, str(res_file))


def newest(root: Path = RESULTS_DIR) -> Path:
    """The newest results directory under root (names start with the
    UTC start time, so the greatest name is the newest)."""
    runs = sorted(p for p in root.glob("*/" + META)) if root.is_dir() else []
    if not runs:
        raise ResultsError(f"no results under {root}; run `harness/pvx run EXPERIMENT` first")
    return max(runs, key=lambda p: p.parent.name).parent

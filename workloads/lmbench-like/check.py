#!/usr/bin/env python3
"""Self-test of the lmbench-like suite: run `lmb run-all --quick` here and
check that each of the 24 metrics printed one positive, finite value.

Also reports the sanity properties a reviewer looks for (fork < exec < sh,
protection fault < page fault, context switch growing with the working set).
They are informative: a quick run on a loaded machine can invert two close
numbers, so they do not fail the test.  Prints exactly one verdict line.

usage: check.py path/to/lmb [extra lmb options...]
"""

import json
import math
import os
import subprocess
import sys
import time

EXPECTED = [
    "null_call", "null_io", "stat", "open_close", "select_tcp",
    "sig_install", "sig_handler", "fork_proc", "exec_proc", "sh_proc",
    "ctx_2p_0k", "ctx_2p_16k", "ctx_2p_64k", "ctx_8p_16k", "ctx_8p_64k",
    "ctx_16p_16k", "ctx_16p_64k",
    "fs_create_0k", "fs_delete_0k", "fs_create_10k", "fs_delete_10k",
    "mmap_lat", "prot_fault", "page_fault",
]


def scratch_dir() -> str:
    """tmpfs if there is one, like the guest's /tmp; else /tmp."""
    return "/dev/shm" if os.access("/dev/shm", os.W_OK) else "/tmp"


def run(lmb: str, extra: list[str]) -> tuple[dict[str, dict], list[str], float]:
    cmd = [lmb, "run-all", "--quick", "--dir", scratch_dir()] + extra
    start = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    elapsed = time.monotonic() - start
    results: dict[str, dict] = {}
    problems: list[str] = []
    for line in proc.stdout.splitlines():
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            problems.append(f"not JSON: {line[:60]!r}")
            continue
        if obj.get("name") in results:
            problems.append(f"{obj['name']}: printed twice")
        results[obj.get("name", "?")] = obj
    if proc.returncode != 0:
        problems.append(f"lmb exited {proc.returncode}")
    return results, problems, elapsed


def validate(results: dict[str, dict]) -> list[str]:
    problems = []
    for name in EXPECTED:
        obj = results.get(name)
        if obj is None:
            problems.append(f"{name}: missing")
        elif "error" in obj:
            problems.append(f"{name}: {obj['error']}")
        elif not (isinstance(obj.get("value"), (int, float))
                  and math.isfinite(obj["value"]) and obj["value"] > 0):
            problems.append(f"{name}: bad value {obj.get('value')!r}")
        elif obj.get("unit") != "us" or obj.get("reps", 0) < 5:
            problems.append(f"{name}: bad unit or reps")
    return problems


def sanity(results: dict[str, dict]) -> list[str]:
    """Names of the sanity properties that did not hold in this run."""
    v = {n: o.get("value", math.nan) for n, o in results.items()}
    props = {
        "fork<exec<sh": v["fork_proc"] < v["exec_proc"] < v["sh_proc"],
        "prot<page": v["prot_fault"] < v["page_fault"],
        "ctx 2p:0K<64K": v["ctx_2p_0k"] < v["ctx_2p_64k"],
        "ctx 8p:16K<64K": v["ctx_8p_16k"] < v["ctx_8p_64k"],
        "ctx 16p:16K<64K": v["ctx_16p_16k"] < v["ctx_16p_64k"],
        "ctx 16K:2p<16p": v["ctx_2p_16k"] < v["ctx_16p_16k"],
    }
    return [name for name, ok in props.items() if not ok]


def main() -> int:
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    results, problems, elapsed = run(sys.argv[1], sys.argv[2:])
    problems += validate(results)
    for p in problems:
        print(f"check: {p}", file=sys.stderr)
    if problems:
        print(f"lmbench-like check: FAIL ({len(problems)} problems, "
              f"{elapsed:.1f} s)")
        return 1
    weak = sanity(results)
    note = "all sanity properties hold" if not weak else \
        "sanity not seen this run: " + ", ".join(weak)
    print(f"lmbench-like check: PASS (24/24 metrics positive, "
          f"{elapsed:.1f} s; {note})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

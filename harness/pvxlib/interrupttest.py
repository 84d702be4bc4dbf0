"""The guest test `reproduce-sigterm` (`pvx test --suite guest`): a real
`pvx reproduce` of a one-boot experiment is sent SIGTERM while QEMU runs,
then run again.

After the SIGTERM: exit status 130, the QEMU process it started is gone,
no temporary file is left in the results, the run says "incomplete", the
interrupted boot counts for nothing. After the second run: exit status
0, the boot ran again and its metrics are there once, the report was
written. A third run has nothing to boot and says so.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import exitcodes, paths, results
from .guesttests import Outcome

EXPERIMENT = """
[experiment]
name = "sigterm-probe"
description = "two metrics in one native boot, for the SIGTERM test"
reps = 1
timeout_s = 600

[workload]
name = "lmbench-like"
args = ["null_call", "stat"]

[workload.params]
quick = true
dir = "/tmp"

[configs.native]
mode = "native"
"""
QEMU_COMM = "qemu-system-x86"          # /proc/PID/comm is cut at 15 characters
WAIT_FOR_QEMU_S = 300.0


def children(pid: int) -> list[tuple[int, str]]:
    """(pid, comm) of the processes whose parent is pid."""
    out = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...; comm may hold spaces and parentheses
        comm = stat[stat.index("(") + 1:stat.rindex(")")]
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        if ppid == pid:
            out.append((int(d.name), comm))
    return out


def alive(pid: int, comm: str) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return f"({comm})" in stat and stat[stat.rindex(")") + 2] != "Z"


def wait_for_qemu(proc: subprocess.Popen) -> int | None:
    deadline = time.monotonic() + WAIT_FOR_QEMU_S
    while time.monotonic() < deadline and proc.poll() is None:
        for pid, comm in children(proc.pid):
            if comm.startswith(QEMU_COMM):
                return pid
        time.sleep(0.2)
    return None


def check_interrupted(root: Path, code: int, qemu_pid: int) -> list[str]:
    problems = []
    if code != exitcodes.INTERRUPTED:
        problems.append(f"exit status {code} after SIGTERM, expected {exitcodes.INTERRUPTED}")
    if alive(qemu_pid, QEMU_COMM):
        problems.append(f"QEMU (pid {qemu_pid}) is still running after SIGTERM")
    tmp = [str(p) for p in root.rglob("*.tmp")]
    if tmp:
        problems.append(f"temporary files left: {', '.join(tmp)}")
    runs = [p for p in root.glob("*-reproduce-t") if p.is_dir()]
    if len(runs) != 1:
        return problems + [f"expected one run under {root}, found {len(runs)}"]
    state = json.loads((runs[0] / "reproduce.json").read_text())
    if state.get("status") != "incomplete":
        problems.append(f"run status {state.get('status')!r}, expected 'incomplete'")
    meta, recs = results.load(runs[0] / "sigterm-probe")
    reps = meta["configs"]["native"]["reps"]
    if [r["status"] for r in reps] != ["interrupted"]:
        problems.append(f"boot states {[r['status'] for r in reps]}, expected ['interrupted']")
    if recs:
        problems.append(f"{len(recs)} record(s) of the interrupted boot were counted")
    return problems


def check_resumed(root: Path, code: int, out: str, paper: Path) -> list[str]:
    problems = []
    if code != 0:
        problems.append(f"the second run exited {code}")
    run = next(p for p in root.glob("*-reproduce-t") if p.is_dir())
    meta, recs = results.load(run / "sigterm-probe")
    reps = meta["configs"]["native"]["reps"]
    if [r["status"] for r in reps] != ["ok"]:
        problems.append(f"after the second run, boot states {[r['status'] for r in reps]}")
    if sorted(r["name"] for r in recs) != ["null_call", "stat"]:
        problems.append(f"records after the second run: {[r['name'] for r in recs]}")
    if "1 boot(s) to run, 0 done" not in out:
        problems.append("the second run did not plan exactly the interrupted boot")
    if not (paper / "tables-3-5.md").is_file():
        problems.append("no report after the second run")
    return problems


def reproduce_sigterm(accel: str) -> Outcome:
    with tempfile.TemporaryDirectory(prefix="pvx-sigterm-") as tmp:
        d = Path(tmp)
        (d / "probe.toml").write_text(EXPERIMENT)
        (d / "sets.toml").write_text(
            f'[t]\nbudget_min = 5\nexperiments = [{{ name = "{d / "probe.toml"}", '
            f'report = "{d / "paper"}" }}]\n')
        argv = [sys.executable, str(paths.REPO / "harness" / "pvx"), "reproduce",
                "--set", "t", "--sets", str(d / "sets.toml"), "--results",
                str(d / "results"), "--accel", accel]
        start = time.monotonic()
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True, start_new_session=True)
        qemu_pid = None
        try:
            qemu_pid = wait_for_qemu(proc)
            if qemu_pid is None:
                out = proc.communicate(timeout=60)[0]
                return Outcome(False, "QEMU never started:\n" + out[-3000:], "")
            time.sleep(3)                     # QEMU is booting the guest now
            proc.send_signal(signal.SIGTERM)
            out = proc.communicate(timeout=120)[0]
            problems = check_interrupted(d / "results", proc.returncode, qemu_pid)
            if problems:
                return Outcome(False, "\n  ".join(problems) + "\n" + out[-3000:], "")
            again = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   text=True, timeout=900)
            problems = check_resumed(d / "results", again.returncode, again.stdout,
                                     d / "paper")
            third = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   text=True, timeout=300)
            if third.returncode != 0 or "0 boot(s) run now, 1 reused" not in third.stdout:
                problems.append("the third run did not reuse the finished boot:\n"
                                + third.stdout[-1500:])
            note = f"{time.monotonic() - start:.1f} s for the three runs"
            return Outcome(not problems, "\n  ".join(problems) + (
                "\n" + again.stdout[-3000:] if problems else ""), note)
        finally:
            if proc.poll() is None:           # the test itself failed midway
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            if qemu_pid is not None and alive(qemu_pid, QEMU_COMM):
                os.kill(qemu_pid, signal.SIGKILL)

"""What meta.json records about the machine and the code a run used:
git commit and dirty flag, host CPU and kernel, QEMU version, and the
files booted (hypervisor, guest kernel, workload binaries) by sha256.
Each helper degrades to "unknown" rather than failing a run.
"""
from __future__ import annotations

import os
import platform
import shlex
import subprocess
from pathlib import Path
from typing import Any

from . import kernels, paths, qemu


def _out(argv: list[str]) -> str | None:
    try:
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                           text=True, cwd=paths.REPO)
    except OSError:
        return None
    return p.stdout.strip() if p.returncode == 0 else None


def git_info() -> dict[str, Any]:
    commit = _out(["git", "rev-parse", "HEAD"])
    status = _out(["git", "status", "--porcelain", "--untracked-files=no"])
    return {"commit": commit or "unknown",
            "dirty": None if status is None else bool(status),
            "describe": _out(["git", "describe", "--always", "--dirty"]) or "unknown"}


def cpu_model(cpuinfo: str) -> str:
    for line in cpuinfo.splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def loadavg() -> str:
    """/proc/loadavg's 1, 5 and 15 minute averages: a loaded host makes
    timings under TCG noisy, so the report shows them."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def host_info() -> dict[str, Any]:
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
    except OSError:
        cpuinfo = ""
    u = os.uname()
    return {"cpu_model": cpu_model(cpuinfo), "cpus": os.cpu_count(),
            "kernel": f"{u.sysname} {u.release} {u.version}", "machine": u.machine,
            "python": platform.python_version(),
            "os": _os_release(), "loadavg_start": loadavg()}


def _os_release() -> str:
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip('"')
    except OSError:
        pass
    return "unknown"


def file_info(path: Path | None) -> dict[str, str]:
    if path is None or not path.is_file():
        return {"path": str(path or ""), "sha256": ""}
    return {"path": str(path), "sha256": kernels.sha256_file(path)}


def qemu_argv_from_log(log: Path) -> list[str] | None:
    """boot.run_boot writes QEMU's command line as the log's first line."""
    try:
        with open(log) as f:
            first = f.readline()
    except OSError:
        return None
    return shlex.split(first[2:]) if first.startswith("# ") else None


def kernel_info(k: kernels.Kernel) -> dict[str, Any]:
    return {"spec": k.spec, **k.meta, "bzimage": file_info(k.bzimage)}


def qemu_info(accel: str, why: str, cpu: str) -> dict[str, Any]:
    return {"version": qemu.version(), "binary": qemu.QEMU, "accel": accel,
            "accel_reason": why, "cpu": cpu}

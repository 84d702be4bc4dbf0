"""One guest boot of the network workload: prepare the guest for a mode and
MTU (iperf3 and pvx-net in the initramfs, the NIC driver's modules, the
VIF on a PV domain's module line), then boot it inside a fresh network
namespace (netns.Namespace) with QEMU's NIC on the namespace's tap.
matrix.py (`pvx run`, `pvx iperf`) and the guest tests use it.
"""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, TextIO

from . import boot, iperf, kernels, netns, qemu, rootfs


@dataclass
class Trace:
    """What the boot's network was, to check afterwards that it is gone."""
    namespace: str = ""
    namespace_inode: int | None = None     # of /run/netns/<name>, as /proc/*/ns/net shows
    server_pid: int | None = None


def driver_modules(mode: str, kernel_spec: str) -> list[str]:
    """The NIC driver's modules this kernel needs loaded (none if built in);
    raises boot.SetupError."""
    try:
        k = kernels.resolve(kernel_spec)
        return iperf.driver_modules(mode, rootfs.module_names(k.modules_dir))
    except (kernels.KernelError, OSError) as e:
        raise boot.SetupError(str(e)) from e


def domain_args(mode: str) -> list[str] | None:
    """A PV domain's VIF, on its kernel module line."""
    return [f"vif={netns.GUEST_MAC}"] if mode == "pv" else None


def prepare(mode: str, kernel_spec: str, mtu: int, args: list[str],
            params: dict[str, Any], files: dict[str, Path], guest_args: str = "",
            mem_mib: int = boot.GUEST_MEM_MIB,
            hv_args: list[str] | None = None) -> tuple[boot.GuestSetup, str]:
    """(setup, the guest command); raises boot.SetupError."""
    modules = driver_modules(mode, kernel_spec)
    command = iperf.command(args, params, mtu, modules)
    setup = boot.prepare_guest(
        mode, kernel_spec, command, guest_args, mem_mib, hv_args,
        kmods=modules, extra_files=files, host_tools=iperf.HOST_TOOLS,
        domain_args=domain_args(mode))
    return setup, command


def run(setup: boot.GuestSetup, qcfg: qemu.QemuConfig, mtu: int, timeout: float,
        log: Path, server_log: Path, echo: bool = False, echo_file: TextIO | None = None,
        say: Callable[[str], None] = lambda s: None,
        trace: Trace | None = None, offload: bool = True) -> boot.GuestRun:
    """Boots inside a namespace that is gone again when this returns or
    raises (NetError for the host's side, as run_guest's for the rest).
    offload=False: the NIC offers no checksum or segmentation offload."""
    with open(server_log, "w") as slog, netns.Namespace(mtu, slog, say=say) as ns:
        if trace is not None:
            trace.namespace = ns.name
            trace.server_pid = ns.server.pid if ns.server else None
            try:
                trace.namespace_inode = os.stat(f"/run/netns/{ns.name}").st_ino
            except OSError:
                pass
        q = dataclasses.replace(qcfg, wrapper=ns.wrapper,
                                extra=qcfg.extra + ns.qemu_args(offload))
        return boot.run_guest(setup, q, timeout, log, echo=echo, echo_file=echo_file)


def leftovers(trace: Trace) -> list[str]:
    """What of the boot's network still exists: the namespace, the iperf3
    server, any process in the namespace (by its /proc/*/ns/net inode)."""
    out = []
    if trace.namespace and trace.namespace in netns.list_namespaces():
        out.append(f"network namespace {trace.namespace} still exists")
    if trace.server_pid is not None and _alive_not_zombie(trace.server_pid):
        out.append(f"iperf3 server (pid {trace.server_pid}) still runs")
    if trace.namespace_inode is not None:
        for pid in _pids_in_netns(trace.namespace_inode):
            out.append(f"process {pid} ({_comm(pid)}) is still in the namespace")
    return out


def _alive_not_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def _pids_in_netns(inode: int) -> list[int]:
    pids = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            if os.stat(d / "ns" / "net").st_ino == inode:
                pids.append(int(d.name))
        except OSError:
            continue
    return pids


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return "?"

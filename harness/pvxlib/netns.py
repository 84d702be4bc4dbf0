"""A private network for one guest boot: a network namespace holding a tap
device for QEMU's NIC and the peer iperf3 server.

    host (root namespace)             untouched: no route, no address
    namespace pvx-<pid>-<n>
      lo                              up
      pvxtap0  192.0.2.1/24, MTU m    QEMU's -netdev tap (QEMU runs in here)
      iperf3 -s -B 192.0.2.1          the peer, a child of the harness
    guest eth0 192.0.2.2/24, MTU m    virtio-net (native) or xen-netfront (pv)

Addresses come from 192.0.2.0/24 (TEST-NET-1, RFC 5737), and nothing in
the namespace routes anywhere, so no packet reaches a real network. The
name carries the harness's pid, so concurrent harnesses never collide and
a namespace whose pid is dead is known to be left over from a harness
that was killed outright (SIGKILL, a crash of the machine); the next one
removes it on start (remove_stale).

Lifetime (Namespace, a context manager):
  enter   remove stale namespaces; `ip netns add`; lo up; the tap with its
          address and MTU; start iperf3 inside (`ip netns exec` execs, so
          the child's pid is iperf3's) in its own process group, and wait
          until /proc/<pid>/net/tcp (the namespace's table) shows it
          listening.
  exit    always, with SIGINT and SIGTERM held off until it is done: kill
          iperf3's process group, then any process still in the namespace
          (`ip netns pids`: only ours can be there; normally QEMU is gone
          already, qemu.run kills its group), then `ip netns del`, which
          also removes the tap.
While the namespace exists, SIGTERM raises qemu.Interrupted (as Ctrl-C
raises KeyboardInterrupt), so a plain `kill` unwinds through exit too.

QEMU joins the namespace by being started as `ip netns exec NS qemu...`
(qemu_wrapper()): ip execs QEMU in place, so qemu.run's process group kill
reaches QEMU itself.
"""
from __future__ import annotations

import itertools
import os
import re
import signal
import subprocess
import time
from pathlib import Path
from typing import Callable, TextIO

from . import qemu

HOST_ADDR = "192.0.2.1"
GUEST_ADDR = "192.0.2.2"
PREFIX_LEN = 24
GUEST_MAC = "52:54:00:12:34:56"
TAP = "pvxtap0"
IPERF_PORT = 5201
NAME = re.compile(r"^pvx-(\d+)-(\d+)$")
MTU_MIN, MTU_MAX = 68, 65535       # what Linux's tap accepts (ETH_MIN_MTU, MAX_MTU)
LISTEN_TIMEOUT_S = 10.0
TCP_LISTEN = "0A"                  # include/net/tcp_states.h: TCP_LISTEN = 10

_serial = itertools.count(1)


class NetError(Exception):
    """The namespace, tap or peer could not be set up (a message for the user)."""


# ---- names ----

def ns_name(pid: int, n: int) -> str:
    return f"pvx-{pid}-{n}"


def name_pid(name: str) -> int | None:
    """The harness pid in a namespace name this module made, else None."""
    m = NAME.match(name)
    return int(m.group(1)) if m else None


def parse_netns_list(text: str) -> list[str]:
    """Names from `ip netns list` ("name" or "name (id: 3)" per line)."""
    return [line.split()[0] for line in text.splitlines() if line.strip()]


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:          # alive, someone else's
        return True
    return True


def stale(names: list[str], alive: Callable[[int], bool] = pid_alive,
          me: int | None = None) -> list[str]:
    """Our namespaces whose harness is gone: pvx-<pid>-<n> with pid dead.
    Other namespaces, and those of live harnesses (this one included),
    are left alone."""
    me = os.getpid() if me is None else me
    out = []
    for n in names:
        pid = name_pid(n)
        if pid is not None and pid != me and not alive(pid):
            out.append(n)
    return out


# ---- commands (pure) ----

def check_mtu(mtu: int) -> None:
    if isinstance(mtu, bool) or not isinstance(mtu, int) or not MTU_MIN <= mtu <= MTU_MAX:
        raise NetError(f"MTU {mtu!r} is outside what a tap device accepts "
                       f"({MTU_MIN}..{MTU_MAX})")


def setup_commands(ns: str, mtu: int, tap: str = TAP) -> list[list[str]]:
    """The `ip` commands that build the namespace, in order."""
    return [["ip", "netns", "add", ns],
            ["ip", "-n", ns, "link", "set", "lo", "up"],
            ["ip", "-n", ns, "tuntap", "add", "dev", tap, "mode", "tap"],
            ["ip", "-n", ns, "link", "set", "dev", tap, "mtu", str(mtu)],
            ["ip", "-n", ns, "addr", "add", f"{HOST_ADDR}/{PREFIX_LEN}", "dev", tap],
            ["ip", "-n", ns, "link", "set", "dev", tap, "up"]]


def qemu_wrapper(ns: str) -> list[str]:
    """Put before QEMU's argv: runs it inside the namespace."""
    return ["ip", "netns", "exec", ns]


# virtio-net features that let a packet cross the link bigger than the MTU
# (TSO, UFO, GSO) or unchecksummed; off, every frame is MTU-sized and
# checksummed by its sender, as on the paper's Gigabit Ethernet NICs.
NO_OFFLOAD = ("csum", "guest_csum", "gso", "host_tso4", "host_tso6", "host_ecn", "host_ufo",
              "guest_tso4", "guest_tso6", "guest_ecn", "guest_ufo")


def qemu_net_args(tap: str = TAP, mac: str = GUEST_MAC, offload: bool = True) -> list[str]:
    """QEMU's NIC on the tap; the same in native and pv (PVX drives it in
    pv). offload=False offers no checksum or segmentation offload."""
    device = f"virtio-net-pci,netdev=net0,mac={mac}"
    if not offload:
        device += "".join(f",{f}=off" for f in NO_OFFLOAD)
    return ["-netdev", f"tap,id=net0,ifname={tap},script=no,downscript=no",
            "-device", device]


def iperf3_server_argv(ns: str, port: int = IPERF_PORT) -> list[str]:
    """The peer: in the foreground (no -D), so the harness owns its pid."""
    return qemu_wrapper(ns) + ["iperf3", "-s", "-B", HOST_ADDR, "-p", str(port),
                               "--forceflush"]


def proc_net_addr(addr: str, port: int) -> str:
    """'192.0.2.1', 5201 -> '010200C0:1451', as /proc/net/tcp prints it
    (the IPv4 address in host byte order, little-endian here)."""
    a = [int(x) for x in addr.split(".")]
    return "".join(f"{b:02X}" for b in reversed(a)) + f":{port:04X}"


def listening(proc_net_tcp: str, addr: str = HOST_ADDR, port: int = IPERF_PORT) -> bool:
    """Whether /proc/<pid>/net/tcp has a socket listening on addr:port."""
    want = proc_net_addr(addr, port)
    for line in proc_net_tcp.splitlines()[1:]:
        f = line.split()
        if len(f) > 3 and f[1].upper() == want and f[3].upper() == TCP_LISTEN:
            return True
    return False


def explain(argv: list[str], output: str) -> str:
    """A failed `ip` command as a message that says what to do."""
    text = output.strip() or "no output"
    msg = f"`{' '.join(argv)}` failed: {text}"
    if re.search(r"Operation not permitted|Permission denied", text):
        msg += " (network namespaces and tap devices need root, or CAP_NET_ADMIN " \
               "and CAP_SYS_ADMIN)"
    elif "No such file" in text and "tuntap" in argv:
        msg += " (no /dev/net/tun: load the tun module)"
    elif "mtu" in argv:
        msg += " (the tap device refused this MTU)"
    return msg


# ---- running them ----

def _ip(argv: list[str]) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, timeout=30)
    except FileNotFoundError as e:
        raise NetError(f"{argv[0]} not found (Debian package iproute2; `make deps`)") from e
    except subprocess.TimeoutExpired as e:
        raise NetError(f"`{' '.join(argv)}` did not finish in 30 s") from e


def list_namespaces() -> list[str]:
    p = _ip(["ip", "netns", "list"])
    return parse_netns_list(p.stdout) if p.returncode == 0 else []


def namespace_pids(ns: str) -> list[int]:
    p = _ip(["ip", "netns", "pids", ns])
    return [int(w) for w in p.stdout.split() if w.isdigit()] if p.returncode == 0 else []


def _kill_pids(pids: list[int]) -> None:
    """SIGTERM, up to 2 s of grace, then SIGKILL; pids are our own."""
    for p in pids:
        try:
            os.kill(p, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline and any(pid_alive(p) for p in pids):
        time.sleep(0.05)
    for p in pids:
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass


def delete(ns: str) -> str | None:
    """Kills what still runs in ns and deletes it; returns a problem or None."""
    _kill_pids(namespace_pids(ns))
    p = _ip(["ip", "netns", "del", ns])
    if p.returncode != 0 and ns in list_namespaces():
        return explain(["ip", "netns", "del", ns], p.stdout)
    return None


def remove_stale(log: Callable[[str], None] = lambda s: None) -> list[str]:
    """Deletes the namespaces of harnesses that are gone; returns their names."""
    gone = stale(list_namespaces())
    for ns in gone:
        pids = namespace_pids(ns)
        log(f"removing stale network namespace {ns}"
            + (f" and its processes {pids}" if pids else ""))
        delete(ns)
    return gone


def preflight() -> None:
    """Builds and removes one namespace with its peer: raises NetError
    (no root, no iproute2 or iperf3, no tun) before a run starts."""
    with Namespace(1500):
        pass


class Namespace:
    """`with Namespace(mtu, server_log) as ns:` then boot QEMU with
    ns.wrapper before its argv and ns.qemu_args() after it."""

    def __init__(self, mtu: int, server_log: TextIO | None = None,
                 say: Callable[[str], None] = lambda s: None):
        check_mtu(mtu)
        self.mtu = mtu
        self.name = ns_name(os.getpid(), next(_serial))
        self.server_log = server_log
        self.say = say
        self.server: subprocess.Popen | None = None
        self.created = False
        self._old_term = None

    @property
    def wrapper(self) -> list[str]:
        return qemu_wrapper(self.name)

    def qemu_args(self, offload: bool = True) -> list[str]:
        return qemu_net_args(offload=offload)

    def __enter__(self) -> "Namespace":
        self._old_term = signal.signal(signal.SIGTERM, qemu.raise_on_sigterm)
        try:
            remove_stale(self.say)
            for argv in setup_commands(self.name, self.mtu):
                p = _ip(argv)
                if p.returncode != 0:
                    raise NetError(explain(argv, p.stdout))
                self.created = True
            self._start_server()
        except BaseException:
            self._teardown()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self._teardown()

    def _start_server(self) -> None:
        out = self.server_log if self.server_log is not None else subprocess.DEVNULL
        try:
            self.server = subprocess.Popen(iperf3_server_argv(self.name),
                                           stdin=subprocess.DEVNULL, stdout=out,
                                           stderr=subprocess.STDOUT,
                                           start_new_session=True)
        except OSError as e:
            raise NetError(f"cannot start iperf3 in {self.name}: {e}") from e
        deadline = time.monotonic() + LISTEN_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise NetError(f"iperf3 -s exited with status {self.server.returncode} "
                               "before listening (is iperf3 installed? `make deps`)")
            try:
                table = Path(f"/proc/{self.server.pid}/net/tcp").read_text()
            except OSError:
                table = ""
            if listening(table):
                return
            time.sleep(0.05)
        raise NetError(f"iperf3 -s did not listen on {HOST_ADDR}:{IPERF_PORT} "
                       f"within {LISTEN_TIMEOUT_S:.0f} s")

    def server_running(self) -> bool:
        return self.server is not None and self.server.poll() is None

    def _teardown(self) -> None:
        held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        try:
            if self.server is not None:
                qemu.kill_group(self.server)
            if self.created:
                problem = delete(self.name)
                if problem:
                    self.say(f"could not remove network namespace {self.name}: {problem}")
                self.created = False
        finally:
            if self._old_term is not None:
                signal.signal(signal.SIGTERM, self._old_term)
                self._old_term = None
            signal.pthread_sigmask(signal.SIG_SETMASK, held)

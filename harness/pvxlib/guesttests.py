"""The guest test suite (`pvx test --suite guest`): Linux booted on PVX
and natively, checked the way issue #3 asks, one boot per test:

  pv-checklist / native-checklist
      uname; /proc/cpuinfo; 1,000 fork+exec; memcheck (map, touch, fork,
      verify, unmap 256 MiB, three rounds); `sleep 2` timed against the
      harness's own clock (within 25%); `date` advancing; no Oops, BUG,
      WARNING: or panic in dmesg; clean poweroff (status 0). The PV boot
      also runs hcprobe (hostile hypercall arguments through privcmd,
      each of which must get its error code, and the page-type rules on
      frames of its own) and xsprobe (the in-hypervisor xenstore through
      /dev/xen/xenbus: reads, writes, transactions, permissions).
  pv-shadow-checklist
      the PV checklist on shadow paging (the hypervisor's paging=shadow,
      stock kernel unmodified), hcprobe with its shadow-mode table probes,
      and PVX's end-of-run counters: hidden (shadow) faults, shadow pages
      and shadow-root cache hits all non-zero, the guest's mmu_update
      traffic routed (entries counted) and no page-table validations.
  pv-shadow-small-pool
      shadow paging with a pool of 48 shadow tables (shadow_pages=48), so
      PVX must drop every shadow and rebuild them many times: 200
      fork+exec and memcheck (64 MiB, two rounds) still right, and the
      counters show shadow_resets > 0.
  pv-guest-crash
      `echo c > /proc/sysrq-trigger`: the domain ends with a crash report
      and PVX's guest-crash status; the hypervisor itself does not panic.
  native-net / pv-net
      the network experiment's path (netrun.py) at MTU 1500 and at 500,
      one boot each: eth0 (virtio_net natively, xen-netfront on PVX's
      netback and virtio-net driver) up with the MTU, ping 192.0.2.1,
      iperf3 TX and RX for 2 s each with their JSON parsed to a positive
      Mbit/s, and afterwards no namespace, iperf3 or process in it left.
  pv-hostile-rings
      guests/checks/ringprobe.c plays blkfront and netfront from user
      space and puts malformed requests on both rings (bad grants,
      sectors beyond the VBD, too many segments or slots, oversized and
      runt frames, a spoofed MAC, a producer index past the ring): each
      gets its error or drop, PVX counts it, good requests still work.
  pv-vfr
      VFR rules on the command line: TCP to the peer's port dropped, ICMP
      passing, the rules' hits and the domain's VFR drops counted.
  mode-<mode>, security-<mode>
      issue 7's tests under every memory-virtualization mode: a
      multi-process stress and memcheck with the mode shown in force by
      the counters, and hostile page-table updates by plain store and
      hypercall (modetests.py).
  reproduce-sigterm
      `pvx reproduce` of a one-boot experiment gets SIGTERM while QEMU
      runs: no QEMU, temporary file or counted record is left; the same
      command then reruns that boot, and a third run reuses it
      (interrupttest.py).

PENDING holds tests written ahead of the hypervisor feature they need,
run with `pvx test --suite guest-pending`, not by `make test` (none now).
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

from . import boot, checks, exitcodes, fio, images, iperf, modetests, netns, netrun, qemu, workloads
from .guestcheck import DMESG, Outcome, hv_counters, read_hv_counters
from .guestcheck import report as _report
from .guestcheck import value as _value

CHECKLIST = r"""
echo "CHK uname: $(uname -a)"
echo "CHK cpus: $(grep -c ^processor /proc/cpuinfo)"
grep -m1 "model name" /proc/cpuinfo
i=0; while [ $i -lt 1000 ]; do /bin/true || break; i=$((i+1)); done
echo "CHK forkexec: $i"
/bin/memcheck 256 3; echo "CHK memcheck-status: $?"
d0=$(date +%s); echo "CHK sleep-start $d0"; sleep 2; d1=$(date +%s)
echo "CHK sleep-end $d1"
echo "CHK date-advanced: $((d1 - d0))"
"""
# Debian's 6.1 privcmd restricts a domU's hypercalls to its xenstore
# "target" domain and waits for xenstore first; unrestricted=1 (a module
# parameter for exactly this) lets the probe issue raw hypercalls.
HCPROBE = r"""
modprobe xen-privcmd unrestricted=1; /bin/hcprobe {paging}; echo "CHK hcprobe-status: $?"
/bin/xsprobe; echo "CHK xsprobe-status: $?"
"""
# The Tables 3-5 suite once, quick, in the native boot (issue #4: the
# benchmark programs run in a guest at every `make test`; the experiments
# run them on PVX).
LMB = r"""
lmb run-all --quick --dir /tmp > /tmp/lmb.json 2>/tmp/lmb.err
echo "CHK lmb-status: $?"
echo "CHK lmb-metrics: $(grep -c '"value"' /tmp/lmb.json)"
"""

def _find(lines: list[str], needle: str) -> int:
    for i, line in enumerate(lines):
        if needle in line:
            return i
    return -1


def evaluate_checklist(mode: str, output: str, lines: list[str],
                       times: list[float]) -> tuple[list[str], str]:
    """Returns (problems, measured sleep note). Pure, unit-tested."""
    problems = []
    want = {"forkexec": "1000", "memcheck-status": "0", "dmesg-bad": "0"}
    if mode == "pv":
        want["hcprobe-status"] = "0"
        want["xsprobe-status"] = "0"
    else:
        want["lmb-status"] = "0"
        want["lmb-metrics"] = "24"
    for key, value in want.items():
        got = _value(output, key)
        if got != value:
            problems.append(f"{key}: expected {value}, got {got}")
    if not (_value(output, "uname") or "").startswith("Linux"):
        problems.append("uname did not run")
    adv = _value(output, "date-advanced")
    if adv is None or not adv.isdigit() or not 1 <= int(adv) <= 4:
        problems.append(f"date advanced by {adv} s across sleep 2")
    a, b = _find(lines, "CHK sleep-start"), _find(lines, "CHK sleep-end")
    if a < 0 or b < 0 or len(times) <= max(a, b):
        return problems + ["sleep markers missing"], ""
    wall = times[b] - times[a]
    if not 1.5 <= wall <= 2.5:
        problems.append(f"sleep 2 took {wall:.2f} s of host time (must be within 25%)")
    return problems, f"sleep 2 = {wall:.2f} s host time"


# Under paging=shadow these must all have happened at least once.
SHADOW_NONZERO = ("shadow_faults", "shadow_pages_created", "shadow_root_hits",
                  "cr3_loads", "mmu_update_entries")


def evaluate_shadow_counters(lines: list[str]) -> tuple[list[str], str]:
    """Checks PVX's end-of-run counters of a paging=shadow boot. Returns
    (problems, note). Pure, unit-tested."""
    c, why = read_hv_counters(lines)
    if c is None:
        return [why], ""
    problems = [f"{k} = {c.get(k)}, expected > 0" for k in SHADOW_NONZERO
                if not isinstance(c.get(k), int) or c[k] <= 0]
    if c.get("page_validations") != 0:
        problems.append(f"page_validations = {c.get('page_validations')}: "
                        "guest tables went through direct paging's type rules")
    note = ", ".join(f"{k} {c.get(k)}" for k in
                     ("shadow_faults", "shadow_pages_created", "shadow_pages_freed",
                      "shadow_root_hits", "shadow_root_misses", "mmu_update_entries"))
    return problems, note


def checklist(mode: str, accel: str, paging: str = "direct") -> Outcome:
    """The checklist natively or on PVX; paging selects PVX's paging mode."""
    files = checks.build_all(["memcheck"] + (["hcprobe", "xsprobe"] if mode == "pv" else []))
    if mode == "native":
        files.update(workloads.build(workloads.spec("lmbench-like")))
    script = CHECKLIST + (HCPROBE.format(paging=paging) if mode == "pv" else LMB) + DMESG
    kmods = ["xen-privcmd"] if mode == "pv" else None
    hv_args = [f"paging={paging}"] if paging != "direct" else None
    name = f"{mode}-{paging}" if paging != "direct" else mode
    try:
        setup = boot.prepare_guest(mode, "stock", script, extra_files=files,
                                   kmods=kmods, hv_args=hv_args)
    except boot.SetupError as e:
        return Outcome(False, f"setup failed: {e}", "")
    cfg = qemu.QemuConfig(accel=accel, mem_mib=setup.qemu_mem_mib)
    run = boot.run_guest(setup, cfg, 300.0, boot.default_log(f"test-{name}-checklist"))
    output = "\n".join(run.result.output)
    problems, sleep_note = evaluate_checklist(mode, output, run.outcome.lines,
                                              run.outcome.times)
    if paging == "shadow":
        shadow_problems, counters_note = evaluate_shadow_counters(run.outcome.lines)
        problems += shadow_problems
        sleep_note += f"; {counters_note}"
    if run.verdict.code != 0:
        problems.insert(0, f"exit {run.verdict.code}: {run.verdict.message}")
    init = f"{run.result.uptime:.2f} s" if run.result.uptime is not None else "?"
    note = f"{run.outcome.elapsed:.1f} s; /init at {init} guest time; {sleep_note}"
    return Outcome(not problems, _report(run, problems), note)


SMALL_POOL = r"""
i=0; while [ $i -lt 200 ]; do /bin/true || break; i=$((i+1)); done
echo "CHK forkexec: $i"
/bin/memcheck 64 2; echo "CHK memcheck-status: $?"
"""


def evaluate_small_pool(output: str, lines: list[str]) -> list[str]:
    """Problems of a pv-shadow-small-pool boot. Pure, unit-tested."""
    problems = [f"{k}: expected {v}, got {_value(output, k)}"
                for k, v in (("forkexec", "200"), ("memcheck-status", "0"))
                if _value(output, k) != v]
    shadow, _ = evaluate_shadow_counters(lines)
    problems += shadow
    c = hv_counters(lines)
    if c is not None and not shadow:
        resets = c.get("shadow_resets")
        if not isinstance(resets, int) or resets <= 0:
            problems.append(f"shadow_resets = {resets}: the pool never ran out")
    return problems


def pv_shadow_small_pool(accel: str) -> Outcome:
    files = checks.build_all(["memcheck"])
    try:
        setup = boot.prepare_guest("pv", "stock", SMALL_POOL, extra_files=files,
                                   hv_args=["paging=shadow", "shadow_pages=48"])
    except boot.SetupError as e:
        return Outcome(False, f"setup failed: {e}", "")
    cfg = qemu.QemuConfig(accel=accel, mem_mib=setup.qemu_mem_mib)
    run = boot.run_guest(setup, cfg, 300.0, boot.default_log("test-pv-shadow-small-pool"))
    problems = evaluate_small_pool("\n".join(run.result.output), run.outcome.lines)
    if run.verdict.code != 0:
        problems.insert(0, f"exit {run.verdict.code}: {run.verdict.message}")
    return Outcome(not problems, _report(run, problems), f"{run.outcome.elapsed:.1f} s")


def pv_guest_crash(accel: str) -> Outcome:
    try:
        setup = boot.prepare_guest("pv", "stock", "echo c > /proc/sysrq-trigger")
    except boot.SetupError as e:
        return Outcome(False, f"setup failed: {e}", "")
    cfg = qemu.QemuConfig(accel=accel, mem_mib=setup.qemu_mem_mib)
    run = boot.run_guest(setup, cfg, 200.0, boot.default_log("test-pv-crash"))
    text = run.outcome.text
    problems = []
    crash = exitcodes.read_hv_codes()
    code = {name: v for v, name in crash.items()}["guest_crash"]
    if run.outcome.status.code != code:
        problems.append(f"hypervisor status {run.outcome.status.code}, expected {code}")
    for pat in (r"sysrq triggered crash", r"\(PVX\) domain 1 shut down: crash",
                r"\(PVX\) d1 vcpu0 kernel mode: RIP"):
        if not re.search(pat, text):
            problems.append(f"MISSING {pat}")
    for pat in (r"PANIC", r"FATAL"):
        if re.search(rf"\(PVX\) \*\*\* {pat}", text):
            problems.append(f"the hypervisor itself failed ({pat})")
    return Outcome(not problems, _report(run, problems), f"{run.outcome.elapsed:.1f} s")


# The block path: a VBD that is an extent of a disk module (sectors
# VBD_START.. of a 16 MiB image whose every sector names itself), served
# by PVX's blkback to Linux's unmodified xen-blkfront.
VBD_START, VBD_SECTORS = 1024, 8192
BLOCK = r"""
modprobe xen-blkfront || exit 1
for i in 1 2 3 4 5 6 7 8 9 10; do [ -b /dev/xvda ] && break; sleep 1; done
echo "CHK xvda-sectors: $(cat /sys/block/xvda/size)"
echo "CHK xvda-sector0: $(dd if=/dev/xvda bs=16 count=1 2>/dev/null | od -An -c | tr -d ' \n')"
echo "CHK xvda-md5: $(md5sum < /dev/xvda | cut -d' ' -f1)"
dd if=/dev/urandom of=/tmp/data bs=64k count=16 2>/dev/null
dd if=/tmp/data of=/dev/xvda bs=64k seek=32 conv=fsync 2>/dev/null
echo 3 > /proc/sys/vm/drop_caches
dd if=/dev/xvda of=/tmp/back bs=64k skip=32 count=16 2>/dev/null
cmp -s /tmp/data /tmp/back; echo "CHK xvda-write-readback: $?"
echo "CHK xvda-data-md5: $(md5sum < /tmp/data | cut -d' ' -f1)"
"""


# A VBD of three extents (SOSP'03 3.3.6), out of order on the disk and
# VBD_SECTORS long in all; the guest's 1 MiB write at xvda sector 4096
# crosses from the first into the second and the third.
EXTENTS = [(VBD_START, 5000), (20000, 1000), (9000, 2192)]


def vbd_spec(extents: list[tuple[int, int]]) -> str:
    return "vbd=0:" + "+".join(f"{s}:{c}" for s, c in extents) + ":w"


def vbd_bytes(image: bytes, extents: list[tuple[int, int]], first: int, count: int) -> bytes:
    """VBD sectors first..first+count-1 as the disk image holds them."""
    out = b""
    base = 0
    for start, n in extents:
        lo, hi = max(first, base), min(first + count, base + n)
        if lo < hi:
            out += image[(start + lo - base) * 512:(start + hi - base) * 512]
        base += n
    return out


def disk_image(path: Path, extents: list[tuple[int, int]] | None = None) -> str:
    """A 16 MiB image whose sector n holds "PVXDISK!" and n (8 bytes LE),
    repeated; returns the md5 of the VBD (its extents, in order)."""
    import struct
    extents = extents or [(VBD_START, VBD_SECTORS)]
    data = b"".join((b"PVXDISK!" + struct.pack("<Q", n)) * 32 for n in range(32768))
    path.write_bytes(data)
    return hashlib.md5(vbd_bytes(data, extents, 0, VBD_SECTORS)).hexdigest()


def pv_block(accel: str, virtio: bool = False,
             extents: list[tuple[int, int]] | None = None) -> Outcome:
    """virtio=False: the disk is a boot module (PVX's RAM disk);
    virtio=True: QEMU's virtio-blk-pci, driven by PVX's virtio driver.
    Either way it is block device 0; the VBD is one extent, or `extents`."""
    import tempfile
    tag = "test-pv-block" + ("-virtio" if virtio else "") + ("-extents" if extents else "")
    extents = extents or [(VBD_START, VBD_SECTORS)]
    with tempfile.TemporaryDirectory(prefix="pvx-disk-") as tmp:
        disk = Path(tmp) / "disk.img"
        md5 = disk_image(disk, extents)
        modules = [] if virtio else [images.Module(disk, ["role=disk"])]
        extra = qemu.virtio_disk(disk, cache="unsafe") if virtio else []
        try:
            setup = boot.prepare_guest(
                "pv", "stock", BLOCK, kmods=["xen-blkfront"],
                extra_modules=modules,
                domain_args=[vbd_spec(extents)])
        except boot.SetupError as e:
            return Outcome(False, f"setup failed: {e}", "")
        cfg = qemu.QemuConfig(accel=accel, mem_mib=setup.qemu_mem_mib, extra=extra)
        run = boot.run_guest(setup, cfg, 200.0, boot.default_log(tag))
        if virtio:
            back = vbd_bytes(disk.read_bytes(), extents, 4096, 2048)
    output = "\n".join(run.result.output)
    want = {"xvda-sectors": str(VBD_SECTORS), "xvda-md5": md5,
            "xvda-write-readback": "0"}
    problems = [f"{k}: expected {v}, got {_value(output, k)}"
                for k, v in want.items() if _value(output, k) != v]
    if not (_value(output, "xvda-sector0") or "").startswith("PVXDISK!\\0004"):
        problems.append(f"sector 0 is not the disk's sector {VBD_START}: "
                        f"{_value(output, 'xvda-sector0')}")
    if virtio:
        # The guest wrote 1 MiB at byte 2 MiB of xvda (seek=32 x 64 KiB):
        # it must be on QEMU's image file, not only in a cache.
        got, have = _value(output, "xvda-data-md5"), hashlib.md5(back).hexdigest()
        if got != have:
            problems.append(f"the host image does not hold the guest's write "
                            f"(guest md5 {got}, image md5 {have})")
    problems += fio.pvx_block_problems(run.outcome.lines, virtio)
    if run.verdict.code != 0:
        problems.insert(0, f"exit {run.verdict.code}: {run.verdict.message}")
    return Outcome(not problems, _report(run, problems), f"{run.outcome.elapsed:.1f} s")


def pv_fio(accel: str) -> Outcome:
    """ext4 + fio verify=crc32c (O_DIRECT, 4 KiB random and 1 MiB
    sequential) on xvda over PVX's virtio-blk, then a second boot that
    re-verifies the files (fio.py); 16 MiB per job keeps it short, `pvx
    fio` runs the full size."""
    try:
        r = fio.run_mode("pv", 16, accel)
    except boot.SetupError as e:
        return Outcome(False, f"setup failed: {e}", "")
    problems = [p for ph in r["phases"].values() for p in ph["problems"]]
    if "verify" not in r["phases"]:
        problems.append("no verify boot (the write boot failed)")
    logs = ", ".join(ph["log"] for ph in r["phases"].values())
    secs = sum(ph["elapsed"] for ph in r["phases"].values())
    return Outcome(r["ok"] and not problems,
                   "\n  ".join([f"logs {logs}"] + problems), f"{secs:.1f} s")


RINGPROBE = """
modprobe xen-evtchn && modprobe xen-gntalloc || echo "CHK modprobe: failed"
ringprobe; echo "CHK ringprobe: $?"
"""

NIC_ALONE = ["-netdev", "hubport,id=n0,hubid=0",
             "-device", "virtio-net-pci,netdev=n0,mac=52:54:00:12:34:57"]


def ringprobe_problems(output: str, lines: list[str]) -> list[str]:
    """What must hold after guests/checks/ringprobe.c ran: every check
    passed, both backends dropped the ring whose producer ran ahead, and
    the domain's counters show each refusal."""
    problems = []
    if _value(output, "ringprobe") != "0":
        problems.append(f"ringprobe exited {_value(output, 'ringprobe')}")
    for what in ("blkback: request producer", "netback: tx producer"):
        if not any(what in l and "more than a ring ahead" in l for l in lines):
            problems.append(f"PVX did not report '{what} ... more than a ring ahead'")
    c = hv_counters(lines)
    if c is None:
        return problems + ["no counters-json line for d1"]
    # 7 refused block requests + the broken ring; 5 refused packets + the
    # broken ring; the spoofed frame, taken off the ring (a tx packet) and
    # dropped by the VFR; the two good frames.
    want = {"blk_errors": 8, "net_tx_errors": 6, "net_vfr_dropped": 1, "net_tx_packets": 3}
    problems += [f"counter {k} = {c.get(k)}, expected {v}" for k, v in want.items()
                 if c.get(k) != v]
    return problems


def pv_hostile_rings(accel: str) -> Outcome:
    """A user-space frontend (guests/checks/ringprobe.c) puts malformed
    requests on the block and network rings of a PV guest whose own
    blkfront and netfront are not loaded; PVX must answer each with an
    error (or a drop), count it, keep serving good requests, and the
    domain must still power off cleanly."""
    import tempfile
    with tempfile.TemporaryDirectory(prefix="pvx-disk-") as tmp:
        disk = Path(tmp) / "disk.img"
        disk_image(disk)
        try:
            setup = boot.prepare_guest(
                "pv", "stock", RINGPROBE, kmods=["xen-evtchn", "xen-gntalloc"],
                extra_files=checks.build_all(["ringprobe"]),
                domain_args=[f"vbd=0:{VBD_START}:{VBD_SECTORS}:w",
                             "vif=52:54:00:12:34:56"])
        except boot.SetupError as e:
            return Outcome(False, f"setup failed: {e}", "")
        extra = qemu.virtio_disk(disk, cache="unsafe") + NIC_ALONE
        cfg = qemu.QemuConfig(accel=accel, mem_mib=setup.qemu_mem_mib, extra=extra)
        run = boot.run_guest(setup, cfg, 200.0, boot.default_log("test-pv-hostile-rings"))
    output = "\n".join(run.result.output)
    problems = ringprobe_problems(output, run.outcome.lines)
    if run.verdict.code != 0:
        problems.insert(0, f"exit {run.verdict.code}: {run.verdict.message}")
    return Outcome(not problems, _report(run, problems), f"{run.outcome.elapsed:.1f} s")

# The network path, short: 2 s per direction at each of the paper's MTUs.
NET_SECONDS = 2


def net_problems(mode: str, mtu: int, run: boot.GuestRun,
                 records: list[dict]) -> list[str]:
    """What a network boot got wrong (pure apart from its inputs)."""
    problems = []
    why = iperf.setup_error(run.result.output)
    if why is not None:
        problems.append(f"MTU {mtu}: the guest's network setup failed: {why}")
    if mode == "pv" and any("unknown key 'vif'" in l for l in run.outcome.lines):
        problems.append("PVX ignored the domain's vif= (no network backend yet: issue #6)")
    if run.verdict.code != 0:
        problems.append(f"MTU {mtu}: exit {run.verdict.code}: {run.verdict.message}")
    if why is None:
        driver = {"native": "virtio_net", "pv": "vif"}[mode]
        first = records[0] if records else {}
        if first.get("driver") != driver:
            problems.append(f"MTU {mtu}: eth0's driver is {first.get('driver')}, "
                            f"expected {driver}")
        if first.get("guest_mtu") != mtu:
            problems.append(f"MTU {mtu}: eth0's MTU is {first.get('guest_mtu')}")
        if not str(first.get("ping", "")).startswith("OK"):
            problems.append(f"MTU {mtu}: ping 192.0.2.1: {first.get('ping')}")
        for r in records:
            if "error" in r or not r.get("value", 0) > 0:
                problems.append(f"MTU {mtu} {r['direction']}: "
                                f"{r.get('error') or 'no bandwidth'}")
    return problems


def net(mode: str, accel: str) -> Outcome:
    """One boot per MTU of the paper, each in its own namespace."""
    import tempfile
    files = workloads.build(workloads.spec("iperf3"))
    params = {"time_s": NET_SECONDS}
    problems, notes, logs = [], [], []
    last = None
    for mtu in iperf.PAPER_MTUS:
        try:
            setup, _ = netrun.prepare(mode, "stock", mtu, list(iperf.DIRECTIONS),
                                      params, files)
        except boot.SetupError as e:
            return Outcome(False, f"setup failed: {e}", "")
        cfg = qemu.QemuConfig(accel=accel, mem_mib=setup.qemu_mem_mib)
        trace = netrun.Trace()
        with tempfile.TemporaryDirectory(prefix="pvx-net-") as tmp:
            try:
                run = netrun.run(setup, cfg, mtu, 200.0,
                                 boot.default_log(f"test-{mode}-net-{mtu}"),
                                 Path(tmp) / "iperf3-server.log", trace=trace)
            except netns.NetError as e:
                return Outcome(False, f"the host's network setup failed: {e}", "")
        last = run
        logs.append(str(run.outcome.log))
        records, _ = iperf.parse_output(run.result.output, list(iperf.DIRECTIONS), mtu)
        problems += net_problems(mode, mtu, run, records)
        problems += [f"MTU {mtu}: after the boot: {p}" for p in netrun.leftovers(trace)]
        rates = ", ".join(f"{r['direction'].upper()} {r['value']:.0f}"
                          for r in records if "value" in r)
        notes.append(f"MTU {mtu}: " + (f"{rates} Mbit/s, " if rates else "")
                     + f"{run.outcome.elapsed:.0f} s")
        if iperf.setup_error(run.result.output) is not None:
            break                       # the next MTU would fail the same way
    detail = f"logs {', '.join(logs)}"
    if problems and last is not None:
        detail = _report(last, problems)
    return Outcome(not problems, detail, "; ".join(notes))


# The VFR in action: TCP to the peer's iperf3 port is dropped by a rule,
# ICMP still passes, and the rule's hits and the domain's VFR drops show.
VFR_RULES = "drop,proto=tcp,dport=5201;accept,proto=icmp"
VFR_SCRIPT = f"""
modprobe xen-netfront || echo "CHK modprobe: failed"
ip link set eth0 up && ip addr add {netns.GUEST_ADDR}/24 dev eth0
ping -c 2 -W 3 {netns.HOST_ADDR} >/dev/null; echo "CHK ping: $?"
echo | timeout 4 nc {netns.HOST_ADDR} {netns.IPERF_PORT} >/dev/null 2>&1; echo "CHK tcp-{netns.IPERF_PORT}: $?"
"""


def vfr_problems(output: str, lines: list[str]) -> list[str]:
    """ping answered, the TCP connection never made, rule 1 hit, ICMP's
    rule 2 hit, and the domain's VFR drops counted."""
    problems = []
    if _value(output, "ping") != "0":
        problems.append(f"ping through the VFR failed ({_value(output, 'ping')})")
    if _value(output, f"tcp-{netns.IPERF_PORT}") in (None, "0"):
        problems.append(f"TCP to port {netns.IPERF_PORT} got through a drop rule "
                        f"({_value(output, f'tcp-{netns.IPERF_PORT}')})")
    hits = {m.group(1): int(m.group(2)) for l in lines
            for m in [re.search(r"\(PVX\) vfr: rule (\d+) hits (\d+)", l)] if m}
    if not hits.get("1"):
        problems.append(f"the drop rule was not hit ({hits})")
    if not hits.get("2"):
        problems.append(f"the ICMP rule was not hit ({hits})")
    c = hv_counters(lines) or {}
    if not c.get("net_vfr_dropped"):
        problems.append(f"net_vfr_dropped = {c.get('net_vfr_dropped')}")
    return problems


def pv_vfr(accel: str) -> Outcome:
    """A PV guest behind `vfr=` rules, in a namespace with the iperf3 peer."""
    import tempfile
    try:
        setup = boot.prepare_guest("pv", "stock", VFR_SCRIPT, kmods=["xen-netfront"],
                                   hv_args=[f"vfr={VFR_RULES}"],
                                   domain_args=[f"vif={netns.GUEST_MAC}"])
    except boot.SetupError as e:
        return Outcome(False, f"setup failed: {e}", "")
    cfg = qemu.QemuConfig(accel=accel, mem_mib=setup.qemu_mem_mib)
    trace = netrun.Trace()
    with tempfile.TemporaryDirectory(prefix="pvx-net-") as tmp:
        try:
            run = netrun.run(setup, cfg, 1500, 200.0, boot.default_log("test-pv-vfr"),
                             Path(tmp) / "iperf3-server.log", trace=trace)
        except netns.NetError as e:
            return Outcome(False, f"the host's network setup failed: {e}", "")
    output = "\n".join(run.result.output)
    problems = vfr_problems(output, run.outcome.lines) + netrun.leftovers(trace)
    if run.verdict.code != 0:
        problems.insert(0, f"exit {run.verdict.code}: {run.verdict.message}")
    return Outcome(not problems, _report(run, problems), f"{run.outcome.elapsed:.1f} s")
def reproduce_sigterm(accel: str) -> Outcome:
    """interrupttest.py: `pvx reproduce` stopped by SIGTERM, then continued."""
    from . import interrupttest
    return interrupttest.reproduce_sigterm(accel)


TESTS = {
    "pv-checklist": lambda accel: checklist("pv", accel),
    "pv-shadow-checklist": lambda accel: checklist("pv", accel, paging="shadow"),
    "pv-shadow-small-pool": pv_shadow_small_pool,
    "native-checklist": lambda accel: checklist("native", accel),
    "pv-guest-crash": pv_guest_crash,
    "pv-block": pv_block,
    "pv-block-virtio": lambda accel: pv_block(accel, virtio=True),
    "pv-block-extents": lambda accel: pv_block(accel, virtio=True, extents=EXTENTS),
    "pv-fio-ext4": pv_fio,
    "pv-hostile-rings": pv_hostile_rings,
    "native-net": lambda accel: net("native", accel),
    "pv-net": lambda accel: net("pv", accel),
    "pv-vfr": pv_vfr,
    **modetests.tests(),
    "reproduce-sigterm": reproduce_sigterm,
}

PENDING: dict = {}

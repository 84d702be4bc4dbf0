"""The network workload (SOSP'03 Table 6: ttcp TX and RX at MTU 1500 and
500), as iperf3 between the guest and a peer in the harness's network
namespace (netns.py). Pure functions; matrix.py boots, `pvx iperf`
(cmd_iperf) builds an experiment from its options and runs it there.

One boot per configuration, and one MTU per configuration: the MTU is
set on both ends before the link carries a packet (the tap by netns.py,
eth0 by the guest), as the paper's two machines were configured, rather
than changed on one end while the other still has the old one. Boots are
cheap next to the runs (10-20 s under TCG).

In the guest, workloads/net/pvx-net (as /bin/pvx-net, with iperf3 and
its libraries copied from the host) loads the NIC driver: Linux's
virtio_net natively, xen-netfront on PVX, whose virtio-net driver and
network backend serve the same QEMU NIC. It sets the MTU and
192.0.2.2/24 on eth0, pings 192.0.2.1, and runs `iperf3 -c 192.0.2.1 -J
-t T` (TX: the guest sends) and the same with -R (RX), printing each
JSON document on one console line (the NIC offers checksum and
segmentation offload unless the experiment says offload = false,
netns.NO_OFFLOAD):

    @@NET eth0 DRIVER MTU
    @@NET ping OK 3/3
    @@NET-JSON tx {...}
    @@NET error TEXT                  (setup failed: the boot fails)
    @@NET mtu-unsupported MTU TEXT    (the guest's eth0 refused the MTU)

Records (results.jsonl), one per direction, in Mbit/s (10^6 bit/s) as
the receiver counted them: iperf3's sum_received, which for TX is the
peer's count and for RX the guest's. The sender's rate is kept beside
it. An MTU the guest refuses gives records with an error saying "not
supported" and "unsupported": true, never a number.
"""
from __future__ import annotations

import json
import re
import shlex
from typing import Any

from . import paper_numbers

SUITE = "pvx-iperf3/1"
PROGRAM = "/bin/pvx-net"
DIRECTIONS = ("tx", "rx")
METRIC = {"tx": "tcp_tx", "rx": "tcp_rx"}
PAPER_MTUS = paper_numbers.TABLE6_MTUS
SWEEP_MTUS = (500, 576, 1000, 1500, 3000, 9000)
DRIVER_MODULES = {"native": ["virtio_pci", "virtio_net"], "pv": ["xen-netfront"]}
HOST_TOOLS = ["iperf3"]
PARAMS = {"time_s", "window", "offload"}
WINDOW = re.compile(r"^\d+[KMG]?$")
NET = "@@NET "
JSON_MARK = "@@NET-JSON "
UNSUPPORTED = "not supported"


class IperfError(Exception):
    """An experiment or option asks for something this workload cannot do."""


# ---- what runs in the guest ----

def check(args: list[str], params: dict[str, Any]) -> None:
    """Refuses directions and parameters pvx-net cannot run."""
    if not args or any(a not in DIRECTIONS for a in args) or len(set(args)) != len(args):
        raise IperfError(f"iperf3: args must name directions from {', '.join(DIRECTIONS)}, "
                         f"each once (got {args!r})")
    extra = sorted(set(params) - PARAMS)
    if extra:
        raise IperfError(f"iperf3: unknown parameter(s) {', '.join(extra)} "
                         f"(known: {', '.join(sorted(PARAMS))})")
    t = params.get("time_s", 10)
    if isinstance(t, bool) or not isinstance(t, int) or not 1 <= t <= 3600:
        raise IperfError(f"iperf3: time_s = {t!r}; a whole number of seconds, 1..3600")
    if not isinstance(params.get("offload", True), bool):
        raise IperfError("iperf3: offload = true | false (the NIC's checksum and "
                         "segmentation offload)")
    w = params.get("window")
    if w is not None and (not isinstance(w, str) or not WINDOW.match(w)):
        raise IperfError(f"iperf3: window = {w!r}; iperf3's -w, e.g. \"128K\"")


def check_mtu(mtu: Any) -> None:
    if isinstance(mtu, bool) or not isinstance(mtu, int) or not 68 <= mtu <= 65535:
        raise IperfError(f"iperf3: mtu = {mtu!r}; a whole number of bytes, 68..65535")


def driver_modules(mode: str, available: set[str] | None) -> list[str]:
    """The NIC driver's modules to load, leaving out those the kernel has
    built in (not in its modules.dep; `available` None: ships no modules)."""
    want = DRIVER_MODULES[mode]
    if available is None:
        return []
    return [m for m in want if m.replace("-", "_") in available]


def command(args: list[str], params: dict[str, Any], mtu: int, modules: list[str]) -> str:
    """The guest command line: pvx-net MTU SECONDS WINDOW DIRECTIONS MODULES."""
    return shlex.join([PROGRAM, str(mtu), str(params.get("time_s", 10)),
                       str(params.get("window", "-")), ",".join(args), *modules])


def expected(args: list[str]) -> list[str]:
    return [METRIC[a] for a in args]


# ---- reading the results back ----

def parse_iperf(text: str) -> dict[str, Any]:
    """The numbers of one `iperf3 -J` document: Mbit/s as received and as
    sent, bytes, seconds, retransmits; or {"error": ...}."""
    try:
        doc = json.loads(text)
    except ValueError:
        return {"error": f"iperf3 printed no JSON: {text[:200]!r}"}
    if not isinstance(doc, dict):
        return {"error": "iperf3's JSON is not an object"}
    if doc.get("error"):
        return {"error": f"iperf3: {doc['error']}"}
    try:
        end = doc["end"]
        recv, sent = end["sum_received"], end["sum_sent"]
        out = {"value": round(float(recv["bits_per_second"]) / 1e6, 3),
               "sender_mbit_s": round(float(sent["bits_per_second"]) / 1e6, 3),
               "bytes": int(recv["bytes"]), "seconds": round(float(recv["seconds"]), 3)}
    except (KeyError, TypeError, ValueError) as e:
        return {"error": f"iperf3's JSON lacks its totals ({e!r})"}
    if "retransmits" in sent:
        out["retransmits"] = sent["retransmits"]
    mss = doc.get("start", {}).get("tcp_mss_default")
    if mss is not None:
        out["tcp_mss"] = mss
    return out


def setup_error(output: list[str]) -> str | None:
    """The guest's `@@NET error` text: it never got to run iperf3."""
    for line in output:
        if line.startswith(NET + "error "):
            return line[len(NET + "error "):].strip()
    return None


def parse_output(output: list[str], args: list[str],
                 mtu: int) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """(records, raw): one record per direction asked for, and the raw
    iperf3 JSON text per direction found. No records at all when pvx-net
    printed nothing (the boot never got to it: the run's status says why)."""
    if not any(line.startswith(("@@NET ", JSON_MARK)) for line in output):
        return [], {}
    info: dict[str, Any] = {"mtu": mtu}
    raw: dict[str, str] = {}
    unsupported = None
    for line in output:
        if line.startswith(JSON_MARK):
            parts = line[len(JSON_MARK):].split(" ", 1)
            if parts[0] in DIRECTIONS:
                raw[parts[0]] = parts[1] if len(parts) > 1 else ""
        elif line.startswith(NET + "eth0 "):
            w = line.split()
            if len(w) >= 4:
                info["driver"] = w[2]
                info["guest_mtu"] = int(w[3]) if w[3].isdigit() else w[3]
        elif line.startswith(NET + "ping "):
            info["ping"] = line[len(NET + "ping "):].strip()
        elif line.startswith(NET + "mtu-unsupported"):
            unsupported = line[len(NET + "mtu-unsupported"):].strip()
    why = setup_error(output)
    records = []
    for d in args:
        rec: dict[str, Any] = {"suite": SUITE, "name": METRIC[d], "direction": d, **info}
        if unsupported is not None:
            rec.update(error=f"MTU {mtu} {UNSUPPORTED} by the guest's eth0: {unsupported}",
                       unsupported=True)
        elif why is not None:
            rec["error"] = f"network setup failed in the guest: {why}"
        elif d not in raw:
            rec["error"] = "no iperf3 result (the run was cut short?)"
        else:
            rec.update(parse_iperf(raw[d]))
            if "error" not in rec:
                rec["unit"] = "Mbit/s"
        records.append(rec)
    return records, raw


# ---- `pvx iperf`: an experiment from the command line ----

def parse_list(text: str, what: str) -> list[str]:
    items = [w.strip() for w in text.split(",") if w.strip()]
    if not items:
        raise IperfError(f"{what}: give a comma-separated list")
    if len(set(items)) != len(items):
        raise IperfError(f"{what}: {text!r} names something twice")
    return items


def parse_mtus(text: str) -> list[int]:
    out = []
    for w in parse_list(text, "--mtus"):
        if not w.isdigit():
            raise IperfError(f"--mtus: {w!r} is not a number of bytes")
        check_mtu(int(w))
        out.append(int(w))
    return out


def experiment_toml(modes: list[str], mtus: list[int], time_s: int, reps: int,
                    window: str | None, kernel: str, accel: str,
                    offload: bool = True) -> str:
    """The experiment `pvx iperf` runs, as the TOML a file would hold
    (meta.json records it like any experiment file): one configuration
    per mode and MTU, named <mode>-<mtu>, modes outermost."""
    def q(s: str) -> str:
        return json.dumps(s)          # a TOML basic string
    lines = ["# written by `harness/pvx iperf`", "[experiment]", 'name = "iperf"',
             "description = " + q(f"TCP TX and RX with iperf3, {', '.join(modes)} at MTU "
                                  + ", ".join(map(str, mtus))),
             f"reps = {reps}", "timeout_s = " + str(max(300, 4 * time_s + 240)), "",
             "[guest]", f"kernel = {q(kernel)}", f"accel = {q(accel)}", "",
             "[workload]", 'name = "iperf3"', 'args = ["tx", "rx"]', "",
             "[workload.params]", f"time_s = {time_s}"]
    if window:
        lines.append(f"window = {q(window)}")
    if not offload:
        lines.append("offload = false")
    for m in modes:
        for mtu in mtus:
            lines += ["", f"[configs.{m}-{mtu}]", f"mode = {q(m)}", f"mtu = {mtu}"]
    return "\n".join(lines) + "\n"


def cmd_iperf(args) -> int:
    """`pvx iperf`: runs experiment_toml()'s experiment through `pvx run`'s
    machinery (matrix.py): results/<time>-iperf/ and a summary."""
    import sys
    from pathlib import Path
    from . import exitcodes, experiments, matrix, results, workloads
    try:
        modes = parse_list(args.modes, "--modes")
        bad = [m for m in modes if m not in DRIVER_MODULES]
        if bad:
            raise IperfError(f"--modes: {', '.join(bad)}: known modes are native and pv")
        mtus = list(SWEEP_MTUS) if args.sweep else parse_mtus(args.mtus)
        if args.reps < 1:
            raise IperfError("--reps must be at least 1")
        text = experiment_toml(modes, mtus, args.time, args.reps, args.window,
                               args.kernel, args.accel, not args.no_offload)
        exp = experiments.parse(text, Path(__file__).resolve().parents[1] / "pvx")
        plan = experiments.plan(exp)
        workloads.check(workloads.spec(exp.workload.name), exp.workload.args, plan.params)
        matrix.check_mtus(plan.configs, True)
    except (IperfError, experiments.ExperimentError, workloads.WorkloadError) as e:
        print(f"pvx iperf: {e}", file=sys.stderr)
        return exitcodes.USAGE
    return matrix.execute(plan, Path(args.out) if args.out else results.RESULTS_DIR, None,
                          args.accel, args.verbose)[0]

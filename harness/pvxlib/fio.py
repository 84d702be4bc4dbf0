"""The block-device check and benchmark: ext4 + fio with verification on
QEMU's virtio-blk disk, natively (Linux's virtio_blk) and on PVX (Linux's
xen-blkfront -> PVX's blkback -> PVX's virtio-blk driver).

Each run is two boots on the same raw image:

  1. write:  mkfs.ext4, mount, then two fio jobs with O_DIRECT and
             verify=crc32c: 4 KiB random writes, 1 MiB sequential writes,
             each read back and verified by fio after it is written;
  2. verify: a fresh boot mounts the file system again and fio re-reads
             and verifies both files (verify_only), so the data survived
             the guest's reboot and lives on the disk, not in a cache.

fio's JSON comes back on one console line. A run passes only if both
boots end with status 0 and fio reports no errors. Bandwidths are what
fio measured inside the guest (KiB/s); under TCG they measure emulation
cost, so compare PV with native on the same machine, not with the paper.
"""
from __future__ import annotations

import json
import re
import signal
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from . import boot, images, qemu

JOBS = ("rand4k", "seq1m")

SCRIPT = r"""
for m in {mods}; do modprobe $m || exit 1; done
for i in 1 2 3 4 5 6 7 8 9 10; do [ -b {dev} ] && break; sleep 1; done
[ -b {dev} ] || {{ echo "no {dev}"; exit 1; }}
{mkfs}
mkdir -p /mnt && mount -t ext4 {dev} /mnt || exit 1
fio --output-format=json --output=/tmp/fio.json --directory=/mnt \
    --eta=never --direct=1 --ioengine=psync --verify=crc32c --verify_fatal=1 {phase} \
    --name=rand4k --rw=randwrite --bs=4k --size={size}M --randrepeat=1 \
    --name=seq1m --rw=write --bs=1M --size={size}M --stonewall
rc=$?
echo; echo "FIOJSON $(tr -d '\n' < /tmp/fio.json)"
umount /mnt || exit 1
exit $rc
"""


class FioError(Exception):
    pass


@dataclass
class Phase:
    ok: bool
    problems: list[str]
    jobs: dict[str, dict] = field(default_factory=dict)   # per job: bw, errors
    elapsed: float = 0.0
    log: str = ""


def guest_script(mode: str, phase: str, size_mib: int) -> str:
    dev = "/dev/xvda" if mode == "pv" else "/dev/vda"
    mods = ("xen-blkfront" if mode == "pv" else "virtio_pci virtio_blk") + " crc32c_generic ext4"
    return SCRIPT.format(mods=mods, dev=dev, size=size_mib,
                         mkfs=f"mkfs.ext4 -q -F {dev} || exit 1" if phase == "write" else "",
                         phase="--do_verify=1" if phase == "write" else "--verify_only")


def parse_fio(output: list[str]) -> dict[str, dict]:
    """{job: {write_kib_s, read_kib_s, error, verify_errors}} from the
    FIOJSON line; raises FioError if it is missing or not JSON."""
    line = next((l for l in reversed(output) if l.startswith("FIOJSON ")), None)
    if line is None:
        raise FioError("fio printed no JSON (see the log)")
    try:
        data = json.loads(line[len("FIOJSON "):])
    except json.JSONDecodeError as e:
        raise FioError(f"fio's JSON does not parse: {e}") from e
    jobs = {}
    for j in data.get("jobs", []):
        jobs[j["jobname"]] = {"write_kib_s": j["write"]["bw"], "read_kib_s": j["read"]["bw"],
                              "write_ios": j["write"]["total_ios"],
                              "read_ios": j["read"]["total_ios"],
                              "error": j.get("error", 0)}
    return jobs


def pvx_block_problems(lines: list[str], virtio: bool = True) -> list[str]:
    """What PVX's console says against a PV block run: the disk was not
    driven by PVX's virtio-blk driver (virtio=True), or the domain's
    counters show block request errors (or are missing)."""
    problems = []
    if virtio and not any(re.search(r"virtio-blk vda: .*INTx", l) for l in lines):
        problems.append("PVX did not drive the disk through its virtio-blk driver")
    counters = [l for l in lines if "counters-json" in l]
    if not counters or '"blk_errors":0' not in counters[0]:
        problems.append("PVX counted block request errors")
    return problems


def run_phase(mode: str, phase: str, image: Path, size_mib: int, accel: str,
              kernel: str = "stock", timeout: float = 1800.0) -> Phase:
    mods = (["xen-blkfront"] if mode == "pv" else ["virtio_pci", "virtio_blk"]) \
        + ["crc32c_generic", "ext4"]
    setup = boot.prepare_guest(mode, kernel, guest_script(mode, phase, size_mib),
                               kmods=mods, host_tools=["mkfs.ext4", "fio"],
                               domain_args=["vbd=0:0:0:w"] if mode == "pv" else None)
    cfg = qemu.QemuConfig(accel=accel, mem_mib=setup.qemu_mem_mib, extra=qemu.virtio_disk(image))
    run = boot.run_guest(setup, cfg, timeout, boot.default_log(f"fio-{mode}-{phase}"))
    problems = []
    if run.verdict.code != 0:
        problems.append(f"{phase} boot: exit {run.verdict.code}: {run.verdict.message}")
    jobs = {}
    try:
        jobs = parse_fio(run.result.output)
    except FioError as e:
        problems.append(f"{phase} boot: {e}")
    for name in JOBS:
        if name not in jobs:
            problems.append(f"{phase} boot: fio job {name} missing")
        elif jobs[name]["error"]:
            problems.append(f"{phase} boot: fio job {name} error {jobs[name]['error']}")
    if mode == "pv":
        problems += [f"{phase} boot: {p}" for p in pvx_block_problems(run.outcome.lines)]
    return Phase(not problems, problems, jobs, run.outcome.elapsed, str(run.outcome.log))


def run_mode(mode: str, size_mib: int, accel: str, kernel: str = "stock",
             workdir: Path | None = None) -> dict:
    """Both boots on a fresh sparse image (2 x size + 128 MiB)."""
    with tempfile.TemporaryDirectory(prefix="pvx-fio-", dir=workdir) as tmp:
        image = Path(tmp) / "disk.img"
        with open(image, "wb") as f:
            f.truncate((2 * size_mib + 128) << 20)
        w = run_phase(mode, "write", image, size_mib, accel, kernel)
        v = run_phase(mode, "verify", image, size_mib, accel, kernel) if w.ok else None
    phases = {"write": w.__dict__} | ({"verify": v.__dict__} if v else {})
    return {"mode": mode, "size_mib": size_mib, "accel": accel, "kernel": kernel,
            "ok": w.ok and v is not None and v.ok, "phases": phases}


def ratios(native: dict, pv: dict) -> dict[str, float]:
    """PV/native bandwidth per job and direction, from the write boots."""
    out = {}
    n, p = native["phases"]["write"]["jobs"], pv["phases"]["write"]["jobs"]
    for job in JOBS:
        for d in ("write_kib_s", "read_kib_s"):
            if n.get(job, {}).get(d) and p.get(job, {}).get(d) is not None:
                out[f"{job}.{d[:-6]}"] = p[job][d] / n[job][d]
    return out


def cmd_fio(args) -> int:
    """`pvx fio`: runs the modes, writes the JSON atomically, prints the
    verdicts and PV/native ratios; exit 0 only if every mode passed."""
    import os
    import sys
    import time
    from . import exitcodes, paths
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    bad = [m for m in modes if m not in ("native", "pv")]
    if bad or not modes or args.size < 1:
        print(f"pvx fio: --modes takes native and/or pv, --size a positive number "
              f"(got {args.modes!r}, {args.size})", file=sys.stderr)
        return exitcodes.USAGE
    accel, why = qemu.choose_accel(args.accel, boot.kvm_canary)
    out = Path(args.out) if args.out else \
        paths.REPO / "results" / f"fio-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}.json"
    results = {}
    old = signal.signal(signal.SIGTERM, qemu.raise_on_sigterm)
    try:
        for m in modes:
            print(f"pvx fio: {m}, {args.size} MiB per job, {accel} ({why})", file=sys.stderr)
            results[m] = run_mode(m, args.size, accel, args.kernel)
            for name, ph in results[m]["phases"].items():
                state = "ok" if ph["ok"] else "FAILED: " + "; ".join(ph["problems"])
                print(f"  {m} {name}: {state} ({ph['elapsed']:.0f} s, log {ph['log']})",
                      file=sys.stderr)
    except (boot.SetupError, images.ImageError) as e:
        print(f"pvx fio: {e}", file=sys.stderr)
        return exitcodes.USAGE
    except (qemu.Interrupted, KeyboardInterrupt) as e:
        # QEMU is already gone and the disk image with it; nothing is
        # written, so no half result is left behind.
        print(f"pvx fio: interrupted ({e or 'SIGINT'}); QEMU stopped, no result written",
              file=sys.stderr)
        return exitcodes.INTERRUPTED
    finally:
        signal.signal(signal.SIGTERM, old)
    doc = {"accel": accel, "size_mib": args.size, "modes": results}
    if "native" in results and "pv" in results and all(r["ok"] for r in results.values()):
        doc["pv_over_native"] = ratios(results["native"], results["pv"])
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(json.dumps(doc, indent=1) + "\n")
    os.replace(tmp, out)
    for m, r in results.items():
        jobs = r["phases"]["write"]["jobs"]
        line = ", ".join(f"{j} write {jobs[j]['write_kib_s']} read {jobs[j]['read_kib_s']} KiB/s"
                         for j in JOBS if j in jobs)
        print(f"{m}: {'ok' if r['ok'] else 'FAILED'}: {line}")
    for k, v in doc.get("pv_over_native", {}).items():
        print(f"PV/native {k}: {v:.2f}")
    print(f"results: {out}")
    return 0 if all(r["ok"] for r in results.values()) else 1

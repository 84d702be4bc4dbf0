"""The reference peer `xen`: Debian's Xen 4.17 running the same guest
kernel and initramfs as PVX's domain 1, as its domain 0.

Debian's `xen-hypervisor-4.17-amd64` is fetched with `apt-get download`
and unpacked with `dpkg -x` into $PVX_CACHE/xen/<package>_<version>/
(never installed on the host), like the stock kernel (kernels.py); once
a copy is cached it is used without asking apt anything. The package's
/boot/xen-4.17-amd64.gz is a multiboot2 image, which GRUB decompresses
as it loads it.

The boot entry (images.BootEntry) is Debian's own GRUB entry for Xen
(/etc/grub.d/20_linux_xen), reduced to what a measurement needs:

    multiboot2 /boot/xen-4.17-amd64.gz dom0_mem=512M,max:512M console=com1 ...
    module2    /boot/vmlinuz  console=hvc0 panic=-1 pvx.cmd=...
    module2    /boot/initramfs.cpio.gz

Domain 0 gets the stock bzImage (Xen's domain builder unpacks it) and the
same command line and initramfs as a PV boot on PVX, one vCPU (QEMU has
one CPU) and dom0_mem of the guest's memory, fixed (max: the same), so
it matches PVX's `mem=` for domain 1. QEMU gets PV_HEADROOM_MIB more for
Xen itself, as for PVX. GRUB 2 passes module command lines without the
image name, and Xen knows that (setup.c, cmdline_cook), so no
"placeholder" word is needed. Xen's own lines on the console start with
"(XEN)"; domain 0's console (hvc0) goes out on the same serial line
without a prefix. Domain 0's `poweroff -f` powers the machine off through
ACPI S5, and QEMU then exits with status 0, which carries no status of
its own: the guest's end marker is the result (guestrun.verdict).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import images, kernels, paths

PACKAGE = "xen-hypervisor-4.17-amd64"
IMAGE = "boot/xen-4.17-amd64.gz"
# console=com1 com1=115200,8n1: Xen's console on the first UART, which
# QEMU's -serial stdio connects to the harness. noreboot: a crash stops
# the machine (QEMU -no-reboot ends the run) instead of rebooting it.
BASE_ARGS = ["console=com1", "com1=115200,8n1", "noreboot"]


@dataclass
class Xen:
    image: Path                        # the multiboot2 image GRUB loads
    meta: dict[str, str] = field(default_factory=dict)   # package, version, sha256


def xen_args(mem_mib: int, extra: list[str] | None = None) -> list[str]:
    """Xen's command line: domain 0's memory fixed at mem_mib, the
    console on COM1, then the configuration's own arguments."""
    if mem_mib <= 0:
        raise ValueError(f"dom0 memory must be positive, got {mem_mib} MiB")
    return [f"dom0_mem={mem_mib}M,max:{mem_mib}M", *BASE_ARGS, *(extra or [])]


def boot_entry(xen: Path, bzimage: Path, cmdline: str, initrd: Path, mem_mib: int,
               extra_args: list[str] | None = None) -> images.BootEntry:
    """GRUB's entry: Xen, then domain 0's kernel with its command line,
    then its initramfs."""
    return images.BootEntry("multiboot2", xen, xen_args(mem_mib, extra_args),
                            [images.Module(bzimage, cmdline.split()),
                             images.Module(initrd, [])])


# ---- fetching Debian's package ----

def root(cache: Path | None = None) -> Path:
    return (cache or paths.cache_dir()) / "xen"


def newest_entry(where: Path) -> Path | None:
    return kernels.newest_entry(where, "xen.json")


def load_entry(entry: Path) -> Xen:
    try:
        meta = json.loads((entry / "xen.json").read_text())
        image = entry / meta["image"]
    except (OSError, ValueError, KeyError) as e:
        raise kernels.KernelError(f"{entry}/xen.json is unreadable: {e}") from e
    if not image.is_file():
        raise kernels.KernelError(f"{image} is missing (delete {entry} to fetch it again)")
    return Xen(image, {k: str(v) for k, v in meta.items()})


def package_version(run: kernels.Runner = subprocess.run) -> str:
    """The candidate version apt knows for PACKAGE."""
    p = kernels.apt(run, ["apt-cache", "show", "--no-all-versions", PACKAGE])
    version = kernels.parse_version(p.stdout) if p.returncode == 0 else None
    if version is None:
        raise kernels.KernelError(f"apt does not know {PACKAGE} (is this Debian 12 "
                                  "with main in sources.list? try apt-get update)")
    return version


def fetch(entry: Path, version: str, run: kernels.Runner = subprocess.run) -> None:
    """Downloads and unpacks the package as `entry`, atomically (a
    .tmp-<pid>-* directory renamed into place last)."""
    entry.parent.mkdir(parents=True, exist_ok=True)
    kernels.remove_stale_tmp(entry.parent)
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{os.getpid()}-", dir=entry.parent))
    tmp.chmod(0o755)
    try:
        print(f"pvx: fetching Debian's {PACKAGE} {version} (apt-get download)",
              file=sys.stderr, flush=True)
        start = time.monotonic()
        deb = kernels.apt_download(run, PACKAGE, version, tmp)
        kernels.dpkg_unpack(run, deb, tmp / "root")
        deb.unlink()
        image = tmp / "root" / IMAGE
        if not image.is_file():
            raise kernels.KernelError(f"{PACKAGE} {version} has no /{IMAGE}")
        meta = {"package": PACKAGE, "version": version, "image": f"root/{IMAGE}",
                "sha256": kernels.sha256_file(image), "fetched_at": time.time(),
                "download_seconds": round(time.monotonic() - start, 1)}
        (tmp / "xen.json").write_text(json.dumps(meta, indent=2) + "\n")
        try:
            tmp.rename(entry)
        except OSError:
            if not (entry / "xen.json").is_file():   # not a concurrent winner
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def xen(cache: Path | None = None, run: kernels.Runner = subprocess.run) -> Xen:
    """The cached Xen, fetching it on first use; raises KernelError."""
    where = root(cache)
    entry = newest_entry(where) if where.is_dir() else None
    if entry is not None:
        return load_entry(entry)
    version = package_version(run)
    entry = where / kernels.entry_name(PACKAGE, version)
    if not (entry / "xen.json").is_file():
        fetch(entry, version, run)
    return load_entry(entry)

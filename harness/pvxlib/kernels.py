"""Guest kernels: what `--kernel stock|patched|PATH` means on disk.

  stock    Debian's stock kernel, the package `linux-image-amd64` depends
           on. Fetched with `apt-get download` and unpacked with `dpkg -x`
           into $PVX_CACHE/kernels/stock/<package>_<version>/ (never
           installed on the host). Once a copy is cached it is used without
           asking apt anything; `pvx kernel stock --refresh` looks for a
           newer package.
  patched  guests/linux/build.py's output directory (bzImage, vmlinux),
           built on first use by that script.
  PATH     a bzImage, an ELF vmlinux, or a directory holding either.

Native boots need the bzImage; PV boots need the ELF vmlinux, which
vmlinux_path() extracts from the bzImage once and caches (keyed by the
bzImage's sha256).

Cache entries appear atomically: everything is written under a `.tmp-*`
directory beside the final one and renamed into place last, so a killed
fetch leaves nothing that looks complete.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from . import bzimage, elfslim, elfnotes, paths

META_PACKAGE = "linux-image-amd64"
BUILD_PY = paths.REPO / "guests" / "linux" / "build.py"


class KernelError(Exception):
    """The kernel asked for cannot be found, fetched or unpacked."""


@dataclass
class Kernel:
    spec: str                          # what the user asked for
    bzimage: Path | None = None        # for native boots
    vmlinux: Path | None = None        # ELF, when one exists already
    modules_dir: Path | None = None    # .../lib/modules/<release>, if shipped
    derived: Path | None = None        # where files made from it go (vmlinux)
    meta: dict[str, str] = field(default_factory=dict)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def say(msg: str) -> None:
    print(f"pvx: {msg}", file=sys.stderr, flush=True)


# ---- resolving --kernel ----

def resolve(spec: str, refresh: bool = False) -> Kernel:
    """The kernel for a --kernel value; raises KernelError."""
    if spec == "stock":
        return stock_kernel(refresh=refresh)
    if spec == "patched":
        return patched_kernel()
    return path_kernel(Path(spec))


def _kind(path: Path) -> str:
    """'elf', 'bzimage' or 'other', from the file's first bytes."""
    with open(path, "rb") as f:
        head = f.read(0x210)
    if head.startswith(bzimage.ELF_MAGIC):
        return "elf"
    return "bzimage" if bzimage.is_bzimage(head) else "other"


def path_kernel(path: Path) -> Kernel:
    """A kernel named by path: a file, or a directory with bzImage/vmlinux."""
    if path.is_dir():
        bz, vm = path / "bzImage", path / "vmlinux"
        k = Kernel(str(path), bz if bz.is_file() else None,
                   vm if vm.is_file() else None)
        if k.bzimage is None and k.vmlinux is None:
            raise KernelError(f"{path}: directory has neither bzImage nor vmlinux")
        return k
    if not path.is_file():
        raise KernelError(f"kernel not found: {path} (expected stock, patched, "
                          "or the path of a bzImage or vmlinux)")
    kind = _kind(path)
    if kind == "elf":
        return Kernel(str(path), vmlinux=path)
    if kind == "bzimage":
        return Kernel(str(path), bzimage=path)
    raise KernelError(f"{path}: neither a bzImage nor an ELF vmlinux")


def patched_kernel() -> Kernel:
    """guests/linux/build.py --print-path (builds the kernel if needed;
    its progress goes to stderr)."""
    if not BUILD_PY.is_file():
        raise KernelError(f"the patched kernel needs {BUILD_PY}, which is missing")
    proc = subprocess.run([sys.executable, str(BUILD_PY), "--print-path"],
                          stdout=subprocess.PIPE, text=True)
    out = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not out:
        raise KernelError(f"{BUILD_PY.relative_to(paths.REPO)} --print-path "
                          f"failed (exit {proc.returncode})")
    k = path_kernel(Path(out[-1]))
    k.spec = "patched"
    manifest = Path(out[-1]) / "build.json"
    if manifest.is_file():
        info = json.loads(manifest.read_text())
        k.meta = {"kernel_release": str(info.get("kernel_release", "")),
                  "key": str(info.get("key", ""))}
    return k


def native_image(k: Kernel) -> Path:
    """The bzImage GRUB's `linux` command boots."""
    if k.bzimage is None:
        raise KernelError(f"{k.spec}: native boots need a bzImage, and there "
                          "is only an ELF vmlinux")
    return k.bzimage


# ---- the ELF for PV boots ----

# Bump when the derived file's form changes, so caches are rebuilt.
DERIVED_FORM = "slim1"


def vmlinux_path(k: Kernel, cache: Path | None = None) -> Path:
    """The ELF for a PV boot: from the bzImage (or the given vmlinux),
    slimmed to what the domain builder reads (elfslim.py)."""
    src = k.vmlinux if k.vmlinux is not None else k.bzimage
    assert src is not None
    digest = sha256_file(src)
    where = k.derived or (cache or paths.cache_dir()) / "kernels" / "extracted" / digest[:16]
    return cached_extract(src, digest, where, is_elf=k.vmlinux is not None)


def cached_extract(src: Path, digest: str, where: Path, is_elf: bool = False) -> Path:
    """where/vmlinux, valid while its stamp names the source's digest and
    the current DERIVED_FORM."""
    out, stamp = where / "vmlinux", where / "vmlinux.bzimage-sha256"
    want = f"{digest} {DERIVED_FORM}"
    if out.is_file() and stamp.is_file() and stamp.read_text().strip() == want:
        return out
    try:
        raw = src.read_bytes() if is_elf else bzimage.extract_vmlinux(src.read_bytes())
        elf = elfslim.slim_elf(raw)
    except (bzimage.BzImageError, elfslim.ElfSlimError) as e:
        raise KernelError(f"{src}: {e}") from e
    where.mkdir(parents=True, exist_ok=True)
    _write_atomic(out, elf)
    _write_atomic(stamp, (want + "\n").encode())
    return out


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def xen_notes(vmlinux: Path) -> dict[str, str]:
    """Printable Xen notes of an ELF kernel; KernelError if unreadable."""
    try:
        return elfnotes.describe(elfnotes.elf_xen_notes(vmlinux.read_bytes()))
    except elfnotes.ElfError as e:
        raise KernelError(f"{vmlinux}: {e}") from e


# ---- Debian's stock kernel ----

Runner = Callable[..., subprocess.CompletedProcess]


def stock_root(cache: Path | None = None) -> Path:
    return (cache or paths.cache_dir()) / "kernels" / "stock"


def stock_kernel(cache: Path | None = None, refresh: bool = False,
                 run: Runner = subprocess.run) -> Kernel:
    """The cached stock kernel, fetching it on first use (or on refresh)."""
    root = stock_root(cache)
    if not refresh:
        entry = newest_entry(root)
        if entry is not None:
            return load_entry(entry)
    package, version = stock_package(run)
    entry = root / entry_name(package, version)
    if not (entry / "kernel.json").is_file():
        fetch_stock(entry, package, version, run)
    return load_entry(entry)


def entry_name(package: str, version: str) -> str:
    return f"{package}_{version.replace(':', '%3a')}"


def newest_entry(root: Path, meta_file: str = "kernel.json") -> Path | None:
    """The most recently fetched complete entry (a directory holding
    meta_file with its fetched_at), if any; xenpeer.py's cache too."""
    best: tuple[float, Path] | None = None
    for meta in root.glob(f"*/{meta_file}"):
        if meta.parent.name.startswith("."):
            continue
        try:
            when = float(json.loads(meta.read_text())["fetched_at"])
        except (OSError, ValueError, KeyError):
            continue
        if best is None or when > best[0]:
            best = (when, meta.parent)
    return best[1] if best else None


def load_entry(entry: Path) -> Kernel:
    meta = json.loads((entry / "kernel.json").read_text())
    release = meta["release"]
    mods = entry / "root" / "lib" / "modules" / release
    if mods.is_dir() and not (mods / "modules.dep").is_file():
        depmod(entry / "root")          # an entry fetched before depmod ran
    return Kernel("stock", bzimage=entry / meta["vmlinuz"],
                  modules_dir=mods if mods.is_dir() else None, derived=entry,
                  meta={k: str(v) for k, v in meta.items()})


def parse_depends(text: str, meta_package: str = META_PACKAGE) -> str | None:
    """The linux-image-<abi>-amd64 package in `apt-cache depends` output."""
    for line in text.splitlines():
        word = line.strip()
        if word.startswith("Depends:"):
            dep = word.split(":", 1)[1].strip().strip("<>")
            if dep.startswith("linux-image-") and dep != meta_package:
                return dep
    return None


def parse_version(text: str) -> str | None:
    """The Version: field of `apt-cache show --no-all-versions` output."""
    for line in text.splitlines():
        if line.startswith("Version:"):
            return line.split(":", 1)[1].strip()
    return None


def apt(run: Runner, argv: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess:
    try:
        return run(argv, cwd=cwd, stdout=subprocess.PIPE,
                   stderr=subprocess.STDOUT, text=True)
    except OSError as e:
        raise KernelError(f"cannot run {argv[0]}: {e} (a Debian host is needed "
                          "to fetch the stock kernel)") from e


def _apt_update(run: Runner) -> None:
    say("apt-get update (package lists missing or stale)")
    p = apt(run, ["apt-get", "update", "-q"])
    if p.returncode != 0:
        raise KernelError("apt-get update failed:\n" + p.stdout[-1500:])


def stock_package(run: Runner = subprocess.run) -> tuple[str, str]:
    """(package, version) of the kernel linux-image-amd64 depends on; runs
    apt-get update once if the package lists do not know it."""
    for attempt in range(2):
        dep = apt(run, ["apt-cache", "depends", META_PACKAGE])
        package = parse_depends(dep.stdout) if dep.returncode == 0 else None
        if package is not None:
            show = apt(run, ["apt-cache", "show", "--no-all-versions", package])
            version = parse_version(show.stdout) if show.returncode == 0 else None
            if version is not None:
                return package, version
        if attempt == 0:
            _apt_update(run)
    raise KernelError(f"apt does not know {META_PACKAGE} or its kernel package "
                      "(is this Debian 12 with main in sources.list?)")


def apt_download(run: Runner, package: str, version: str, into: Path) -> Path:
    """apt-get download into `into`; retries once after apt-get update
    (a security update may have replaced the version the lists name)."""
    argv = ["apt-get", "download", "-q", f"{package}={version}"]
    if os.geteuid() == 0:
        # _apt cannot write into our private temp dir; skip the sandbox.
        argv[2:2] = ["-o", "APT::Sandbox::User=root"]
    for attempt in range(2):
        p = apt(run, argv, cwd=into)
        debs = sorted(into.glob("*.deb"))
        if p.returncode == 0 and debs:
            return debs[0]
        if attempt == 0:
            _apt_update(run)
    raise KernelError(f"apt-get download {package}={version} failed:\n{p.stdout[-1500:]}")


def dpkg_unpack(run: Runner, deb: Path, into: Path) -> None:
    p = apt(run, ["dpkg", "-x", str(deb), str(into)])
    if p.returncode != 0:
        raise KernelError(f"dpkg -x {deb.name} failed:\n{p.stdout[-1500:]}")


def _describe_tree(root: Path, package: str, version: str,
                   seconds: float) -> dict[str, object]:
    """kernel.json: where the kernel is and what it is."""
    images = sorted((root / "boot").glob("vmlinuz-*"))
    configs = sorted((root / "boot").glob("config-*"))
    if not images:
        raise KernelError(f"{package} has no /boot/vmlinuz-*")
    release = images[0].name[len("vmlinuz-"):]
    return {
        "package": package,
        "version": version,
        "release": release,
        "vmlinuz": str(images[0].relative_to(root.parent)),
        "vmlinuz_sha256": sha256_file(images[0]),
        "config_sha256": sha256_file(configs[0]) if configs else "",
        "fetched_at": time.time(),
        "download_seconds": round(seconds, 1),
    }


def depmod(root: Path, run: Runner = subprocess.run) -> None:
    """modules.dep for every kernel under root/lib/modules: Debian makes it
    in the package's postinst, which `dpkg -x` does not run, and modprobe
    (and rootfs.py's module selection) need it."""
    for mods in sorted((root / "lib" / "modules").glob("*")):
        try:
            p = run(["depmod", "-b", str(root), mods.name], stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT, text=True)
        except OSError as e:
            raise KernelError(f"cannot run depmod: {e} (apt-get install kmod)") from e
        if p.returncode != 0:
            raise KernelError(f"depmod {mods.name} failed:\n{p.stdout[-1500:]}")


def remove_stale_tmp(root: Path) -> None:
    """Removes .tmp-<pid>-* directories whose fetching process is gone."""
    for d in root.glob(".tmp-*"):
        try:
            pid = int(d.name.split("-")[1])
            os.kill(pid, 0)
        except ProcessLookupError:
            shutil.rmtree(d, ignore_errors=True)
        except (ValueError, IndexError, PermissionError):
            continue


def fetch_stock(entry: Path, package: str, version: str,
                run: Runner = subprocess.run) -> None:
    """Downloads and unpacks the package as `entry`, atomically."""
    entry.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_tmp(entry.parent)
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{os.getpid()}-", dir=entry.parent))
    tmp.chmod(0o755)
    try:
        say(f"fetching Debian's stock kernel {package} {version} (apt-get download)")
        start = time.monotonic()
        deb = apt_download(run, package, version, tmp)
        dpkg_unpack(run, deb, tmp / "root")
        deb.unlink()
        depmod(tmp / "root", run)
        seconds = time.monotonic() - start
        meta = _describe_tree(tmp / "root", package, version, seconds)
        (tmp / "kernel.json").write_text(json.dumps(meta, indent=2) + "\n")
        say(f"stock kernel {meta['release']} fetched and unpacked in {seconds:.1f} s")
        try:
            tmp.rename(entry)
        except OSError:
            if not (entry / "kernel.json").is_file():   # not a concurrent winner
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def cmd_kernel(args) -> int:
    """`pvx kernel [SPEC] [--refresh] [--vmlinux]`: JSON on stdout."""
    try:
        k = stock_kernel(refresh=True) if args.spec == "stock" and args.refresh \
            else resolve(args.spec)
        info: dict[str, object] = {
            "spec": k.spec, "bzimage": str(k.bzimage or ""),
            "vmlinux": str(k.vmlinux or ""), "modules_dir": str(k.modules_dir or ""),
            **k.meta}
        if args.vmlinux:
            vm = vmlinux_path(k)
            info["vmlinux"] = str(vm)
            info["xen_notes"] = xen_notes(vm)
    except KernelError as e:
        print(f"pvx kernel: {e}", file=sys.stderr)
        return 64
    print(json.dumps(info, indent=2))
    return 0

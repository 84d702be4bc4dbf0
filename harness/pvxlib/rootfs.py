"""The guests' root filesystem: a busybox initramfs (cpio newc, gzip).

Contents, all owned by root with mtime 0:
  /init                  guests/rootfs/init (runs the harness's command)
  /bin/busybox           Debian's busybox-static, with a symlink for every
                         applet (`busybox --list-full`)
  skeleton               /dev/console, /proc, /sys, /tmp, /etc/passwd, ...
  extra files            e.g. static workload binaries: {dest: source}
  host tools             installed programs (iperf3, fio) copied with the
                         shared libraries `ldd` names, at the same paths
  kernel modules         named modules of the guest kernel and everything
                         modules.dep says they need, at /lib/modules/<rel>/,
                         with a modules.dep for busybox modprobe

The archive is built in memory (cpio.py is deterministic) and cached as
$PVX_CACHE/initramfs/<key>.cpio.gz where key hashes the uncompressed
archive, i.e. every input byte and path; an unchanged rootfs is reused.
"""
from __future__ import annotations

import gzip
import hashlib
import os
import re
import shutil
import subprocess
from pathlib import Path, PurePosixPath

from . import cpio, paths

RECIPE = 1                 # bump when the layout changes without input changes
INIT = paths.REPO / "guests" / "rootfs" / "init"
BUSYBOX = Path("/bin/busybox")
SKELETON_DIRS = ["bin", "dev", "etc", "lib", "proc", "root", "run", "sbin",
                 "sys", "usr/bin", "usr/sbin", "var"]
ETC_FILES = {"etc/passwd": b"root:x:0:0:root:/root:/bin/sh\n",
             "etc/group": b"root:x:0:\n",
             "etc/hostname": b"pvx-guest\n"}


class RootfsError(Exception):
    """An input of the initramfs is missing or unusable."""


# ---- paths and the entry table ----

def archive_path(dest: str | PurePosixPath) -> str:
    """'/usr/bin/x' -> 'usr/bin/x'; refuses '..' and empty paths."""
    p = PurePosixPath("/") / PurePosixPath(dest)
    if ".." in p.parts or p == PurePosixPath("/"):
        raise RootfsError(f"bad destination path in the initramfs: {dest!r}")
    return str(p.relative_to("/"))


def file_entry(dest: str, src: Path) -> cpio.Entry:
    """A regular file from the host (symlinks followed), keeping the
    executable bit."""
    try:
        data = src.read_bytes()
        executable = os.stat(src).st_mode & 0o111
    except OSError as e:
        raise RootfsError(f"cannot read {src}: {e.strerror}") from e
    return cpio.regular(archive_path(dest), data, 0o755 if executable else 0o644)


def with_parents(entries: dict[str, cpio.Entry]) -> list[cpio.Entry]:
    """All entries plus any missing parent directories, sorted by path so
    every directory precedes its contents."""
    table = dict(entries)
    for path in list(table):
        for parent in PurePosixPath(path).parents:
            if str(parent) != "." and str(parent) not in table:
                table[str(parent)] = cpio.directory(str(parent))
    return [table[p] for p in sorted(table)]


def skeleton(init: bytes, busybox: bytes, applets: list[str]) -> dict[str, cpio.Entry]:
    """The base system: /init, busybox and its applet links, /dev/console
    (the kernel opens it for init's stdio before devtmpfs is mounted)."""
    t: dict[str, cpio.Entry] = {d: cpio.directory(d) for d in SKELETON_DIRS}
    t["tmp"] = cpio.directory("tmp", 0o1777)
    t["root"] = cpio.directory("root", 0o700)
    t["dev/console"] = cpio.char_device("dev/console", 5, 1)
    for path, data in ETC_FILES.items():
        t[path] = cpio.regular(path, data)
    for applet in applets:
        path = archive_path(applet)
        if path != "bin/busybox":
            t[path] = cpio.symlink(path, "/bin/busybox")
    t["bin/busybox"] = cpio.regular("bin/busybox", busybox, 0o755)
    t["init"] = cpio.regular("init", init, 0o755)
    return t


def busybox_applets(busybox: Path = BUSYBOX) -> list[str]:
    """Where each applet lives, e.g. 'usr/bin/base64'."""
    try:
        out = subprocess.run([str(busybox), "--list-full"], stdout=subprocess.PIPE,
                             text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        raise RootfsError(f"cannot list the applets of {busybox} ({e}); "
                          "install busybox-static (`make deps`)") from e
    return sorted(line.strip() for line in out.splitlines() if line.strip())


# ---- host tools and their shared libraries ----

LDD_LINE = re.compile(r"^\s*(?:(\S+) => )?(\S+|not found)(?: \(0x[0-9a-f]+\))?\s*$")


def parse_ldd(text: str) -> list[str]:
    """Absolute paths of the libraries in `ldd` output (the vDSO has none;
    static binaries have no libraries). RootfsError for 'not found'."""
    libs = []
    for line in text.splitlines():
        if "not a dynamic executable" in line or "statically linked" in line:
            return []
        m = LDD_LINE.match(line)
        if not m:
            continue
        name, where = m.group(1), m.group(2)
        if where == "not found":
            raise RootfsError(f"shared library {name} not found")
        if where.startswith("/"):
            libs.append(where)
    return libs


def shared_libraries(binary: Path) -> list[str]:
    proc = subprocess.run(["ldd", str(binary)], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)
    if proc.returncode != 0 and "not a dynamic executable" not in proc.stdout:
        raise RootfsError(f"ldd {binary} failed: {proc.stdout.strip()}")
    return parse_ldd(proc.stdout)


def host_tool_files(tools: list[str]) -> dict[str, Path]:
    """{dest: source} for each tool (name on PATH, or absolute path) and
    the libraries it links, placed where the dynamic loader looks."""
    files: dict[str, Path] = {}
    for tool in tools:
        found = shutil.which(tool)
        if found is None:
            raise RootfsError(f"host tool not found: {tool} (is its package installed?)")
        files[found] = Path(found)
        for lib in shared_libraries(Path(found)):
            files[lib] = Path(lib)
    return files


# ---- kernel modules ----

def parse_modules_dep(text: str) -> dict[str, list[str]]:
    """modules.dep: {'kernel/fs/ext4/ext4.ko': ['kernel/fs/jbd2/jbd2.ko', ...]}"""
    deps = {}
    for line in text.splitlines():
        if ":" in line:
            mod, rest = line.split(":", 1)
            deps[mod.strip()] = rest.split()
    return deps


def module_name(path: str) -> str:
    """'kernel/drivers/block/xen-blkfront.ko.xz' -> 'xen_blkfront'."""
    base = PurePosixPath(path).name
    return base.split(".ko", 1)[0].replace("-", "_")


def module_names(modules_dir: Path | None) -> set[str] | None:
    """The names of the modules a kernel ships ('virtio_net', ...), from
    its modules.dep; None when it ships none (everything built in)."""
    if modules_dir is None or not (modules_dir / "modules.dep").is_file():
        return None
    return {module_name(p) for p in parse_modules_dep((modules_dir / "modules.dep").read_text())}


def module_closure(names: list[str], deps: dict[str, list[str]]) -> list[str]:
    """The modules.dep paths of the named modules and all they depend on."""
    by_name = {module_name(p): p for p in deps}
    wanted, todo = set(), []
    for n in names:
        p = by_name.get(n.replace("-", "_"))
        if p is None:
            raise RootfsError(f"kernel module {n!r} not in modules.dep "
                              "(built in, or not in this kernel?)")
        todo.append(p)
    while todo:
        p = todo.pop()
        if p not in wanted:
            wanted.add(p)
            todo.extend(deps.get(p, []))
    return sorted(wanted)


def module_entries(modules_dir: Path, names: list[str]) -> dict[str, cpio.Entry]:
    """The modules with their dependencies and a modules.dep covering
    exactly them, under lib/modules/<release>/."""
    dep_file = modules_dir / "modules.dep"
    if not dep_file.is_file():
        raise RootfsError(f"{dep_file} not found: this kernel ships no modules")
    deps = parse_modules_dep(dep_file.read_text())
    chosen = module_closure(names, deps)
    base = f"lib/modules/{modules_dir.name}"
    t = {f"{base}/{p}": file_entry(f"{base}/{p}", modules_dir / p) for p in chosen}
    dep_text = "".join(f"{p}: {' '.join(deps[p])}\n" for p in chosen)
    t[f"{base}/modules.dep"] = cpio.regular(f"{base}/modules.dep", dep_text.encode())
    return t


# ---- the archive ----

def entries(extra_files: dict[str, Path] | None = None, host_tools: list[str] | None = None,
            modules: list[str] | None = None, modules_dir: Path | None = None,
            init: Path = INIT, busybox: Path = BUSYBOX) -> list[cpio.Entry]:
    """Every entry of the initramfs, in archive order."""
    for need in (init, busybox):
        if not need.is_file():
            hint = " (install busybox-static)" if need == busybox else ""
            raise RootfsError(f"{need} not found{hint}")
    table = skeleton(init.read_bytes(), busybox.read_bytes(), busybox_applets(busybox))
    if modules:
        if modules_dir is None:
            raise RootfsError("kernel modules asked for, but the kernel ships none")
        table.update(module_entries(modules_dir, modules))
    for dest, src in host_tool_files(host_tools or []).items():
        table[archive_path(dest)] = file_entry(dest, src)
    for dest, src in (extra_files or {}).items():
        table[archive_path(dest)] = file_entry(dest, Path(src))
    return with_parents(table)


def cache_key(archive: bytes) -> str:
    return hashlib.sha256(b"pvx-initramfs %d\n" % RECIPE + archive).hexdigest()[:16]


def build_initramfs(extra_files: dict[str, Path] | None = None,
                    host_tools: list[str] | None = None,
                    modules: list[str] | None = None,
                    modules_dir: Path | None = None,
                    cache: Path | None = None) -> Path:
    """The gzip'd cpio for these inputs, built once and then reused."""
    archive = cpio.archive(entries(extra_files, host_tools, modules, modules_dir))
    out_dir = (cache or paths.cache_dir()) / "initramfs"
    out = out_dir / f"{cache_key(archive)}.cpio.gz"
    if out.is_file():
        return out
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = out_dir / f".{out.name}.{os.getpid()}.tmp"
    tmp.write_bytes(gzip.compress(archive, compresslevel=9, mtime=0))
    tmp.replace(out)
    return out

#!/usr/bin/env python3
"""Reproducible build of the PVX guest kernel.

Theory of operation
-------------------
The guest is Debian's `linux-source-6.1` (upstream 6.1.y with Debian's
patches already applied) plus the numbered experiment patches in
`patches/`, configured from `make allnoconfig` and the fragment
`config/pvx.config`.

Everything that decides what the kernel looks like goes into one key:

    sha256(recipe version, package version, fragment bytes,
           every patch's name and bytes)[:16]

and the outputs live in `$PVX_CACHE/linux/<key>/` (default cache
`/var/tmp/pvx-cache`). A key directory exists only if its build
succeeded: the build runs in `.tmp-<key>-<pid>/` beside it and its
`out/` is renamed to `<key>/` as the very last step, so an interrupted
or failed build leaves no key directory behind. A second run with
nothing changed finds `<key>/build.json` and only prints the path.

One build at a time per cache (an flock on `linux/.lock`); whoever holds
the lock may delete any `.tmp-*` directory, which can only be left over
from a build that died.

Bump RECIPE_VERSION whenever a change to this file changes the kernel
that comes out (flags, make targets, the configure steps); changes that
only touch messages or bookkeeping need no bump.
"""

from __future__ import annotations

import argparse
import datetime
import fcntl
import hashlib
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Iterator, NoReturn

RECIPE_VERSION = 1

PACKAGE = "linux-source-6.1"
TARBALL = Path("/usr/src/linux-source-6.1.tar.xz")
# Debian packages the kernel build needs (besides the source package).
BUILD_DEPS = [
    "gcc", "make", "libc6-dev", "bc", "bison", "flex", "libelf-dev",
    "libssl-dev", "dwarves", "kmod", "cpio", "xz-utils", "binutils", "patch",
    "ccache",
]

HERE = Path(__file__).resolve().parent
FRAGMENT = HERE / "config" / "pvx.config"
PATCH_DIR = HERE / "patches"

ARCH = "x86_64"
# Fixed build identity, so two builds of one key produce the same banner.
KBUILD_ENV = {
    "KBUILD_BUILD_USER": "pvx",
    "KBUILD_BUILD_HOST": "pvx",
    "KBUILD_BUILD_VERSION": "1",
    "KBUILD_BUILD_TIMESTAMP": "1970-01-01 00:00:00 UTC",
}
PROGRESS_EVERY_S = 30
LOG_TAIL_LINES = 40


class BuildError(Exception):
    """A step failed; the message says which and what to look at."""


# --- messages -----------------------------------------------------------------

_T0 = time.monotonic()


def say(msg: str) -> None:
    """Progress goes to stderr so stdout stays machine-readable."""
    print(f"[linux {time.monotonic() - _T0:6.0f}s] {msg}", file=sys.stderr,
          flush=True)


def die(msg: str) -> NoReturn:
    print(f"guests/linux/build.py: error: {msg}", file=sys.stderr, flush=True)
    sys.exit(1)


# --- host packages --------------------------------------------------------------

def dpkg_version(pkg: str) -> str | None:
    """Installed version of a Debian package, or None."""
    r = subprocess.run(
        ["dpkg-query", "-W", "-f=${Status}\t${Version}", pkg],
        capture_output=True, text=True)
    if r.returncode != 0:
        return None
    status, _, version = r.stdout.partition("\t")
    return version if status.endswith(" installed") else None


def apt_install(pkgs: list[str]) -> None:
    if os.geteuid() != 0:
        die(f"missing Debian packages {' '.join(pkgs)}; run as root or "
            f"`apt-get install {' '.join(pkgs)}` first")
    say(f"apt-get install {' '.join(pkgs)}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    cmd = ["apt-get", "install", "-y", "-q", *pkgs]
    if subprocess.run(cmd, env=env, stdout=sys.stderr).returncode == 0:
        return
    say("apt-get install failed; refreshing the package lists and retrying")
    subprocess.run(["apt-get", "update", "-q"], env=env, stdout=sys.stderr)
    if subprocess.run(cmd, env=env, stdout=sys.stderr).returncode != 0:
        die(f"apt-get install {' '.join(pkgs)} failed")


def ensure_packages(use_ccache: bool) -> str:
    """Install what is missing; return the source package's version."""
    wanted = [PACKAGE] + [p for p in BUILD_DEPS
                          if use_ccache or p != "ccache"]
    missing = [p for p in wanted if dpkg_version(p) is None]
    if missing:
        apt_install(missing)
    version = dpkg_version(PACKAGE)
    if version is None:
        die(f"{PACKAGE} is still not installed")
    if not TARBALL.is_file():
        die(f"{PACKAGE} {version} is installed but {TARBALL} is missing; "
            f"try `apt-get install --reinstall {PACKAGE}`")
    return version


# --- inputs and key ---------------------------------------------------------------

def patch_files() -> list[Path]:
    """The series, applied in file-name order (0001-, 0002-, ...)."""
    return sorted(PATCH_DIR.glob("*.patch"))


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def build_key(pkg_version: str, patches: list[Path]) -> str:
    h = hashlib.sha256()
    h.update(f"recipe {RECIPE_VERSION}\n".encode())
    h.update(f"package {PACKAGE} {pkg_version}\n".encode())
    h.update(b"fragment\n" + FRAGMENT.read_bytes())
    for p in patches:
        h.update(f"\npatch {p.name}\n".encode() + p.read_bytes())
    return h.hexdigest()[:16]


def is_complete(out: Path) -> bool:
    return all((out / f).is_file()
               for f in ("bzImage", "vmlinux", "config", "build.json"))


# --- cache directory ------------------------------------------------------------

def cache_root(arg: str | None) -> Path:
    """<cache>/linux, where <cache> is --cache, $PVX_CACHE or the default."""
    base = arg or os.environ.get("PVX_CACHE") or "/var/tmp/pvx-cache"
    return Path(base).resolve() / "linux"


def take_lock(root: Path) -> IO[str]:
    """Serialize builds in one cache; the lock dies with the process."""
    root.mkdir(parents=True, exist_ok=True)
    lock = (root / ".lock").open("w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        say(f"another build holds {root / '.lock'}; waiting")
        fcntl.flock(lock, fcntl.LOCK_EX)
    return lock


def remove_stale_tmp(root: Path) -> None:
    """Called with the lock held: no live build owns any .tmp-* now."""
    for d in root.glob(".tmp-*"):
        say(f"removing leftover {d.name} from an interrupted build")
        shutil.rmtree(d, ignore_errors=True)


# --- running commands -------------------------------------------------------------

class Log:
    """build.log: every command and its full output."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.f = path.open("w")

    def note(self, line: str) -> None:
        self.f.write(line + "\n")
        self.f.flush()

    def tail(self, n: int = LOG_TAIL_LINES) -> str:
        lines = self.path.read_text(errors="replace").splitlines()
        return "\n".join(lines[-n:])


def run(log: Log, cmd: list[str], cwd: Path, env: dict[str, str],
        what: str, count: str | None = None) -> None:
    """Run cmd with its output in the log; raise BuildError on failure.

    With `count`, print a progress line every PROGRESS_EVERY_S seconds
    giving how many output lines start with that prefix (e.g. "  CC").
    """
    log.note(f"\n$ (cd {shlex.quote(str(cwd))} && {shlex.join(cmd)})")
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True,
                            errors="replace")
    assert proc.stdout is not None
    n, last = 0, time.monotonic()
    try:
        for line in proc.stdout:
            log.f.write(line)
            if count and line.startswith(count):
                n += 1
            if count and time.monotonic() - last >= PROGRESS_EVERY_S:
                say(f"{what}: {n} files compiled")
                last = time.monotonic()
        rc = proc.wait()
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait()
        log.f.flush()
    if rc != 0:
        raise BuildError(f"{what} failed (exit {rc})")


def capture(cmd: list[str], cwd: Path | None = None,
            env: dict[str, str] | None = None) -> str:
    return subprocess.run(cmd, cwd=cwd, env=env, check=True, text=True,
                          capture_output=True).stdout.strip()


# --- build steps ------------------------------------------------------------------

def unpack(log: Log, src: Path, env: dict[str, str]) -> None:
    say(f"unpacking {TARBALL.name}")
    src.mkdir()
    run(log, ["tar", "-I", "xz -T0", "-xf", str(TARBALL),
              "--strip-components=1"], src, env, "unpacking the source")


def apply_patches(log: Log, src: Path, env: dict[str, str],
                  patches: list[Path]) -> None:
    for p in patches:
        say(f"applying {p.name}")
        try:
            run(log, ["patch", "-p1", "--forward", "--batch", "-i", str(p)],
                src, env, f"patch {p.name}")
        except BuildError:
            raise BuildError(f"patch {p.name} does not apply to {PACKAGE}; "
                             f"rebase it on the installed source") from None


def parse_config(text: str) -> dict[str, str]:
    """CONFIG_FOO=val and '# CONFIG_FOO is not set' (as 'n')."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        m = re.fullmatch(r"(CONFIG_\w+)=(.*)", line)
        if m:
            values[m.group(1)] = m.group(2)
            continue
        m = re.fullmatch(r"# (CONFIG_\w+) is not set", line)
        if m:
            values[m.group(1)] = "n"
    return values


def dropped_options(fragment: str, final: str) -> list[str]:
    """Fragment lines that `make olddefconfig` did not keep."""
    want, got = parse_config(fragment), parse_config(final)
    return [f"{sym}: asked {val}, got {got.get(sym, 'n')}"
            for sym, val in want.items() if got.get(sym, "n") != val]


def configure(log: Log, src: Path, env: dict[str, str]) -> None:
    say("configuring: allnoconfig + config/pvx.config")
    make = ["make", f"ARCH={ARCH}"]
    run(log, [*make, "allnoconfig"], src, env, "make allnoconfig")
    run(log, ["scripts/kconfig/merge_config.sh", "-m", ".config",
              str(FRAGMENT)], src, env, "merge_config.sh")
    run(log, [*make, "olddefconfig"], src, env, "make olddefconfig")
    dropped = dropped_options(FRAGMENT.read_text(),
                              (src / ".config").read_text())
    if dropped:
        for d in dropped:
            log.note(f"config dropped: {d}")
        raise BuildError(
            "config/pvx.config options did not survive olddefconfig "
            "(missing dependency, or a symbol without a prompt):\n  "
            + "\n  ".join(dropped))


def compile_kernel(log: Log, src: Path, env: dict[str, str],
                   jobs: int, use_ccache: bool) -> None:
    say(f"make -j{jobs} bzImage vmlinux")
    cmd = ["make", f"ARCH={ARCH}", f"-j{jobs}"]
    if use_ccache:
        cmd.append("CC=ccache gcc")
    run(log, [*cmd, "bzImage", "vmlinux"], src, env, "kernel build",
        count="  CC")


def check_xen_notes(vmlinux: Path) -> None:
    """The PV domain builder needs the Xen ELF notes; fail if absent."""
    notes = capture(["readelf", "-n", str(vmlinux)])
    if not re.search(r"^\s*Xen\s", notes, re.M):
        raise BuildError(f"{vmlinux} has no Xen ELF notes "
                         "(is CONFIG_XEN_PV still set?)")


def collect(src: Path, out: Path) -> None:
    shutil.copy2(src / "arch/x86/boot/bzImage", out / "bzImage")
    shutil.copy2(src / "vmlinux", out / "vmlinux")
    shutil.copy2(src / ".config", out / "config")
    check_xen_notes(out / "vmlinux")


def gcc_version() -> str:
    return capture(["gcc", "--version"]).splitlines()[0]


def write_manifest(out: Path, src: Path, env: dict[str, str], key: str,
                   pkg_version: str, patches: list[Path],
                   seconds: float, jobs: int, use_ccache: bool) -> None:
    release = capture(["make", "-s", f"ARCH={ARCH}", "kernelrelease"],
                      cwd=src, env=env)
    manifest = {
        "key": key,
        "recipe_version": RECIPE_VERSION,
        "package": PACKAGE,
        "package_version": pkg_version,
        "kernel_release": release,
        "config_fragment_sha256": sha256_file(FRAGMENT),
        "patches": [{"name": p.name, "sha256": sha256_file(p)}
                    for p in patches],
        "build_seconds": round(seconds, 1),
        "jobs": jobs,
        "ccache": use_ccache,
        "gcc": gcc_version(),
        "date": datetime.datetime.now(datetime.timezone.utc)
                .isoformat(timespec="seconds"),
        "files": {
            "bzImage": {"sha256": sha256_file(out / "bzImage"),
                        "compression": "gzip"},
            "vmlinux": {"sha256": sha256_file(out / "vmlinux"),
                        "stripped": False,
                        "note": "ELF with symbol table and Xen notes; "
                                "no DWARF (CONFIG_DEBUG_INFO off)"},
            "config": {"sha256": sha256_file(out / "config")},
        },
    }
    (out / "build.json").write_text(json.dumps(manifest, indent=2) + "\n")


def build_env(work: Path, root: Path, use_ccache: bool) -> dict[str, str]:
    env = dict(os.environ, LC_ALL="C", **KBUILD_ENV)
    # The fragment is the whole configuration; nothing from the caller's
    # environment may leak in.
    for var in ("KCONFIG_CONFIG", "KCONFIG_ALLCONFIG", "ARCH",
                "CROSS_COMPILE", "KBUILD_OUTPUT", "O", "LOCALVERSION"):
        env.pop(var, None)
    if use_ccache:
        # Paths under the per-build temp dir are rewritten relative, so
        # the cache hits across keys and temp dirs.
        env["CCACHE_DIR"] = str(root / "ccache")
        env["CCACHE_BASEDIR"] = str(work)
    return env


def build(root: Path, key: str, pkg_version: str, patches: list[Path],
          jobs: int, use_ccache: bool, keep_tmp: bool) -> Path:
    """Build into a temp dir; rename its out/ to root/key on success."""
    final = root / key
    work = root / f".tmp-{key}-{os.getpid()}"
    out, src = work / "out", work / "src"
    out.mkdir(parents=True)
    log = Log(out / "build.log")
    env = build_env(work, root, use_ccache)
    start = time.monotonic()
    try:
        unpack(log, src, env)
        apply_patches(log, src, env, patches)
        configure(log, src, env)
        compile_kernel(log, src, env, jobs, use_ccache)
        collect(src, out)
        write_manifest(out, src, env, key, pkg_version, patches,
                       time.monotonic() - start, jobs, use_ccache)
        log.f.close()
        out.rename(final)
    except BuildError as e:
        log.f.close()
        failed = root / f"failed-{key}.log"
        shutil.copy2(log.path, failed)
        print(f"--- last {LOG_TAIL_LINES} lines of {failed} ---\n"
              f"{log.tail()}\n---", file=sys.stderr)
        die(f"{e}\nfull log: {failed}")
    finally:
        if not log.f.closed:
            log.f.close()
        if keep_tmp and work.exists():
            say(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    say(f"built in {time.monotonic() - start:.0f}s")
    return final


# --- entry point ------------------------------------------------------------------

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        description="Build (or find in the cache) the PVX guest kernel: "
                    "Debian linux-source-6.1 + patches/ + config/pvx.config.")
    ap.add_argument("--cache", metavar="DIR",
                    help="PVX cache directory; output goes to DIR/linux/<key>/ "
                         "(default: ${PVX_CACHE:-/var/tmp/pvx-cache})")
    ap.add_argument("--print-path", action="store_true",
                    help="print only the output directory on stdout")
    ap.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1,
                    metavar="N", help="parallel make jobs (default: nproc)")
    ap.add_argument("--no-ccache", action="store_true",
                    help="compile without ccache")
    ap.add_argument("--keep-tmp", action="store_true",
                    help="keep the unpacked tree after the build (debugging)")
    args = ap.parse_args(argv)
    if args.jobs < 1:
        ap.error("--jobs must be at least 1")
    return args


def sigterm_as_interrupt(signum: int, frame: object) -> NoReturn:
    raise KeyboardInterrupt


def report(out: Path, print_path: bool, cached: bool) -> None:
    if print_path:
        print(out)
        return
    manifest = json.loads((out / "build.json").read_text())
    state = "up to date" if cached else "built"
    print(f"{manifest['kernel_release']} ({state}, key {manifest['key']}, "
          f"build took {manifest['build_seconds']}s)")
    print(out)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, sigterm_as_interrupt)
    use_ccache = not args.no_ccache
    pkg_version = ensure_packages(use_ccache)
    patches = patch_files()
    root = cache_root(args.cache)
    key = build_key(pkg_version, patches)
    final = root / key
    if is_complete(final):
        report(final, args.print_path, cached=True)
        return 0
    say(f"{PACKAGE} {pkg_version}, {len(patches)} patches, key {key}")
    lock = take_lock(root)
    try:
        if not is_complete(final):      # someone may have built it meanwhile
            if final.exists():
                say(f"removing incomplete {final}")
                shutil.rmtree(final)
            remove_stale_tmp(root)
            build(root, key, pkg_version, patches, args.jobs, use_ccache,
                  args.keep_tmp)
    except KeyboardInterrupt:
        die("interrupted; no output was written")
    finally:
        lock.close()
    report(final, args.print_path, cached=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())

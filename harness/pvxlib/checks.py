"""Guest check programs (guests/checks/*.c): static binaries the guest
test suite and the experiments put into the initramfs.

Built with the host's gcc (-static) into the cache, keyed by the sha256
of the source and the local headers it includes (`#include "..."`, e.g.
hv/include/public/pvx.h), so a change to either rebuilds and nothing else
does.

Guest kernel modules (guests/kmods/*.c, e.g. the hostile ptattack) are
built the same way against Debian's linux-headers package of the kernel
release they are for, keyed by the source, the release and the headers'
package version.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from . import paths

CHECKS = paths.REPO / "guests" / "checks"
KMODS = paths.REPO / "guests" / "kmods"
HEADERS_ROOT = Path("/usr/src")
CFLAGS = ["-O2", "-static", "-Wall", "-Wextra", "-Werror", "-D__XEN_TOOLS__"]


class CheckBuildError(Exception):
    """A check program did not compile."""


LOCAL_INCLUDE = re.compile(rb'^\s*#\s*include\s+"([^"]+)"', re.M)


def source_digest(src: Path) -> str:
    """sha256 over the source, its local headers (one level) and CFLAGS."""
    text = src.read_bytes()
    h = hashlib.sha256(text)
    for rel in LOCAL_INCLUDE.findall(text):
        h.update((src.parent / rel.decode()).read_bytes())
    h.update(" ".join(CFLAGS).encode())
    return h.hexdigest()[:16]


def build(name: str) -> Path:
    """Returns the path of the static binary for guests/checks/<name>.c."""
    src = CHECKS / f"{name}.c"
    digest = source_digest(src)
    out = paths.cache_dir() / "checks" / f"{name}-{digest}"
    if out.is_file():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(f".tmp{os.getpid()}")
    proc = subprocess.run(["gcc", *CFLAGS, str(src), "-o", str(tmp)],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if proc.returncode != 0:
        tmp.unlink(missing_ok=True)
        raise CheckBuildError(f"building {src} failed:\n{proc.stdout}")
    tmp.replace(out)
    return out


def build_all(names: list[str]) -> dict[str, Path]:
    """{guest path: host binary} for rootfs.build_initramfs(extra_files)."""
    return {f"/bin/{n}": build(n) for n in names}


def headers_version(release: str) -> str | None:
    """The installed version of linux-headers-<release>, or None."""
    p = subprocess.run(["dpkg-query", "-W", "-f=${Version} ${db:Status-Abbrev}",
                        f"linux-headers-{release}"],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    words = p.stdout.split()
    return words[0] if p.returncode == 0 and len(words) == 2 and words[1] == "ii" else None


def build_kmod(name: str, release: str, kernel_version: str,
               headers: Path = HEADERS_ROOT) -> Path:
    """Returns the path of guests/kmods/<name>.c built as <name>.ko for
    kernel `release` (e.g. 6.1.0-56-amd64) whose package version is
    `kernel_version`; the headers must be that same version, or the
    module's symbol versions may not match the kernel's."""
    src = KMODS / f"{name}.c"
    have = headers_version(release)
    if have is None or not (headers / f"linux-headers-{release}").is_dir():
        raise CheckBuildError(f"building {src} needs linux-headers-{release} "
                              f"(apt-get install linux-headers-{release}, or `make deps`)")
    if have != kernel_version:
        raise CheckBuildError(f"linux-headers-{release} is version {have}, the kernel is "
                              f"{kernel_version}: install linux-headers-{release}="
                              f"{kernel_version}, or refresh the kernel (pvx kernel --refresh)")
    key = f"{release} {have}\n".encode() + src.read_bytes()
    out = paths.cache_dir() / "checks" / f"{name}-{release}-{hashlib.sha256(key).hexdigest()[:16]}.ko"
    if out.is_file():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f"pvx-kmod-{name}-") as tmp:
        shutil.copy(src, Path(tmp) / src.name)
        (Path(tmp) / "Kbuild").write_text(f"obj-m := {name}.o\n")
        proc = subprocess.run(["make", "-s", "-C", str(headers / f"linux-headers-{release}"),
                               f"M={tmp}", "modules"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        ko = Path(tmp) / f"{name}.ko"
        if proc.returncode != 0 or not ko.is_file():
            raise CheckBuildError(f"building {src} for {release} failed:\n{proc.stdout[-3000:]}")
        tmp_out = out.with_suffix(f".tmp{os.getpid()}")
        strip = subprocess.run(["strip", "--strip-debug", "-o", str(tmp_out), str(ko)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if strip.returncode != 0:
            tmp_out.unlink(missing_ok=True)
            raise CheckBuildError(f"strip {ko} failed: {strip.stdout}")
    tmp_out.replace(out)
    return out

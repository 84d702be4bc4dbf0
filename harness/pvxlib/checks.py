"""Guest check programs (guests/checks/*.c): static binaries the guest
test suite and the experiments put into the initramfs.

Built with the host's gcc (-static) into the cache, keyed by the sha256
of the source and the local headers it includes (`#include "..."`, e.g.
hv/include/public/pvx.h), so a change to either rebuilds and nothing else
does.
"""
from __future__ import annotations

import hashlib
import os
import re
import subprocess
from pathlib import Path

from . import paths

CHECKS = paths.REPO / "guests" / "checks"
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

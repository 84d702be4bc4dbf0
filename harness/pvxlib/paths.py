"""Where things are: the repository, build outputs and the cache."""
from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HV_DIR = REPO / "hv"
HV_ELF = HV_DIR / "pvx.elf"
PVX_H = HV_DIR / "include" / "public" / "pvx.h"
BUILD = REPO / "build"          # harness outputs inside the checkout (ignored)


def cache_dir() -> Path:
    """Cache outside the checkout for downloads and kernel builds."""
    return Path(os.environ.get("PVX_CACHE", "/var/tmp/pvx-cache"))


def runs_dir() -> Path:
    d = BUILD / "runs"
    d.mkdir(parents=True, exist_ok=True)
    return d

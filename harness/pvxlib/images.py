"""GRUB2 boot images.

A BootEntry describes what GRUB loads: either the hypervisor (multiboot2
plus module2 lines) or a Linux kernel booted natively (linux/initrd).
render_grub_cfg() is pure; build_iso() lays the files out and runs
grub-mkrescue (Debian packages grub-pc-bin, grub-common, xorriso, mtools).
"""
from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path


class ImageError(Exception):
    """A boot image could not be built (bad input or missing tool)."""


@dataclass
class Module:
    path: Path
    args: list[str] = field(default_factory=list)


@dataclass
class BootEntry:
    kind: str                      # "multiboot2" (PVX) or "linux" (native)
    kernel: Path
    args: list[str] = field(default_factory=list)
    modules: list[Module] = field(default_factory=list)   # multiboot2
    initrd: Path | None = None                            # linux


def grub_quote(word: str) -> str:
    """Quotes one argument for grub.cfg: single quotes, no expansion.

    GRUB joins the arguments into the command line it passes on; an
    argument with spaces reaches the kernel wrapped in double quotes as a
    whole (e.g. "cmdline=a b"), which the hypervisor's parser accepts.
    """
    if "\n" in word or "\0" in word:
        raise ImageError(f"argument {word!r} contains a newline or NUL")
    return "'" + word.replace("'", "'\\''") + "'"


def _line(cmd: str, target: str, args: list[str]) -> str:
    return " ".join([cmd, target] + [grub_quote(a) for a in args])


def render_grub_cfg(entry: BootEntry, names: dict[Path, str]) -> str:
    """grub.cfg for one entry; names maps host files to ISO paths."""
    lines = [
        "set timeout=0",
        "set default=0",
        "serial --unit=0 --speed=115200",
        "terminal_input serial",
        "terminal_output serial",
        "terminfo serial dumb",
        "menuentry 'pvx' {",
    ]
    if entry.kind == "multiboot2":
        lines.append("  " + _line("multiboot2", names[entry.kernel], entry.args))
        for m in entry.modules:
            lines.append("  " + _line("module2 --nounzip", names[m.path], m.args))
    elif entry.kind == "linux":
        lines.append("  " + _line("linux", names[entry.kernel], entry.args))
        if entry.initrd is not None:
            lines.append(f"  initrd {names[entry.initrd]}")
    else:
        raise ImageError(f"unknown boot entry kind {entry.kind!r}")
    lines += ["  boot", "}", ""]
    return "\n".join(lines)


def entry_files(entry: BootEntry) -> list[Path]:
    files = [entry.kernel] + [m.path for m in entry.modules]
    if entry.initrd is not None:
        files.append(entry.initrd)
    return files


def check_inputs(entry: BootEntry) -> None:
    """Every file the entry names must exist: a clear error, before QEMU."""
    for f in entry_files(entry):
        if not f.is_file():
            raise ImageError(f"boot file not found: {f}")


def _place(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


def build_iso(entry: BootEntry, workdir: Path) -> Path:
    """Builds workdir/boot.iso for the entry and returns its path."""
    check_inputs(entry)
    if shutil.which("grub-mkrescue") is None:
        raise ImageError("grub-mkrescue not found: run `make deps`")
    root = workdir / "iso"
    (root / "boot" / "grub").mkdir(parents=True, exist_ok=True)
    names: dict[Path, str] = {}
    for i, f in enumerate(entry_files(entry)):
        if f in names:
            continue
        name = f"/boot/{i}-{f.name}"
        _place(f, root / name.lstrip("/"))
        names[f] = name
    (root / "boot" / "grub" / "grub.cfg").write_text(render_grub_cfg(entry, names))
    iso = workdir / "boot.iso"
    proc = subprocess.run(["grub-mkrescue", "-o", str(iso), str(root)],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True)
    if proc.returncode != 0 or not iso.is_file():
        raise ImageError("grub-mkrescue failed:\n" + proc.stdout[-2000:])
    return iso

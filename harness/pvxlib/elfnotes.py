"""The "Xen" ELF notes of a guest kernel.

A PV-capable kernel announces itself to the domain builder with notes
named "Xen" in a PT_NOTE segment (entry point, hypercall page, virtual
base, features, ...). The harness reads them to record what a kernel
claims and to check, before booting, that a kernel can run as a PV guest
at all (XEN_ELFNOTE_ENTRY is present). Numbers and meanings come from
<xen/elfnote.h> (Debian libxen-dev).
"""
from __future__ import annotations

import struct

PT_NOTE = 4

# XEN_ELFNOTE_* from /usr/include/xen/elfnote.h
NOTE_NAMES: dict[int, str] = {
    0: "INFO", 1: "ENTRY", 2: "HYPERCALL_PAGE", 3: "VIRT_BASE",
    4: "PADDR_OFFSET", 5: "XEN_VERSION", 6: "GUEST_OS", 7: "GUEST_VERSION",
    8: "LOADER", 9: "PAE_MODE", 10: "FEATURES", 11: "BSD_SYMTAB",
    12: "HV_START_LOW", 13: "L1_MFN_VALID", 14: "SUSPEND_CANCEL",
    15: "INIT_P2M", 16: "MOD_START_PFN", 17: "SUPPORTED_FEATURES",
    18: "PHYS32_ENTRY",
}
# Notes whose descriptor is a NUL-terminated string; the rest are numbers.
STRING_NOTES = {"INFO", "XEN_VERSION", "GUEST_OS", "GUEST_VERSION", "LOADER",
                "PAE_MODE", "FEATURES", "BSD_SYMTAB"}

NoteValue = int | str | tuple[int, ...] | bytes


class ElfError(Exception):
    """Not an ELF64 little-endian image, or a malformed header or note."""


def _align4(n: int) -> int:
    return (n + 3) & ~3


def note_segments(elf: bytes) -> list[bytes]:
    """The contents of every PT_NOTE program header."""
    if not elf.startswith(b"\x7fELF"):
        raise ElfError("not an ELF file")
    if len(elf) < 64 or elf[4] != 2 or elf[5] != 1:
        raise ElfError("not a 64-bit little-endian ELF")
    phoff, = struct.unpack_from("<Q", elf, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", elf, 0x36)
    if phentsize < 56 or phoff + phnum * phentsize > len(elf):
        raise ElfError("program headers lie outside the file")
    segs = []
    for i in range(phnum):
        p_type, _flags, offset, _va, _pa, filesz = struct.unpack_from(
            "<IIQQQQ", elf, phoff + i * phentsize)
        if p_type != PT_NOTE:
            continue
        if offset + filesz > len(elf):
            raise ElfError(f"PT_NOTE {i} lies outside the file")
        segs.append(elf[offset:offset + filesz])
    return segs


def parse_notes(seg: bytes) -> list[tuple[bytes, int, bytes]]:
    """(name, type, descriptor) for each note in one segment."""
    notes, pos = [], 0
    while pos + 12 <= len(seg):
        namesz, descsz, ntype = struct.unpack_from("<III", seg, pos)
        name_at = pos + 12
        desc_at = name_at + _align4(namesz)
        end = desc_at + _align4(descsz)
        if desc_at + descsz > len(seg):
            raise ElfError(f"note at {pos:#x} runs past its segment")
        notes.append((seg[name_at:name_at + namesz].rstrip(b"\0"), ntype,
                      seg[desc_at:desc_at + descsz]))
        pos = end
    return notes


def decode(name: str, desc: bytes) -> NoteValue:
    if name in STRING_NOTES:
        return desc.split(b"\0", 1)[0].decode("ascii", errors="replace")
    if len(desc) in (1, 2, 4, 8):
        return int.from_bytes(desc, "little")
    if len(desc) % 8 == 0:
        return struct.unpack(f"<{len(desc) // 8}Q", desc)
    return desc


def elf_xen_notes(elf: bytes) -> dict[str, NoteValue]:
    """{'ENTRY': 0xffffffff81..., 'GUEST_OS': 'linux', ...}; unknown
    types appear as 'type_<n>'. Empty for a kernel without PV support."""
    out: dict[str, NoteValue] = {}
    for seg in note_segments(elf):
        for owner, ntype, desc in parse_notes(seg):
            if owner != b"Xen":
                continue
            name = NOTE_NAMES.get(ntype, f"type_{ntype}")
            out[name] = decode(name, desc)
    return out


def is_pv_capable(notes: dict[str, NoteValue]) -> bool:
    return "ENTRY" in notes


def describe(notes: dict[str, NoteValue]) -> dict[str, str]:
    """Printable values (numbers in hex) for metadata and `pvx kernel`."""
    def text(v: NoteValue) -> str:
        if isinstance(v, int):
            return f"{v:#x}"
        if isinstance(v, tuple):
            return " ".join(f"{x:#x}" for x in v)
        if isinstance(v, bytes):
            return v.hex()
        return v
    return {k: text(v) for k, v in notes.items()}

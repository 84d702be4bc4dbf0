"""The ELF vmlinux inside a compressed x86 bzImage.

PVX loads a PV guest from its ELF image (program headers and Xen notes),
so the harness, not the hypervisor, takes the bzImage apart: the boot
protocol's setup header (Documentation/x86/boot.rst) says where the
compressed payload is; its magic says how it was compressed. Python's
zlib/lzma/bz2 cover gzip, xz (Debian's choice, with the x86 BCJ filter
inside the .xz container), lzma and bzip2; zstd and lz4 go through their
command-line tools when installed.

The kernel build appends the decompressed size as 4 bytes after every
compressed stream (`size_append`), so each decompressor must tolerate
trailing bytes.
"""
from __future__ import annotations

import bz2
import lzma
import shutil
import struct
import subprocess
import zlib

SETUP_SECTS = 0x1F1         # u8: 512-byte setup sectors after the boot sector
HEADER_MAGIC = 0x202        # "HdrS"
VERSION = 0x206             # u16 boot protocol version
PAYLOAD_OFFSET = 0x248      # u32, from the start of the protected-mode code
PAYLOAD_LENGTH = 0x24C      # u32
MIN_VERSION = 0x208         # payload fields appeared in protocol 2.08
ELF_MAGIC = b"\x7fELF"

# Longest magic first: "5D 00 00" (lzma) is a prefix no other format shares.
MAGICS: list[tuple[bytes, str]] = [
    (b"\xfd7zXZ\x00", "xz"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
    (b"\x02\x21\x4c\x18", "lz4"),
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bzip2"),
    (b"\x5d\x00\x00", "lzma"),
]


class BzImageError(Exception):
    """Not a bzImage we can unpack (the message says why)."""


def is_bzimage(head: bytes) -> bool:
    """True if head (at least the first 0x210 bytes) has a setup header."""
    return len(head) >= HEADER_MAGIC + 4 and head[HEADER_MAGIC:HEADER_MAGIC + 4] == b"HdrS"


def payload(image: bytes) -> bytes:
    """The compressed kernel, located through the setup header."""
    if len(image) < PAYLOAD_LENGTH + 4:
        raise BzImageError(f"too short for a bzImage ({len(image)} bytes)")
    if not is_bzimage(image):
        raise BzImageError("no 'HdrS' setup header at 0x202: not a bzImage")
    version = struct.unpack_from("<H", image, VERSION)[0]
    if version < MIN_VERSION:
        raise BzImageError(f"boot protocol {version >> 8}.{version & 0xff:02d} "
                           "predates payload fields (need 2.08)")
    setup_sects = image[SETUP_SECTS] or 4     # 0 means 4, for ancient loaders
    offset, length = struct.unpack_from("<II", image, PAYLOAD_OFFSET)
    start = (setup_sects + 1) * 512 + offset
    if length == 0 or start + length > len(image):
        raise BzImageError(f"payload {start:#x}+{length:#x} lies outside the "
                           f"{len(image)}-byte file")
    return image[start:start + length]


def compression(data: bytes) -> str:
    """The payload's compression, from its magic bytes."""
    for magic, name in MAGICS:
        if data.startswith(magic):
            return name
    raise BzImageError(f"unknown payload compression (magic {data[:6].hex(' ')})")


def _stream(decomp, data: bytes) -> bytes:
    """Decompresses one stream and ignores what follows it (size_append)."""
    try:
        out = decomp.decompress(data)
    except (lzma.LZMAError, OSError, EOFError, zlib.error) as e:
        raise BzImageError(f"payload does not decompress: {e}") from e
    if not decomp.eof:
        raise BzImageError("payload ends before its compressed stream does")
    return out


def _tool(argv: list[str], data: bytes, name: str) -> bytes:
    """zstd and lz4 have no standard-library module: use the CLI."""
    if shutil.which(argv[0]) is None:
        raise BzImageError(f"the payload is {name}-compressed and `{argv[0]}` "
                           f"is not installed (apt-get install {argv[0]})")
    # Drop size_append: the tools would read it as a truncated frame.
    proc = subprocess.run(argv, input=data[:-4], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE)
    if proc.returncode != 0 and not proc.stdout.startswith(ELF_MAGIC):
        raise BzImageError(f"{argv[0]} failed: {proc.stderr.decode(errors='replace').strip()}")
    return proc.stdout


def decompress(data: bytes) -> bytes:
    kind = compression(data)
    if kind == "gzip":
        return _stream(zlib.decompressobj(wbits=31), data)
    if kind == "xz":
        return _stream(lzma.LZMADecompressor(lzma.FORMAT_XZ), data)
    if kind == "lzma":
        return _stream(lzma.LZMADecompressor(lzma.FORMAT_ALONE), data)
    if kind == "bzip2":
        return _stream(bz2.BZ2Decompressor(), data)
    if kind == "zstd":
        return _tool(["zstd", "-dcq"], data, kind)
    return _tool(["lz4", "-dcq"], data, kind)


def extract_vmlinux(image: bytes) -> bytes:
    """The ELF vmlinux inside a bzImage (trailing bytes kept: the
    hypervisor reads the ELF by its headers)."""
    elf = decompress(payload(image))
    if not elf.startswith(ELF_MAGIC):
        raise BzImageError(f"decompressed payload is not an ELF (starts {elf[:4].hex(' ')})")
    return elf

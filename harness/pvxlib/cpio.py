"""A deterministic writer for the cpio "newc" format Linux unpacks as an
initramfs (Documentation/driver-api/early-userspace/buffer-format.rst).

Written here rather than with cpio(1) so that the archive depends only on
its entries: inode numbers are assigned in order, owners are root, every
mtime is 0, and device nodes need no mknod (and no root) on the host.
The same entries always give the same bytes, so an archive can be cached
under the hash of its contents.
"""
from __future__ import annotations

import stat
from dataclasses import dataclass

MAGIC = b"070701"
TRAILER = "TRAILER!!!"


@dataclass(frozen=True)
class Entry:
    path: str                  # inside the archive, no leading "/"
    mode: int                  # full st_mode: type bits and permissions
    data: bytes = b""          # file contents, or a symlink's target
    rdev: tuple[int, int] = (0, 0)   # (major, minor) of a device node


def directory(path: str, perm: int = 0o755) -> Entry:
    return Entry(path, stat.S_IFDIR | perm)


def regular(path: str, data: bytes, perm: int = 0o644) -> Entry:
    return Entry(path, stat.S_IFREG | perm, data)


def symlink(path: str, target: str) -> Entry:
    return Entry(path, stat.S_IFLNK | 0o777, target.encode())


def char_device(path: str, major: int, minor: int, perm: int = 0o600) -> Entry:
    return Entry(path, stat.S_IFCHR | perm, b"", (major, minor))


def _pad4(n: int) -> bytes:
    return b"\0" * (-n & 3)


def header(ino: int, e: Entry, namesize: int) -> bytes:
    nlink = 2 if stat.S_ISDIR(e.mode) else 1
    fields = [ino, e.mode, 0, 0, nlink, 0, len(e.data), 0, 0,
              e.rdev[0], e.rdev[1], namesize, 0]
    return MAGIC + b"".join(b"%08X" % f for f in fields)


def record(ino: int, e: Entry) -> bytes:
    name = e.path.encode() + b"\0"
    head = header(ino, e, len(name)) + name
    return head + _pad4(len(head)) + e.data + _pad4(len(e.data))


def archive(entries: list[Entry]) -> bytes:
    """The archive, entries in the order given (parents first)."""
    parts = [record(i + 1, e) for i, e in enumerate(entries)]
    parts.append(record(0, Entry(TRAILER, 0)))
    return b"".join(parts)


def read(data: bytes) -> list[Entry]:
    """Parses a newc archive back into entries (for tests and inspection)."""
    out, pos = [], 0
    while True:
        if data[pos:pos + 6] != MAGIC:
            raise ValueError(f"no newc header at offset {pos}")
        f = [int(data[pos + 6 + 8 * i:pos + 14 + 8 * i], 16) for i in range(13)]
        mode, filesize, rmaj, rmin, namesize = f[1], f[6], f[9], f[10], f[11]
        name_end = pos + 110 + namesize
        name = data[pos + 110:name_end - 1].decode()
        start = name_end + (-name_end & 3)
        body = data[start:start + filesize]
        pos = start + filesize + (-(start + filesize) & 3)
        if name == TRAILER:
            return out
        out.append(Entry(name, mode, body, (rmaj, rmin)))

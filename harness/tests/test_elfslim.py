import struct
import unittest

from pvxlib import elfslim
from pvxlib.elfslim import EHDR, PHDR


def make_elf(segments, note):
    """segments: list of (paddr, bytes, memsz); note: bytes placed inside
    the first segment's file range (as in Linux's vmlinux)."""
    phnum = len(segments) + 1
    data = bytearray(EHDR.size + phnum * PHDR.size)
    phdrs = []
    for paddr, body, memsz in segments:
        off = len(data)
        data += body
        phdrs.append((1, 7, off, paddr, paddr, len(body), memsz, 8))
    note_off = phdrs[0][2] + 16
    data[note_off:note_off + len(note)] = note
    phdrs.append((4, 4, note_off, 0, 0, len(note), len(note), 4))
    data += b"SECTION HEADERS AND RELOCATIONS" * 10
    EHDR.pack_into(data, 0, b"\x7fELF\x02\x01\x01" + b"\0" * 9, 2, 62, 1, 0x1000,
                   EHDR.size, len(data) - 100, 0, EHDR.size, PHDR.size, phnum, 64, 5, 4)
    for i, ph in enumerate(phdrs):
        PHDR.pack_into(data, EHDR.size + i * PHDR.size, *ph)
    return bytes(data)


def load(elf):
    """What a loader puts in memory: {paddr: bytes of memsz}, and notes."""
    eh = EHDR.unpack_from(elf, 0)
    mem, notes = {}, []
    for i in range(eh[10]):
        t, _, off, _, pa, fs, ms, _ = PHDR.unpack_from(elf, eh[5] + i * PHDR.size)
        if t == 1:
            mem[pa] = elf[off:off + fs] + b"\0" * (ms - fs)
        elif t == 4:
            notes.append(elf[off:off + fs])
    return mem, notes


class SlimTest(unittest.TestCase):
    def test_loaded_image_identical_and_smaller(self):
        note = b"\x04\0\0\0\x08\0\0\0\x01\0\0\0Xen\0" + b"\x11" * 8
        segs = [(0x1000000, b"\x90" * 100 + b"\0" * 60, 200),
                (0x2000000, b"\x55" * 10 + b"\0" * 5000, 9000)]
        elf = make_elf(segs, note)
        slim = elfslim.slim_elf(elf)
        self.assertEqual(load(slim), load(elf))
        self.assertLess(len(slim), len(elf) - 5000)
        eh = EHDR.unpack_from(slim, 0)
        self.assertEqual((eh[6], eh[12]), (0, 0))      # no section headers

    def test_rejects_non_elf_and_truncation(self):
        with self.assertRaises(elfslim.ElfSlimError):
            elfslim.slim_elf(b"MZ" + b"\0" * 100)
        elf = bytearray(make_elf([(0x1000, b"\x90" * 64, 64)], b"\0" * 8))
        struct.pack_into("<Q", elf, EHDR.size + 32, 1 << 30)    # p_filesz huge
        with self.assertRaises(elfslim.ElfSlimError):
            elfslim.slim_elf(bytes(elf))


if __name__ == "__main__":
    unittest.main()

import struct
import unittest

from pvxlib import elfnotes


def note(owner: bytes, ntype: int, desc: bytes) -> bytes:
    name = owner + b"\0"
    pad = lambda b: b + bytes(-len(b) & 3)      # noqa: E731
    return struct.pack("<III", len(name), len(desc), ntype) + pad(name) + pad(desc)


def tiny_elf(notes: bytes) -> bytes:
    """An ELF64 header, one PT_LOAD (ignored) and one PT_NOTE."""
    phoff, phnum = 64, 2
    notes_at = phoff + phnum * 56
    ehdr = (b"\x7fELF\x02\x01\x01" + bytes(9)
            + struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, 0xffffffff81000000, phoff, 0,
                          0, 64, 56, phnum, 64, 0, 0))
    load = struct.pack("<IIQQQQQQ", 1, 5, 0, 0, 0, notes_at, notes_at, 0x1000)
    pnote = struct.pack("<IIQQQQQQ", 4, 4, notes_at, 0, 0, len(notes), len(notes), 4)
    return ehdr + load + pnote + notes


XEN_NOTES = (note(b"Xen", 6, b"linux\0") + note(b"GNU", 3, b"\x01" * 20)
             + note(b"Xen", 1, struct.pack("<Q", 0xffffffff830791c0))
             + note(b"Xen", 10, b"!writable_page_tables|pae_pgdir_above_4gb\0")
             + note(b"Xen", 13, struct.pack("<QQ", 1, 1))
             + note(b"Xen", 17, struct.pack("<I", 0x8801))
             + note(b"Xen", 99, b"\x07"))


class XenNotesTest(unittest.TestCase):
    def test_names_and_values(self):
        notes = elfnotes.elf_xen_notes(tiny_elf(XEN_NOTES))
        self.assertEqual(notes["GUEST_OS"], "linux")
        self.assertEqual(notes["ENTRY"], 0xffffffff830791c0)
        self.assertEqual(notes["FEATURES"], "!writable_page_tables|pae_pgdir_above_4gb")
        self.assertEqual(notes["L1_MFN_VALID"], (1, 1))
        self.assertEqual(notes["SUPPORTED_FEATURES"], 0x8801)
        self.assertEqual(notes["type_99"], 7)
        self.assertEqual(len(notes), 6)              # the GNU note is not Xen's
        self.assertTrue(elfnotes.is_pv_capable(notes))
        self.assertEqual(elfnotes.describe(notes)["ENTRY"], "0xffffffff830791c0")

    def test_kernel_without_pv_support(self):
        notes = elfnotes.elf_xen_notes(tiny_elf(note(b"GNU", 3, bytes(20))))
        self.assertEqual(notes, {})
        self.assertFalse(elfnotes.is_pv_capable(notes))

    def test_malformed(self):
        with self.assertRaisesRegex(elfnotes.ElfError, "not an ELF"):
            elfnotes.elf_xen_notes(b"MZ" + bytes(100))
        with self.assertRaisesRegex(elfnotes.ElfError, "64-bit little-endian"):
            elfnotes.elf_xen_notes(b"\x7fELF\x01\x01" + bytes(100))
        broken = bytearray(tiny_elf(note(b"Xen", 1, bytes(8))))
        struct.pack_into("<I", broken, 176 + 4, 4096)    # descsz past the end
        with self.assertRaisesRegex(elfnotes.ElfError, "past its segment"):
            elfnotes.elf_xen_notes(bytes(broken))


if __name__ == "__main__":
    unittest.main()

import bz2
import gzip
import lzma
import shutil
import struct
import subprocess
import unittest

from pvxlib import bzimage

FAKE_ELF = b"\x7fELF\x02\x01\x01" + bytes(57) + b"kernel text " * 500


def make_bzimage(payload: bytes, setup_sects: int = 2, offset: int = 0x40,
                 version: int = 0x20F) -> bytes:
    """A file with just enough of the x86 boot protocol: the setup header
    and the compressed payload where payload_offset points, followed by
    the 4-byte size the kernel build appends."""
    setup = bytearray((max(setup_sects, 1) if setup_sects else 4) * 512 + 512)
    setup[bzimage.SETUP_SECTS] = setup_sects
    setup[bzimage.HEADER_MAGIC:bzimage.HEADER_MAGIC + 4] = b"HdrS"
    struct.pack_into("<H", setup, bzimage.VERSION, version)
    body = payload + struct.pack("<I", len(FAKE_ELF))
    struct.pack_into("<II", setup, bzimage.PAYLOAD_OFFSET, offset, len(body))
    return bytes(setup) + bytes(offset) + body + b"\xcc" * 100


class ExtractTest(unittest.TestCase):
    def check(self, payload: bytes, **kw) -> None:
        self.assertEqual(bzimage.extract_vmlinux(make_bzimage(payload, **kw)), FAKE_ELF)

    def test_gzip(self):
        self.check(gzip.compress(FAKE_ELF, mtime=0))

    def test_xz_with_x86_bcj_filter(self):
        filters = [{"id": lzma.FILTER_X86}, {"id": lzma.FILTER_LZMA2}]
        self.check(lzma.compress(FAKE_ELF, format=lzma.FORMAT_XZ,
                                 check=lzma.CHECK_CRC32, filters=filters))

    def test_lzma_and_bzip2(self):
        self.check(lzma.compress(FAKE_ELF, format=lzma.FORMAT_ALONE))
        self.check(bz2.compress(FAKE_ELF))

    def test_setup_sects_zero_means_four(self):
        self.check(gzip.compress(FAKE_ELF), setup_sects=0)

    @unittest.skipUnless(shutil.which("zstd"), "zstd not installed")
    def test_zstd_through_cli(self):
        z = subprocess.run(["zstd", "-c", "-q"], input=FAKE_ELF,
                           stdout=subprocess.PIPE, check=True).stdout
        self.check(z)

    def test_compression_by_magic(self):
        self.assertEqual(bzimage.compression(b"\xfd7zXZ\x00..."), "xz")
        self.assertEqual(bzimage.compression(b"\x28\xb5\x2f\xfd.."), "zstd")
        self.assertEqual(bzimage.compression(b"\x02\x21\x4c\x18.."), "lz4")
        self.assertEqual(bzimage.compression(b"\x5d\x00\x00\x80"), "lzma")
        with self.assertRaisesRegex(bzimage.BzImageError, "unknown payload compression"):
            bzimage.compression(b"\x00\x01\x02")

    def test_not_a_bzimage(self):
        with self.assertRaisesRegex(bzimage.BzImageError, "HdrS"):
            bzimage.extract_vmlinux(FAKE_ELF + bytes(1024))
        with self.assertRaisesRegex(bzimage.BzImageError, "too short"):
            bzimage.extract_vmlinux(b"MZ")

    def test_old_protocol_and_bad_extent(self):
        with self.assertRaisesRegex(bzimage.BzImageError, "2.08"):
            bzimage.extract_vmlinux(make_bzimage(gzip.compress(FAKE_ELF), version=0x206))
        image = bytearray(make_bzimage(gzip.compress(FAKE_ELF)))
        struct.pack_into("<I", image, bzimage.PAYLOAD_LENGTH, 1 << 30)
        with self.assertRaisesRegex(bzimage.BzImageError, "outside"):
            bzimage.extract_vmlinux(bytes(image))

    def test_truncated_or_not_elf(self):
        with self.assertRaisesRegex(bzimage.BzImageError, "ends before"):
            bzimage.extract_vmlinux(make_bzimage(gzip.compress(FAKE_ELF)[:-40]))
        with self.assertRaisesRegex(bzimage.BzImageError, "not an ELF"):
            bzimage.extract_vmlinux(make_bzimage(gzip.compress(b"MZ" + bytes(100))))


if __name__ == "__main__":
    unittest.main()

import shutil
import stat
import subprocess
import tempfile
import unittest

from pvxlib import cpio

ENTRIES = [cpio.directory("bin"), cpio.regular("bin/hello", b"#!/bin/sh\necho hi\n", 0o755),
           cpio.symlink("bin/sh", "/bin/busybox"), cpio.directory("dev"),
           cpio.char_device("dev/console", 5, 1), cpio.regular("odd", b"x" * 5)]


class CpioTest(unittest.TestCase):
    def test_round_trip(self):
        self.assertEqual(cpio.read(cpio.archive(ENTRIES)), ENTRIES)

    def test_deterministic_and_aligned(self):
        a = cpio.archive(ENTRIES)
        self.assertEqual(a, cpio.archive(list(ENTRIES)))
        self.assertEqual(len(a) % 4, 0)
        self.assertTrue(a.startswith(b"070701"))
        self.assertIn(b"TRAILER!!!\0", a)

    def test_header_fields(self):
        h = cpio.header(7, cpio.char_device("dev/console", 5, 1), 12)
        fields = [int(h[6 + 8 * i:14 + 8 * i], 16) for i in range(13)]
        self.assertEqual(fields[0], 7)                              # inode
        self.assertEqual(fields[1], stat.S_IFCHR | 0o600)           # mode
        self.assertEqual(fields[5], 0)                              # mtime
        self.assertEqual(fields[9:12], [5, 1, 12])                  # rdev, namesize

    @unittest.skipUnless(shutil.which("cpio"), "cpio(1) not installed")
    def test_gnu_cpio_reads_it(self):
        with tempfile.TemporaryDirectory() as d:
            p = subprocess.run(["cpio", "-t", "--quiet"], input=cpio.archive(ENTRIES),
                               cwd=d, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(p.stdout.decode().split(), [e.path for e in ENTRIES])


if __name__ == "__main__":
    unittest.main()

import gzip
import shutil
import stat
import tempfile
import unittest
from pathlib import Path

from pvxlib import cpio, rootfs

LDD_DYNAMIC = """\tlinux-vdso.so.1 (0x00007ffc3b1e9000)
\tlibselinux.so.1 => /lib/x86_64-linux-gnu/libselinux.so.1 (0x00007f2d3f8c5000)
\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f2d3f6e4000)
\t/lib64/ld-linux-x86-64.so.2 (0x00007f2d3f934000)
"""
MODULES_DEP = """kernel/fs/ext4/ext4.ko: kernel/lib/crc16.ko kernel/fs/mbcache.ko kernel/fs/jbd2/jbd2.ko
kernel/lib/crc16.ko:
kernel/fs/mbcache.ko:
kernel/fs/jbd2/jbd2.ko:
kernel/drivers/block/xen-blkfront.ko:
kernel/drivers/net/xen-netfront.ko:
"""
HAVE_BUSYBOX = rootfs.BUSYBOX.is_file()


class LddTest(unittest.TestCase):
    def test_parse(self):
        self.assertEqual(rootfs.parse_ldd(LDD_DYNAMIC),
                         ["/lib/x86_64-linux-gnu/libselinux.so.1",
                          "/lib/x86_64-linux-gnu/libc.so.6",
                          "/lib64/ld-linux-x86-64.so.2"])
        self.assertEqual(rootfs.parse_ldd("\tnot a dynamic executable\n"), [])
        self.assertEqual(rootfs.parse_ldd("\tstatically linked\n"), [])
        with self.assertRaisesRegex(rootfs.RootfsError, "libfoo.so.1 not found"):
            rootfs.parse_ldd("\tlibfoo.so.1 => not found\n")

    @unittest.skipUnless(shutil.which("ldd") and shutil.which("ls"), "no ldd or ls")
    def test_host_tool_brings_its_libraries(self):
        files = rootfs.host_tool_files(["ls"])
        self.assertIn(shutil.which("ls"), files)
        names = {Path(p).name for p in files}
        self.assertIn("libc.so.6", names)
        self.assertTrue(any(n.startswith("ld-linux") for n in names), names)
        with self.assertRaisesRegex(rootfs.RootfsError, "host tool not found"):
            rootfs.host_tool_files(["pvx-no-such-tool"])


class ModulesTest(unittest.TestCase):
    def test_closure_with_dependencies(self):
        deps = rootfs.parse_modules_dep(MODULES_DEP)
        self.assertEqual(rootfs.module_closure(["ext4", "xen_blkfront"], deps),
                         ["kernel/drivers/block/xen-blkfront.ko", "kernel/fs/ext4/ext4.ko",
                          "kernel/fs/jbd2/jbd2.ko", "kernel/fs/mbcache.ko",
                          "kernel/lib/crc16.ko"])
        with self.assertRaisesRegex(rootfs.RootfsError, "'virtio_scsi' not in modules.dep"):
            rootfs.module_closure(["virtio_scsi"], deps)

    def test_entries_at_the_kernel_path(self):
        with tempfile.TemporaryDirectory() as d:
            mods = Path(d) / "lib" / "modules" / "6.1.0-56-amd64"
            for line in MODULES_DEP.splitlines():
                ko = mods / line.split(":")[0]
                ko.parent.mkdir(parents=True, exist_ok=True)
                ko.write_bytes(b"\x7fELF" + ko.name.encode())
            (mods / "modules.dep").write_text(MODULES_DEP)
            t = rootfs.module_entries(mods, ["xen-netfront"])
        base = "lib/modules/6.1.0-56-amd64"
        self.assertEqual(sorted(t), [f"{base}/kernel/drivers/net/xen-netfront.ko",
                                     f"{base}/modules.dep"])
        self.assertEqual(t[f"{base}/modules.dep"].data,
                         b"kernel/drivers/net/xen-netfront.ko: \n")


class LayoutTest(unittest.TestCase):
    def test_archive_path(self):
        self.assertEqual(rootfs.archive_path("/usr/bin/x"), "usr/bin/x")
        self.assertEqual(rootfs.archive_path("bin/x"), "bin/x")
        for bad in ("/", "../etc/passwd", "/a/../../b"):
            with self.assertRaises(rootfs.RootfsError):
                rootfs.archive_path(bad)

    def test_parents_first(self):
        out = rootfs.with_parents({"a/b/c": cpio.regular("a/b/c", b""),
                                   "a-z": cpio.regular("a-z", b"")})
        self.assertEqual([e.path for e in out], ["a", "a-z", "a/b", "a/b/c"])

    def test_skeleton(self):
        t = rootfs.skeleton(b"#!/bin/sh\n", b"BB", ["bin/sh", "usr/bin/base64", "bin/busybox"])
        self.assertEqual(t["bin/sh"].data, b"/bin/busybox")
        self.assertEqual(t["bin/busybox"].data, b"BB")
        self.assertEqual(t["init"].mode, stat.S_IFREG | 0o755)
        self.assertEqual(t["dev/console"].rdev, (5, 1))
        self.assertEqual(t["tmp"].mode & 0o7777, 0o1777)


@unittest.skipUnless(HAVE_BUSYBOX, "busybox-static not installed")
class BuildTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.cache = Path(self.tmp.name) / "cache"
        self.extra = Path(self.tmp.name) / "bench"
        self.extra.write_bytes(b"\x7fELF static benchmark")
        self.extra.chmod(0o755)

    def tearDown(self):
        self.tmp.cleanup()

    def test_cached_by_content(self):
        a = rootfs.build_initramfs(cache=self.cache)
        b = rootfs.build_initramfs(cache=self.cache)
        self.assertEqual(a, b)
        c = rootfs.build_initramfs({"/usr/bin/bench": self.extra}, cache=self.cache)
        self.assertNotEqual(a, c)
        self.extra.write_bytes(b"\x7fELF changed")
        d = rootfs.build_initramfs({"/usr/bin/bench": self.extra}, cache=self.cache)
        self.assertNotEqual(c, d)
        self.assertEqual(len(list((self.cache / "initramfs").iterdir())), 3)

    def test_contents(self):
        out = rootfs.build_initramfs({"/usr/bin/bench": self.extra}, cache=self.cache)
        entries = {e.path: e for e in cpio.read(gzip.decompress(out.read_bytes()))}
        self.assertEqual(entries["init"].data, rootfs.INIT.read_bytes())
        self.assertEqual(entries["usr/bin/bench"].mode, stat.S_IFREG | 0o755)
        self.assertEqual(entries["bin/sh"].data, b"/bin/busybox")
        self.assertTrue(stat.S_ISLNK(entries["sbin/poweroff"].mode))
        self.assertTrue(stat.S_ISCHR(entries["dev/console"].mode))

    def test_missing_extra_file(self):
        with self.assertRaisesRegex(rootfs.RootfsError, "cannot read .*nope"):
            rootfs.build_initramfs({"/x": Path(self.tmp.name) / "nope"}, cache=self.cache)


class InitScriptTest(unittest.TestCase):
    def test_markers_match_the_parser(self):
        from pvxlib import guestrun
        text = rootfs.INIT.read_text()
        self.assertIn(f'echo "{guestrun.UPTIME} $uptime"', text)
        self.assertIn(f'echo "{guestrun.BEGIN}"', text)
        self.assertIn(f'echo "{guestrun.END} status=$status"', text)
        self.assertIn("pvx.cmd=", text)


if __name__ == "__main__":
    unittest.main()

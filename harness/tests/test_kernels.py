import gzip
import subprocess
import tempfile
import unittest
from pathlib import Path
from unittest import mock

from pvxlib import kernels
from pvxlib import elfslim
from tests.test_bzimage import FAKE_ELF, make_bzimage

DEPENDS = """linux-image-amd64
  Depends: linux-image-6.1.0-56-amd64
"""
SHOW = "Package: linux-image-6.1.0-56-amd64\nVersion: 6.1.192-2\nSize: 70550672\n"


class FakeApt:
    """Stands in for apt-cache, apt-get and dpkg: no network in unit tests.
    `fail_downloads` makes the first N `apt-get download` calls fail."""

    def __init__(self, fail_downloads: int = 0, known: bool = True):
        self.calls: list[list[str]] = []
        self.fail_downloads = fail_downloads
        self.known = known

    def __call__(self, argv, cwd=None, **kw):
        self.calls.append(argv)
        out, rc = "", 0
        if argv[:2] == ["apt-cache", "depends"]:
            out = DEPENDS if self.known else "linux-image-amd64\n"
        elif argv[:2] == ["apt-cache", "show"]:
            out = SHOW
        elif argv[:2] == ["apt-get", "download"]:
            if self.fail_downloads:
                self.fail_downloads -= 1
                out, rc = "E: Failed to fetch ... 404  Not Found", 100
            else:
                (Path(cwd) / "linux-image-6.1.0-56-amd64_6.1.192-2_amd64.deb").write_bytes(b"deb")
        elif argv[:2] == ["dpkg", "-x"]:
            root = Path(argv[3])
            (root / "boot").mkdir(parents=True)
            (root / "boot" / "vmlinuz-6.1.0-56-amd64").write_bytes(
                make_bzimage(gzip.compress(FAKE_ELF)))
            (root / "boot" / "config-6.1.0-56-amd64").write_text("CONFIG_XEN_PV=y\n")
            (root / "lib" / "modules" / "6.1.0-56-amd64").mkdir(parents=True)
        elif argv[0] == "depmod":
            base = Path(argv[2]) / "lib" / "modules" / argv[3]
            (base / "modules.dep").write_text("kernel/fs/ext4/ext4.ko:\n")
        return subprocess.CompletedProcess(argv, rc, out, None)


def names(calls):
    return [" ".join(c[:2]) for c in calls]


class StockKernelTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.cache = Path(self.tmp.name)
        self.quiet = mock.patch.object(kernels, "say")
        self.quiet.start()

    def tearDown(self):
        self.quiet.stop()
        self.tmp.cleanup()

    def test_parse_apt_output(self):
        self.assertEqual(kernels.parse_depends(DEPENDS), "linux-image-6.1.0-56-amd64")
        self.assertIsNone(kernels.parse_depends("linux-image-amd64\n"))
        self.assertEqual(kernels.parse_version(SHOW), "6.1.192-2")

    def test_fetch_once_then_cache_without_apt(self):
        apt = FakeApt()
        k = kernels.stock_kernel(self.cache, run=apt)
        self.assertEqual(names(apt.calls), ["apt-cache depends", "apt-cache show",
                                            "apt-get download", "dpkg -x",
                                            "depmod -b"])
        self.assertIn("linux-image-6.1.0-56-amd64=6.1.192-2", apt.calls[2])
        self.assertEqual(k.meta["release"], "6.1.0-56-amd64")
        self.assertEqual(k.meta["version"], "6.1.192-2")
        self.assertEqual(k.meta["vmlinuz_sha256"], kernels.sha256_file(k.bzimage))
        self.assertEqual(len(k.meta["config_sha256"]), 64)
        self.assertTrue((k.modules_dir / "modules.dep").is_file())
        entry = self.cache / "kernels" / "stock" / "linux-image-6.1.0-56-amd64_6.1.192-2"
        self.assertEqual(k.derived, entry)
        self.assertEqual(sorted(p.name for p in entry.parent.iterdir()), [entry.name])
        self.assertFalse(list(entry.rglob("*.deb")))

        def no_apt(*a, **kw):
            raise AssertionError("apt called although the kernel is cached")
        again = kernels.stock_kernel(self.cache, run=no_apt)
        self.assertEqual(again.bzimage, k.bzimage)

    def test_download_failure_retries_after_update(self):
        apt = FakeApt(fail_downloads=1)
        kernels.stock_kernel(self.cache, run=apt)
        self.assertEqual(names(apt.calls)[2:5], ["apt-get download", "apt-get update",
                                                 "apt-get download"])

    def test_failures_are_kernel_errors_and_leave_no_entry(self):
        with self.assertRaisesRegex(kernels.KernelError, "download .* failed"):
            kernels.stock_kernel(self.cache, run=FakeApt(fail_downloads=2))
        with self.assertRaisesRegex(kernels.KernelError, "apt does not know"):
            kernels.stock_kernel(self.cache, run=FakeApt(known=False))
        stock = self.cache / "kernels" / "stock"
        self.assertEqual(list(stock.iterdir()), [])

    def test_missing_apt_is_kernel_error(self):
        def missing(*a, **kw):
            raise FileNotFoundError("apt-cache")
        with self.assertRaisesRegex(kernels.KernelError, "cannot run apt-cache"):
            kernels.stock_kernel(self.cache, run=missing)

    def test_vmlinux_extracted_once_beside_the_kernel(self):
        k = kernels.stock_kernel(self.cache, run=FakeApt())
        vm = kernels.vmlinux_path(k)
        self.assertEqual(vm, k.derived / "vmlinux")
        self.assertEqual(vm.read_bytes(), elfslim.slim_elf(FAKE_ELF))
        with mock.patch.object(kernels.bzimage, "extract_vmlinux",
                               side_effect=AssertionError("extracted twice")):
            self.assertEqual(kernels.vmlinux_path(k), vm)


class PathKernelTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = Path(self.tmp.name)

    def tearDown(self):
        self.tmp.cleanup()

    def test_file_kinds(self):
        bz = self.dir / "bzImage"
        bz.write_bytes(make_bzimage(gzip.compress(FAKE_ELF)))
        elf = self.dir / "vmlinux"
        elf.write_bytes(FAKE_ELF)
        junk = self.dir / "junk"
        junk.write_bytes(b"hello")
        self.assertEqual(kernels.path_kernel(bz).bzimage, bz)
        self.assertEqual(kernels.path_kernel(elf).vmlinux, elf)
        both = kernels.path_kernel(self.dir)
        self.assertEqual((both.bzimage, both.vmlinux), (bz, elf))
        with self.assertRaisesRegex(kernels.KernelError, "neither a bzImage"):
            kernels.path_kernel(junk)
        with self.assertRaisesRegex(kernels.KernelError, "kernel not found"):
            kernels.resolve(str(self.dir / "nope"))
        with self.assertRaisesRegex(kernels.KernelError, "native boots need a bzImage"):
            kernels.native_image(kernels.path_kernel(elf))

    def test_path_bzimage_extracts_into_cache(self):
        bz = self.dir / "bzImage"
        bz.write_bytes(make_bzimage(gzip.compress(FAKE_ELF)))
        vm = kernels.vmlinux_path(kernels.path_kernel(bz), cache=self.dir / "cache")
        self.assertTrue(str(vm).startswith(str(self.dir / "cache" / "kernels" / "extracted")))
        self.assertEqual(vm.read_bytes(), elfslim.slim_elf(FAKE_ELF))

    def test_patched_without_build_script(self):
        with mock.patch.object(kernels, "BUILD_PY", self.dir / "build.py"):
            with self.assertRaisesRegex(kernels.KernelError, "build.py, which is missing"):
                kernels.resolve("patched")


if __name__ == "__main__":
    unittest.main()

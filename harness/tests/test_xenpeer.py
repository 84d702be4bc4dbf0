import subprocess
import tempfile
import unittest
from pathlib import Path
from unittest import mock

from pvxlib import guestrun, images, kernels, xenpeer

SHOW = "Package: xen-hypervisor-4.17-amd64\nVersion: 4.17.7+13-g2445b30a44-0+deb12u1\n"


class FakeApt:
    """apt-cache, apt-get and dpkg for the Xen package: no network."""

    def __init__(self, known: bool = True, image: bool = True):
        self.calls: list[list[str]] = []
        self.known, self.image = known, image

    def __call__(self, argv, cwd=None, **kw):
        self.calls.append(argv)
        out, rc = "", 0
        if argv[:2] == ["apt-cache", "show"]:
            out, rc = (SHOW, 0) if self.known else ("", 100)
        elif argv[:2] == ["apt-get", "download"]:
            (Path(cwd) / "xen-hypervisor-4.17-amd64_4.17.7_amd64.deb").write_bytes(b"deb")
        elif argv[:2] == ["dpkg", "-x"]:
            boot = Path(argv[3]) / "boot"
            boot.mkdir(parents=True)
            if self.image:
                (boot / "xen-4.17-amd64.gz").write_bytes(b"xen image")
        return subprocess.CompletedProcess(argv, rc, out, None)


class XenPeerTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.cache = Path(self.tmp.name)
        self.quiet = mock.patch("sys.stderr")
        self.quiet.start()

    def tearDown(self):
        self.quiet.stop()
        self.tmp.cleanup()

    def test_args_fix_dom0_memory_and_console(self):
        self.assertEqual(xenpeer.xen_args(512, ["loglvl=all"]),
                         ["dom0_mem=512M,max:512M", "console=com1", "com1=115200,8n1",
                          "noreboot", "loglvl=all"])
        with self.assertRaises(ValueError):
            xenpeer.xen_args(0)

    def test_grub_entry_has_xen_then_dom0_kernel_then_initramfs(self):
        cmdline = guestrun.kernel_cmdline("xen", "quiet", "uname -a")
        self.assertTrue(cmdline.startswith("console=hvc0 panic=-1 quiet pvx.cmd="))
        e = xenpeer.boot_entry(Path("/x/xen.gz"), Path("/k/vmlinuz"), cmdline,
                               Path("/i/rd.gz"), 256)
        cfg = images.render_grub_cfg(e, {Path("/x/xen.gz"): "/boot/0-xen.gz",
                                         Path("/k/vmlinuz"): "/boot/1-vmlinuz",
                                         Path("/i/rd.gz"): "/boot/2-rd.gz"})
        lines = [ln.strip() for ln in cfg.splitlines()]
        self.assertIn("multiboot2 /boot/0-xen.gz 'dom0_mem=256M,max:256M' 'console=com1' "
                      "'com1=115200,8n1' 'noreboot'", lines)
        mod = next(ln for ln in lines if ln.startswith("module2 --nounzip /boot/1-vmlinuz"))
        self.assertIn("'console=hvc0' 'panic=-1' 'quiet' 'pvx.cmd=", mod)
        self.assertNotIn("placeholder", mod)     # GRUB 2 omits the image name
        self.assertIn("module2 --nounzip /boot/2-rd.gz", lines)

    def test_xen_console_lines_are_not_guest_output(self):
        r = guestrun.parse(["@@PVX-BEGIN", "(XEN) d0v0 something", "hello",
                            "@@PVX-END status=0"])
        self.assertEqual(r.output, ["hello"])

    def test_fetch_once_then_cache_without_apt(self):
        apt = FakeApt()
        x = xenpeer.xen(self.cache, run=apt)
        self.assertEqual([" ".join(c[:2]) for c in apt.calls],
                         ["apt-cache show", "apt-get download", "dpkg -x"])
        self.assertIn("xen-hypervisor-4.17-amd64=4.17.7+13-g2445b30a44-0+deb12u1",
                      apt.calls[1])
        self.assertEqual(x.image.read_bytes(), b"xen image")
        self.assertEqual(x.meta["version"], "4.17.7+13-g2445b30a44-0+deb12u1")
        self.assertEqual(x.meta["sha256"], kernels.sha256_file(x.image))
        entries = list((self.cache / "xen").iterdir())
        self.assertEqual(len(entries), 1)
        self.assertFalse(list(entries[0].rglob("*.deb")))

        def no_apt(*a, **kw):
            raise AssertionError("apt called although Xen is cached")
        self.assertEqual(xenpeer.xen(self.cache, run=no_apt).image, x.image)

    def test_failures_are_errors_and_leave_no_entry(self):
        with self.assertRaisesRegex(kernels.KernelError, "apt does not know"):
            xenpeer.xen(self.cache, run=FakeApt(known=False))
        with self.assertRaisesRegex(kernels.KernelError, "has no /boot/xen-4.17"):
            xenpeer.xen(self.cache, run=FakeApt(image=False))
        self.assertEqual(list((self.cache / "xen").iterdir()), [])


if __name__ == "__main__":
    unittest.main()

import tempfile
import unittest
from pathlib import Path

from pvxlib import images


class GrubCfgTest(unittest.TestCase):
    def test_quote_plain_and_special(self):
        self.assertEqual(images.grub_quote("dom=1"), "'dom=1'")
        self.assertEqual(images.grub_quote("a $b;c"), "'a $b;c'")
        self.assertEqual(images.grub_quote("it's"), "'it'\\''s'")
        with self.assertRaises(images.ImageError):
            images.grub_quote("a\nb")

    def test_multiboot2_entry(self):
        k, m = Path("/x/pvx.elf"), Path("/y/vmlinux")
        e = images.BootEntry("multiboot2", k, ["selftest"],
                             [images.Module(m, ["dom=1", "cmdline=console=hvc0 quiet"])])
        cfg = images.render_grub_cfg(e, {k: "/boot/0-pvx.elf", m: "/boot/1-vmlinux"})
        self.assertIn("multiboot2 /boot/0-pvx.elf 'selftest'\n", cfg)
        self.assertIn("module2 --nounzip /boot/1-vmlinux 'dom=1' 'cmdline=console=hvc0 quiet'\n", cfg)
        self.assertIn("set timeout=0", cfg)
        self.assertTrue(cfg.rstrip().endswith("}"))

    def test_linux_entry(self):
        k, i = Path("/k/bzImage"), Path("/k/initrd")
        e = images.BootEntry("linux", k, ["console=ttyS0"], initrd=i)
        cfg = images.render_grub_cfg(e, {k: "/boot/0-bzImage", i: "/boot/1-initrd"})
        self.assertIn("linux /boot/0-bzImage 'console=ttyS0'", cfg)
        self.assertIn("initrd /boot/1-initrd", cfg)

    def test_unknown_kind(self):
        with self.assertRaises(images.ImageError):
            images.render_grub_cfg(images.BootEntry("efi", Path("/k")), {Path("/k"): "/k"})

    def test_missing_file_is_clear_error(self):
        with tempfile.TemporaryDirectory() as d:
            e = images.BootEntry("multiboot2", Path(d) / "nope.elf")
            with self.assertRaisesRegex(images.ImageError, "boot file not found: .*nope.elf"):
                images.check_inputs(e)


if __name__ == "__main__":
    unittest.main()

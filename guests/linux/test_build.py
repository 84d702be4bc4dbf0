#!/usr/bin/env python3
"""Unit tests of build.py's pure logic (no kernel build, no apt, no root).

Run: python3 -m unittest discover -s guests/linux -p 'test_*.py'
"""

from __future__ import annotations

import sys
import tempfile
import unittest
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent))
import build  # noqa: E402


class ParseConfigTest(unittest.TestCase):
    def test_values_and_not_set(self) -> None:
        text = ("# comment\n"
                "CONFIG_A=y\n"
                "CONFIG_B=\"-pvx\"\n"
                "# CONFIG_C is not set\n"
                "CONFIG_D=8\n")
        self.assertEqual(build.parse_config(text),
                         {"CONFIG_A": "y", "CONFIG_B": "\"-pvx\"",
                          "CONFIG_C": "n", "CONFIG_D": "8"})


class DroppedOptionsTest(unittest.TestCase):
    def test_all_kept(self) -> None:
        frag = "CONFIG_A=y\n# CONFIG_B is not set\n"
        final = "CONFIG_A=y\n# CONFIG_B is not set\nCONFIG_X=y\n"
        self.assertEqual(build.dropped_options(frag, final), [])

    def test_missing_symbol_counts_as_n(self) -> None:
        # Symbols whose dependencies are off do not appear in .config.
        self.assertEqual(build.dropped_options("# CONFIG_B is not set\n", ""),
                         [])
        self.assertEqual(build.dropped_options("CONFIG_A=y\n", ""),
                         ["CONFIG_A: asked y, got n"])

    def test_changed_value_and_forced_on(self) -> None:
        frag = "CONFIG_N=8\n# CONFIG_VT is not set\n"
        final = "CONFIG_N=64\nCONFIG_VT=y\n"
        self.assertEqual(build.dropped_options(frag, final),
                         ["CONFIG_N: asked 8, got 64",
                          "CONFIG_VT: asked n, got y"])


class BuildKeyTest(unittest.TestCase):
    def setUp(self) -> None:
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        self.dir = Path(tmp.name)
        self.frag = self.dir / "pvx.config"
        self.frag.write_text("CONFIG_A=y\n")
        self.patch = self.dir / "0001-x.patch"
        self.patch.write_text("diff\n")
        patcher = mock.patch.object(build, "FRAGMENT", self.frag)
        patcher.start()
        self.addCleanup(patcher.stop)

    def key(self, version: str = "6.1.192-2") -> str:
        return build.build_key(version, [self.patch])

    def test_stable_and_short(self) -> None:
        self.assertEqual(self.key(), self.key())
        self.assertRegex(self.key(), r"^[0-9a-f]{16}$")

    def test_every_input_changes_the_key(self) -> None:
        base = self.key()
        self.assertNotEqual(self.key("6.1.193-1"), base)
        self.patch.write_text("diff changed\n")
        after_patch = self.key()
        self.assertNotEqual(after_patch, base)
        self.frag.write_text("CONFIG_A=n\n")
        self.assertNotEqual(self.key(), after_patch)
        with mock.patch.object(build, "RECIPE_VERSION",
                               build.RECIPE_VERSION + 1):
            self.assertNotEqual(self.key(), after_patch)

    def test_patch_order_matters(self) -> None:
        other = self.dir / "0002-y.patch"
        other.write_text("diff 2\n")
        self.assertNotEqual(build.build_key("v", [self.patch, other]),
                            build.build_key("v", [other, self.patch]))


class CompletenessTest(unittest.TestCase):
    def test_needs_every_output(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            out = Path(d)
            self.assertFalse(build.is_complete(out))
            for f in ("bzImage", "vmlinux", "config"):
                (out / f).write_text("")
            self.assertFalse(build.is_complete(out))
            (out / "build.json").write_text("{}")
            self.assertTrue(build.is_complete(out))


class FragmentTest(unittest.TestCase):
    def test_fragment_parses_and_is_not_empty(self) -> None:
        values = build.parse_config(build.FRAGMENT.read_text())
        self.assertEqual(values.get("CONFIG_XEN_PV"), "y")
        self.assertEqual(values.get("CONFIG_MODULES"), "n")

    def test_patches_have_headers(self) -> None:
        patches = build.patch_files()
        self.assertTrue(patches)
        for p in patches:
            head = p.read_text().splitlines()[:6]
            self.assertTrue(any(line.startswith("Subject: [PATCH")
                                for line in head), p.name)


if __name__ == "__main__":
    unittest.main()

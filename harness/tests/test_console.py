import unittest

from pvxlib.console import ConsoleFilter, clean


class ConsoleTest(unittest.TestCase):
    def test_clean_strips_escapes_and_cr(self):
        self.assertEqual(clean("\x1b[H\x1b[J\x1b[1;1H  Booting `pvx'\r"), "  Booting `pvx'")
        self.assertEqual(clean("\x1b[?25lhi\x1b(B"), "hi")

    def test_lines_split_across_chunks(self):
        got = []
        f = ConsoleFilter([got.append])
        f.feed(b"(PVX) one\r\n(PVX) tw")
        self.assertEqual(got, ["(PVX) one"])
        f.feed(b"o\r\npartial")
        self.assertEqual(got, ["(PVX) one", "(PVX) two"])
        f.close()
        self.assertEqual(got[-1], "partial")
        self.assertEqual(f.text, "(PVX) one\n(PVX) two\npartial")

    def test_invalid_utf8_is_replaced(self):
        got = []
        f = ConsoleFilter([got.append])
        f.feed(b"a\xffb\n")
        self.assertEqual(got, ["a\ufffdb"])


if __name__ == "__main__":
    unittest.main()

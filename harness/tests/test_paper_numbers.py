import unittest

from pvxlib import paper_numbers, sanity
from pvxlib.paper_numbers import PAPER


class PaperNumbersTest(unittest.TestCase):
    def test_layout(self):
        self.assertEqual([len(t.columns) for t in paper_numbers.TABLES], [10, 7, 7])
        self.assertEqual(len(set(paper_numbers.METRICS)), 24)
        for row in PAPER.values():
            self.assertEqual(list(row), paper_numbers.METRICS)

    def test_spot_values(self):
        # ../shared/reference/paper-numbers.md section 1
        self.assertEqual(PAPER["Xen"]["fork_proc"], 198)
        self.assertEqual(PAPER["L-UP"]["sh_proc"], 4000)          # "4k0"
        self.assertEqual(PAPER["UML"]["exec_proc"], 33000)        # "33k"
        self.assertEqual(PAPER["Xen"]["ctx_16p_64k"], 39.4)
        self.assertEqual(PAPER["L-UP"]["page_fault"], 1.42)
        self.assertEqual(PAPER["VMW"]["fs_delete_0k"], 9.3)

    def test_paper_rows_pass_the_sanity_checks(self):
        for name in ("L-UP", "Xen", "L-SMP"):
            self.assertTrue(all(c.ok for c in sanity.checks(PAPER[name])), name)


class SanityTest(unittest.TestCase):
    def test_pass_fail_missing(self):
        row = dict(PAPER["L-UP"])
        row["exec_proc"] = 5000.0                     # above sh
        del row["prot_fault"]
        by_name = {c.name: c for c in sanity.checks(row)}
        self.assertEqual(by_name["fork < exec < sh"].verdict, "FAIL")
        self.assertEqual(by_name["prot fault < page fault"].verdict, "n/a")
        self.assertEqual(by_name["prot fault < page fault"].values, [None, 1.42])
        ctx2 = next(c for c in by_name.values() if "2 processes" in c.name)
        self.assertEqual((ctx2.verdict, ctx2.values), ("PASS", [0.77, 0.91, 1.06]))


if __name__ == "__main__":
    unittest.main()

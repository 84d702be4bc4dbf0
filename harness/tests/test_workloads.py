import json
import unittest

from pvxlib import paper_numbers, workloads

SUITE = "pvx-lmbench-like/1"


def line(name: str, **kw) -> str:
    return json.dumps({"suite": SUITE, "name": name, **kw})


class OutputTest(unittest.TestCase):
    def test_parse_output(self):
        lines = ["lmb: 5 reps, >= 5.0 ms each", line("null_call", value=0.5, samples=[0.5]),
                 line("prot_fault", error="not positive"),
                 json.dumps({"suite": "other/1", "name": "x"}),
                 '{"suite":"pvx-lmbench-like/1","name":"st', "lmb: done in 4 s, 1 failed"]
        recs, problems = workloads.parse_output(lines, SUITE)
        self.assertEqual([r["name"] for r in recs], ["null_call", "prot_fault"])
        self.assertEqual(recs[1]["error"], "not positive")
        self.assertEqual(len(problems), 2)          # the foreign suite and the cut line
        self.assertIn("unreadable", problems[1])

    def test_parse_line(self):
        self.assertIsNone(workloads.parse_line("  not json", SUITE))
        self.assertIsNone(workloads.parse_line("[1, 2]", SUITE))
        self.assertEqual(workloads.parse_line(" " + line("stat") + " ", SUITE)["name"], "stat")


class CommandTest(unittest.TestCase):
    def test_expected_metrics(self):
        self.assertEqual(workloads.expected_metrics(["run-all"]), paper_numbers.METRICS)
        self.assertEqual(workloads.expected_metrics(["table4"])[0], "ctx_2p_0k")
        self.assertEqual(len(workloads.expected_metrics(["table4"])), 7)
        self.assertEqual(workloads.expected_metrics(["page_fault", "stat"]),
                         ["stat", "page_fault"])

    def test_command_and_spec(self):
        s = workloads.spec("lmbench-like")
        self.assertEqual(workloads.command(s, ["run-all"], ["--quick", "--dir", "/tmp"]),
                         "/bin/lmb run-all --quick --dir /tmp")
        self.assertEqual(set(s.files), {"/bin/lmb", "/bin/lmb-hello"})
        with self.assertRaisesRegex(workloads.WorkloadError, "known: lmbench-like"):
            workloads.spec("iperf")

    def test_build_dir_is_keyed_by_the_sources(self):
        s = workloads.spec("lmbench-like")
        d = workloads.build_dir(s)
        self.assertRegex(d.name, r"^lmbench-like-[0-9a-f]{16}$")
        self.assertEqual(d, workloads.build_dir(s))


if __name__ == "__main__":
    unittest.main()

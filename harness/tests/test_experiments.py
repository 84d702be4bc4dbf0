import unittest
from pathlib import Path

from pvxlib import experiments, workloads
from pvxlib.experiments import ExperimentError

GOOD = """
[experiment]
name = "x"
reps = 2
timeout_s = 60

[guest]
mem_mib = 256

[workload]
name = "lmbench-like"
args = ["run-all"]

[workload.params]
quick = true
dir = "/tmp"

[workload.quick_params]
reps = 5

[configs.pv]
mode = "pv"
hv_args = "loglvl=debug batch=off"

[configs.native]
mode = "native"
"""


def parse(text: str) -> experiments.Experiment:
    return experiments.parse(text, Path("x.toml"))


class ParseTest(unittest.TestCase):
    def test_good(self):
        e = parse(GOOD)
        self.assertEqual((e.name, e.reps, e.timeout_s, e.mem_mib), ("x", 2, 60.0, 256))
        self.assertEqual((e.kernel, e.accel, e.cpu), ("stock", "auto", "qemu64"))
        self.assertEqual(list(e.configs), ["pv", "native"])          # file order
        self.assertEqual(e.configs["pv"].hv_args, ["loglvl=debug", "batch=off"])
        self.assertEqual(e.workload.params, {"quick": True, "dir": "/tmp"})
        self.assertEqual(e.text, GOOD)

    def test_unknown_key_is_an_error(self):
        with self.assertRaisesRegex(ExperimentError, r"unknown key\(s\) rep "):
            parse(GOOD.replace("reps = 2", "rep = 2"))
        with self.assertRaisesRegex(ExperimentError, "unknown key"):
            parse(GOOD.replace('mode = "native"', 'mode = "native"\ncpu = "max"'))

    def test_wrong_types_and_values(self):
        for old, new, msg in [("reps = 2", "reps = true", "wrong type"),
                              ("reps = 2", "reps = 0", "reps must be"),
                              ('mode = "native"', 'mode = "hvm"', "known modes"),
                              ('args = ["run-all"]', 'args = "run-all"', "wrong type"),
                              ("dir = \"/tmp\"", "dir = [1]", "string, number"),
                              ("[guest]", "[guest]\naccel = \"fast\"", "accel")]:
            with self.subTest(new=new), self.assertRaisesRegex(ExperimentError, msg):
                parse(GOOD.replace(old, new))

    def test_boot_s_declared_estimates(self):
        e = parse(GOOD.replace('[configs.pv]', '[configs.pv]\nboot_s = 42')
                  .replace('name = "x"', 'name = "x"\nboot_s = 30'))
        self.assertEqual((e.boot_s, e.configs["pv"].boot_s, e.configs["native"].boot_s),
                         (30.0, 42.0, None))
        with self.assertRaisesRegex(ExperimentError, "boot_s must be > 0"):
            parse(GOOD.replace('name = "x"', 'name = "x"\nboot_s = 0'))

    def test_hv_args_not_for_native(self):
        with self.assertRaisesRegex(ExperimentError, "hv_args applies to mode = .pv. or .xen. only"):
            parse(GOOD.replace('mode = "native"', 'mode = "native"\nhv_args = "x"'))

    def test_missing_parts(self):
        with self.assertRaisesRegex(ExperimentError, "name is required"):
            parse(GOOD.replace('name = "x"', ""))
        with self.assertRaisesRegex(ExperimentError, r"\[workload\] table missing"):
            parse(GOOD.split("[workload]")[0])
        with self.assertRaisesRegex(ExperimentError, "x.toml"):
            parse("[experiment\n")

    def test_the_shipped_experiments_load(self):
        for name in ("lmbench-quick", "lmbench"):
            e = experiments.load(name)
            self.assertEqual(e.name, name)
            self.assertEqual(list(e.configs), ["native", "pv", "xen"])
            self.assertEqual(e.configs["xen"].mode, "xen")
            workloads.spec(e.workload.name)
        with self.assertRaisesRegex(ExperimentError, "known: .*lmbench-quick"):
            experiments.load("no-such-experiment")


class PlanTest(unittest.TestCase):
    def test_defaults(self):
        p = experiments.plan(parse(GOOD))
        self.assertEqual(([c.name for c in p.configs], p.reps, p.boots), (["pv", "native"], 2, 4))
        self.assertEqual(p.params, {"quick": True, "dir": "/tmp"})

    def test_overrides(self):
        p = experiments.plan(parse(GOOD), ["native"], None, quick=True)
        self.assertEqual(([c.name for c in p.configs], p.reps), (["native"], 1))
        self.assertEqual(p.params, {"quick": True, "dir": "/tmp", "reps": 5})
        self.assertEqual(experiments.plan(parse(GOOD), None, 7, quick=True).reps, 7)

    def test_bad_overrides(self):
        e = parse(GOOD)
        with self.assertRaisesRegex(ExperimentError, "no configuration.*shadow"):
            experiments.plan(e, ["shadow"])
        with self.assertRaisesRegex(ExperimentError, "twice"):
            experiments.plan(e, ["pv", "pv"])
        with self.assertRaisesRegex(ExperimentError, "at least 1"):
            experiments.plan(e, None, 0)

    def test_param_options(self):
        self.assertEqual(experiments.param_options(
            {"min_ms": 5, "quick": True, "verbose": False, "dir": "/tmp"}),
            ["--min-ms", "5", "--quick", "--dir", "/tmp"])


if __name__ == "__main__":
    unittest.main()

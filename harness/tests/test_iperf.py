import json
import tempfile
import unittest
from pathlib import Path

from pvxlib import experiments, iperf, matrix, rootfs

# the totals of a real `iperf3 -J` TX run at MTU 500 (native, TCG)
DOC = {"start": {"tcp_mss_default": 448},
       "end": {"sum_sent": {"bytes": 572915712, "seconds": 3.012319,
                            "bits_per_second": 1521527333.5924914, "retransmits": 0},
               "sum_received": {"bytes": 572915712, "seconds": 3.025003,
                                "bits_per_second": 1515147487.7876155}}}


def output(tx=DOC, rx=DOC):
    return ["@@NET eth0 virtio_net 500", "@@NET ping OK 3/3",
            "@@NET-JSON tx " + json.dumps(tx), "@@NET-JSON rx " + json.dumps(rx)]


class ParseTest(unittest.TestCase):
    def test_receiver_rate_in_mbit(self):
        r = iperf.parse_iperf(json.dumps(DOC))
        self.assertAlmostEqual(r["value"], 1515.147, places=3)
        self.assertAlmostEqual(r["sender_mbit_s"], 1521.527, places=3)
        self.assertEqual(r["bytes"], 572915712)
        self.assertEqual(r["retransmits"], 0)
        self.assertEqual(r["tcp_mss"], 448)

    def test_iperf_errors(self):
        self.assertIn("unable to connect",
                      iperf.parse_iperf('{"start": {}, "error": "unable to connect to server"}')
                      ["error"])
        self.assertIn("no JSON", iperf.parse_iperf("iperf3: error - ...")["error"])
        self.assertIn("totals", iperf.parse_iperf('{"end": {}}')["error"])

    def test_records_per_direction(self):
        recs, raw = iperf.parse_output(output(), ["tx", "rx"], 500)
        self.assertEqual([r["name"] for r in recs], ["tcp_tx", "tcp_rx"])
        self.assertEqual(recs[0]["unit"], "Mbit/s")
        self.assertEqual(recs[0]["driver"], "virtio_net")
        self.assertEqual(recs[0]["guest_mtu"], 500)
        self.assertEqual(recs[0]["ping"], "OK 3/3")
        self.assertEqual(set(raw), {"tx", "rx"})
        self.assertEqual(json.loads(raw["tx"]), DOC)

    def test_only_the_directions_asked_for(self):
        recs, _ = iperf.parse_output(output(), ["rx"], 500)
        self.assertEqual([r["direction"] for r in recs], ["rx"])

    def test_missing_run(self):
        recs, _ = iperf.parse_output(output()[:3], ["tx", "rx"], 500)
        self.assertNotIn("error", recs[0])
        self.assertIn("no iperf3 result", recs[1]["error"])

    def test_nothing_from_a_boot_that_never_ran_it(self):
        self.assertEqual(iperf.parse_output(["Kernel panic - not syncing: x"], ["tx"], 1500),
                         ([], {}))

    def test_no_eth0_is_a_setup_error(self):
        out = ["@@NET error no eth0 after 15 s (interfaces: lo )"]
        self.assertIn("no eth0", iperf.setup_error(out))
        recs, _ = iperf.parse_output(out, ["tx", "rx"], 1500)
        self.assertTrue(all("no eth0" in r["error"] for r in recs))
        self.assertIsNone(iperf.setup_error(output()))

    def test_unsupported_mtu_is_never_a_number(self):
        out = ["@@NET mtu-unsupported 9000 ip: SIOCSIFMTU: Invalid argument"]
        recs, _ = iperf.parse_output(out, ["tx", "rx"], 9000)
        for r in recs:
            self.assertTrue(r["unsupported"])
            self.assertIn("not supported", r["error"])
            self.assertNotIn("value", r)


class CommandTest(unittest.TestCase):
    def test_command(self):
        cmd = iperf.command(["tx", "rx"], {"time_s": 10}, 500, ["virtio_pci", "virtio_net"])
        self.assertEqual(cmd, "/bin/pvx-net 500 10 - tx,rx virtio_pci virtio_net")
        cmd = iperf.command(["rx"], {"time_s": 2, "window": "128K"}, 1500, [])
        self.assertEqual(cmd, "/bin/pvx-net 1500 2 128K rx")

    def test_driver_modules(self):
        self.assertEqual(iperf.driver_modules("native", {"virtio_pci", "virtio_net", "x"}),
                         ["virtio_pci", "virtio_net"])
        self.assertEqual(iperf.driver_modules("pv", {"xen_netfront"}), ["xen-netfront"])
        # built in (the patched kernel): nothing to load
        self.assertEqual(iperf.driver_modules("native", {"ext4"}), [])
        self.assertEqual(iperf.driver_modules("pv", None), [])

    def test_check(self):
        iperf.check(["tx", "rx"], {"time_s": 10, "window": "128K", "offload": False})
        for args, params in ((["tx", "tx"], {}), ([], {}), (["up"], {}),
                             (["tx"], {"time_s": 0}), (["tx"], {"time_s": True}),
                             (["tx"], {"window": "lots"}), (["tx"], {"bogus": 1}),
                             (["tx"], {"offload": "no"})):
            with self.assertRaises(iperf.IperfError, msg=(args, params)):
                iperf.check(args, params)

    def test_parse_mtus(self):
        self.assertEqual(iperf.parse_mtus("1500, 500"), [1500, 500])
        for bad in ("", "1500,1500", "15OO", "67", "70000"):
            with self.assertRaises(iperf.IperfError, msg=bad):
                iperf.parse_mtus(bad)

    def test_experiment_toml_round_trips(self):
        text = iperf.experiment_toml(["native", "pv"], [1500, 500], 10, 3, "128K",
                                     "stock", "auto")
        exp = experiments.parse(text, Path("x.toml"))
        self.assertEqual([(c.name, c.mode, c.mtu) for c in exp.configs.values()],
                         [("native-1500", "native", 1500), ("native-500", "native", 500),
                          ("pv-1500", "pv", 1500), ("pv-500", "pv", 500)])
        self.assertEqual(exp.reps, 3)
        self.assertEqual(exp.workload.params, {"time_s": 10, "window": "128K"})
        matrix.check_mtus(list(exp.configs.values()), True)
        text = iperf.experiment_toml(["native"], [500], 5, 1, None, "stock", "tcg", False)
        self.assertEqual(experiments.parse(text, Path("x.toml")).workload.params,
                         {"time_s": 5, "offload": False})


class ExperimentTest(unittest.TestCase):
    BASE = ('[experiment]\nname = "n"\n[workload]\nname = "iperf3"\nargs = ["tx"]\n'
            '[configs.a]\nmode = "native"\n')

    def test_mtu_key(self):
        exp = experiments.parse(self.BASE + "mtu = 576\n", Path("x.toml"))
        self.assertEqual(exp.configs["a"].mtu, 576)
        for bad in ("0", "70000", "true", '"1500"'):
            with self.assertRaises(experiments.ExperimentError, msg=bad):
                experiments.parse(self.BASE + f"mtu = {bad}\n", Path("x.toml"))

    def test_mtu_needed_for_network_and_only_there(self):
        exp = experiments.parse(self.BASE, Path("x.toml"))
        with self.assertRaisesRegex(experiments.ExperimentError, "needs mtu"):
            matrix.check_mtus(list(exp.configs.values()), True)
        exp = experiments.parse(self.BASE + "mtu = 1500\n", Path("x.toml"))
        with self.assertRaisesRegex(experiments.ExperimentError, "network workloads"):
            matrix.check_mtus(list(exp.configs.values()), False)

    def test_net_quick_file(self):
        exp = experiments.load("net-quick")
        self.assertEqual(exp.workload.name, "iperf3")
        self.assertEqual({(c.mode, c.mtu) for c in exp.configs.values()},
                         {("native", 1500), ("native", 500), ("pv", 1500), ("pv", 500)})
        matrix.check_mtus(list(exp.configs.values()), True)


class ModuleNamesTest(unittest.TestCase):
    def test_from_modules_dep(self):
        with tempfile.TemporaryDirectory() as d:
            self.assertIsNone(rootfs.module_names(Path(d)))
            (Path(d) / "modules.dep").write_text(
                "kernel/drivers/net/virtio_net.ko.xz: kernel/net/core/failover.ko.xz\n"
                "kernel/drivers/net/xen-netfront.ko.xz:\n")
            self.assertEqual(rootfs.module_names(Path(d)), {"virtio_net", "xen_netfront"})
        self.assertIsNone(rootfs.module_names(None))


if __name__ == "__main__":
    unittest.main()

import unittest

from pvxlib import netreport


def meta(**status):
    cfgs = {}
    for mode in ("native", "pv"):
        for mtu in (1500, 500, 9000):
            name = f"{mode}-{mtu}"
            cfgs[name] = {"mode": mode, "mtu": mtu, "status": status.get(name, "ok"),
                          "reason": "", "reps": []}
    return {"status": "complete", "configs": cfgs, "plan": {"params": {"time_s": 10}}}


def rec(config, d, value=None, rep=1, **kw):
    r = {"config": config, "rep": rep, "suite": "pvx-iperf3/1",
         "name": f"tcp_{d}", "direction": d}
    if value is not None:
        r["value"] = value
    r.update(kw)
    return r


RECORDS = [rec("native-1500", "tx", 2000.0), rec("native-1500", "rx", 1600.0),
           rec("native-1500", "tx", 2200.0, rep=2), rec("native-1500", "rx", 1800.0, rep=2),
           rec("native-500", "tx", 1000.0), rec("native-500", "rx", 800.0),
           rec("pv-1500", "tx", 1000.0), rec("pv-1500", "rx", 850.0),
           rec("pv-500", "tx", error="iperf3: unable to connect to server"),
           rec("pv-500", "rx", 400.0),
           rec("native-9000", "tx", 3000.0), rec("native-9000", "rx", 2500.0),
           rec("pv-9000", "tx", error="MTU 9000 not supported by the guest's eth0: x",
               unsupported=True),
           rec("pv-9000", "rx", error="MTU 9000 not supported by the guest's eth0: x",
               unsupported=True)]


class AggregateTest(unittest.TestCase):
    def setUp(self):
        self.data = netreport.aggregate(meta(), RECORDS)

    def test_series_and_mtus(self):
        self.assertEqual(self.data.series, ["native", "pv"])
        self.assertEqual(self.data.mtus, [500, 1500, 9000])
        self.assertEqual(self.data.base, "native")
        self.assertEqual(netreport.series_of("pv-wpt-500", 500), "pv-wpt")
        self.assertEqual(netreport.series_of("fast", 500), "fast")
        self.assertEqual(netreport.series_of("-500", 500), "-500")

    def test_median_over_boots_and_ratio(self):
        self.assertEqual(self.data.cell("native", 1500, "tx").median, 2100.0)
        self.assertAlmostEqual(netreport.ratio(self.data, "pv", 1500, "tx"), 1000 / 2100)
        self.assertIsNone(netreport.ratio(self.data, "pv", 500, "tx"))     # an error
        self.assertIsNone(netreport.ratio(self.data, "native", 500, "tx"))  # the base

    def test_paper_ratio(self):
        self.assertAlmostEqual(netreport.paper_ratio(500, "tx"), 516 / 602)
        self.assertIsNone(netreport.paper_ratio(9000, "tx"))

    def test_table_cells(self):
        notes = netreport.Notes()
        text = "\n".join(netreport.table(self.data, [1500, 500], True, notes))
        self.assertIn("| Linux (paper) | 897 | 897 | 602 | 544 |", text)
        self.assertIn("| **native** | 2100 | 1700 | 1000 | 800 |", text)
        self.assertIn("| pv / native | 0.48 | 0.50 | n/a | 0.50 |", text)
        self.assertIn("| Xen / Linux (paper) | 1.00 | 1.00 | 0.86 | 0.86 |", text)
        self.assertTrue(any("unable to connect" in t for t in notes.texts))

    def test_unsupported_is_said(self):
        notes = netreport.Notes()
        text = "\n".join(netreport.table(self.data, [9000], False, notes))
        self.assertIn("not supported [1]", text)
        self.assertIn("not supported", notes.texts[0])

    def test_failed_configuration(self):
        m = meta(**{"pv-1500": "failed"})
        m["configs"]["pv-1500"]["reason"] = "network setup failed in the guest: no eth0"
        recs = [r for r in RECORDS if r["config"] != "pv-1500"]
        data = netreport.aggregate(m, recs)
        notes = netreport.Notes()
        netreport.table(data, [1500], False, notes)
        self.assertTrue(any("no eth0" in t for t in notes.texts))

    def test_summary(self):
        lines = netreport.summary_lines(meta(), RECORDS)
        self.assertIn("native", lines[1])
        self.assertTrue(any("pv/native" in l and "1500" in l and "0.48" in l for l in lines))
        self.assertTrue(any("not supported" in l for l in lines))

    def test_dat_blocks(self):
        text = netreport.mtu_dat(self.data, "results/x")
        blocks = [b for b in text.split("\n\n\n")]
        self.assertEqual(len(blocks), 4)          # paper, ratios, native, pv
        self.assertIn("Linux TX (paper)", blocks[0])
        ratios = blocks[1].splitlines()
        self.assertEqual(ratios[0].split("\t"), ["mtu", "pv TX", "pv RX", "paper TX",
                                                 "paper RX"])
        self.assertTrue(blocks[2].startswith("mtu\tnative TX"))
        row9000 = [l for l in blocks[3].splitlines() if l.startswith("9000")][0]
        self.assertEqual(row9000.split("\t")[1:], ["?"] * 6)

    def test_render(self):
        text = netreport.render(meta(), RECORDS, "results/x")
        self.assertIn("## Table 6", text)
        self.assertIn("## Every MTU of the run", text)
        self.assertIn("| native | 1500 | TX | 2 | 2100 | - | 2000 | 2200 | 1.10 |  |", text)
        self.assertNotIn("no PV configuration", text)
        native_only = {"configs": {k: v for k, v in meta()["configs"].items()
                                   if k.startswith("native")}}
        self.assertIn("no PV configuration", netreport.render(native_only, RECORDS, "r"))


if __name__ == "__main__":
    unittest.main()

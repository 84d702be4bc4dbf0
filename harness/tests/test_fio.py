import json
import unittest

from pvxlib import fio, guestrun


def job(name, wbw, rbw, error=0):
    return {"jobname": name, "error": error,
            "write": {"bw": wbw, "total_ios": 4}, "read": {"bw": rbw, "total_ios": 4}}


class ParseTest(unittest.TestCase):
    def test_takes_the_json_line(self):
        doc = {"jobs": [job("rand4k", 100, 200), job("seq1m", 1000, 2000, error=84)]}
        out = ["fio noise", "FIOJSON " + json.dumps(doc), "after"]
        jobs = fio.parse_fio(out)
        self.assertEqual(jobs["rand4k"]["write_kib_s"], 100)
        self.assertEqual(jobs["rand4k"]["read_kib_s"], 200)
        self.assertEqual(jobs["seq1m"]["error"], 84)

    def test_missing_or_broken(self):
        with self.assertRaisesRegex(fio.FioError, "no JSON"):
            fio.parse_fio(["Jobs: 1 (f=1)"])
        with self.assertRaisesRegex(fio.FioError, "does not parse"):
            fio.parse_fio(['FIOJSON {"jobs": [ {"jobname"'])


class ScriptTest(unittest.TestCase):
    def test_devices_and_phases(self):
        w = fio.guest_script("pv", "write", 16)
        self.assertIn("/dev/xvda", w)
        self.assertIn("mkfs.ext4 -q -F /dev/xvda", w)
        self.assertIn("--do_verify=1", w)
        v = fio.guest_script("native", "verify", 16)
        self.assertIn("/dev/vda", v)
        self.assertNotIn("mkfs", v)
        self.assertIn("--verify_only", v)
        self.assertIn("--size=16M", v)

    def test_fits_the_pv_command_line(self):
        for size in (16, 4096):
            guestrun.kernel_cmdline("pv", "", fio.guest_script("pv", "write", size))


class RatioTest(unittest.TestCase):
    def test_pv_over_native(self):
        def mode(w, r):
            return {"phases": {"write": {"jobs": {"rand4k": {"write_kib_s": w, "read_kib_s": r},
                                                  "seq1m": {"write_kib_s": 0, "read_kib_s": r}}}}}
        got = fio.ratios(mode(100, 400), mode(50, 300))
        self.assertAlmostEqual(got["rand4k.write"], 0.5)
        self.assertAlmostEqual(got["rand4k.read"], 0.75)
        self.assertNotIn("seq1m.write", got)      # native 0: no ratio


if __name__ == "__main__":
    unittest.main()

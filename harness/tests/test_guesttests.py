import unittest

from pvxlib import guesttests

GOOD = """CHK uname: Linux (none) 6.1.0 x86_64
CHK cpus: 1
CHK forkexec: 1000
memcheck: ok 3 rounds of 256 MiB
CHK memcheck-status: 0
CHK sleep-start 100
CHK sleep-end 102
CHK date-advanced: 2
CHK hcprobe-status: 0
CHK xsprobe-status: 0
CHK dmesg-bad: 0"""


def lines_and_times(text, sleep_wall):
    lines = ["(d1) " + line for line in text.splitlines()]
    times = []
    t = 0.0
    for line in lines:
        if "sleep-end" in line:
            t += sleep_wall
        times.append(t)
        t += 0.01
    return lines, times


class ChecklistTest(unittest.TestCase):
    def test_all_good(self):
        lines, times = lines_and_times(GOOD, 2.05)
        problems, note = guesttests.evaluate_checklist("pv", GOOD, lines, times)
        self.assertEqual(problems, [])
        self.assertIn("2.06", note)

    def test_sleep_too_long_on_host_clock(self):
        lines, times = lines_and_times(GOOD, 3.0)
        problems, _ = guesttests.evaluate_checklist("pv", GOOD, lines, times)
        self.assertEqual(len(problems), 1)
        self.assertIn("within 25%", problems[0])

    def test_failures_are_named(self):
        bad = GOOD.replace("forkexec: 1000", "forkexec: 17").replace(
            "dmesg-bad: 0", "dmesg-bad: 3").replace("hcprobe-status: 0", "")
        lines, times = lines_and_times(bad, 2.0)
        problems, _ = guesttests.evaluate_checklist("pv", bad, lines, times)
        self.assertTrue(any("forkexec" in p for p in problems))
        self.assertTrue(any("dmesg-bad" in p for p in problems))
        self.assertTrue(any("hcprobe-status" in p for p in problems))

    def test_native_does_not_need_hcprobe(self):
        text = GOOD.replace("CHK hcprobe-status: 0\n", "").replace(
            "CHK xsprobe-status: 0\n", "CHK lmb-status: 0\nCHK lmb-metrics: 24\n")
        lines, times = lines_and_times(text, 2.0)
        self.assertEqual(guesttests.evaluate_checklist("native", text, lines, times)[0], [])

    def test_missing_sleep_markers(self):
        text = GOOD.replace("CHK sleep-end 102\n", "")
        lines, times = lines_and_times(text, 2.0)
        problems, _ = guesttests.evaluate_checklist("pv", text, lines, times)
        self.assertIn("sleep markers missing", problems)

    def test_native_needs_all_24_metrics(self):
        text = GOOD + "\nCHK lmb-status: 1\nCHK lmb-metrics: 23"
        lines, times = lines_and_times(text, 2.0)
        problems, _ = guesttests.evaluate_checklist("native", text, lines, times)
        self.assertTrue(any("lmb-metrics" in p for p in problems))



RING_CONSOLE = [
    "(PVX) d1: blkback: request producer 1009 is more than a ring ahead of 9: ring ignored",
    "(PVX) d1: netback: tx producer 1026 is more than a ring ahead of 26: VIF disabled",
    '(PVX) counters-json d1: {"domain":1,"blk_errors":8,"net_tx_errors":6,'
    '"net_vfr_dropped":1,"net_tx_packets":3}',
]


class RingprobeTest(unittest.TestCase):
    def test_all_refusals_seen(self):
        self.assertEqual(guesttests.ringprobe_problems("CHK ringprobe: 0", RING_CONSOLE), [])

    def test_missing_counter_or_report_is_a_problem(self):
        console = [RING_CONSOLE[0], RING_CONSOLE[2].replace('"net_tx_errors":6', '"net_tx_errors":5')]
        problems = guesttests.ringprobe_problems("CHK ringprobe: 1", console)
        self.assertTrue(any("ringprobe exited 1" in p for p in problems))
        self.assertTrue(any("netback: tx producer" in p for p in problems))
        self.assertTrue(any("net_tx_errors = 5" in p for p in problems))

    def test_no_counters(self):
        problems = guesttests.ringprobe_problems("CHK ringprobe: 0", RING_CONSOLE[:2])
        self.assertIn("no counters-json line for d1", problems)

class NetProblemsTest(unittest.TestCase):
    """guesttests.net_problems: what a network boot's output must show."""

    def run_of(self, output, code=0, console=()):
        from pvxlib import boot, exitcodes, guestrun
        result = guestrun.GuestResult(began=True, status=code, output=output)
        outcome = boot.BootOutcome(exitcodes.RunStatus(0, "ok", False), list(console),
                                   1.0, None)
        return boot.GuestRun(result, guestrun.Verdict(code, f"status {code}"), outcome)

    def records(self, output, mtu):
        from pvxlib import iperf
        return iperf.parse_output(output, ["tx", "rx"], mtu)[0]

    def good(self, mtu, driver="virtio_net"):
        import json
        doc = {"end": {"sum_sent": {"bytes": 10, "seconds": 2, "bits_per_second": 8e8},
                       "sum_received": {"bytes": 10, "seconds": 2,
                                        "bits_per_second": 7e8}}}
        return [f"@@NET eth0 {driver} {mtu}", "@@NET ping OK 3/3",
                "@@NET-JSON tx " + json.dumps(doc), "@@NET-JSON rx " + json.dumps(doc)]

    def test_good_boot(self):
        out = self.good(500)
        self.assertEqual(guesttests.net_problems("native", 500, self.run_of(out),
                                                 self.records(out, 500)), [])

    def test_wrong_mtu_driver_ping_and_missing_run(self):
        out = self.good(1500, driver="e1000")[:3]
        out[1] = "@@NET ping FAIL 0/3"
        probs = guesttests.net_problems("native", 500, self.run_of(out, 4),
                                        self.records(out, 500))
        text = "\n".join(probs)
        for want in ("exit 4", "driver is e1000", "MTU is 1500", "ping 192.0.2.1: FAIL",
                     "rx: no iperf3 result"):
            self.assertIn(want, text)

    def test_pv_without_backend_says_so(self):
        out = ["@@NET error no eth0 after 15 s (interfaces: lo )"]
        console = ["(PVX) warning: module 0: unknown key 'vif' ignored"]
        probs = guesttests.net_problems("pv", 1500, self.run_of(out, 2, console),
                                        self.records(out, 1500))
        self.assertIn("no eth0", probs[0])
        self.assertTrue(any("issue #6" in p for p in probs))


VFR_CONSOLE = ["(PVX) vfr: rule 1 hits 3", "(PVX) vfr: rule 2 hits 4",
               '(PVX) counters-json d1: {"domain":1,"net_vfr_dropped":3}']


class VfrTest(unittest.TestCase):
    def test_blocked_tcp_and_passing_ping(self):
        self.assertEqual(guesttests.vfr_problems("CHK ping: 0\nCHK tcp-5201: 143", VFR_CONSOLE), [])

    def test_tcp_getting_through_is_a_problem(self):
        problems = guesttests.vfr_problems("CHK ping: 0\nCHK tcp-5201: 0",
                                           ["(PVX) vfr: rule 2 hits 4"])
        self.assertTrue(any("got through a drop rule" in p for p in problems))
        self.assertTrue(any("drop rule was not hit" in p for p in problems))
        self.assertTrue(any("net_vfr_dropped" in p for p in problems))


class VbdBytesTest(unittest.TestCase):
    def test_extents_in_vbd_order(self):
        image = bytes(range(256)) * 2 * 64          # 64 sectors of 512 bytes
        sector = lambda n: image[n * 512:(n + 1) * 512]
        extents = [(10, 2), (40, 3), (5, 1)]
        self.assertEqual(guesttests.vbd_bytes(image, extents, 0, 6),
                         sector(10) + sector(11) + sector(40) + sector(41) + sector(42) + sector(5))
        self.assertEqual(guesttests.vbd_bytes(image, extents, 1, 2), sector(11) + sector(40))
        self.assertEqual(guesttests.vbd_spec(extents), "vbd=0:10:2+40:3+5:1:w")


class ShadowCountersTest(unittest.TestCase):
    JSON = ('{"domain":1,"cr3_loads":900,"mmu_update_entries":5000,'
            '"page_validations":0,"shadow_faults":4000,"shadow_pages_created":300,'
            '"shadow_pages_freed":200,"shadow_root_hits":800,"shadow_root_misses":90}')

    def test_good_counters(self):
        lines = ["(d1) bye", "(PVX) counters-json d1: " + self.JSON]
        problems, note = guesttests.evaluate_shadow_counters(lines)
        self.assertEqual(problems, [])
        self.assertIn("shadow_faults 4000", note)

    def test_no_shadow_faults_or_validations_seen(self):
        bad = self.JSON.replace('"shadow_faults":4000', '"shadow_faults":0') \
                       .replace('"page_validations":0', '"page_validations":7')
        problems, _ = guesttests.evaluate_shadow_counters(
            ["(PVX) counters-json d1: " + bad])
        self.assertEqual(len(problems), 2)
        self.assertIn("shadow_faults", problems[0])
        self.assertIn("page_validations", problems[1])

    def test_missing_or_broken_line(self):
        self.assertEqual(guesttests.evaluate_shadow_counters(["(d1) x"])[0],
                         ["no (PVX) counters-json d1 line"])
        problems, _ = guesttests.evaluate_shadow_counters(
            ["(PVX) counters-json d1: {oops}"])
        self.assertIn("not JSON", problems[0])


class SmallPoolTest(unittest.TestCase):
    def lines(self, resets):
        js = ShadowCountersTest.JSON[:-1] + f',"shadow_resets":{resets}}}'
        return ["(PVX) counters-json d1: " + js]

    def test_good(self):
        out = "CHK forkexec: 200\nCHK memcheck-status: 0"
        self.assertEqual(guesttests.evaluate_small_pool(out, self.lines(12)), [])

    def test_pool_never_ran_out_or_work_failed(self):
        out = "CHK forkexec: 17\nCHK memcheck-status: 0"
        problems = guesttests.evaluate_small_pool(out, self.lines(0))
        self.assertEqual(len(problems), 2)
        self.assertIn("forkexec", problems[0])
        self.assertIn("shadow_resets", problems[1])


if __name__ == "__main__":
    unittest.main()

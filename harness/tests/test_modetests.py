import json
import unittest

from unittest import mock

from pvxlib import checks, experiments, modetests

GOOD_MODE = """mmstress: ok 8 workers x 20 iterations: 320 forks, 160 execs
CHK mmstress-status: 0
memcheck: ok 2 rounds of 128 MiB
CHK memcheck-status: 0
CHK dmesg-bad: 0"""

# What the four modes' boots printed (trimmed), measured.
GUEST = {
    "pv": {"mmu_update_calls": 122912, "mmu_update_in_mc": 0,
           "mmu_update_entries": 170449, "pte_stores_pinned": 0, "pte_stores_unpinned": 0},
    "pv-unbatched": {"mmu_update_calls": 170146, "mmu_update_in_mc": 0,
                     "mmu_update_entries": 170146, "pte_stores_pinned": 0,
                     "pte_stores_unpinned": 0},
    "pv-wpt-emulate": {"mmu_update_calls": 1722, "mmu_update_in_mc": 0,
                       "mmu_update_entries": 1981, "pte_stores_pinned": 191860,
                       "pte_stores_unpinned": 12780},
    "pv-wpt-unhook": {"mmu_update_calls": 1713, "mmu_update_in_mc": 0,
                      "mmu_update_entries": 1953, "pte_stores_pinned": 191202,
                      "pte_stores_unpinned": 13109},
}
BATCHES = [0] * 13
HV = {
    "pv": {"ptwr_emulations": 193851, "ptwr_unhooks": 0, "ptwr_rehook_entries": 0,
           "mmu_update_batches_log2": [222746, 1620, 1044, 170, 8438] + [0] * 8},
    "pv-unbatched": {"ptwr_emulations": 193530, "ptwr_unhooks": 0,
                     "ptwr_rehook_entries": 0,
                     "mmu_update_batches_log2": [472510] + [0] * 12},
    "pv-wpt-emulate": {"ptwr_emulations": 750015, "ptwr_unhooks": 0,
                       "ptwr_rehook_entries": 0,
                       "mmu_update_batches_log2": [4990, 250] + [0] * 11},
    "pv-wpt-unhook": {"ptwr_emulations": 743838, "ptwr_unhooks": 4888,
                      "ptwr_rehook_entries": 4888,
                      "mmu_update_batches_log2": [4974, 250] + [0] * 11},
}


class ModeListTest(unittest.TestCase):
    def test_modes_are_the_experiments_pv_configs(self):
        exp = experiments.load(modetests.MODES_EXPERIMENT)
        ms = modetests.modes()
        self.assertEqual([m.name for m in ms],
                         [c.name for c in exp.configs.values() if c.mode == "pv"])
        self.assertIn("pv-wpt-unhook", [m.name for m in ms])
        unhook = next(m for m in ms if m.name == "pv-wpt-unhook")
        self.assertEqual(unhook.hv_args, ("wpt=unhook",))
        self.assertIn("xen_mmu_writable=1", unhook.guest_args)

    def test_every_mode_has_an_engagement_check(self):
        for m in modetests.modes():
            self.assertIn(m.name, modetests.ENGAGED)

    def test_security_groups_share_a_hypervisor_command_line(self):
        groups = modetests.security_groups(modetests.modes())
        self.assertEqual(groups[()], ["pv", "pv-unbatched"])
        self.assertEqual(groups[("wpt=unhook",)], ["pv-wpt-unhook"])

    def test_test_names(self):
        names = set(modetests.tests())
        self.assertTrue({"mode-pv", "mode-pv-wpt-unhook", "security-pv",
                         "security-pv-wpt-emulate", "security-pv-wpt-unhook"} <= names)
        self.assertNotIn("security-pv-unbatched", names)


class ParseTest(unittest.TestCase):
    def test_guest_stats(self):
        out = ["MMU mmu_update_calls 12", "MMU pte_stores_pinned 0", "MMU bad x",
               "noise"]
        self.assertEqual(modetests.guest_stats(out),
                         {"mmu_update_calls": 12, "pte_stores_pinned": 0})

    def test_hv_counters(self):
        line = "(PVX) counters-json d1: " + json.dumps({"ptwr_unhooks": 3})
        self.assertEqual(modetests.hv_counters(["(PVX) x", line]), {"ptwr_unhooks": 3})
        self.assertIsNone(modetests.hv_counters(["(PVX) counters-json d1: {oops"]))
        self.assertIsNone(modetests.hv_counters([]))


class EngagedTest(unittest.TestCase):
    def test_measured_boots_pass(self):
        for name in GUEST:
            self.assertEqual(modetests.evaluate_mode(name, GOOD_MODE, HV[name], GUEST[name]),
                             [], name)

    def test_modes_swapped_are_caught(self):
        # Each mode's check must fail on another mode's counters.
        pairs = [("pv", "pv-unbatched"), ("pv-unbatched", "pv"),
                 ("pv-wpt-emulate", "pv"), ("pv-wpt-unhook", "pv-wpt-emulate"),
                 ("pv", "pv-wpt-emulate")]
        for check, boot in pairs:
            problems = modetests.evaluate_mode(check, GOOD_MODE, HV[boot], GUEST[boot])
            self.assertTrue(problems and all("mode not in force" in p for p in problems),
                            (check, boot, problems))

    def test_emulate_with_untrapped_stores(self):
        hv = dict(HV["pv-wpt-emulate"], ptwr_emulations=1000)
        problems = modetests.evaluate_mode("pv-wpt-emulate", GOOD_MODE, hv,
                                           GUEST["pv-wpt-emulate"])
        self.assertTrue(any("fewer than" in p for p in problems))

    def test_failures_and_missing_data(self):
        bad = GOOD_MODE.replace("mmstress-status: 0", "mmstress-status: 1").replace(
            "mmstress: ok", "mmstress: FAIL worker 3")
        problems = modetests.evaluate_mode("pv", bad, HV["pv"], GUEST["pv"])
        self.assertTrue(any("mmstress-status" in p for p in problems))
        self.assertTrue(any("summary" in p for p in problems))
        self.assertIn("no (PVX) counters-json d1 line",
                      modetests.evaluate_mode("pv", GOOD_MODE, None, GUEST["pv"]))
        self.assertTrue(any("xen_mmu_stats" in p for p in
                            modetests.evaluate_mode("pv", GOOD_MODE, HV["pv"], {})))

    def test_unknown_mode_fails(self):
        problems = modetests.evaluate_mode("some-new-mode", GOOD_MODE, HV["pv"], GUEST["pv"])
        self.assertTrue(any("ENGAGED" in p for p in problems))


BATTERY = "\n".join(
    ["CHK insmod: 0"]
    + [f"ptattack: attempt {i}: refused (store rc -14, entry unchanged)"
       for i in range(modetests.PTATTACK_ATTEMPTS)]
    + [f"ptattack: {modetests.PTATTACK_ATTEMPTS} refused, 0 not refused",
       "hcprobe: 25 passed, 0 failed", "CHK hcprobe-status: 0"])
FAULTED = BATTERY + """
CHK private-foreign: 1
CHK private-ptwritable: 1
CHK dmesg: ptattack: store faulted; entry now 0000000000000000
CHK dmesg: ptattack: store faulted; entry now 0000000000000000
CHK dmesg-bad: 0"""
CRASH = ["(PVX) d1: starting",
         "(PVX) d1: wpt=unhook: entry 7 of L1 93aa refused: 0000000000010063",
         modetests.UNHOOK_CRASH,
         "(PVX) last domain gone: exit status 4 (guest crash)"]


class SecurityTest(unittest.TestCase):
    def test_battery_all_refused(self):
        self.assertEqual(modetests.evaluate_battery(BATTERY), [])

    def test_battery_accepted_attempt(self):
        out = BATTERY.replace("attempt 3: refused (store", "attempt 3: NOT REFUSED (store")
        n = modetests.PTATTACK_ATTEMPTS
        out = out.replace(f"{n} refused, 0 not refused", f"{n - 1} refused, 1 not refused")
        problems = modetests.evaluate_battery(out)
        self.assertTrue(any("attempt 3: NOT REFUSED" in p for p in problems))
        self.assertTrue(any("missing" in p for p in problems))

    def test_battery_module_not_loaded(self):
        problems = modetests.evaluate_battery(BATTERY.replace("insmod: 0", "insmod: 1"))
        self.assertEqual(len(problems), 1)
        self.assertIn("insmod", problems[0])

    def test_battery_hcprobe_failed(self):
        out = BATTERY.replace("hcprobe-status: 0", "hcprobe-status: 1") + \
            "\nhcprobe: mmu_update of ...  rc=0 expected=-1 FAIL"
        problems = modetests.evaluate_battery(out)
        self.assertTrue(any("hcprobe-status" in p for p in problems))
        self.assertTrue(any(p.endswith("FAIL") for p in problems))

    def test_refused_by_fault(self):
        self.assertEqual(modetests.evaluate_refused_by_fault(FAULTED), [])
        went = FAULTED.replace("CHK private-ptwritable: 1", "CHK private-ptwritable: 0")
        self.assertTrue(modetests.evaluate_refused_by_fault(went))
        one = FAULTED.replace("entry now 0000000000000000\nCHK dmesg-bad",
                              "entry now 0000000000010063\nCHK dmesg-bad")
        self.assertTrue(any("1 of 2" in p for p in modetests.evaluate_refused_by_fault(one)))

    def test_unhook_crash(self):
        self.assertEqual(modetests.evaluate_unhook_crash(CRASH, 4, modetests.FOREIGN_ENTRY), [])
        self.assertEqual(modetests.evaluate_unhook_crash(CRASH, 4, None), [])

    def test_unhook_no_crash_or_wrong_entry(self):
        problems = modetests.evaluate_unhook_crash(CRASH[:1] + CRASH[3:], 0,
                                                   modetests.FOREIGN_ENTRY)
        self.assertEqual(len(problems), 3)
        other = [l.replace("0000000000010063", "00000000093ab063") for l in CRASH]
        self.assertTrue(modetests.evaluate_unhook_crash(other, 4, modetests.FOREIGN_ENTRY))

    def test_unhook_hypervisor_failed(self):
        problems = modetests.evaluate_unhook_crash(CRASH + ["(PVX) *** PANIC: x"], 4, None)
        self.assertTrue(any("hypervisor itself" in p for p in problems))


class KmodBuildTest(unittest.TestCase):
    def test_missing_headers_named(self):
        with self.assertRaisesRegex(checks.CheckBuildError, "linux-headers-0.0.0-none"):
            checks.build_kmod("ptattack", "0.0.0-none", "1")

    def test_headers_of_another_version_refused(self):
        with mock.patch.object(checks, "headers_version", return_value="6.1.0-1"), \
                mock.patch("pathlib.Path.is_dir", return_value=True):
            with self.assertRaisesRegex(checks.CheckBuildError, "is version 6.1.0-1"):
                checks.build_kmod("ptattack", "6.1.0-56-amd64", "6.1.192-2")


if __name__ == "__main__":
    unittest.main()


class ShadowBatteryTest(unittest.TestCase):
    """Under paging=shadow the guest may point its own tables at its own
    tables; the foreign-frame attempts must still all be refused."""

    def battery(self, own_refused: bool, foreign_refused: bool = True) -> str:
        lines = ["CHK insmod: 0"]
        for target in ("map a hypervisor frame", "map a frame beyond machine memory",
                       "map this L1 table writable", "map the L4 root writable"):
            refused = foreign_refused if "frame" in target else own_refused
            for path in range(8):
                lines.append(f"ptattack: path {path}: {target}: "
                             + ("refused (rc -14, entry unchanged)" if refused
                                else "NOT REFUSED (rc 0, entry changed)"))
        n = sum(1 for l in lines if "refused (" in l)
        lines.append(f"ptattack: {n} refused, {32 - n} not refused")
        lines.append("CHK hcprobe-status: 0")
        return "\n".join(lines)

    def test_own_tables_may_change_under_shadow(self):
        self.assertEqual(modetests.evaluate_battery(self.battery(False), shadow=True), [])

    def test_foreign_frames_must_be_refused_under_shadow(self):
        problems = modetests.evaluate_battery(self.battery(False, foreign_refused=False), shadow=True)
        self.assertTrue(any("hypervisor frame" in p for p in problems))

    def test_direct_paging_refuses_everything(self):
        problems = modetests.evaluate_battery(self.battery(False), shadow=False)
        self.assertTrue(any("map this L1 table writable" in p for p in problems))

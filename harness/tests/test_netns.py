import unittest

from pvxlib import netns, qemu

# /proc/<pid>/net/tcp of an iperf3 -s -B 192.0.2.1 in its namespace, and
# one with only a connection (state 01) on that port.
LISTEN = """  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 010200C0:1451 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 77 1 0 100 0 0 10 0
"""
ESTABLISHED = """  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 010200C0:1451 020200C0:D2F0 01 00000000:00000000 00:00000000 00000000     0        0 78 1 0 20 4 30 10 -1
"""


class NameTest(unittest.TestCase):
    def test_round_trip(self):
        self.assertEqual(netns.ns_name(4242, 3), "pvx-4242-3")
        self.assertEqual(netns.name_pid("pvx-4242-3"), 4242)
        for other in ("pvx-abc-1", "pvx-12", "xpvx-1-2", "pvx-1-2-3", "blue"):
            self.assertIsNone(netns.name_pid(other), other)

    def test_netns_list(self):
        text = "pvx-10-1 (id: 0)\nblue\n\npvx-11-2 (id: 1)\n"
        self.assertEqual(netns.parse_netns_list(text), ["pvx-10-1", "blue", "pvx-11-2"])

    def test_stale_only_dead_pids_of_our_names(self):
        names = ["pvx-10-1", "pvx-11-1", "pvx-99-4", "blue", "pvx-12-1"]
        alive = {11, 12}.__contains__
        self.assertEqual(netns.stale(names, alive, me=12), ["pvx-10-1", "pvx-99-4"])

    def test_own_namespaces_never_stale(self):
        self.assertEqual(netns.stale(["pvx-7-1"], lambda pid: False, me=7), [])


class CommandTest(unittest.TestCase):
    def test_setup_commands(self):
        cmds = netns.setup_commands("pvx-1-1", 500)
        self.assertEqual(cmds[0], ["ip", "netns", "add", "pvx-1-1"])
        self.assertIn(["ip", "-n", "pvx-1-1", "link", "set", "dev", "pvxtap0", "mtu", "500"],
                      cmds)
        self.assertIn(["ip", "-n", "pvx-1-1", "addr", "add", "192.0.2.1/24", "dev",
                       "pvxtap0"], cmds)
        # the tap exists before its MTU and address are set, and is up last
        self.assertEqual(cmds[-1][-1], "up")
        self.assertLess(next(i for i, c in enumerate(cmds) if "tuntap" in c),
                        next(i for i, c in enumerate(cmds) if "mtu" in c))

    def test_every_address_in_test_net_1(self):
        for a in (netns.HOST_ADDR, netns.GUEST_ADDR):
            self.assertTrue(a.startswith("192.0.2."), a)

    def test_mtu_bounds(self):
        netns.check_mtu(68)
        netns.check_mtu(9000)
        for bad in (67, 65536, 0, True, "1500"):
            with self.assertRaises(netns.NetError):
                netns.check_mtu(bad)

    def test_server_runs_in_foreground_in_the_namespace(self):
        argv = netns.iperf3_server_argv("pvx-1-2")
        self.assertEqual(argv[:4], ["ip", "netns", "exec", "pvx-1-2"])
        self.assertIn("-s", argv)
        self.assertEqual(argv[argv.index("-B") + 1], "192.0.2.1")
        self.assertNotIn("-D", argv)

    def test_qemu_runs_in_the_namespace_with_the_contract_nic(self):
        cfg = qemu.QemuConfig(wrapper=netns.qemu_wrapper("pvx-1-2"),
                              extra=netns.qemu_net_args())
        argv = cfg.argv("x.iso")
        self.assertEqual(argv[:5], ["ip", "netns", "exec", "pvx-1-2", qemu.QEMU])
        i = argv.index("-netdev")
        self.assertEqual(argv[i + 1], "tap,id=net0,ifname=pvxtap0,script=no,downscript=no")
        self.assertEqual(argv[i + 3], "virtio-net-pci,netdev=net0,mac=52:54:00:12:34:56")

    def test_no_offload(self):
        dev = netns.qemu_net_args(offload=False)[3]
        self.assertTrue(dev.startswith("virtio-net-pci,netdev=net0,mac=52:54:00:12:34:56,"))
        for f in ("csum", "guest_csum", "host_tso4", "guest_tso4", "gso"):
            self.assertIn(f",{f}=off", dev)
        self.assertNotIn("=off", netns.qemu_net_args()[3])

    def test_explain_permissions(self):
        msg = netns.explain(["ip", "netns", "add", "x"],
                            "mount --make-shared /run/netns failed: Operation not permitted")
        self.assertIn("need root", msg)


class ListenTest(unittest.TestCase):
    def test_address_encoding(self):
        self.assertEqual(netns.proc_net_addr("192.0.2.1", 5201), "010200C0:1451")

    def test_listening(self):
        self.assertTrue(netns.listening(LISTEN))
        self.assertFalse(netns.listening(ESTABLISHED))
        self.assertFalse(netns.listening(LISTEN, port=5202))
        self.assertFalse(netns.listening(""))


if __name__ == "__main__":
    unittest.main()


class TeardownTest(unittest.TestCase):
    """Namespace with `ip` faked: a setup step that fails still removes
    what was made, and the error says what to do."""

    def fake_ip(self, fail_on):
        import subprocess
        calls = []

        def ip(argv):
            calls.append(argv)
            bad = fail_on in argv
            return subprocess.CompletedProcess(argv, 2 if bad else 0,
                                               "Error: mtu less than device minimum.\n"
                                               if bad else "")
        return ip, calls

    def test_failed_step_removes_the_namespace(self):
        from unittest import mock
        import signal
        before = signal.getsignal(signal.SIGTERM)
        ip, calls = self.fake_ip("mtu")
        with mock.patch.object(netns, "_ip", ip), \
                mock.patch.object(netns, "remove_stale", return_value=[]), \
                mock.patch.object(netns, "namespace_pids", return_value=[]), \
                mock.patch.object(netns, "list_namespaces", return_value=[]):
            ns = netns.Namespace(1500)
            with self.assertRaisesRegex(netns.NetError, "refused this MTU"):
                with ns:
                    self.fail("the body must not run")
        self.assertEqual(calls[0][:3], ["ip", "netns", "add"])
        self.assertEqual(calls[-1], ["ip", "netns", "del", ns.name])
        self.assertIsNone(ns.server)
        self.assertIs(signal.getsignal(signal.SIGTERM), before)

    def test_nothing_to_remove_when_the_namespace_was_never_made(self):
        from unittest import mock
        ip, calls = self.fake_ip("add")
        with mock.patch.object(netns, "_ip", ip), \
                mock.patch.object(netns, "remove_stale", return_value=[]):
            with self.assertRaises(netns.NetError):
                with netns.Namespace(1500):
                    pass
        self.assertEqual(len(calls), 1)

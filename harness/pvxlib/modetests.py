"""Issue 7's correctness and security tests under every memory-
virtualization mode (part of the guest suite, guesttests.TESTS).

The modes are the PV configurations of harness/experiments/modes-quick.toml
(pv, pv-unbatched, pv-wpt-emulate, pv-wpt-unhook, ...): one list, shared
with the experiment. A mode added there gets both tests here; it also
needs an entry in ENGAGED (how its counters show it is in force), or its
mode test fails saying so. Its security test expects what the direct
modes do: a bad entry stored into a live table faults. Under shadow
paging (paging=shadow) the guest's tables are ordinary memory: the
attempts to map its own tables writable change the guest's entry and are
made safe by the shadow entry, which ptattack cannot see
(OWN_TABLE_ATTEMPTS, evaluate_battery); the foreign-frame attempts must
still be refused, and hcprobe runs its shadow-mode probes.

  mode-<name>      one boot of the experiment's kernel (the patched one)
      in that mode: mmstress (8 processes looping over fork, exec, mmap,
      munmap, mprotect, mremap, with every page checked) bracketed by the
      guest's /proc/xen_mmu_stats, then memcheck (128 MiB, two rounds);
      both must pass, dmesg must be clean (no Oops, BUG, WARNING:,
      panic) and the domain must power off (status 0). PVX's counters
      (the "(PVX) counters-json d1" line, over the whole boot) and the
      guest's must show that the mode was in force (ENGAGED): mode
      checks, not speed thresholds.
  security-<name>  per hypervisor configuration (pv and pv-unbatched share
      one: the guest's knobs change how an honest kernel updates its
      tables, not what PVX accepts), Debian's stock kernel, which has
      modules and privcmd: hcprobe (hostile hypercalls from user space)
      and the ptattack module (guests/kmods/ptattack.c), which tries, by
      plain store (mov, 32-bit mov, xchg, lock cmpxchg) into a live L1 and by
      mmu_update, batched mmu_update, multicall and update_va_mapping, to
      map a hypervisor frame, a frame beyond machine memory, and its own
      L1 and L4 writable. Every attempt must be refused with the entry
      unchanged. Then a bad entry is stored into an L1 no address space
      uses: refused by a fault (wpt=off, emulate), or, under wpt=unhook,
      which lets that store happen, refused at the next hypercall by
      crashing the domain (mm/ptwr_unhook.c); the test then checks PVX's
      report and that PVX itself ended normally with the guest-crash
      status. Unhook gets two boots: a foreign frame, then a writable
      mapping of a page table.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from . import boot, checks, experiments, exitcodes, kernels, qemu
from .guestcheck import DMESG, Outcome, hv_counters, report
from .guestcheck import value as chk

MODES_EXPERIMENT = "modes-quick"
STRESS_ARGS = "8 20"                  # mmstress WORKERS ITERS
MEMCHECK_ARGS = "128 2"               # memcheck MiB ROUNDS
BOOT_TIMEOUT = 300.0

MODE_SCRIPT = r"""
echo 0 > /proc/xen_mmu_stats
/bin/mmstress {stress}; echo "CHK mmstress-status: $?"
while read k v; do echo "MMU $k $v"; done < /proc/xen_mmu_stats
/bin/memcheck {memcheck}; echo "CHK memcheck-status: $?"
""" + DMESG


@dataclass(frozen=True)
class Mode:
    name: str
    kernel: str                       # boot.py's --kernel
    hv_args: tuple[str, ...]
    guest_args: str


def modes() -> list[Mode]:
    """The PV configurations of the modes experiment, in file order."""
    exp = experiments.load(MODES_EXPERIMENT)
    return [Mode(c.name, exp.kernel, tuple(c.hv_args),
                 " ".join(a for a in (exp.guest_args, c.guest_args) if a))
            for c in exp.configs.values() if c.mode == "pv"]


# ---- reading a boot's results ----

def guest_stats(output: list[str]) -> dict[str, int]:
    """The "MMU name value" lines: /proc/xen_mmu_stats after mmstress."""
    stats = {}
    for line in output:
        words = line.split()
        if len(words) == 3 and words[0] == "MMU" and words[2].isdigit():
            stats[words[1]] = int(words[2])
    return stats


# ---- is the mode in force? (hv: PVX's counters, g: the guest's over mmstress) ----

def _requests(g: dict) -> int:
    return g.get("mmu_update_calls", 0) + g.get("mmu_update_in_mc", 0)


def _stores(g: dict) -> int:
    return g.get("pte_stores_pinned", 0) + g.get("pte_stores_unpinned", 0)


def _multi_entry_calls(hv: dict) -> int:
    return sum(hv.get("mmu_update_batches_log2", [0])[1:])


def _pv(hv: dict, g: dict) -> list[str]:
    p = []
    if not g.get("mmu_update_entries", 0) > _requests(g):
        p.append("the guest's mmu_update requests never carried more than one entry "
                 f"({g.get('mmu_update_entries')} entries in {_requests(g)} requests)")
    if not _multi_entry_calls(hv):
        p.append("PVX saw no mmu_update call with more than one entry")
    if _stores(g) or hv.get("ptwr_unhooks"):
        p.append("plain PTE stores or unhooks in a hypercall-only mode")
    return p


def _unbatched(hv: dict, g: dict) -> list[str]:
    p = []
    if not g.get("mmu_update_entries") or g["mmu_update_entries"] != _requests(g):
        p.append(f"the guest made {_requests(g)} mmu_update requests for "
                 f"{g.get('mmu_update_entries')} entries (must be one each)")
    if _multi_entry_calls(hv):
        p.append(f"PVX saw {_multi_entry_calls(hv)} mmu_update calls of more than one entry")
    return p


def _emulate(hv: dict, g: dict) -> list[str]:
    p = []
    if not g.get("pte_stores_pinned"):
        p.append("the guest made no plain stores into pinned page tables")
    # A store into a pinned (read-only) L1 must trap; each is emulated.
    elif hv.get("ptwr_emulations", 0) < g["pte_stores_pinned"]:
        p.append(f"PVX emulated {hv.get('ptwr_emulations')} page-table stores, fewer than "
                 f"the {g['pte_stores_pinned']} the guest made into pinned tables")
    if hv.get("ptwr_unhooks"):
        p.append(f"{hv['ptwr_unhooks']} unhooks under wpt=emulate")
    return p


def _unhook(hv: dict, g: dict) -> list[str]:
    # Over the whole boot: measured, PVX unhooks 4888 tables while Linux
    # 6.1 boots and none during mmstress, whose page-table stores go to
    # tables not yet pinned (fork fills the child's: no trap) or in use
    # (the parent's: emulated, as mm/ptwr_unhook.c says).
    p = []
    if not g.get("pte_stores_pinned"):
        p.append("the guest made no plain stores into pinned page tables")
    if not hv.get("ptwr_unhooks") or not hv.get("ptwr_rehook_entries"):
        p.append(f"PVX unhooked {hv.get('ptwr_unhooks')} tables and revalidated "
                 f"{hv.get('ptwr_rehook_entries')} entries (both must be > 0)")
    return p


def _shadow(hv: dict, g: dict) -> list[str]:
    # paging=shadow: the hardware walks tables PVX builds on hidden faults;
    # the guest's own tables never go through direct paging's type rules.
    p = [f"{k} = {hv.get(k)}: PVX built no shadows" for k in
         ("shadow_faults", "shadow_pages_created") if not hv.get(k)]
    if hv.get("page_validations"):
        p.append(f"page_validations = {hv['page_validations']}: the guest's tables went "
                 "through direct paging's type rules")
    if not g.get("mmu_update_entries"):
        p.append("the guest made no mmu_update requests (routed to its own tables)")
    return p


def _shadow_wpt(hv: dict, g: dict) -> list[str]:
    # Shadow paging with xen_mmu_writable=1: plain stores into the guest's
    # tables, trapped and propagated to the shadows.
    p = [x for x in _shadow(hv, g) if "mmu_update requests" not in x]
    if not g.get("pte_stores_pinned"):
        p.append("the guest made no plain stores into pinned page tables")
    return p


ENGAGED: dict[str, Callable[[dict, dict], list[str]]] = {
    "pv": _pv,
    "pv-unbatched": _unbatched,
    "pv-wpt-emulate": _emulate,
    "pv-wpt-unhook": _unhook,
    "shadow": _shadow,
    "shadow-wpt": _shadow_wpt,
}

# The counters the report quotes per mode.
HV_KEYS = ("mmu_update_entries", "ptwr_emulations", "ptwr_unhooks", "ptwr_rehook_entries")
GUEST_KEYS = ("mmu_update_calls", "mmu_update_in_mc", "mmu_update_entries",
              "pte_stores_pinned", "pte_stores_unpinned")


def evaluate_mode(name: str, output: str, hv: dict | None,
                  g: dict[str, int]) -> list[str]:
    """Problems with one mode boot's results. Pure, unit-tested."""
    problems = [f"{k}: expected {v}, got {chk(output, k)}"
                for k, v in (("mmstress-status", "0"), ("memcheck-status", "0"),
                             ("dmesg-bad", "0")) if chk(output, k) != v]
    if not re.search(r"^mmstress: ok ", output, re.M):
        problems.append("no mmstress summary line")
    if hv is None:
        return problems + ["no (PVX) counters-json d1 line"]
    if not g:
        return problems + ["no /proc/xen_mmu_stats lines (not the patched kernel?)"]
    engaged = ENGAGED.get(name)
    if engaged is None:
        return problems + [f"no check that mode {name} is in force (modetests.ENGAGED)"]
    return problems + [f"mode not in force: {p}" for p in engaged(hv, g)]


def _note(hv: dict | None, g: dict[str, int], elapsed: float) -> str:
    hvs = " ".join(f"{k}={hv.get(k)}" for k in HV_KEYS) if hv else "-"
    calls = hv.get("hypercalls", {}).get("1") if hv else None
    gs = " ".join(f"{k}={g.get(k)}" for k in GUEST_KEYS)
    return f"{elapsed:.1f} s; boot: mmu_update_calls={calls} {hvs}; mmstress: {gs}"


def mode_test(mode: Mode, accel: str) -> Outcome:
    script = MODE_SCRIPT.format(stress=STRESS_ARGS, memcheck=MEMCHECK_ARGS)
    try:
        files = checks.build_all(["mmstress", "memcheck"])
        setup = boot.prepare_guest("pv", mode.kernel, script, mode.guest_args,
                                   hv_args=list(mode.hv_args), extra_files=files)
    except (boot.SetupError, checks.CheckBuildError) as e:
        return Outcome(False, f"setup failed: {e}", "")
    cfg = qemu.QemuConfig(accel=accel, mem_mib=setup.qemu_mem_mib)
    run = boot.run_guest(setup, cfg, BOOT_TIMEOUT, boot.default_log(f"test-mode-{mode.name}"))
    output = "\n".join(run.result.output)
    hv, g = hv_counters(run.outcome.lines), guest_stats(run.result.output)
    problems = evaluate_mode(mode.name, output, hv, g)
    if run.verdict.code != 0 or run.outcome.status.code != 0:
        problems.insert(0, f"exit {run.verdict.code}: {run.verdict.message}; "
                           f"hypervisor status {run.outcome.status.code}")
    return Outcome(not problems, report(run, problems), _note(hv, g, run.outcome.elapsed))


# ---- security ----

# ptattack's battery: 4 bad entries x (4 store forms + 4 hypercall paths).
PTATTACK_ATTEMPTS = 32
SECURITY_SCRIPT = r"""
insmod /lib/ptattack.ko; echo "CHK insmod: $?"
cat /proc/ptattack
modprobe xen-privcmd unrestricted=1; /bin/hcprobe; echo "CHK hcprobe-status: $?"
echo private-foreign > /proc/ptattack; echo "CHK private-foreign: $?"
echo private-ptwritable > /proc/ptattack; echo "CHK private-ptwritable: $?"
dmesg | grep 'ptattack: store' | sed 's/^\[[^]]*\] /CHK dmesg: /'
""" + DMESG
# Under wpt=unhook the first private attack ends the domain, so a second
# boot tries the other one.
SECOND_UNHOOK_SCRIPT = r"""
insmod /lib/ptattack.ko; echo "CHK insmod: $?"
echo private-ptwritable > /proc/ptattack; echo "CHK private-ptwritable: $?"
"""
UNHOOK_CRASH = "(PVX) *** domain 1 crashed: invalid entry written into an unhooked page table"
UNHOOK_REFUSED = re.compile(r"^\(PVX\) d1: wpt=unhook: entry 7 of L1 [0-9a-f]+ refused: "
                            r"([0-9a-f]{16})$")
FOREIGN_ENTRY = "0000000000010063"     # ptattack's HV_MFN 0x10, P RW A D


def battery_script(hv_args: tuple[str, ...]) -> str:
    """SECURITY_SCRIPT for this configuration: under paging=shadow the
    guest's tables are its own memory, so hcprobe runs its shadow-mode
    table probes (ownership, no mapping of PVX's frames) instead of
    direct paging's type rules, which do not apply there."""
    if "paging=shadow" in hv_args:
        return SECURITY_SCRIPT.replace("/bin/hcprobe;", "/bin/hcprobe shadow;")
    return SECURITY_SCRIPT


def unhooks_private_tables(hv_args: tuple[str, ...]) -> bool:
    """Does this configuration let a guest store into a page table no
    address space uses (and check the entries later)?"""
    return "wpt=unhook" in hv_args


def security_groups(ms: list[Mode]) -> dict[tuple[str, ...], list[str]]:
    """Modes by hypervisor command line, in order."""
    groups: dict[tuple[str, ...], list[str]] = {}
    for m in ms:
        groups.setdefault(m.hv_args, []).append(m.name)
    return groups


# Under paging=shadow the guest's page tables are its own memory: it may
# write any entry there, including one mapping its own table writable
# (ptattack sees "NOT REFUSED", entry changed). What keeps that safe is
# the shadow entry PVX derives from it, which maps a guest page-table
# frame read-only (mm/shadow_entry.c, host-tested in test_shadow.c:
# test_l1e_write_protects_tables) and never maps a frame the guest does
# not own - so the foreign-frame attempts must still be refused.
OWN_TABLE_ATTEMPTS = ("map this L1 table writable", "map the L4 root writable")


def evaluate_battery(output: str, shadow: bool = False) -> list[str]:
    """ptattack's attempts and hcprobe. Pure, unit-tested."""
    problems = []
    if chk(output, "insmod") != "0":
        return [f"insmod ptattack failed: {chk(output, 'insmod')}"]
    allowed = OWN_TABLE_ATTEMPTS if shadow else ()
    problems += [line for line in output.splitlines()
                 if line.startswith("ptattack:") and ("NOT REFUSED" in line or "FAIL" in line)
                 and not any(a in line for a in allowed)]
    own = PTATTACK_ATTEMPTS // 2 if shadow else 0
    want = f"ptattack: {PTATTACK_ATTEMPTS - own} refused, {own} not refused"
    if want not in output:
        problems.append(f"missing {want!r}")
    if chk(output, "hcprobe-status") != "0":
        problems.append(f"hcprobe-status: expected 0, got {chk(output, 'hcprobe-status')}")
        problems += [line for line in output.splitlines() if "FAIL" in line and "hcprobe" in line]
    return problems


def evaluate_refused_by_fault(output: str) -> list[str]:
    """wpt=off/emulate: both private stores fault (the write gets EPERM:
    status 1) and the module saw the fault; the domain powers off."""
    problems = [f"{k}: expected 1 (refused by a fault), got {chk(output, k)}"
                for k in ("private-foreign", "private-ptwritable") if chk(output, k) != "1"]
    faulted = len(re.findall(r"^CHK dmesg: ptattack: store faulted; entry now 0{16}$",
                             output, re.M))
    if faulted != 2:
        problems.append(f"{faulted} of 2 private stores faulted with the entry left empty")
    if chk(output, "dmesg-bad") != "0":
        problems.append(f"dmesg-bad: expected 0, got {chk(output, 'dmesg-bad')}")
    return problems


def evaluate_unhook_crash(console: list[str], status: int, entry: str | None) -> list[str]:
    """wpt=unhook: PVX refused the entry when rehooking (entry None: any
    value), crashed the domain, and ended normally with the guest-crash
    status; it did not panic or fault itself. Pure, unit-tested."""
    problems = []
    codes = {name: v for v, name in exitcodes.read_hv_codes().items()}
    if status != codes["guest_crash"]:
        problems.append(f"hypervisor status {status}, expected {codes['guest_crash']} "
                        "(guest crash)")
    seen = [m.group(1) for line in console if (m := UNHOOK_REFUSED.match(line.strip()))]
    if not seen:
        problems.append("no '(PVX) d1: wpt=unhook: entry 7 of L1 ... refused' line")
    elif entry is not None and seen[0] != entry:
        problems.append(f"PVX refused entry {seen[0]}, expected {entry}")
    if not any(line.strip() == UNHOOK_CRASH for line in console):
        problems.append(f"missing {UNHOOK_CRASH!r}")
    if any(re.match(r"\(PVX\) \*\*\* (PANIC|FATAL)", line) for line in console):
        problems.append("the hypervisor itself failed")
    return problems


def _security_boot(hv_args: tuple[str, ...], script: str, tag: str, accel: str):
    k = kernels.resolve("stock")
    ko = checks.build_kmod("ptattack", k.meta["release"], k.meta["version"])
    files = checks.build_all(["hcprobe"])
    files["/lib/ptattack.ko"] = ko
    setup = boot.prepare_guest("pv", "stock", script, hv_args=list(hv_args),
                               extra_files=files, kmods=["xen-privcmd"])
    cfg = qemu.QemuConfig(accel=accel, mem_mib=setup.qemu_mem_mib)
    return boot.run_guest(setup, cfg, BOOT_TIMEOUT, boot.default_log(tag))


def _security_faulting(hv_args: tuple[str, ...], tag: str,
                       accel: str) -> tuple[list[str], list[boot.GuestRun]]:
    """wpt=off, emulate: one boot; everything refused, poweroff 0."""
    run = _security_boot(hv_args, battery_script(hv_args), tag, accel)
    output = "\n".join(run.result.output)
    problems = (evaluate_battery(output, "paging=shadow" in hv_args)
                + evaluate_refused_by_fault(output))
    if run.verdict.code != 0 or run.outcome.status.code != 0:
        problems.insert(0, f"exit {run.verdict.code}: {run.verdict.message}; "
                           f"hypervisor status {run.outcome.status.code}")
    return problems, [run]


def _security_unhook(hv_args: tuple[str, ...], tag: str,
                     accel: str) -> tuple[list[str], list[boot.GuestRun]]:
    """wpt=unhook: the battery, then a foreign frame stored into an
    unused L1 must end the domain; a second boot does the same with a
    writable mapping of the L2 above it."""
    first = _security_boot(hv_args, battery_script(hv_args), tag, accel)
    output = "\n".join(first.result.output)
    problems = evaluate_battery(output)
    problems += evaluate_unhook_crash(first.outcome.lines, first.outcome.status.code,
                                      FOREIGN_ENTRY)
    second = _security_boot(hv_args, SECOND_UNHOOK_SCRIPT, tag + "-2", accel)
    output2 = "\n".join(second.result.output)
    if chk(output2, "insmod") != "0":
        problems.append(f"second boot: insmod failed: {chk(output2, 'insmod')}")
    problems += [f"second boot: {p}" for p in
                 evaluate_unhook_crash(second.outcome.lines, second.outcome.status.code, None)]
    for out, key in ((output, "private-foreign"), (output2, "private-ptwritable")):
        if chk(out, key) is not None:
            problems.append(f"the {key} write returned: the domain lived on")
    return problems, [first, second]


def security_test(hv_args: tuple[str, ...], names: list[str], accel: str) -> Outcome:
    unhook = unhooks_private_tables(hv_args)
    try:
        problems, runs = (_security_unhook if unhook else _security_faulting)(
            hv_args, f"test-security-{names[0]}", accel)
    except (boot.SetupError, checks.CheckBuildError, kernels.KernelError) as e:
        return Outcome(False, f"setup failed: {e}", "")
    detail = "\n".join(report(r, problems if r is runs[-1] else []) for r in runs)
    secs = sum(r.outcome.elapsed for r in runs)
    how = "domain crashed at rehook" if unhook else "stores faulted"
    return Outcome(not problems, detail,
                   f"{secs:.1f} s; modes {', '.join(names)}; private-table stores: {how}")


def tests() -> dict[str, Callable[[str], Outcome]]:
    """The tests of every mode, for guesttests.TESTS."""
    try:
        ms = modes()
    except experiments.ExperimentError as e:
        err = str(e)
        return {"modes": lambda accel: Outcome(False, f"cannot read the modes: {err}", "")}
    t: dict[str, Callable[[str], Outcome]] = {}
    for m in ms:
        t[f"mode-{m.name}"] = lambda accel, m=m: mode_test(m, accel)
    for hv_args, names in security_groups(ms).items():
        t[f"security-{names[0]}"] = (lambda accel, a=hv_args, n=names:
                                     security_test(a, n, accel))
    return t

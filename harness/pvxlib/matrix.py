"""`pvx run EXPERIMENT`: boot every configuration of an experiment the
given number of times, run the workload in each boot, and collect the
results in results/<UTC timestamp>-<experiment>/ (results.py).

Order of work: check the experiment and the command line; build the
workload and put its binaries in the initramfs; choose the accelerator
once; then boot round-robin, rep 1 of every configuration, then rep 2,
and so on (boot.run_guest), preparing each configuration's guest
(boot.prepare_guest) before its first boot. Round-robin spreads a
change in the host's load over all configurations. After every boot the
results and meta.json are rewritten whole.

Failures stay local: a configuration that cannot be prepared, or whose
boot ends without the guest's result (crash, panic, timeout), is
recorded as failed with the reason and the tail of its console, its
remaining boots are skipped, and the next configuration runs. A boot
whose command finished but where some metric reported an error or none
at all is "partial": its good metrics are kept, the rest are named.
Ctrl-C or SIGTERM stop the run (QEMU is killed by qemu.run); the boots
that finished stay, the interrupted one is not counted, and meta.json
says "incomplete". `pvx run --resume RUN_DIR` (and `pvx reproduce`)
continue such a run: the finished cells are kept, the rest run
(cells.py has the rules). Exit status: 0 if no configuration failed
(partial boots are data: the report shows which metric erred and why), 1
if one did, 130 if interrupted, 64 for a usage error.

A network workload (iperf3, iperf.py) boots each time inside a fresh
network namespace with a tap and the peer iperf3 (netns.Namespace, torn
down after the boot whatever happens), QEMU run inside it with the NIC.
Its guest command is per configuration (the MTU, the NIC driver's
modules); each iperf3 JSON document is kept as
iperf3-<config>-<rep>-<tx|rx>.json and the peer's output as
iperf3-server-<config>-<rep>.log. A guest that finds no eth0 (or
cannot set it up) fails the boot; an MTU the guest refuses makes it
partial, with "not supported" in its records.
"""
from __future__ import annotations

import signal
import sys
import time
from pathlib import Path
from typing import Any

from . import (boot, cells, exitcodes, experiments, guestrun, images, iperf, netns,
               netrun, paths, qemu, results, runmeta, workloads)
from .experiments import Config, Plan
from .progress import ConsoleTap, Progress, clock_text

CONSOLE_TAIL = 30          # console lines kept in meta.json for a failed boot


def say(msg: str) -> None:
    print(f"pvx run: {msg}", file=sys.stderr, flush=True)


def value_text(rec: dict[str, Any]) -> str:
    if "error" in rec:
        return f"ERROR: {rec['error']}"
    return f"{rec.get('value', '?')} {rec.get('unit', '')}".rstrip()


def initrd_of(setup: boot.GuestSetup) -> Path | None:
    if setup.entry.initrd is not None:
        return setup.entry.initrd
    mods = [m.path for m in setup.entry.modules if "role=ramdisk" in m.args]
    return mods[0] if mods else None


def boot_entry_info(e: images.BootEntry) -> dict[str, Any]:
    """What GRUB boots (its grub.cfg is inside the ISO, which is gone)."""
    return {"kind": e.kind, "kernel": str(e.kernel), "args": e.args,
            "modules": [{"path": str(m.path), "args": m.args} for m in e.modules],
            "initrd": str(e.initrd) if e.initrd else None}


def classify_boot(run: boot.GuestRun, recs: list[dict[str, Any]], expected: list[str],
                  problems: list[str]) -> tuple[str, str]:
    """('ok' | 'partial' | 'failed', reason) for one boot."""
    if not run.result.complete:
        return "failed", run.verdict.message
    errors = [f"{r['name']}: {r['error']}" for r in recs if "error" in r]
    got = {r["name"] for r in recs}
    missing = [m for m in expected if m not in got]
    why = errors + ([f"no result for {', '.join(missing)}"] if missing else []) + problems
    if why:
        return "partial", "; ".join(why)
    if run.verdict.code != 0:
        return "partial", f"the workload exited with status {run.verdict.code}"
    return "ok", ""


class Runner:
    """Runs the cells `todo` (cells.todo: round-robin, rep 1 of every
    configuration, then rep 2, ..., so that a change in the host's load
    over the run falls on all configurations alike rather than on
    whichever ran last)."""

    def __init__(self, plan: Plan, rundir: results.RunDir, meta: dict[str, Any],
                 files: dict[str, Path], accel: str, verbose: bool,
                 todo: list[cells.Cell] | None = None, progress: Progress | None = None):
        self.plan, self.rundir, self.meta = plan, rundir, meta
        self.files, self.accel, self.verbose = files, accel, verbose
        self.exp = plan.experiment
        self.spec = workloads.spec(self.exp.workload.name)
        self.expected = workloads.workload_metrics(self.spec, self.exp.workload.args)
        self.network = workloads.needs_network(self.spec)
        self.command = workloads.command(self.spec, self.exp.workload.args,
                                         experiments.param_options(plan.params))
        self.todo = todo if todo is not None else \
            cells.todo(meta, [c.name for c in plan.configs], plan.reps)
        self.progress = progress or Progress(len(self.todo))
        self.commit = runmeta.git_info()["commit"]      # this session's
        self.booted = 0                                  # boots finished in this session

    def save(self) -> None:
        self.rundir.write_meta(self.meta)

    def run(self) -> None:
        by_name = {c.name: c for c in self.plan.configs}
        setups: dict[str, tuple[boot.GuestSetup, qemu.QemuConfig]] = {}
        for i, (name, rep) in enumerate(self.todo):
            cfg, entry = by_name[name], self.meta["configs"][name]
            if entry["status"] == "failed":
                continue
            later = sum(1 for n, _ in self.todo[i + 1:] if n == name)
            if cfg.name not in setups:
                ready = self.start_config(cfg, later + 1)
                if ready is None:
                    continue
                setups[cfg.name] = ready
            rec = self.boot_once(cfg, *setups[cfg.name], rep)
            if rec["status"] == "failed":
                self.fail_config(entry, f"boot {rep}: {rec['reason']}", later)
        for cfg in self.plan.configs:
            self.finish_config(self.meta["configs"][cfg.name])

    def start_config(self, cfg: Config,
                     boots: int) -> tuple[boot.GuestSetup, qemu.QemuConfig] | None:
        entry = self.meta["configs"][cfg.name]
        entry["status"] = "running"
        try:
            setup = self.prepare(cfg)
        except boot.SetupError as e:
            self.fail_config(entry, f"setup failed: {e}", boots)
            return None
        entry["guest_cmdline"] = setup.cmdline
        entry["boot_entry"] = boot_entry_info(setup.entry)
        return setup, qemu.QemuConfig(accel=self.accel, cpu=self.exp.cpu,
                                      mem_mib=setup.qemu_mem_mib)

    def finish_config(self, entry: dict[str, Any]) -> None:
        if entry["status"] == "failed" or len(entry["reps"]) < self.plan.reps:
            return                     # failed, or stopped before its last boot
        bad = [r for r in entry["reps"] if r["status"] != "ok"]
        entry["status"] = "partial" if bad else "ok"
        entry["reason"] = "; ".join(f"boot {r['rep']}: {r['reason']}" for r in bad)
        self.save()

    def fail_config(self, entry: dict[str, Any], reason: str, skipped: int) -> None:
        entry["status"], entry["reason"] = "failed", reason
        entry["skipped_boots"] = skipped
        self.progress.skip(skipped, entry["name"])
        say(f"{entry['name']}: FAILED: {reason}")
        self.save()

    def prepare(self, cfg: Config) -> boot.GuestSetup:
        guest_args = " ".join(a for a in (self.exp.guest_args, cfg.guest_args) if a)
        if self.network:
            setup = self.prepare_network(cfg, guest_args)
        else:
            setup = boot.prepare_guest(cfg.mode, self.exp.kernel, self.command, guest_args,
                                       self.exp.mem_mib, cfg.hv_args,
                                       extra_files=self.files)
        g = self.meta["guest"]
        g.setdefault("kernel", runmeta.kernel_info(setup.kernel))
        g.setdefault("initramfs", runmeta.file_info(initrd_of(setup)))
        if cfg.mode == "pv":
            g.setdefault("vmlinux", runmeta.file_info(setup.entry.modules[0].path))
            g.setdefault("xen_notes", setup.notes)
        if cfg.mode == "xen":
            self.meta["hypervisor"].setdefault("xen", {
                **setup.peer, "image": runmeta.file_info(setup.entry.kernel)})
        return setup

    def prepare_network(self, cfg: Config, guest_args: str) -> boot.GuestSetup:
        assert cfg.mtu is not None
        setup, command = netrun.prepare(cfg.mode, self.exp.kernel, cfg.mtu,
                                        self.exp.workload.args, self.plan.params,
                                        self.files, guest_args, self.exp.mem_mib,
                                        cfg.hv_args)
        self.meta["configs"][cfg.name]["command"] = command
        return setup

    def run_guest(self, cfg: Config, setup: boot.GuestSetup, qcfg: qemu.QemuConfig,
                  rep: int, log: Path, tap: ConsoleTap) -> boot.GuestRun:
        """One boot; for a network workload inside its own namespace."""
        if not self.network:
            return boot.run_guest(setup, qcfg, self.exp.timeout_s, log, echo=True,
                                  echo_file=tap)
        assert cfg.mtu is not None
        return netrun.run(setup, qcfg, cfg.mtu, self.exp.timeout_s, log,
                          self.rundir.path / f"iperf3-server-{cfg.name}-{rep}.log",
                          echo=True, echo_file=tap, say=self.progress.say,
                          offload=self.plan.params.get("offload", True) is not False)

    def boot_once(self, cfg: Config, setup: boot.GuestSetup, qcfg: qemu.QemuConfig,
                  rep: int) -> dict[str, Any]:
        seen: list[dict[str, Any]] = []
        tap = ConsoleTap(lambda line: self.on_line(line, seen))
        log = self.rundir.console_log(cfg.name, rep)
        rec: dict[str, Any] = {"rep": rep, "log": log.name, "status": "running",
                               "commit": self.commit}
        reps = self.meta["configs"][cfg.name]["reps"]
        reps.append(rec)
        reps.sort(key=lambda r: int(r["rep"]))
        self.progress.begin_boot(cfg.name, rep, self.plan.reps)
        try:
            run = self.run_guest(cfg, setup, qcfg, rep, log, tap)
        except (qemu.Interrupted, KeyboardInterrupt) as e:
            # Not counted: the cell runs again when the run is continued.
            rec.update(status="interrupted", reason=f"interrupted ({e or 'SIGINT'})",
                       elapsed_s=round(self.progress.end_boot("interrupted"), 1))
            raise
        except images.ImageError as e:
            rec.update(status="failed", reason=f"cannot build the boot image: {e}",
                       elapsed_s=round(self.progress.end_boot("failed"), 1))
            self.save()
            return rec
        except netns.NetError as e:
            rec.update(status="failed", reason=f"network setup failed on the host: {e}",
                       elapsed_s=round(self.progress.end_boot("failed"), 1))
            self.save()
            return rec
        self.finish_boot(cfg, rep, rec, run)
        self.booted += 1
        return rec

    def on_line(self, line: str, seen: list[dict[str, Any]]) -> None:
        text = guestrun.DOMAIN_PREFIX.sub("", line, count=1)
        if self.verbose:
            print(line, file=sys.stderr, flush=True)
        obj = workloads.parse_line(text, self.spec.suite)
        if obj is not None:
            seen.append(obj)
            self.progress.metric(obj["name"], len(seen), len(self.expected),
                                 value_text(obj))
        elif text.startswith(guestrun.BEGIN):
            self.progress.say(f"guest up; running {self.spec.name}")

    def finish_boot(self, cfg: Config, rep: int, rec: dict[str, Any],
                    run: boot.GuestRun) -> None:
        if self.network:
            recs, problems = self.network_records(cfg, rep, run), []
        else:
            recs, problems = workloads.parse_boot(self.spec, run.result.output,
                                                  run.outcome.lines)
        self.rundir.put(cfg.name, rep, recs)
        expected = self.expected + workloads.extra_expected(
            self.spec, self.exp.workload.args, cfg.mode)
        status, reason = classify_boot(run, recs, expected, problems)
        why = iperf.setup_error(run.result.output) if self.network else None
        if why is not None and status != "failed":
            status, reason = "failed", f"network setup failed in the guest: {why}"
        took = self.progress.end_boot(status if not reason else f"{status}: {reason[:200]}")
        rec.update(status=status, reason=reason, exit=run.verdict.code,
                   verdict=run.verdict.message, elapsed_s=round(took, 1),
                   qemu_elapsed_s=round(run.outcome.elapsed, 1),
                   guest_uptime_at_init_s=run.result.uptime,
                   metrics=len(recs), errors=sum(1 for r in recs if "error" in r),
                   qemu_argv=runmeta.qemu_argv_from_log(run.outcome.log))
        if status == "failed":
            rec["console_tail"] = run.outcome.lines[-CONSOLE_TAIL:]
        entry = self.meta["configs"][cfg.name]
        entry["elapsed_s"] = round(entry.get("elapsed_s", 0.0) + took, 1)
        self.save()

    def network_records(self, cfg: Config, rep: int,
                        run: boot.GuestRun) -> list[dict[str, Any]]:
        """iperf.parse_output's records; each iperf3 JSON document is kept
        in the run's directory, and its file named in the record."""
        assert cfg.mtu is not None
        recs, raw = iperf.parse_output(run.result.output, self.exp.workload.args, cfg.mtu)
        for r in recs:
            text = raw.get(r["direction"])
            if text is not None:
                name = f"iperf3-{cfg.name}-{rep}-{r['direction']}.json"
                results.atomic_write(self.rundir.path / name, text + "\n")
                r["iperf3_json"] = name
        return recs


# ---- the command ----

def initial_meta(plan: Plan, command: str, files: dict[str, Path], accel: str,
                 why: str, start: float) -> dict[str, Any]:
    exp = plan.experiment
    spec = workloads.spec(exp.workload.name)
    return {
        "format": "pvx-results/1",
        "status": "running", "reason": "",
        "start": results.utc_iso(start), "end": None, "elapsed_s": None,
        "experiment": {"name": exp.name, "description": exp.description,
                       "file": repo_relative(exp.path), "text": exp.text},
        "plan": {"configs": [c.name for c in plan.configs], "reps": plan.reps,
                 "quick": plan.quick, "params": plan.params,
                 "timeout_s": exp.timeout_s},
        "git": runmeta.git_info(),
        "host": runmeta.host_info(),
        "qemu": runmeta.qemu_info(accel, why, exp.cpu),
        "guest": {"mem_mib": exp.mem_mib, "guest_args": exp.guest_args},
        "hypervisor": {"elf": runmeta.file_info(paths.HV_ELF)},
        "workload": {"name": spec.name, "kind": spec.kind, "suite": spec.suite,
                     "command": command,
                     "binaries": {d: runmeta.file_info(p) for d, p in files.items()}},
        "configs": {c.name: {"name": c.name, "mode": c.mode,
                             "description": c.description, "hv_args": c.hv_args,
                             "guest_args": c.guest_args, "status": "pending",
                             "reason": "", "elapsed_s": 0.0, "reps": [],
                             **({"mtu": c.mtu} if c.mtu is not None else {})}
                    for c in plan.configs},
    }


def plan_meta(plan: Plan, accel: str) -> dict[str, Any]:
    """The parts of meta.json that cells.mismatch compares, as a run of
    this plan with this accelerator would write them."""
    return {"experiment": {"text": plan.experiment.text},
            "plan": {"configs": [c.name for c in plan.configs], "reps": plan.reps,
                     "quick": plan.quick, "params": plan.params},
            "qemu": {"accel": accel}}


def repo_relative(p: Path) -> str:
    try:
        return str(p.resolve().relative_to(paths.REPO))
    except ValueError:
        return str(p)


def summary(meta: dict[str, Any]) -> list[str]:
    lines = []
    for name, c in meta["configs"].items():
        boots = len([r for r in c["reps"] if "elapsed_s" in r])
        per = f", {c['elapsed_s'] / boots:.1f} s per boot" if boots else ""
        lines.append(f"{name}: {c['status']}; {boots} boot(s) in "
                     f"{clock_text(c['elapsed_s'])}{per}"
                     + (f"; {c['reason']}" if c["reason"] else ""))
    return lines


def make_plan(args) -> Plan:
    exp = experiments.load(args.experiment)
    configs = [c for c in args.configs.split(",") if c] if args.configs else None
    plan = experiments.plan(exp, configs, args.reps, args.quick)
    spec = workloads.spec(exp.workload.name)
    workloads.check(spec, exp.workload.args, plan.params)
    check_mtus(plan.configs, workloads.needs_network(spec))
    return plan


def check_mtus(configs: list[Config], network: bool) -> None:
    """A network workload needs an MTU on every configuration; any other
    workload has no link to give one to."""
    for c in configs:
        if network and c.mtu is None:
            raise experiments.ExperimentError(f"[configs.{c.name}]: the network workload "
                                              "needs mtu = N (bytes)")
        if not network and c.mtu is not None:
            raise experiments.ExperimentError(f"[configs.{c.name}]: mtu applies to network "
                                              "workloads (iperf3) only")


def open_run(plan: Plan, meta: dict[str, Any], resume: Path | None, root: Path,
             retry_failed: bool) -> tuple[results.RunDir, dict[str, Any]]:
    """A new run directory under root with `meta`, or the run at `resume`
    (created there if it does not exist yet) continued: its meta, pruned
    of unfinished cells (cells.prune), with a new session. Raises
    results.ResultsError if it cannot be continued with this plan."""
    if resume is None or not (resume / results.META).is_file():
        rundir = results.RunDir(root, plan.experiment.name, path=resume)
        meta["sessions"] = [session(meta["start"], meta["git"])]
        return rundir, meta
    rundir, saved = results.RunDir.open(resume)
    why = cells.mismatch(saved, meta)
    if why:
        raise results.ResultsError(f"cannot continue {resume}: {why}")
    rundir.drop(cells.prune(saved, retry_failed))
    saved["status"], saved["reason"] = "running", ""
    saved.setdefault("sessions", []).append(session(meta["start"], meta["git"]))
    saved["host"]["loadavg_start"] = meta["host"]["loadavg_start"]
    return rundir, saved


def session(start: str, git: dict[str, Any]) -> dict[str, Any]:
    """One `pvx run` (or `pvx reproduce`) working on the run."""
    return {"start": start, "end": None, "elapsed_s": None,
            "commit": git.get("commit"), "dirty": git.get("dirty"), "boots": 0}


def cmd_run(args) -> int:
    try:
        plan = make_plan(args)
    except (experiments.ExperimentError, workloads.WorkloadError) as e:
        print(f"pvx run: {e}", file=sys.stderr)
        return exitcodes.USAGE
    code, _ = execute(plan, Path(args.out) if args.out else results.RESULTS_DIR,
                      Path(args.resume) if getattr(args, "resume", None) else None,
                      args.accel, args.verbose, getattr(args, "retry_failed", False))
    return code


def execute(plan: Plan, root: Path, resume: Path | None, accel_req: str | None,
            verbose: bool, retry_failed: bool = False,
            progress: Progress | None = None) -> tuple[int, Path | None]:
    """Runs the plan's cells that are not done yet, into a new run under
    root or the run at `resume`; returns (exit status, run directory)."""
    exp = plan.experiment
    spec = workloads.spec(exp.workload.name)
    say(f"{exp.name}: {', '.join(c.name for c in plan.configs)} x {plan.reps} boot(s)")
    if spec.kind != "iperf3":
        say(f"building {spec.name} (make -C {spec.src} OUT={workloads.build_dir(spec)})")
    try:
        files = workloads.build(spec)
    except workloads.WorkloadError as e:
        print(f"pvx run: {e}", file=sys.stderr)
        return 1, None
    if workloads.needs_network(spec):
        try:
            netns.preflight()
        except netns.NetError as e:
            print(f"pvx run: cannot set up the network for {spec.name}: {e}", file=sys.stderr)
            return exitcodes.USAGE, None
    accel, why = qemu.choose_accel(accel_req or exp.accel, boot.kvm_canary)
    command = workloads.command(spec, exp.workload.args,
                                experiments.param_options(plan.params))
    start = time.time()
    try:
        rundir, meta = open_run(plan, initial_meta(plan, command, files, accel, why, start),
                                resume, root, retry_failed)
    except results.ResultsError as e:
        print(f"pvx run: {e}", file=sys.stderr)
        return exitcodes.USAGE, None
    todo = cells.todo(meta, [c.name for c in plan.configs], plan.reps)
    have = len(cells.done(meta))
    runner = Runner(plan, rundir, meta, files, accel, verbose, todo, progress)
    runner.save()
    say(f"results in {rundir.path}; {accel} ({why}); guest command: {command}")
    if have:
        say(f"continuing: {have} boot(s) done, {len(todo)} to run")
    old = signal.signal(signal.SIGTERM, qemu.raise_on_sigterm)
    code = 0
    try:
        runner.run()
        failed = [c for c in meta["configs"].values() if c["status"] == "failed"]
        meta["status"] = "failed" if failed else "complete"
        meta["reason"] = "; ".join(f"{c['name']} {c['status']}: {c['reason']}"
                                   for c in meta["configs"].values() if c["status"] != "ok")
        code = 1 if failed else 0
    except (qemu.Interrupted, KeyboardInterrupt) as e:
        meta["status"], meta["reason"] = "incomplete", f"interrupted ({e or 'SIGINT'})"
        code = exitcodes.INTERRUPTED
    except BaseException as e:
        meta["status"], meta["reason"] = "incomplete", f"harness error: {e!r}"
        raise
    finally:
        signal.signal(signal.SIGTERM, old)
        end = time.time()
        sess = meta["sessions"][-1]
        sess.update(end=results.utc_iso(end), elapsed_s=round(end - start, 1),
                    boots=runner.booted)
        meta["end"] = results.utc_iso(end)
        meta["elapsed_s"] = round(sum(s["elapsed_s"] or 0 for s in meta["sessions"]), 1)
        meta["host"]["loadavg_end"] = runmeta.loadavg()
        runner.save()
        for line in summary(meta):
            say(line)
        if runner.network and rundir.records:
            from . import netreport
            for line in netreport.summary_lines(meta, rundir.records):
                print(line, flush=True)
        say(f"{meta['status']} after {clock_text(end - start)}; results in {rundir.path}")
    return code, rundir.path

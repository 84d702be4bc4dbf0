"""`pvx reproduce [--quick|--full]`: the whole experiment matrix, resumable,
then every report.

What runs is a *set* from harness/experiments/sets.toml: experiments in
order, each with the directory its report goes to. A run of a set lives
in results/<UTC start>-reproduce-<set>/:

  reproduce.json        the set, its status, one entry per session (each
                        `pvx reproduce` that worked on it), per experiment
                        its directory, report directory and status
  <experiment>/         an ordinary run directory of that experiment
                        (results.py: meta.json, results.jsonl, console logs)

results/.current-reproduce-<set> names the run `pvx reproduce` continues;
it is written when a run starts and is not part of the repository (a
fresh clone starts a new run, whatever runs are committed). `--new`
starts a new run and points there.

Continuing is per cell (cells.py): a boot that finished is never run
again; the boot an interruption (Ctrl-C, SIGTERM, a crash of the harness
or the machine) cut short runs again, and its partial output never
counts (matrix.py writes a cell's records only when its boot ends, and
every file is replaced whole by a rename). A failed configuration stays
failed unless --retry-failed. An experiment whose file changed since the
run started cannot be continued (its results would mix two set-ups):
that experiment is reported as failed and `--new` is the way on.

Before booting anything the command prints every cell (experiment,
configuration, boots done and to run) and an estimate: per configuration
the median duration of its finished boots in earlier runs under the
results directory with the same accelerator, else the experiment's
declared boot_s, else DEFAULT_BOOT_S; plus KERNEL_BUILD_S if an
experiment needs the patched kernel and none is built yet. `--plan` stops
there. While it runs, the progress lines count boots over the whole set
and scale the remaining estimate by how the boots so far compared with
it. At the end it writes every experiment's report (`pvx report`), even
after failures (the reports say what failed), but not after an
interruption. Exit status: 0 if every configuration of every experiment
finished without failing, 1 if one failed or an experiment could not run,
130 if interrupted, 64 for a usage error.
"""
from __future__ import annotations

import copy
import json
import signal
import statistics
import sys
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import (batching, boot, cells, exitcodes, experiments, matrix, paths, qemu,
               results, runmeta, workloads)
from .progress import Progress, clock_text

SETS_FILE = experiments.EXPERIMENTS_DIR / f"{experiments.SETS}.toml"
STATE = "reproduce.json"
DEFAULT_BOOT_S = 60.0          # a boot nothing is known about
KERNEL_BUILD_S = 15 * 60.0     # guests/linux/build.py from scratch on 2 cores


class ReproduceError(Exception):
    """The sets file or the run directory is unusable."""


def say(msg: str) -> None:
    print(f"pvx reproduce: {msg}", file=sys.stderr, flush=True)


# ---- the sets file ----

@dataclass
class Entry:
    experiment: str                    # a name in harness/experiments or a path
    report: Path                       # where its report goes


@dataclass
class Set:
    name: str
    description: str
    budget_min: float
    entries: list[Entry]


def parse_sets(text: str, where: str = "sets.toml") -> dict[str, Set]:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ReproduceError(f"{where}: {e}") from e
    out: dict[str, Set] = {}
    for name, t in doc.items():
        w = f"{where} [{name}]"
        if not isinstance(t, dict):
            raise ReproduceError(f"{w}: not a table")
        extra = sorted(set(t) - {"description", "budget_min", "experiments"})
        if extra:
            raise ReproduceError(f"{w}: unknown key(s) {', '.join(extra)}")
        budget = t.get("budget_min")
        if isinstance(budget, bool) or not isinstance(budget, (int, float)) or budget <= 0:
            raise ReproduceError(f"{w}: budget_min must be a positive number of minutes")
        items = t.get("experiments")
        if not isinstance(items, list) or not items:
            raise ReproduceError(f"{w}: experiments must be a non-empty list")
        entries = [parse_entry(e, w) for e in items]
        names = [e.experiment for e in entries]
        if len(set(names)) != len(names):
            raise ReproduceError(f"{w}: an experiment is listed twice")
        out[name] = Set(name, str(t.get("description", "")), float(budget), entries)
    return out


def parse_entry(e: Any, where: str) -> Entry:
    if isinstance(e, str):
        e = {"name": e}
    if not isinstance(e, dict) or not isinstance(e.get("name"), str):
        raise ReproduceError(f"{where}: each experiment is a name or "
                             "{ name = \"...\", report = \"...\" }")
    extra = sorted(set(e) - {"name", "report"})
    if extra:
        raise ReproduceError(f"{where}: unknown key(s) {', '.join(extra)} in {e['name']}")
    report = Path(str(e.get("report", "paper")))
    return Entry(e["name"], report if report.is_absolute() else paths.REPO / report)


def load_sets(path: Path = SETS_FILE) -> dict[str, Set]:
    try:
        return parse_sets(path.read_text(), str(path))
    except OSError as e:
        raise ReproduceError(f"cannot read {path}: {e.strerror}") from e


# ---- where the run lives ----

def pointer(root: Path, set_name: str) -> Path:
    return root / f".current-reproduce-{set_name}"


def current_run(root: Path, set_name: str) -> Path | None:
    """The run the pointer names, if it still exists."""
    try:
        name = pointer(root, set_name).read_text().strip()
    except OSError:
        return None
    run = root / name
    return run if name and "/" not in name and (run / STATE).is_file() else None


def new_run(root: Path, set_name: str, start: float) -> Path:
    base = f"{results.utc_stamp(start)}-reproduce-{set_name}"
    run, n = root / base, 1
    while run.exists():
        n += 1
        run = root / f"{base}.{n}"
    run.mkdir(parents=True)
    results.atomic_write(pointer(root, set_name), run.name + "\n")
    return run


# ---- estimates ----

History = dict[tuple[str, str], list[float]]


def boot_history(roots: list[Path], accel: str) -> History:
    """Seconds per finished boot, by (experiment, configuration), from
    every run under the roots (plain runs and reproduce runs'
    experiments) that used `accel`."""
    out: History = {}
    files = sorted({f.resolve() for root in roots for pattern in
                    (f"*/{results.META}", f"*/*/{results.META}") for f in root.glob(pattern)})
    for f in files:
        try:
            meta = json.loads(f.read_text())
        except (OSError, ValueError):
            continue
        if not isinstance(meta, dict) or meta.get("qemu", {}).get("accel") != accel:
            continue
        exp = meta.get("experiment", {}).get("name")
        for name, c in meta.get("configs", {}).items():
            for r in c.get("reps", []):
                if r.get("status") in ("ok", "partial") and r.get("elapsed_s"):
                    out.setdefault((exp, name), []).append(float(r["elapsed_s"]))
    return out


def estimate(exp: experiments.Experiment, cfg: experiments.Config,
             history: History) -> tuple[float, str]:
    """(seconds per boot, where the number comes from)."""
    seen = history.get((exp.name, cfg.name))
    if seen:
        return statistics.median(seen), f"median of {len(seen)} earlier boot(s)"
    if cfg.boot_s is not None:
        return cfg.boot_s, "declared (configuration)"
    if exp.boot_s is not None:
        return exp.boot_s, "declared (experiment)"
    return DEFAULT_BOOT_S, "default"


def kernel_missing(exp: experiments.Experiment) -> bool:
    """Whether the experiment needs guests/linux's kernel and no build of
    it is cached yet (then the first boot builds it)."""
    return exp.kernel == "patched" and not any(
        (paths.cache_dir() / "linux").glob("*/build.json"))


# ---- the plan ----

@dataclass
class Item:
    """One experiment of the set, in this run."""
    entry: Entry
    run: Path | None = None                    # its run directory
    plan: experiments.Plan | None = None
    error: str | None = None                   # why it cannot run
    meta: dict[str, Any] | None = None         # its meta.json, as it will continue
    todo: list[cells.Cell] = field(default_factory=list)
    done: int = 0
    skipped: int = 0
    per_boot: dict[str, tuple[float, str]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.plan.experiment.name if self.plan else self.entry.experiment

    @property
    def seconds(self) -> float:
        return sum(self.per_boot[c][0] for c, _ in self.todo)

    @property
    def finished(self) -> bool:
        """Nothing to run, and its run ended (not left 'running')."""
        return (self.meta is not None and not self.todo
                and self.meta.get("status") in ("complete", "failed"))


def make_item(entry: Entry, rundir: Path, accel: str, retry_failed: bool,
              history: History) -> Item:
    item = Item(entry)
    try:
        exp = experiments.load(entry.experiment)
        plan = experiments.plan(exp)
        workloads.check(workloads.spec(exp.workload.name), exp.workload.args, plan.params)
    except (experiments.ExperimentError, workloads.WorkloadError) as e:
        item.error = str(e)
        return item
    item.plan, item.run = plan, rundir / exp.name
    names = [c.name for c in plan.configs]
    item.per_boot = {c.name: estimate(exp, c, history) for c in plan.configs}
    if (item.run / results.META).is_file():
        try:
            saved = copy.deepcopy(results.load(item.run)[0])
        except results.ResultsError as e:
            item.error = str(e)
            return item
        why = cells.mismatch(saved, matrix.plan_meta(plan, accel))
        if why:
            item.error = f"cannot continue {item.run}: {why} (pvx reproduce --new)"
            return item
        cells.prune(saved, retry_failed)
        item.meta = saved
    meta = item.meta or {"configs": {}}
    item.todo = cells.todo(meta, names, plan.reps)
    item.done = len(cells.done(meta))
    item.skipped = len(cells.skipped(meta, names, plan.reps))
    return item


def plan_lines(items: list[Item]) -> list[str]:
    lines = []
    for it in items:
        report = matrix.repo_relative(it.entry.report)
        if it.error:
            lines.append(f"  {it.name}: CANNOT RUN: {it.error}")
            continue
        assert it.plan is not None
        reps = it.plan.reps
        lines.append(f"  {it.name} ({len(it.plan.configs)} configuration(s) x {reps} "
                     f"boot(s); report -> {report}/)")
        for c in it.plan.configs:
            todo = sum(1 for n, _ in it.todo if n == c.name)
            done = sum(1 for e in (it.meta or {}).get("configs", {}).get(c.name, {})
                       .get("reps", []) if cells.finished(e))
            secs, src = it.per_boot[c.name]
            state = (f"{done} done, {todo} to run" if todo or done < reps
                     else f"all {done} done")
            if todo == 0 and done < reps:
                state += " (configuration failed; --retry-failed runs it again)"
            lines.append(f"    {c.name:<16} {c.mode:<6} {state}; ~{clock_text(secs)} "
                         f"per boot ({src})")
    return lines


def done_commits(it: Item) -> set[str]:
    """The git commits the item's finished boots ran with."""
    return {str(e["commit"]) for c in (it.meta or {}).get("configs", {}).values()
            for e in c.get("reps", []) if cells.finished(e) and e.get("commit")}


def planned_boots(items: list[Item]) -> list[tuple[str, float]]:
    return [(f"{it.name}/{c}", it.per_boot[c][0]) for it in items for c, _ in it.todo]


# ---- the state file ----

def state_of(s: Set, items: list[Item], run: Path, old: dict[str, Any] | None,
             start: float) -> dict[str, Any]:
    st = old or {"format": "pvx-reproduce/1", "set": s.name, "created": results.utc_iso(start),
                 "sessions": []}
    st.update(description=s.description, budget_min=s.budget_min, status="running",
              reason="", sets_file=matrix.repo_relative(SETS_FILE))
    st["experiments"] = [{"experiment": it.entry.experiment, "name": it.name,
                          "dir": it.name if it.run else None,
                          "report": matrix.repo_relative(it.entry.report),
                          "status": "cannot run" if it.error else "pending",
                          "reason": it.error or ""} for it in items]
    return st


def write_state(run: Path, state: dict[str, Any]) -> None:
    results.atomic_write(run / STATE, json.dumps(state, indent=2) + "\n")


# ---- the command ----

def open_set_run(args, s: Set, root: Path, start: float) -> tuple[Path, dict[str, Any] | None]:
    """(the run directory, its saved state or None for a new run)."""
    run = None if args.new else current_run(root, s.name)
    if run is None:
        return new_run(root, s.name, start), None
    try:
        return run, json.loads((run / STATE).read_text())
    except (OSError, ValueError) as e:
        raise ReproduceError(f"{run / STATE} is unreadable ({e}); use --new") from e


def cmd_reproduce(args) -> int:
    set_name = args.set or ("full" if args.full else "quick")
    try:
        sets = load_sets(Path(args.sets) if args.sets else SETS_FILE)
        if set_name not in sets:
            raise ReproduceError(f"no set {set_name!r} (known: {', '.join(sets)})")
    except ReproduceError as e:
        print(f"pvx reproduce: {e}", file=sys.stderr)
        return exitcodes.USAGE
    s = sets[set_name]
    root = Path(args.results) if args.results else results.RESULTS_DIR
    accel, why = qemu.choose_accel(args.accel or "auto", boot.kvm_canary)
    start = time.time()
    history = boot_history([root, results.RESULTS_DIR], accel)
    if args.plan:
        run = None if args.new else current_run(root, s.name)
        items = [make_item(e, run or root / "(new)", accel, args.retry_failed, history)
                 for e in s.entries]
        show_plan(s, items, run, accel, why)
        return 0
    try:
        run, old = open_set_run(args, s, root, start)
    except (ReproduceError, OSError) as e:
        print(f"pvx reproduce: {e}", file=sys.stderr)
        return exitcodes.USAGE
    items = [make_item(e, run, accel, args.retry_failed, history) for e in s.entries]
    show_plan(s, items, run, accel, why, resumed=old is not None)
    state = state_of(s, items, run, old, start)
    state["sessions"].append({"start": results.utc_iso(start), "end": None,
                              "elapsed_s": None, "boots": 0, "accel": accel,
                              "status": "running"})
    write_state(run, state)
    old_term = signal.signal(signal.SIGTERM, qemu.raise_on_sigterm)
    code, boots = 0, 0
    try:
        code, boots = run_items(items, state, run, accel, args)
        if code != exitcodes.INTERRUPTED:
            code = max(code, write_reports(items, state))
    except (qemu.Interrupted, KeyboardInterrupt) as e:
        code = exitcodes.INTERRUPTED
        state["reason"] = f"interrupted ({e or 'SIGINT'})"
    except BaseException as e:          # a bug in the harness: resumable all the same
        code = exitcodes.INTERRUPTED
        state["reason"] = f"harness error: {e!r}"
        raise
    finally:
        signal.signal(signal.SIGTERM, old_term)
        end = time.time()
        state["status"] = {0: "complete", exitcodes.INTERRUPTED: "incomplete"}.get(code, "failed")
        state["sessions"][-1].update(end=results.utc_iso(end), elapsed_s=round(end - start, 1),
                                     boots=boots, status=state["status"], exit=code)
        write_state(run, state)
        say(f"{state['status']} after {clock_text(end - start)} ({boots} boot(s) run now, "
            f"{sum(it.done for it in items)} reused); run {matrix.repo_relative(run)}")
        if code == exitcodes.INTERRUPTED:
            say("run the same command again to continue where it stopped")
    return code


def show_plan(s: Set, items: list[Item], run: Path | None, accel: str, why: str,
              resumed: bool = False) -> None:
    where = matrix.repo_relative(run) if run else "a new run"
    verb = "continuing" if resumed else ("starting" if run else "would start")
    say(f"set {s.name}: {s.description}")
    say(f"{verb} {where}; {accel} ({why})")
    for line in plan_lines(items):
        print(line, file=sys.stderr)
    todo = sum(len(it.todo) for it in items)
    secs = sum(it.seconds for it in items)
    builds = [it.name for it in items if it.plan and it.todo
              and kernel_missing(it.plan.experiment)]
    if builds:
        secs += KERNEL_BUILD_S
        say(f"the patched kernel is not built yet: its first use ({builds[0]}) builds "
            f"it, about {clock_text(KERNEL_BUILD_S)} once")
    done = sum(it.done for it in items)
    head = runmeta.git_info()["commit"]
    other = sorted({c for it in items for c in done_commits(it)} - {head})
    if other:
        say(f"note: boots already done ran with another commit ({', '.join(c[:12] for c in other)}"
            f"; now {head[:12]}): they are kept; --new runs everything with this one")
    over = (f"; over the set's budget of {s.budget_min:g} min"
            if secs > s.budget_min * 60 else f"; budget {s.budget_min:g} min")
    say(f"{todo} boot(s) to run, {done} done: estimate ~{clock_text(secs)}{over}")


def run_items(items: list[Item], state: dict[str, Any], run: Path, accel: str,
              args) -> tuple[int, int]:
    """Runs every experiment with cells to run; returns (status, boots)."""
    progress = Progress(sum(len(it.todo) for it in items), planned=planned_boots(items),
                        label="pvx reproduce")
    code, boots = 0, 0
    for i, it in enumerate(items):
        entry = state["experiments"][i]
        if it.error:
            say(f"{it.name}: cannot run: {it.error}")
            code = 1
            continue
        assert it.plan is not None and it.run is not None
        if it.finished:
            entry["status"] = it.meta["status"] if it.meta else "complete"
            code = max(code, 1 if entry["status"] == "failed" else 0)
            say(f"{it.name}: every boot done ({it.done}); nothing to run")
            continue
        progress.context = it.name
        entry["status"] = "running"
        write_state(run, state)
        status, _ = matrix.execute(it.plan, run, it.run, args.accel, args.verbose,
                                   args.retry_failed, progress)
        boots += session_boots(it.run)
        progress.forget(f"{it.name}/")
        entry["status"] = {0: "complete", 1: "failed"}.get(status, "incomplete")
        if status == exitcodes.INTERRUPTED:
            entry["status"] = "incomplete"
            write_state(run, state)
            return status, boots
        if status not in (0, 1):
            entry["reason"] = f"pvx run exited {status}"
        code = max(code, 0 if status == 0 else 1)
        write_state(run, state)
    return code, boots


def session_boots(run: Path) -> int:
    """Boots the last session of a run finished (matrix.execute's count)."""
    try:
        return int(results.load(run)[0]["sessions"][-1]["boots"])
    except (results.ResultsError, KeyError, IndexError, TypeError, ValueError):
        return 0


def report_order(items: list[Item]) -> list[int]:
    """Indexes of the items, batching runs first: the Tables 3-5 report
    draws the batching figure from the batching.dat its directory holds,
    which the batching report writes (figures.py)."""
    first = [i for i, it in enumerate(items)
             if it.run is not None and batching.wants(str(it.run))]
    return first + [i for i in range(len(items)) if i not in first]


def write_reports(items: list[Item], state: dict[str, Any]) -> int:
    """`pvx report` for every experiment that has a run directory."""
    from . import cli
    code = 0
    for i in report_order(items):
        it = items[i]
        if it.error or it.run is None or not (it.run / results.META).is_file():
            continue                   # nothing of this set-up to report
        rc = cli.main(["report", str(it.run), "--out", str(it.entry.report)])
        state["experiments"][i]["report_exit"] = rc
        if rc != 0:
            say(f"{it.name}: the report failed (exit {rc})")
            code = 1
    return code

"""Experiments declared as data: harness/experiments/<name>.toml.

An experiment names a workload, how to run it, the configurations to
boot and how many times (harness/experiments/README.md has the schema).
load() reads and checks a file and refuses unknown keys, so a misspelt
key is an error rather than a silently ignored setting. plan() applies
the command line's overrides (--configs, --reps, --quick). Pure, apart
from reading the file.
"""
from __future__ import annotations

import shlex
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import paths

EXPERIMENTS_DIR = paths.REPO / "harness" / "experiments"
SETS = "sets"            # sets.toml there is `pvx reproduce`'s list, not an experiment
MODES = ("native", "pv", "xen")   # as `pvx boot`; xen: the reference peer
MTU_RANGE = (68, 65535)            # what Linux's tap device accepts
Scalar = str | int | float | bool


class ExperimentError(Exception):
    """The experiment file is missing or does not follow the schema."""


@dataclass
class Config:
    name: str
    mode: str                          # native, pv or xen (boot.py's modes)
    description: str = ""
    hv_args: list[str] = field(default_factory=list)   # pv: PVX's command line; xen: Xen's
    guest_args: str = ""               # added to the guest kernel's command line
    mtu: int | None = None             # network workloads: the link's MTU (bytes)
    boot_s: float | None = None        # declared seconds per boot (estimates)


@dataclass
class Workload:
    name: str                          # a workload workloads.py knows
    args: list[str]                    # e.g. ["run-all"]
    params: dict[str, Scalar]          # each becomes --name [value]
    quick_params: dict[str, Scalar]    # merged over params by --quick


@dataclass
class Experiment:
    name: str
    description: str
    path: Path
    text: str                          # the file, recorded in meta.json
    reps: int                          # boots per configuration
    timeout_s: float                   # per boot
    boot_s: float | None               # declared seconds per boot (configs may override)
    kernel: str                        # boot.py's --kernel: stock|patched|PATH
    mem_mib: int                       # guest RAM
    accel: str                         # auto|tcg|kvm
    cpu: str                           # QEMU -cpu
    guest_args: str
    workload: Workload
    configs: dict[str, Config]         # in the file's order


@dataclass
class Plan:
    """What one `pvx run` does: these configs, each booted `reps` times,
    running `params` (the experiment's, after --quick)."""
    experiment: Experiment
    configs: list[Config]
    reps: int
    params: dict[str, Scalar]
    quick: bool

    @property
    def boots(self) -> int:
        return len(self.configs) * self.reps


# ---- reading and checking ----

def resolve(spec: str, where: Path = EXPERIMENTS_DIR) -> Path:
    """A name ('lmbench-quick') or a path to a .toml file."""
    p = Path(spec)
    if p.suffix == ".toml" or "/" in spec:
        if not p.is_file():
            raise ExperimentError(f"experiment file not found: {spec}")
        return p
    p = where / f"{spec}.toml"
    if not p.is_file() or spec == SETS:
        known = ", ".join(sorted(f.stem for f in where.glob("*.toml")
                                 if f.stem != SETS)) or "none"
        raise ExperimentError(f"unknown experiment {spec!r} (known: {known})")
    return p


def _table(d: dict[str, Any], key: str, where: str,
           required: bool = True) -> dict[str, Any]:
    v = d.get(key)
    if v is None and not required:
        return {}
    if not isinstance(v, dict):
        raise ExperimentError(f"{where}: [{key}] table missing")
    return v


def _check_keys(d: dict[str, Any], allowed: set[str], where: str) -> None:
    extra = sorted(set(d) - allowed)
    if extra:
        raise ExperimentError(f"{where}: unknown key(s) {', '.join(extra)} "
                              f"(allowed: {', '.join(sorted(allowed))})")


def _get(d: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str,
         default: Any = None) -> Any:
    if key not in d:
        if default is None:
            raise ExperimentError(f"{where}: {key} is required")
        return default
    v = d[key]
    # bool is an int in Python; a count must not accept `true`.
    if not isinstance(v, kind) or (isinstance(v, bool) and bool not in _as_tuple(kind)):
        raise ExperimentError(f"{where}: {key} = {v!r} has the wrong type")
    return v


def _as_tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _params(d: dict[str, Any], key: str, where: str) -> dict[str, Scalar]:
    p = _table(d, key, where, required=False)
    for k, v in p.items():
        if not isinstance(v, (str, int, float, bool)):
            raise ExperimentError(f"{where}.{key}: {k} must be a string, number "
                                  "or boolean")
    return dict(p)


def parse_config(name: str, d: dict[str, Any], where: str) -> Config:
    w = f"{where} [configs.{name}]"
    _check_keys(d, {"mode", "description", "hv_args", "guest_args", "mtu", "boot_s"}, w)
    mode = _get(d, "mode", str, w)
    if mode not in MODES:
        raise ExperimentError(f"{w}: mode = {mode!r}; known modes: {', '.join(MODES)}")
    hv_args = _get(d, "hv_args", str, w, "")
    if hv_args and mode == "native":
        raise ExperimentError(f"{w}: hv_args applies to mode = \"pv\" or \"xen\" only")
    mtu = d.get("mtu")
    if mtu is not None and (isinstance(mtu, bool) or not isinstance(mtu, int)
                            or not MTU_RANGE[0] <= mtu <= MTU_RANGE[1]):
        raise ExperimentError(f"{w}: mtu = {mtu!r}; a whole number of bytes, "
                              f"{MTU_RANGE[0]}..{MTU_RANGE[1]}")
    return Config(name, mode, _get(d, "description", str, w, ""),
                  shlex.split(hv_args), _get(d, "guest_args", str, w, ""),
                  mtu=mtu, boot_s=_boot_s(d, w))


def _boot_s(d: dict[str, Any], where: str) -> float | None:
    """The optional declared duration of one boot, in seconds: what
    `pvx reproduce` estimates with before a boot has been measured."""
    if "boot_s" not in d:
        return None
    v = _get(d, "boot_s", (int, float), where)
    if v <= 0:
        raise ExperimentError(f"{where}: boot_s must be > 0")
    return float(v)


def parse(text: str, path: Path) -> Experiment:
    """The experiment in `text` (the contents of `path`)."""
    where = str(path)
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ExperimentError(f"{where}: {e}") from e
    _check_keys(doc, {"experiment", "guest", "workload", "configs"}, where)
    ex = _table(doc, "experiment", where)
    _check_keys(ex, {"name", "description", "reps", "timeout_s", "boot_s"},
                f"{where} [experiment]")
    guest = _table(doc, "guest", where, required=False)
    _check_keys(guest, {"kernel", "mem_mib", "accel", "cpu", "guest_args"},
                f"{where} [guest]")
    wl = _table(doc, "workload", where)
    _check_keys(wl, {"name", "args", "params", "quick_params"}, f"{where} [workload]")
    configs = _table(doc, "configs", where)
    if not configs:
        raise ExperimentError(f"{where}: no [configs.*] tables")
    w = f"{where} [experiment]"
    reps = _get(ex, "reps", int, w, 1)
    timeout = _get(ex, "timeout_s", (int, float), w, 900)
    if reps < 1 or timeout <= 0:
        raise ExperimentError(f"{w}: reps must be >= 1 and timeout_s > 0")
    args = _get(wl, "args", list, f"{where} [workload]")
    if not all(isinstance(a, str) for a in args):
        raise ExperimentError(f"{where} [workload]: args must be a list of strings")
    accel = _get(guest, "accel", str, f"{where} [guest]", "auto")
    if accel not in ("auto", "tcg", "kvm"):
        raise ExperimentError(f"{where} [guest]: accel = {accel!r}; use auto, tcg or kvm")
    return Experiment(
        name=_get(ex, "name", str, w), description=_get(ex, "description", str, w, ""),
        path=path, text=text, reps=reps, timeout_s=float(timeout), boot_s=_boot_s(ex, w),
        kernel=_get(guest, "kernel", str, f"{where} [guest]", "stock"),
        mem_mib=_get(guest, "mem_mib", int, f"{where} [guest]", 512),
        accel=accel, cpu=_get(guest, "cpu", str, f"{where} [guest]", "qemu64"),
        guest_args=_get(guest, "guest_args", str, f"{where} [guest]", ""),
        workload=Workload(_get(wl, "name", str, f"{where} [workload]"), args,
                          _params(wl, "params", f"{where} [workload]"),
                          _params(wl, "quick_params", f"{where} [workload]")),
        configs={n: parse_config(n, c if isinstance(c, dict) else {}, where)
                 for n, c in configs.items()})


def load(spec: str) -> Experiment:
    path = resolve(spec)
    try:
        text = path.read_text()
    except OSError as e:
        raise ExperimentError(f"cannot read {path}: {e.strerror}") from e
    return parse(text, path)


# ---- the command line's overrides ----

def plan(exp: Experiment, configs: list[str] | None = None, reps: int | None = None,
         quick: bool = False) -> Plan:
    """--configs picks (and orders) declared configurations; --quick means
    one boot each (unless --reps says otherwise) and quick_params."""
    names = configs or list(exp.configs)
    unknown = [n for n in names if n not in exp.configs]
    if unknown:
        raise ExperimentError(f"{exp.name}: no configuration(s) {', '.join(unknown)} "
                              f"(declared: {', '.join(exp.configs)})")
    if len(set(names)) != len(names):
        raise ExperimentError("--configs names a configuration twice")
    n = reps if reps is not None else (1 if quick else exp.reps)
    if n < 1:
        raise ExperimentError("--reps must be at least 1")
    params = {**exp.workload.params, **(exp.workload.quick_params if quick else {})}
    return Plan(exp, [exp.configs[c] for c in names], n, params, quick)


def param_options(params: dict[str, Scalar]) -> list[str]:
    """{'min_ms': 5, 'quick': True, 'x': False} -> ['--min-ms', '5', '--quick']."""
    out: list[str] = []
    for k, v in params.items():
        opt = "--" + k.replace("_", "-")
        if v is True:
            out.append(opt)
        elif v is not False:
            out += [opt, str(v)]
    return out

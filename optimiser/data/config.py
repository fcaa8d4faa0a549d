"""Scenario TOML files: load them into a checked ``ScenarioConfig``, and write one back.

Layout (every key optional unless marked; ``configs/example_scenario.toml`` documents each)::

    [scenario]  name (required), description, travel_method ("estimate" | "rounds"), seed
    [inputs]    area, network, network_settings, demo, demand, demo_scale, packages, providers,
                zones, postcode_lookup, areas, area_code_field (with demo = false, the keys
                of ``OWN_DATA_KEYS`` are required: packages, providers, network, zones, areas,
                area_code_field)
    [output]    dir
    [zones]     rule ("spot" | "zoned"), non_lead_penalty, [zones.per_zone] ZONE_ID = rule
    [rules]     travel_limit_min, release_continuity, wait_weight_per_day,
                keep_current_clients (true = "hard", "priority", false = "off"),
                [rules.priority_weight] hospital_discharge, community
    [costs]     the fields of ``CostModel``
    [solver]    time_limit_s, workers, seed, max_deterministic_time
    [rounds]    the fields of ``RoundsOptions`` (checked here, kept as a plain mapping)
    [report]    market_share_risk_pct (the fields of ``ReportSettings``)
    [stress]    draws, options and shocks of ``homecare stress`` (``StressSettings``: checked
                here, kept as a plain mapping)

Any top-level table may hold ``include = "other.toml"``: the keys of that file fill the table,
and keys written beside ``include`` override them. Paths are relative to the folder of the file
that names them, except those starting ``${data_dir}`` (see :func:`data_dir`) or
``${cache_dir}``. ``network`` is a path when it ends in a known network-file suffix, contains a
``/`` or a ``${...}`` variable; otherwise it is a place name for OSMnx to look up.

Every unknown key (with the closest known name) and every bad value is collected and raised
once as a :class:`~optimiser.errors.ConfigError` naming the file and the key path.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, TypeVar

import tomli_w

import optimiser
from geodata.settings import NetworkSettings, TravelSettings, load_settings
from optimiser.data import locations
from optimiser.data.domain import (
    KEEP_CURRENT_CLIENTS,
    MAX_SOLVER_SEED,
    AssignmentRules,
    CostModel,
    Priority,
    ReportSettings,
    Scenario,
    SolverSettings,
    ZonePolicy,
    ZoneRule,
)
from optimiser.data.rounds_options import rounds_options_problems
from optimiser.data.stress_options import stress_problems
from optimiser.errors import ConfigError, Problem

__all__ = [
    "CONFIG_DIR",
    "NETWORK_SETTINGS_FILE",
    "TRAVEL_ESTIMATE_FILE",
    "ScenarioConfig",
    "cache_dir",
    "config_files",
    "data_dir",
    "load_scenario",
    "network_settings",
    "read_parameters",
    "repo_root",
    "scenario_from_toml",
    "scenario_to_toml",
]

#: File suffixes that make ``network`` a path rather than a place name.
NETWORK_SUFFIXES = (".pbf", ".osm", ".xml", ".graphml", ".gpkg", ".bz2", ".gz")
_VAR_RE = re.compile(r"^\$\{([a-z_]+)\}")
_TOP = (
    "scenario",
    "inputs",
    "output",
    "zones",
    "rules",
    "costs",
    "solver",
    "rounds",
    "report",
    "stress",
)


def repo_root() -> Path:
    """The folder holding the ``optimiser`` package (the project's root)."""
    return Path(optimiser.__file__).resolve().parents[1]


def data_dir() -> Path:
    """The national-data folder: ``$HOMECARE_DATA_DIR``, else ``<repo root>/../shared/data``.

    ``${data_dir}/...`` in a config names a file looked up in every data folder
    (:mod:`optimiser.data.locations`: this folder, or the shipped demo data).
    """
    return locations.national_data_dir()


def cache_dir() -> Path:
    """The disk-cache folder: ``$HOMECARE_CACHE_DIR``, else ``<repo root>/.cache``."""
    env = os.environ.get("HOMECARE_CACHE_DIR")
    return Path(env).expanduser() if env else repo_root() / ".cache"


#: The project's configs/ folder (demo scenarios, network speeds, demand parameters).
CONFIG_DIR = repo_root() / "configs"
#: Speeds, snapping limit and kerb-to-door minutes unless a scenario names its own file.
NETWORK_SETTINGS_FILE = CONFIG_DIR / "network.toml"
#: The fast travel estimate's parameters, calibrated against carer rounds.
TRAVEL_ESTIMATE_FILE = CONFIG_DIR / "travel_estimate.toml"


@dataclass(frozen=True)
class ScenarioConfig:
    """A scenario with its data inputs, as a scenario file states them (paths resolved).

    With ``demo = True`` the demo generator supplies packages, providers and zones; any of them
    also given as a file replaces the generated one. Without ``demo``, every key of
    ``OWN_DATA_KEYS`` is required (packages, providers, network, zones, areas,
    area_code_field).
    """

    scenario: Scenario
    seed: int = 0
    area: str = ""
    network: Path | str | None = None
    network_settings: Path | None = None
    demo: bool = False
    demand: Path | None = None
    demo_scale: float = 1.0
    packages: Path | None = None
    providers: Path | None = None
    zones: Path | None = None
    postcode_lookup: Path | None = None
    areas: Path | None = None
    area_code_field: str | None = None
    out: Path | None = None
    rounds: Mapping[str, Any] = field(default_factory=dict)
    #: The ``[stress]`` table as written (checked: ``StressSettings.from_dict`` accepts it).
    stress: Mapping[str, Any] = field(default_factory=dict)
    #: The file this was loaded from (not part of equality).
    source: Path | None = field(default=None, compare=False)


# ----------------------------------------------------------------------------------------------
# Reading
# ----------------------------------------------------------------------------------------------


class _Reader:
    """Typed access to one TOML table, recording unknown keys and bad values as problems."""

    def __init__(self, source: str, base: Path, problems: list[Problem]) -> None:
        self.source = source
        self.base = base
        self.problems = problems

    def add(self, key: str, message: str) -> None:
        self.problems.append(Problem(self.source, None, key, message))

    def table(self, doc: Mapping[str, Any], name: str, known: tuple[str, ...]) -> dict[str, Any]:
        value = doc.get(name, {})
        if not isinstance(value, dict):
            self.add(name, f"expected a table [{name}], got {type(value).__name__}")
            return {}
        self.unknown(value, name, known)
        return value

    def unknown(self, table: Mapping[str, Any], prefix: str, known: tuple[str, ...]) -> None:
        for key in table:
            if key not in known:
                hit = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
                hint = f" (did you mean '{hit[0]}'?)" if hit else ""
                self.add(
                    _join(prefix, key),
                    f"unknown key '{key}'{hint}; known keys: {', '.join(known)}",
                )

    def get(self, table: Mapping[str, Any], prefix: str, key: str, kind: type, default: Any) -> Any:
        if key not in table:
            return default
        value = table[key]
        ok = isinstance(value, kind) and not (kind in (int, float) and isinstance(value, bool))
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value, ok = float(value), True
        if not ok:
            self.add(
                _join(prefix, key),
                f"expected {_KIND_NAMES[kind]}, got {type(value).__name__} {value!r}",
            )
            return default
        return value

    def number(
        self,
        table: Mapping[str, Any],
        prefix: str,
        key: str,
        default: float | None,
        *,
        lo: float,
        lo_open: bool = False,
    ) -> float | None:
        value = self.get(table, prefix, key, float, default)
        if value is not None and (value < lo or (lo_open and value == lo)):
            bound = f"> {lo:g}" if lo_open else f">= {lo:g}"
            self.add(_join(prefix, key), f"must be {bound}, got {value:g}")
            return default
        return value

    def path(self, table: Mapping[str, Any], prefix: str, key: str, *, check: bool) -> Path | None:
        text = self.get(table, prefix, key, str, None)
        if text is None:
            return None
        path = _resolve(text, self.base, self, _join(prefix, key))
        if path is not None and check and not path.exists():
            hint = ""
            if text.startswith("${data_dir}"):
                where = " or ".join(str(d) for d in locations.search_dirs())
                hint = f" (looked in {where}; set {locations.ENV_VAR} to the data folder)"
            self.add(_join(prefix, key), f"file not found: {path}{hint}")
        return path


_KIND_NAMES = {
    str: "a string",
    bool: "true or false",
    int: "a whole number",
    float: "a number",
    dict: "a table",
}


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def _resolve(text: str, base: Path, reader: _Reader, key: str) -> Path | None:
    m = _VAR_RE.match(text)
    if m:
        roots = {"data_dir": data_dir, "cache_dir": cache_dir}
        if m.group(1) not in roots:
            reader.add(
                key,
                f"unknown variable '${{{m.group(1)}}}': expected ${{data_dir}} or ${{cache_dir}}",
            )
            return None
        rest = text[m.end() :].lstrip("/\\")
        root = roots[m.group(1)]()
        if rest and m.group(1) == "data_dir":  # the first data folder holding the file
            found = next((d / rest for d in locations.search_dirs() if (d / rest).exists()), None)
            return Path(os.path.normpath(found or root / rest))
        return Path(os.path.normpath(root / rest)) if rest else root
    path = Path(text).expanduser()
    return Path(os.path.normpath(path if path.is_absolute() else base / path))


def _is_network_path(text: str) -> bool:
    lower = text.lower()
    return lower.endswith(NETWORK_SUFFIXES) or "/" in text or "\\" in text or "${" in text


def _expand_includes(
    doc: dict[str, Any], base: Path, source: str, problems: list[Problem]
) -> dict[str, Any]:
    """Replace ``include = "file.toml"`` in top-level tables by that file's keys."""
    out = dict(doc)
    for name, table in doc.items():
        if not isinstance(table, dict) or "include" not in table:
            continue
        ref = table["include"]
        key = f"{name}.include"
        out[name] = {k: v for k, v in table.items() if k != "include"}
        if not isinstance(ref, str):
            problems.append(Problem(source, None, key, f"expected a file name, got {ref!r}"))
            continue
        reader = _Reader(source, base, problems)
        path = _resolve(ref, base, reader, key)
        if path is None:
            continue
        try:
            included = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            problems.append(Problem(source, None, key, f"file not found: {path}"))
            continue
        except tomllib.TOMLDecodeError as exc:
            problems.append(Problem(path.name, None, None, f"not valid TOML: {exc}"))
            continue
        if "include" in included:
            problems.append(
                Problem(path.name, None, "include", "included files cannot include others")
            )
        merged = {k: v for k, v in included.items() if k != "include"}
        merged.update({k: v for k, v in table.items() if k != "include"})
        out[name] = merged
    return out


def _domain_problem(source: str, prefix: str, exc: ValueError) -> Problem:
    """A domain record's ValueError ("... field 'x' ...") as a problem at key ``prefix.x``."""
    m = re.search(r"field '([a-z_]+)'", str(exc))
    key = _join(prefix, m.group(1)) if m else prefix
    return Problem(source, None, key, str(exc))


def scenario_from_toml(
    text: str,
    *,
    base_dir: str | os.PathLike[str] = ".",
    source_name: str = "scenario.toml",
    check_paths: bool = True,
) -> ScenarioConfig:
    """Parse and check scenario TOML text; relative paths are taken from ``base_dir``.

    ``check_paths=False`` skips the existence check of input files (for configs naming data
    that is not on this machine). Raises ``ConfigError`` listing every problem.
    """
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([Problem(source_name, None, None, f"not valid TOML: {exc}")]) from None
    return _from_dict(doc, Path(base_dir), source_name, check_paths)


def load_scenario(path: str | os.PathLike[str], *, check_paths: bool = True) -> ScenarioConfig:
    """Load a scenario TOML file (paths relative to its folder). Raises ``ConfigError``."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            [Problem(path.name, None, None, f"cannot read the file: {exc}")]
        ) from None
    cfg = scenario_from_toml(
        text, base_dir=path.resolve().parent, source_name=path.name, check_paths=check_paths
    )
    return replace(cfg, source=path)


_INPUT_KEYS = (
    "area",
    "network",
    "network_settings",
    "demo",
    "demand",
    "demo_scale",
    "packages",
    "providers",
    "zones",
    "postcode_lookup",
    "areas",
    "area_code_field",
)
_COST_KEYS = tuple(f.name for f in fields(CostModel))
#: A former cost key: a zero is accepted silently (old configs), any other value is refused with
#: where the rural uplift lives now (the zones' ``rate_uplift_pct``).
_RETIRED_COST_KEY = "rural_uplift_pct"

#: The [inputs] keys an own-data config (``demo = false``) must give, and what each names.
OWN_DATA_KEYS: dict[str, str] = {
    "packages": "the packages table",
    "providers": "the providers table",
    "network": "the road network, a file or a place name",
    "zones": "the zones, a zone-to-area table or polygons (a spot run reports by zone too)",
    "areas": "the small-area boundaries (e.g. LSOAs) that packages are placed in",
    "area_code_field": "the column of the areas file that holds the area codes",
}


def _from_dict(doc: dict[str, Any], base: Path, source: str, check: bool) -> ScenarioConfig:
    problems: list[Problem] = []
    r = _Reader(source, base, problems)
    doc = _expand_includes(doc, base, source, problems)
    r.unknown(doc, "", _TOP)

    sc = r.table(doc, "scenario", ("name", "description", "travel_method", "seed"))
    name = r.get(sc, "scenario", "name", str, None)
    if name is None and "name" not in sc:
        r.add("scenario.name", "missing: every scenario needs a name")
    description = r.get(sc, "scenario", "description", str, "")
    travel_method = r.get(sc, "scenario", "travel_method", str, "estimate")
    if travel_method not in ("estimate", "rounds"):
        r.add("scenario.travel_method", f"expected 'estimate' or 'rounds', got {travel_method!r}")
    seed = r.get(sc, "scenario", "seed", int, 0)
    if not 0 <= seed <= MAX_SOLVER_SEED:
        r.add(
            "scenario.seed",
            f"must be a whole number from 0 to {MAX_SOLVER_SEED:,} (it seeds the demo and, "
            f"unless [solver] seed is given, CP-SAT), got {seed}",
        )
        seed = 0

    inp = r.table(doc, "inputs", _INPUT_KEYS)
    network: Path | str | None = None
    net_text = r.get(inp, "inputs", "network", str, None)
    if net_text is not None:
        network = (
            r.path(inp, "inputs", "network", check=check)
            if _is_network_path(net_text)
            else net_text
        )
    demo = r.get(inp, "inputs", "demo", bool, False)
    demo_scale = r.number(inp, "inputs", "demo_scale", 1.0, lo=0.0, lo_open=True)
    files = {
        k: r.path(inp, "inputs", k, check=check)
        for k in (
            "network_settings",
            "demand",
            "packages",
            "providers",
            "zones",
            "postcode_lookup",
            "areas",
        )
    }
    if not demo:
        for k, why in OWN_DATA_KEYS.items():
            if k not in inp:
                r.add(
                    f"inputs.{k}",
                    f"missing: {why} (required when demo = false; or set inputs.demo = true "
                    f"for demo data)",
                )

    out_t = r.table(doc, "output", ("dir",))
    out = r.path(out_t, "output", "dir", check=False)

    zt = r.table(doc, "zones", ("rule", "non_lead_penalty", "per_zone"))
    rule = _rule(r, r.get(zt, "zones", "rule", str, "spot"), "zones.rule")
    penalty = r.number(zt, "zones", "non_lead_penalty", None, lo=0.0)
    per_zone_raw = r.get(zt, "zones", "per_zone", dict, {})
    per_zone = {
        str(z): _rule(r, v if isinstance(v, str) else repr(v), f"zones.per_zone.{z}")
        for z, v in per_zone_raw.items()
    }

    rt = r.table(
        doc,
        "rules",
        (
            "travel_limit_min",
            "release_continuity",
            "wait_weight_per_day",
            "keep_current_clients",
            "priority_weight",
        ),
    )
    d_rules = AssignmentRules()
    weights = dict(d_rules.priority_weight)
    pw = r.get(rt, "rules", "priority_weight", dict, {})
    r.unknown(pw, "rules.priority_weight", tuple(p.value for p in Priority))
    for p in Priority:
        w = r.number(pw, "rules.priority_weight", p.value, None, lo=0.0)
        if w is not None:
            weights[p] = w

    ct = dict(r.table(doc, "costs", (*_COST_KEYS, _RETIRED_COST_KEY)))
    # The one rural uplift is the zones' rate uplift: an old config's zero is dropped quietly.
    if _RETIRED_COST_KEY in ct and ct.pop(_RETIRED_COST_KEY) not in (0, 0.0):
        r.add(
            f"costs.{_RETIRED_COST_KEY}",
            "the rural uplift is no longer a cost setting: set rate_uplift_pct per zone in "
            "the zone table (a contracted price, also used by the assignment's cost)",
        )
    cost_kwargs: dict[str, Any] = {}
    for f in fields(CostModel):
        kind = bool if f.type in ("bool", bool) else float
        value = r.get(ct, "costs", f.name, kind, None)
        if value is not None:
            cost_kwargs[f.name] = value

    st = r.table(doc, "solver", ("time_limit_s", "workers", "seed", "max_deterministic_time"))
    d_solver = SolverSettings()
    rep = r.table(doc, "report", tuple(f.name for f in fields(ReportSettings)))
    d_report = ReportSettings()

    parts: dict[str, Any] = {}
    for prefix, make in (
        (
            "rules",
            lambda: AssignmentRules(
                travel_limit_min=r.number(
                    rt, "rules", "travel_limit_min", d_rules.travel_limit_min, lo=0.0, lo_open=True
                ),
                release_continuity=r.get(
                    rt, "rules", "release_continuity", bool, d_rules.release_continuity
                ),
                priority_weight=weights,
                wait_weight_per_day=r.number(
                    rt, "rules", "wait_weight_per_day", d_rules.wait_weight_per_day, lo=0.0
                ),
                keep_current_clients=_keep_current(r, rt, d_rules.keep_current_clients),
            ),
        ),
        ("costs", lambda: CostModel(**cost_kwargs)),
        (
            "solver",
            lambda: SolverSettings(
                time_limit_s=r.number(
                    st, "solver", "time_limit_s", d_solver.time_limit_s, lo=0.0, lo_open=True
                ),
                workers=r.get(st, "solver", "workers", int, d_solver.workers),
                seed=r.get(st, "solver", "seed", int, seed if "seed" in sc else d_solver.seed),
                max_deterministic_time=r.number(
                    st, "solver", "max_deterministic_time", None, lo=0.0, lo_open=True
                ),
            ),
        ),
        (
            "report",
            lambda: ReportSettings(
                market_share_risk_pct=r.number(
                    rep,
                    "report",
                    "market_share_risk_pct",
                    d_report.market_share_risk_pct,
                    lo=0.0,
                    lo_open=True,
                )
            ),
        ),
        (
            "zones",
            lambda: ZonePolicy(
                rule=rule or ZoneRule.SPOT, non_lead_penalty=penalty, per_zone=per_zone
            ),
        ),
    ):
        try:
            parts[prefix] = make()
        except ValueError as exc:
            problems.append(_domain_problem(source, prefix, exc))

    rounds = r.get(doc, "", "rounds", dict, {})
    problems += rounds_options_problems(rounds, source=source)
    stress = r.get(doc, "", "stress", dict, {})
    problems += stress_problems(stress, source=source)
    area = r.get(inp, "inputs", "area", str, "")
    code_field = r.get(inp, "inputs", "area_code_field", str, None)
    if problems:
        raise ConfigError(problems)
    try:
        scenario = Scenario(
            name=name,
            zone_policy=parts["zones"],
            rules=parts["rules"],
            costs=parts["costs"],
            solver=parts["solver"],
            travel_method=travel_method,
            description=description,
            report=parts["report"],
        )
    except ValueError as exc:
        raise ConfigError([_domain_problem(source, "scenario", exc)]) from None
    return ScenarioConfig(
        scenario=scenario,
        seed=seed,
        area=area,
        network=network,
        demo=demo,
        demo_scale=demo_scale if demo_scale is not None else 1.0,
        area_code_field=code_field,
        out=out,
        rounds=rounds,
        stress=stress,
        **files,
    )


def _keep_current(r: _Reader, table: Mapping[str, Any], default: str) -> str:
    """``keep_current_clients``: true means "hard", false "off", or a mode by name."""
    value = table.get("keep_current_clients", default)
    if isinstance(value, bool):
        return "hard" if value else "off"
    if value in KEEP_CURRENT_CLIENTS:
        return str(value)
    choices = ", ".join(repr(v) for v in KEEP_CURRENT_CLIENTS)
    r.add("rules.keep_current_clients", f"expected true, false or one of {choices}, got {value!r}")
    return default


def _rule(r: _Reader, value: str, key: str) -> ZoneRule | None:
    try:
        return ZoneRule(value)
    except ValueError:
        r.add(key, f"expected 'spot' or 'zoned', got {value!r}")
        return None


# ----------------------------------------------------------------------------------------------
# Writing
# ----------------------------------------------------------------------------------------------


def _path_text(path: Path, base: Path | None) -> str:
    """``${data_dir}/...`` under the data dir, relative to ``base`` when below it, else absolute."""
    path = Path(path)
    roots = [("data_dir", d) for d in locations.search_dirs()] + [("cache_dir", cache_dir())]
    for var, root in roots:
        try:
            rel = path.resolve().relative_to(root.resolve())
        except ValueError:
            continue
        return f"${{{var}}}/{rel.as_posix()}" if rel.parts else f"${{{var}}}"
    if base is not None:
        try:
            return path.resolve().relative_to(Path(base).resolve()).as_posix()
        except ValueError:
            pass
    return path.resolve().as_posix()


def scenario_to_toml(cfg: ScenarioConfig, *, base_dir: str | os.PathLike[str] | None = None) -> str:
    """The TOML text of a scenario, every value explicit (no includes), loadable again.

    Paths are written as ``${data_dir}/...`` when under the data dir, relative to ``base_dir``
    (the folder the file will be saved in) when below it, else absolute.
    """
    base = Path(base_dir) if base_dir is not None else None
    s = cfg.scenario

    def p(value: Path | None) -> dict[str, str]:
        return {} if value is None else {"_": _path_text(value, base)}

    inputs: dict[str, Any] = {}
    if cfg.area:
        inputs["area"] = cfg.area
    if isinstance(cfg.network, Path):
        inputs["network"] = _path_text(cfg.network, base)
    elif cfg.network is not None:
        inputs["network"] = cfg.network
    inputs["demo"] = cfg.demo
    if cfg.demo_scale != 1.0:
        inputs["demo_scale"] = cfg.demo_scale
    for key in (
        "network_settings",
        "demand",
        "packages",
        "providers",
        "zones",
        "postcode_lookup",
        "areas",
    ):
        value = getattr(cfg, key)
        if value is not None:
            inputs[key] = p(value)["_"]
    if cfg.area_code_field is not None:
        inputs["area_code_field"] = cfg.area_code_field

    zones: dict[str, Any] = {"rule": s.zone_policy.rule.value}
    if s.zone_policy.non_lead_penalty is not None:
        zones["non_lead_penalty"] = s.zone_policy.non_lead_penalty
    if s.zone_policy.per_zone:
        zones["per_zone"] = {z: r.value for z, r in s.zone_policy.per_zone.items()}
    solver: dict[str, Any] = {
        "time_limit_s": s.solver.time_limit_s,
        "workers": s.solver.workers,
        "seed": s.solver.seed,
    }
    if s.solver.max_deterministic_time is not None:
        solver["max_deterministic_time"] = s.solver.max_deterministic_time
    doc: dict[str, Any] = {
        "scenario": {
            "name": s.name,
            "description": s.description,
            "travel_method": s.travel_method,
            "seed": cfg.seed,
        },
        "inputs": inputs,
    }
    if cfg.out is not None:
        doc["output"] = {"dir": _path_text(cfg.out, base)}
    doc["zones"] = zones
    doc["rules"] = {
        "travel_limit_min": s.rules.travel_limit_min,
        "release_continuity": s.rules.release_continuity,
        "wait_weight_per_day": s.rules.wait_weight_per_day,
        "keep_current_clients": s.rules.keep_current_clients,
        "priority_weight": {
            Priority(k).value: float(v) for k, v in s.rules.priority_weight.items()
        },
    }
    doc["costs"] = {f.name: getattr(s.costs, f.name) for f in fields(CostModel)}
    doc["solver"] = solver
    doc["report"] = {f.name: getattr(s.report, f.name) for f in fields(ReportSettings)}
    if cfg.rounds:
        doc["rounds"] = dict(cfg.rounds)
    if cfg.stress:
        doc["stress"] = dict(cfg.stress)
    return tomli_w.dumps(doc)


# ----------------------------------------------------------------------------------------------
# Other config files: network settings, flat parameter files, what a scenario file reads
# ----------------------------------------------------------------------------------------------

T = TypeVar("T")


def network_settings(path: Path | None = None) -> tuple[NetworkSettings, TravelSettings]:
    """Speeds [km/h], snapping limit [m] and kerb-to-door minutes [min] from a network TOML
    (default :data:`NETWORK_SETTINGS_FILE`)."""
    return load_settings(path or NETWORK_SETTINGS_FILE)


def read_parameters(path: Path, cls: type[T]) -> T:
    """A parameter dataclass ``cls`` from a flat TOML file whose keys are its fields.

    Raises ``ConfigError`` naming the file for invalid TOML and for every unknown key.
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(
            [Problem(str(path), None, None, f"cannot read the file: {exc}")]
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([Problem(str(path), None, None, f"not valid TOML: {exc}")]) from None
    known = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(
            [Problem(str(path), None, ",".join(unknown), f"unknown key(s); known: {sorted(known)}")]
        )
    return cls(**data)


def config_files(cfg: ScenarioConfig) -> dict[str, Path]:
    """The TOML files a loaded scenario was read from, by role: ``scenario`` (the file itself)
    and ``scenario include [TABLE]`` for each table filled by an ``include``."""
    if cfg.source is None:
        return {}
    source = Path(cfg.source)
    out = {"scenario": source}
    doc = tomllib.loads(source.read_text(encoding="utf-8"))
    reader = _Reader(source.name, source.resolve().parent, [])
    for name, table in doc.items():
        ref = table.get("include") if isinstance(table, dict) else None
        if isinstance(ref, str):
            path = _resolve(ref, reader.base, reader, f"{name}.include")
            if path is not None:
                out[f"scenario include [{name}]"] = path
    return out

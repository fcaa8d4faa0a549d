"""Sweep files (TOML): a base scenario config and its variants, every override key checked.

Layout::

    [sweep]     name, description, base (the scenario TOML, required), out
    [set]       dotted-key overrides every variant shares, e.g. solver.max_deterministic_time = 0.5
    [grid]      dotted keys with a list of values each: the cartesian product is run
    [[variants]] a list of override sets (each one variant; combined with the grid if both)

A dotted key names a key of the base scenario TOML (``costs.pay_gbp_per_hour``,
``zones.rule``, ``inputs.zones``, ``scenario.seed``, ``rounds.time_limit_s`` ...). Each variant
is the base file with its overrides written in and loaded by the scenario reader, so an unknown
key or a bad value gets the same "unknown key, did you mean" message as in a scenario file,
located at the sweep file's table and key. Paths in overrides are relative to the sweep file.
"""

from __future__ import annotations

import copy
import difflib
import itertools
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import tomli_w

from optimiser.data import config as cfgmod
from optimiser.data.rounds_options import RoundsOptions
from optimiser.errors import ConfigError, Problem

__all__ = ["SweepSpec", "Variant", "read_sweep", "sweep_from_toml"]

_TOP = ("sweep", "set", "grid", "variants")
_SWEEP_KEYS = ("name", "description", "base", "out")
#: Override keys whose string values are paths (resolved against the sweep file's folder).
_PATH_KEYS = {
    "inputs.network_settings",
    "inputs.demand",
    "inputs.packages",
    "inputs.providers",
    "inputs.zones",
    "inputs.postcode_lookup",
    "inputs.areas",
    "output.dir",
}
_ROUNDS_KEYS = tuple(f.name for f in fields(RoundsOptions) if f.name != "shifts")


@dataclass(frozen=True)
class Variant:
    """One run of the sweep: its overrides (dotted key -> value) and the config they give."""

    index: int
    overrides: Mapping[str, Any]
    config: cfgmod.ScenarioConfig


@dataclass(frozen=True)
class SweepSpec:
    """A checked sweep: the base config's path and every variant, in the file's order."""

    name: str
    base: Path
    variants: tuple[Variant, ...]
    description: str = ""
    out: Path | None = None
    #: Every dotted key any variant overrides (the parameter columns of the results).
    parameters: tuple[str, ...] = ()
    source: Path | None = field(default=None, compare=False)


def read_sweep(path: str | os.PathLike[str]) -> SweepSpec:
    """Load and check a sweep file; raises ``ConfigError`` listing every problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            [Problem(path.name, None, None, f"cannot read the file: {exc}")]
        ) from None
    spec = sweep_from_toml(text, base_dir=path.resolve().parent, source_name=path.name)
    return SweepSpec(**{**spec.__dict__, "source": path})


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested TOML tables as dotted keys down to the first non-table value."""
    out: dict[str, Any] = {}
    for key, value in table.items():
        dotted = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            out.update(_flatten(value, dotted))
        else:
            out[dotted] = value
    return out


def sweep_from_toml(text: str, *, base_dir: str | os.PathLike[str], source_name: str) -> SweepSpec:
    """Parse and check sweep TOML text (paths relative to ``base_dir``)."""
    base_dir = Path(base_dir)
    problems: list[Problem] = []

    def add(key: str | None, message: str) -> None:
        problems.append(Problem(source_name, None, key, message))

    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([Problem(source_name, None, None, f"not valid TOML: {exc}")]) from None
    _unknown(doc, "", _TOP, add)
    head = doc.get("sweep", {})
    if not isinstance(head, dict):
        head = {}
        add("sweep", "expected a table [sweep]")
    _unknown(head, "sweep", _SWEEP_KEYS, add)
    base_text = head.get("base")
    if not isinstance(base_text, str):
        add("sweep.base", "missing: name the base scenario TOML, e.g. base = 'demo_zoned.toml'")
        raise ConfigError(problems)
    base = _path(base_text, base_dir)
    if not base.is_file():
        add("sweep.base", f"file not found: {base}")
        raise ConfigError(problems)
    out_text = head.get("out")
    out = _path(out_text, base_dir) if isinstance(out_text, str) else None

    tables: dict[str, dict[str, Any]] = {}
    for name in ("set", "grid"):
        value = doc.get(name, {})
        if not isinstance(value, dict):
            add(name, f"expected a table [{name}], got {type(value).__name__}")
            value = {}
        tables[name] = _flatten(value)
    shared, grid = tables["set"], tables["grid"]
    for key, values in list(grid.items()):
        if not isinstance(values, list) or not values:
            add(f"grid.{key}", f"expected a non-empty list of values, got {values!r}")
            del grid[key]
    listed = doc.get("variants", [{}])
    if not isinstance(listed, list) or not all(isinstance(v, dict) for v in listed):
        add("variants", "expected a list of tables [[variants]]")
        listed = [{}]

    # Which table of the sweep file each override key came from, to locate its problems.
    origin: dict[str, str] = {k: f"set.{k}" for k in shared}
    origin.update({k: f"grid.{k}" for k in grid})
    combos: list[dict[str, Any]] = []
    grid_keys = list(grid)
    for n, listed_one in enumerate(listed or [{}]):
        flat = _flatten(listed_one)
        for k in flat:
            origin.setdefault(k, f"variants[{n}].{k}")
        for values in itertools.product(*(grid[k] for k in grid_keys)):
            combos.append({**shared, **flat, **dict(zip(grid_keys, values, strict=True))})

    base_doc = tomllib.loads(base.read_text(encoding="utf-8"))
    variants: list[Variant] = []
    seen: set[tuple[str | None, str]] = set()
    for index, overrides in enumerate(combos):
        try:
            cfg = _variant_config(base, base_doc, overrides, base_dir)
        except ConfigError as err:
            for p in err.problems:
                where = origin.get(p.field or "")
                problem = (
                    Problem(source_name, None, where, p.message)
                    if where is not None
                    else Problem(f"{base.name} (base of {source_name})", p.row, p.field, p.message)
                )
                if (problem.field, problem.message) not in seen:
                    seen.add((problem.field, problem.message))
                    problems.append(problem)
            continue
        variants.append(Variant(index, {k: v for k, v in overrides.items() if k in origin}, cfg))
    if problems:
        raise ConfigError(problems)
    parameters = tuple(k for k in origin if k not in shared)
    return SweepSpec(
        name=str(head.get("name", Path(source_name).stem)),
        base=base,
        variants=tuple(variants),
        description=str(head.get("description", "")),
        out=out,
        parameters=parameters,
    )


def _unknown(table: Mapping[str, Any], prefix: str, known: tuple[str, ...], add: Any) -> None:
    for key in table:
        if key not in known:
            hit = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
            hint = f" (did you mean '{hit[0]}'?)" if hit else ""
            dotted = f"{prefix}.{key}" if prefix else key
            add(dotted, f"unknown key '{key}'{hint}; known keys: {', '.join(known)}")


def _path(text: str, base_dir: Path) -> Path:
    if text.startswith("${"):
        return Path(text)  # resolved by the scenario reader (${data_dir}, ${cache_dir})
    path = Path(text).expanduser()
    return Path(os.path.normpath(path if path.is_absolute() else base_dir / path))


def _variant_config(
    base: Path, base_doc: Mapping[str, Any], overrides: Mapping[str, Any], sweep_dir: Path
) -> cfgmod.ScenarioConfig:
    """The base scenario with ``overrides`` written in, loaded by the scenario reader."""
    doc = copy.deepcopy(dict(base_doc))
    problems: list[Problem] = []
    for dotted, value in overrides.items():
        parts = dotted.split(".")
        if len(parts) < 2 or parts[-1] == "include":
            problems.append(
                Problem(base.name, None, dotted, "an override names a key inside a table")
            )
            continue
        if dotted in _PATH_KEYS and isinstance(value, str):
            value = str(_path(value, sweep_dir))
        if parts[0] == "rounds" and parts[1] not in _ROUNDS_KEYS:
            hit = difflib.get_close_matches(parts[1], _ROUNDS_KEYS, n=1, cutoff=0.6)
            hint = f" (did you mean '{hit[0]}'?)" if hit else ""
            problems.append(
                Problem(
                    base.name,
                    None,
                    dotted,
                    f"unknown key '{parts[1]}'{hint}; known keys: {', '.join(_ROUNDS_KEYS)}",
                )
            )
            continue
        table: Any = doc
        for n, part in enumerate(parts[:-1]):
            nxt = table.setdefault(part, {})
            if not isinstance(nxt, dict):
                problems.append(
                    Problem(base.name, None, dotted, f"'{'.'.join(parts[: n + 1])}' is not a table")
                )
                break
            table = nxt
        else:
            table[parts[-1]] = value
    if problems:
        raise ConfigError(problems)
    cfg = cfgmod.scenario_from_toml(
        tomli_w.dumps(doc), base_dir=base.resolve().parent, source_name=base.name
    )
    try:
        RoundsOptions.from_dict(dict(cfg.rounds))
    except (TypeError, ValueError) as exc:
        raise ConfigError([Problem(base.name, None, "rounds", str(exc))]) from None
    return cfg

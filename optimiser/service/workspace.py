"""A web-app workspace (zones, saved scenarios, options) as a JSON file: written and read back.

JSON, never a pickle: the file can be opened, diffed and checked. Reading checks the whole file
against the schema and raises one ``InputError`` listing every problem found (field named).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from optimiser.data import tables
from optimiser.errors import InputError, Problem
from optimiser.service.areas import AreaData
from optimiser.service.zone_table import check_zone_table

#: The file's ``schema`` value and the version this code writes and reads.
SCHEMA = "homecare-workspace"
VERSION = 1
#: Zone rules and travel methods a saved scenario may have.
RULES = ("zoned", "spot")
TRAVEL_METHODS = ("estimate", "rounds")
_TOP_KEYS = ("schema", "version", "area", "zone_source", "zones", "scenarios", "options")
_SCENARIO_KEYS = ("name", "rule", "travel_method", "n_zones", "summary")


@dataclass(frozen=True)
class SavedRun:
    """A scenario saved for comparison: its name, zone rule, travel method ("estimate" or
    "rounds"), number of zones and headline summary (``ScenarioResult.summary``)."""

    name: str
    rule: str
    travel_method: str
    n_zones: int
    summary: Mapping[str, Any]


@dataclass(frozen=True)
class Workspace:
    """What a commissioner was working on: the area's name, the zone table (one row per small
    area) and where it came from, the saved scenarios in order, and page options."""

    area: str
    zone_table: pd.DataFrame
    zone_source: str = ""
    scenarios: tuple[SavedRun, ...] = ()
    options: Mapping[str, Any] = field(default_factory=dict)


def _plain(value: Any) -> Any:
    """JSON-ready values: numpy scalars to Python, NaN/inf to null, tuples to lists."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def workspace_json(workspace: Workspace) -> bytes:
    """The workspace as JSON bytes (UTF-8, indented, keys in a fixed order)."""
    zones = workspace.zone_table[list(tables.ZONE_AREA_COLUMNS)]
    document = {
        "schema": SCHEMA,
        "version": VERSION,
        "area": workspace.area,
        "zone_source": workspace.zone_source,
        "zones": zones.to_dict("records"),
        "scenarios": [
            {
                "name": s.name,
                "rule": s.rule,
                "travel_method": s.travel_method,
                "n_zones": s.n_zones,
                "summary": s.summary,
            }
            for s in workspace.scenarios
        ],
        "options": dict(workspace.options),
    }
    return json.dumps(_plain(document), indent=1, allow_nan=False).encode("utf-8")


def read_workspace(data: bytes, area: AreaData, *, source: str = "workspace") -> Workspace:
    """A workspace from JSON bytes, checked against the schema and ``area``'s small areas.

    Raises ``InputError`` with every problem at once: not JSON, another schema or version,
    another area, missing or unknown keys, zone-table problems (row and column named), bad
    scenario entries (their position and field named) and repeated scenario names.
    """
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise InputError(
            Problem(source, None, None, f"not a workspace file (JSON): {err}")
        ) from None
    if not isinstance(document, dict):
        raise InputError(Problem(source, None, None, "not a workspace file: expected an object"))
    problems: list[Problem] = []

    def problem(field_name: str | None, message: str, row: int | None = None) -> None:
        problems.append(Problem(source, row, field_name, message))

    if document.get("schema") != SCHEMA:
        problem("schema", f"expected {SCHEMA!r}, got {document.get('schema')!r}")
    if document.get("version") != VERSION:
        problem("version", f"this app reads version {VERSION}, got {document.get('version')!r}")
    for key in sorted(set(document) - set(_TOP_KEYS)):
        problem(key, f"unknown key (known: {', '.join(_TOP_KEYS)})")
    if document.get("area") != area.name:
        problem("area", f"the workspace is for {document.get('area')!r}, not {area.name!r}")
    zone_table = _zone_table(document.get("zones"), area, source, problems)
    scenarios = _scenarios(document.get("scenarios", []), source, problems)
    options = document.get("options", {})
    if not isinstance(options, dict):
        problem("options", "expected an object of option names and values")
        options = {}
    zone_source = document.get("zone_source", "")
    if not isinstance(zone_source, str):
        problem("zone_source", "expected text")
        zone_source = ""
    if problems:
        raise InputError(problems)
    assert zone_table is not None
    return Workspace(area.name, zone_table, zone_source, scenarios, options)


def _zone_table(
    rows: Any, area: AreaData, source: str, problems: list[Problem]
) -> pd.DataFrame | None:
    if not isinstance(rows, list) or not rows or not all(isinstance(r, dict) for r in rows):
        problems.append(Problem(source, None, "zones", "expected a list of zone-table rows"))
        return None
    table = pd.DataFrame(rows)
    missing = [c for c in tables.ZONE_AREA_COLUMNS if c not in table.columns]
    if missing:
        problems.append(Problem(source, None, "zones", f"column(s) missing: {', '.join(missing)}"))
        return None
    table = table[list(tables.ZONE_AREA_COLUMNS)].copy()
    table["rate_uplift_pct"] = pd.to_numeric(table["rate_uplift_pct"], errors="coerce")
    for i, value in enumerate(table["rate_uplift_pct"], start=1):
        if not -50.0 <= float(value) <= 200.0:  # NaN fails too
            problems.append(
                Problem(f"{source}: zones", i, "rate_uplift_pct", "expected -50 to 200 [%]")
            )
    for col in ("zone_id", "name", "kind", "area_code", "lead_providers"):
        table[col] = table[col].fillna("").astype(str)
    try:
        check_zone_table(table, area.areas, source=f"{source}: zones", areas_source=area.name)
    except InputError as err:
        problems.extend(err.problems)
    return table


def _scenarios(entries: Any, source: str, problems: list[Problem]) -> tuple[SavedRun, ...]:
    if not isinstance(entries, list):
        problems.append(Problem(source, None, "scenarios", "expected a list"))
        return ()
    runs: list[SavedRun] = []
    names: set[str] = set()
    for i, entry in enumerate(entries, start=1):
        where = f"{source}: scenarios"
        if not isinstance(entry, dict):
            problems.append(Problem(where, i, None, "expected an object"))
            continue
        bad = _scenario_problems(entry)
        problems.extend(Problem(where, i, f, m) for f, m in bad)
        if bad:
            continue
        if entry["name"] in names:
            problems.append(Problem(where, i, "name", f"name {entry['name']!r} is used twice"))
            continue
        names.add(entry["name"])
        runs.append(
            SavedRun(
                entry["name"],
                entry["rule"],
                entry["travel_method"],
                int(entry["n_zones"]),
                entry["summary"],
            )
        )
    return tuple(runs)


def _scenario_problems(entry: Mapping[str, Any]) -> Sequence[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for key in _SCENARIO_KEYS:
        if key not in entry:
            out.append((key, "missing"))
    for key in sorted(set(entry) - set(_SCENARIO_KEYS)):
        out.append((key, f"unknown key (known: {', '.join(_SCENARIO_KEYS)})"))
    if out:
        return out
    if not isinstance(entry["name"], str) or not entry["name"].strip():
        out.append(("name", "expected a non-empty name"))
    if entry["rule"] not in RULES:
        out.append(("rule", f"expected one of {', '.join(RULES)}, got {entry['rule']!r}"))
    if entry["travel_method"] not in TRAVEL_METHODS:
        out.append(
            (
                "travel_method",
                f"expected one of {', '.join(TRAVEL_METHODS)}, got {entry['travel_method']!r}",
            )
        )
    if not isinstance(entry["n_zones"], int) or entry["n_zones"] < 1:
        out.append(("n_zones", f"expected a whole number >= 1, got {entry['n_zones']!r}"))
    if not isinstance(entry["summary"], dict):
        out.append(("summary", "expected an object of headline figures"))
    return out

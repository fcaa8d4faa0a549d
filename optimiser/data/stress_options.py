"""The ``[stress]`` table of a scenario: shocks, demand draws and options of a stress test, checked.

A record of the data layer, like ``RoundsOptions``, so the config reader checks a ``[stress]``
table (unknown keys with the closest known name, wrong types, bad values) before any work.
Layout (every key optional)::

    [stress]
    draws = 5                    # demand draws (draw 0 is the config's own area)
    seed = 7                     # seed of the draws and shocks [the scenario's seed]
    options = ["spot", "zoned", "two_leads", "rural_uplift"]
    max_deterministic_time = 0.05  # CP-SAT work units per run (one worker)
    rural_uplift_pct = 20.0      # the rural option's uplift on rural zones [%] [double each]
    non_lead_penalty = 2.0       # zoned options' penalty when the config itself is spot

    [stress.provider_exit]       # one shock per provider named (or "each", "largest_rural_lead")
    providers = ["largest_rural_lead"]
    [stress.demand_rise]         # +pct % packages in the areas named (all when empty)
    pct = 10.0
    areas = []
    by_65plus_share = false      # scale each area's rise by its 65+ share
    [stress.workforce_shortage]  # -pct % capacity for the providers named (all when empty)
    pct = 15.0
    providers = []
    [stress.discharge_surge]     # extra hospital-discharge packages at once
    packages = 10
    [stress.slower_roads]        # travel times times a factor (winter)
    factor = 1.3

The shocks themselves are applied by ``optimiser.stress.shocks``.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from optimiser.errors import ConfigError, Problem

__all__ = [
    "EACH_PROVIDER",
    "LARGEST_RURAL_LEAD",
    "OPTION_NAMES",
    "DemandRise",
    "DischargeSurge",
    "ProviderExit",
    "Shock",
    "SlowerRoads",
    "StressSettings",
    "WorkforceShortage",
    "stress_problems",
]

#: The commissioning options a stress test compares, in display order.
OPTION_NAMES: tuple[str, ...] = ("spot", "zoned", "two_leads", "rural_uplift")
#: ``provider_exit.providers`` entries resolved against the area: every provider in turn, and
#: the rural-zone lead whose current clients in rural zones have the most weekly hours.
EACH_PROVIDER = "each"
LARGEST_RURAL_LEAD = "largest_rural_lead"

_SOURCE = "[stress]"


@dataclass(frozen=True)
class ProviderExit:
    """A provider leaves the market: its office, capacity and lead roles go; its clients lose
    their provider and need a new one."""

    provider_id: str

    @property
    def label(self) -> str:
        """The shock's name in tables and charts."""
        return f"exit {self.provider_id}"


@dataclass(frozen=True)
class DemandRise:
    """``pct`` [%] more packages in ``area_codes`` (every area when empty); with
    ``by_65plus_share`` each area's rise is ``pct`` times its 65+ share over the mean share."""

    pct: float
    area_codes: tuple[str, ...] = ()
    by_65plus_share: bool = False

    @property
    def label(self) -> str:
        """The shock's name in tables and charts."""
        where = f" in {len(self.area_codes)} areas" if self.area_codes else ""
        how = " by 65+ share" if self.by_65plus_share else ""
        return f"demand +{self.pct:g}%{where}{how}"


@dataclass(frozen=True)
class WorkforceShortage:
    """``pct`` [%] less capacity (and care workers) for ``provider_ids`` (all when empty)."""

    pct: float
    provider_ids: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """The shock's name in tables and charts."""
        who = f" at {', '.join(self.provider_ids)}" if self.provider_ids else ""
        return f"workforce -{self.pct:g}%{who}"


@dataclass(frozen=True)
class DischargeSurge:
    """``packages`` more hospital-discharge packages waiting at once."""

    packages: int

    @property
    def label(self) -> str:
        """The shock's name in tables and charts."""
        return f"discharge surge +{self.packages}"


@dataclass(frozen=True)
class SlowerRoads:
    """Every travel time [min] times ``factor`` (winter roads); distances unchanged."""

    factor: float

    @property
    def label(self) -> str:
        """The shock's name in tables and charts."""
        return f"roads x{self.factor:g}"


Shock = ProviderExit | DemandRise | WorkforceShortage | DischargeSurge | SlowerRoads


@dataclass(frozen=True)
class StressSettings:
    """A checked ``[stress]`` table (see the module docstring for every key).

    ``exit_providers`` may hold ``EACH_PROVIDER`` and ``LARGEST_RURAL_LEAD``, resolved against
    the area by ``optimiser.stress.run``; ``seed`` None means the scenario's seed.
    """

    draws: int = 5
    seed: int | None = None
    options: tuple[str, ...] = OPTION_NAMES
    max_deterministic_time: float = 0.05
    rural_uplift_pct: float | None = None
    non_lead_penalty: float = 2.0
    exit_providers: tuple[str, ...] = ()
    demand_rise: DemandRise | None = None
    workforce_shortage: WorkforceShortage | None = None
    discharge_surge: DischargeSurge | None = None
    slower_roads: SlowerRoads | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = _SOURCE) -> StressSettings:
        """Settings from a config's ``[stress]`` table; raises ConfigError naming every bad key."""
        problems = stress_problems(data, source=source)
        if problems:
            raise ConfigError(problems)
        return _build(data)

    def fixed_shocks(self) -> tuple[Shock, ...]:
        """The shocks that need no area to resolve (all but the provider exits)."""
        found = (self.demand_rise, self.workforce_shortage, self.discharge_surge)
        return tuple(s for s in (*found, self.slower_roads) if s is not None)


# ------------------------------------------------------------------------------ checking

_NUMBER = (int, float)
#: Keys of ``[stress]`` and of each shock's table, with the types their values may have.
_TOP: dict[str, tuple[type, ...]] = {
    "draws": (int,),
    "seed": (int,),
    "options": (list,),
    "max_deterministic_time": _NUMBER,
    "rural_uplift_pct": _NUMBER,
    "non_lead_penalty": _NUMBER,
    "provider_exit": (dict,),
    "demand_rise": (dict,),
    "workforce_shortage": (dict,),
    "discharge_surge": (dict,),
    "slower_roads": (dict,),
}
_SHOCK_KEYS: dict[str, dict[str, tuple[type, ...]]] = {
    "provider_exit": {"providers": (list, str)},
    "demand_rise": {"pct": _NUMBER, "areas": (list,), "by_65plus_share": (bool,)},
    "workforce_shortage": {"pct": _NUMBER, "providers": (list,)},
    "discharge_surge": {"packages": (int,)},
    "slower_roads": {"factor": _NUMBER},
}
#: Keys a shock's table must give.
_REQUIRED = {
    "provider_exit": ("providers",),
    "demand_rise": ("pct",),
    "workforce_shortage": ("pct",),
    "discharge_surge": ("packages",),
    "slower_roads": ("factor",),
}


def _typed(
    table: Mapping[str, Any],
    kinds: Mapping[str, tuple[type, ...]],
    prefix: str,
    source: str,
    problems: list[Problem],
) -> dict[str, Any]:
    """The keys of ``table`` that are known and of the right type; the rest as problems."""
    known = tuple(kinds)
    good: dict[str, Any] = {}
    for key, value in table.items():
        where = f"{prefix}.{key}"
        if key not in kinds:
            hit = difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)
            hint = f" (did you mean '{hit[0]}'?)" if hit else ""
            problems.append(
                Problem(
                    source,
                    None,
                    where,
                    f"unknown key '{key}'{hint}; known keys: {', '.join(known)}",
                )
            )
        elif (isinstance(value, bool) and bool not in kinds[key]) or not isinstance(
            value, kinds[key]
        ):
            names = (
                "a number"
                if kinds[key] == _NUMBER
                else " or ".join(_KIND_NAMES[k] for k in kinds[key])
            )
            problems.append(
                Problem(
                    source, None, where, f"expected {names}, got {type(value).__name__} {value!r}"
                )
            )
        else:
            good[key] = value
    return good


_KIND_NAMES = {
    int: "a whole number",
    float: "a number",
    list: "a list",
    str: "a string",
    bool: "true or false",
    dict: "a table",
}


def stress_problems(data: Mapping[str, Any], *, source: str = _SOURCE) -> list[Problem]:
    """Every problem of a ``[stress]`` table (unknown keys with the closest known name, wrong
    types, bad values), at keys ``stress.<key>``; empty when ``StressSettings.from_dict``
    will succeed."""
    problems: list[Problem] = []
    top = _typed(data, _TOP, "stress", source, problems)

    def bad(key: str, message: str) -> None:
        problems.append(Problem(source, None, f"stress.{key}", message))

    if "draws" in top and not 1 <= top["draws"] <= 10_000:
        bad("draws", f"must be from 1 to 10,000, got {top['draws']}")
    if "seed" in top and not 0 <= top["seed"] <= 2**31 - 1:
        bad("seed", f"must be from 0 to 2,147,483,647, got {top['seed']}")
    if "max_deterministic_time" in top and not top["max_deterministic_time"] > 0:
        bad("max_deterministic_time", f"must be > 0, got {top['max_deterministic_time']}")
    if "rural_uplift_pct" in top and not -50 <= top["rural_uplift_pct"] <= 200:
        bad("rural_uplift_pct", f"must be in [-50, 200], got {top['rural_uplift_pct']}")
    if "non_lead_penalty" in top and not top["non_lead_penalty"] >= 0:
        bad("non_lead_penalty", f"must be >= 0, got {top['non_lead_penalty']}")
    for k, name in enumerate(top.get("options", [])):
        if name not in OPTION_NAMES:
            hit = difflib.get_close_matches(str(name), OPTION_NAMES, n=1, cutoff=0.6)
            hint = f" (did you mean '{hit[0]}'?)" if hit else ""
            bad(
                f"options[{k}]",
                f"unknown option {name!r}{hint}; choose from {', '.join(OPTION_NAMES)}",
            )
    if "options" in top and not top["options"]:
        bad("options", "must name at least one option")

    for shock, kinds in _SHOCK_KEYS.items():
        if shock not in top:
            continue
        sub = _typed(top[shock], kinds, f"stress.{shock}", source, problems)
        for key in _REQUIRED[shock]:
            if key not in top[shock]:
                bad(f"{shock}.{key}", f"missing: [stress.{shock}] needs {key}")
        for key in ("providers", "areas"):
            values = sub.get(key, [])
            values = [values] if isinstance(values, str) else values
            if any(not isinstance(v, str) or not v for v in values):
                bad(f"{shock}.{key}", f"expected a list of ids (text), got {values!r}")
        if shock in ("demand_rise", "workforce_shortage") and "pct" in sub:
            hi = 100.0 if shock == "workforce_shortage" else 1000.0
            if not 0 < sub["pct"] < hi:
                bad(f"{shock}.pct", f"must be > 0 and < {hi:g}, got {sub['pct']}")
        if shock == "discharge_surge" and "packages" in sub and not 1 <= sub["packages"] <= 100_000:
            bad(f"{shock}.packages", f"must be from 1 to 100,000, got {sub['packages']}")
        if shock == "slower_roads" and "factor" in sub and not 0 < sub["factor"] <= 10:
            bad(f"{shock}.factor", f"must be > 0 and <= 10, got {sub['factor']}")
    return problems


def _build(data: Mapping[str, Any]) -> StressSettings:
    """Settings from a table ``stress_problems`` found nothing wrong with."""
    kwargs: dict[str, Any] = {k: data[k] for k in ("draws", "seed") if k in data}
    for key in ("max_deterministic_time", "non_lead_penalty", "rural_uplift_pct"):
        if key in data:
            kwargs[key] = float(data[key])
    if "options" in data:  # in the display order, once each
        kwargs["options"] = tuple(o for o in OPTION_NAMES if o in data["options"])
    if "provider_exit" in data:
        ids = data["provider_exit"]["providers"]
        kwargs["exit_providers"] = tuple([ids] if isinstance(ids, str) else ids)
    if "demand_rise" in data:
        t = data["demand_rise"]
        kwargs["demand_rise"] = DemandRise(
            float(t["pct"]), tuple(t.get("areas", ())), bool(t.get("by_65plus_share", False))
        )
    if "workforce_shortage" in data:
        t = data["workforce_shortage"]
        kwargs["workforce_shortage"] = WorkforceShortage(
            float(t["pct"]), tuple(t.get("providers", ()))
        )
    if "discharge_surge" in data:
        kwargs["discharge_surge"] = DischargeSurge(int(data["discharge_surge"]["packages"]))
    if "slower_roads" in data:
        kwargs["slower_roads"] = SlowerRoads(float(data["slower_roads"]["factor"]))
    return StressSettings(**kwargs)

"""The commissioning options a stress test compares, built from one scenario and its zone table.

- ``spot``: any provider anywhere, current clients stay put (``release_continuity`` false):
  ``configs/demo_spot.toml`` is ``demo_zoned.toml`` with exactly these changes.
- ``zoned``: the config's own zoned rule; a spot config gets the zoned rule with
  ``[stress] non_lead_penalty`` (default 2.0, as in ``demo_zoned.toml``) and released
  continuity, as the demo's zoned scenario has.
- ``two_leads``: zoned, with every zone's lead providers topped up to two by the nearest other
  provider (the one whose office is fewest road minutes, on average, from the zone's homes).
- ``rural_uplift``: zoned, with every rural zone's ``rate_uplift_pct`` doubled, or set to
  ``[stress] rural_uplift_pct``. The uplift raises the price and cost of rural hours; the model
  has no supply response to price, so it moves cost, not who is served.

Every option gets the stress test's solver budget: one CP-SAT worker and a small deterministic
budget (``max_deterministic_time``), the scenario's seed, and the fast travel estimate.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from optimiser.data.domain import Package, Provider, Scenario, ZoneKind, ZonePolicy, ZoneRule
from optimiser.data.stress_options import StressSettings

__all__ = ["Option", "build_options", "rural_uplift_table", "top_up_leads"]


@dataclass(frozen=True, eq=False)
class Option:
    """One commissioning option: its name, its scenario and the zone table it runs with."""

    name: str
    scenario: Scenario
    zone_table: pd.DataFrame


def top_up_leads(
    zone_table: pd.DataFrame,
    packages: Sequence[Package],
    providers: Sequence[Provider],
    office_min: np.ndarray,
    *,
    leads: int = 2,
) -> pd.DataFrame:
    """The zone table with each zone's leads topped up to ``leads`` by the providers nearest
    its homes (mean office-to-home road minutes [min] over the zone's packages; ties by id).
    A zone with no packages keeps its leads."""
    area_zone = dict(zip(zone_table["area_code"].astype(str), zone_table["zone_id"], strict=True))
    homes: dict[str, list[int]] = {}
    for i, p in enumerate(packages):
        zone = area_zone.get(p.area_code or "")
        if zone is not None:
            homes.setdefault(zone, []).append(i)
    ids = [p.provider_id for p in providers]
    new_leads: dict[str, str] = {}
    for zone_id, group in zone_table.groupby("zone_id", sort=False):
        current = [x for x in str(group["lead_providers"].iloc[0]).split(";") if x]
        idx = homes.get(str(zone_id), [])
        if len(current) >= leads or not idx:
            continue
        minutes = np.nanmean(
            np.where(np.isfinite(office_min[:, idx]), office_min[:, idx], np.nan), axis=1
        )
        order = sorted(
            (k for k in range(len(ids)) if ids[k] not in current and np.isfinite(minutes[k])),
            key=lambda k: (minutes[k], ids[k]),
        )
        new_leads[str(zone_id)] = ";".join(
            current + [ids[k] for k in order[: leads - len(current)]]
        )
    table = zone_table.copy()
    table["lead_providers"] = [
        new_leads.get(str(z), leads_text)
        for z, leads_text in zip(table["zone_id"], table["lead_providers"], strict=True)
    ]
    return table


def rural_uplift_table(zone_table: pd.DataFrame, pct: float | None = None) -> pd.DataFrame:
    """The zone table with every rural zone's ``rate_uplift_pct`` doubled, or set to ``pct``."""
    table = zone_table.copy()
    rural = table["kind"].astype(str) == ZoneKind.RURAL.value
    uplift = table["rate_uplift_pct"].astype(float)
    table["rate_uplift_pct"] = np.where(rural, pct if pct is not None else 2.0 * uplift, uplift)
    return table


def _budgeted(scenario: Scenario, name: str, settings: StressSettings) -> Scenario:
    solver = dataclasses.replace(
        scenario.solver, workers=1, max_deterministic_time=settings.max_deterministic_time
    )
    return dataclasses.replace(scenario, name=name, solver=solver, travel_method="estimate")


def build_options(
    scenario: Scenario,
    zone_table: pd.DataFrame,
    packages: Sequence[Package],
    providers: Sequence[Provider],
    office_min: np.ndarray,
    settings: StressSettings,
) -> tuple[Option, ...]:
    """The options ``settings.options`` names, in display order (see the module docstring)."""
    policy = scenario.zone_policy
    zoned_anywhere = policy.rule is ZoneRule.ZONED or ZoneRule.ZONED in policy.per_zone.values()
    if zoned_anywhere:
        zoned = scenario
    else:
        zoned = dataclasses.replace(
            scenario,
            zone_policy=ZonePolicy(rule=ZoneRule.ZONED, non_lead_penalty=settings.non_lead_penalty),
            rules=dataclasses.replace(scenario.rules, release_continuity=True),
        )
    spot = dataclasses.replace(
        scenario,
        zone_policy=ZonePolicy(rule=ZoneRule.SPOT),
        rules=dataclasses.replace(scenario.rules, release_continuity=False),
    )
    made = {
        "spot": lambda: (spot, zone_table),
        "zoned": lambda: (zoned, zone_table),
        "two_leads": lambda: (
            zoned,
            top_up_leads(zone_table, packages, providers, office_min),
        ),
        "rural_uplift": lambda: (zoned, rural_uplift_table(zone_table, settings.rural_uplift_pct)),
    }
    out = []
    for name in settings.options:
        sc, table = made[name]()
        out.append(Option(name, _budgeted(sc, name, settings), table.reset_index(drop=True)))
    return tuple(out)

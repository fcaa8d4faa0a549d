"""Broker a batch of new packages: allocate in turn within spare capacity, rank the rest (pure).

A batch is matched the way a brokerage team works through its list: hospital discharges and
other higher priorities first, then the longest wait, then the order of the upload. Each
package in turn takes the best provider that may serve it and still has room for it, and that
provider's spare capacity falls by what the package needs, so no spare hour is offered twice.
"Needs" and "spare" use the assignment's capacity definition: carer-hours a week with
double-handed calls counted twice, plus the carers' travel legs to the visits (one leg per
carer per visit, from the per-visit travel estimate). A package no provider has room for goes
to the waiting list; it is never pre-filled with a provider that has no room.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from optimiser.data.domain import Package, Provider, Scenario, Zone, ZoneRule

#: Status of a package in a brokerage batch (the decisions table's ``status`` column).
MATCHED = "matched"
NO_ROOM = "no provider has room: waiting list"
NO_PROVIDER = "no provider may take it: waiting list"
OUTSIDE_AREA = "outside the area"
OFF_ROAD = "too far from a road"

#: Columns of the options table (every provider for every package, ranked), in order.
OPTION_COLUMNS = (
    "package_id",
    "rank",
    "provider_id",
    "provider_name",
    "travel_min",
    "travel_carer_hours",
    "needed_carer_hours",
    "spare_carer_hours",
    "skills_ok",
    "zone_ok",
    "within_travel_limit",
    "has_room",
    "suggested",
    "reason",
)

#: Columns of the decisions table (one row per uploaded package, in upload order).
DECISION_COLUMNS = (
    "package_id",
    "turn",
    "priority",
    "days_waiting",
    "weekly_hours",
    "carer_hours",
    "needed_carer_hours",
    "status",
    "suggested_provider_id",
    "suggested_provider_name",
    "reason",
)


@dataclass(frozen=True, eq=False)
class Allocation:
    """Who takes which package when a batch is worked through in order.

    ``provider_of`` [N]: provider index per package, -1 for the waiting list; ``turn`` [N]:
    each package's place in the order (0 = first); ``spare_before`` [N, P]: every provider's
    spare capacity at that package's turn [carer-h/week]; ``spare_after`` [P]: what is left
    after the whole batch [carer-h/week].
    """

    provider_of: np.ndarray
    turn: np.ndarray
    spare_before: np.ndarray
    spare_after: np.ndarray


def allocation_order(packages: Sequence[Package], scenario: Scenario) -> list[int]:
    """Package indices in brokerage order: higher priority weight first (the scenario's
    ``rules.priority_weight``), then more days waiting, then upload order."""
    weight = scenario.rules.priority_weight
    return sorted(
        range(len(packages)),
        key=lambda i: (-weight.get(packages[i].priority, 1.0), -packages[i].days_waiting, i),
    )


def allocate_batch(
    order: Sequence[int],
    eligible: np.ndarray,
    preference: np.ndarray,
    needed_carer_hours: np.ndarray,
    spare_carer_hours: np.ndarray,
) -> Allocation:
    """Work through the packages in ``order``; each takes its most preferred eligible provider
    with room, and that provider's spare capacity falls by what the package needs.

    Arrays are provider x package (P, N): ``eligible`` (may serve it), ``preference`` (lower
    is better), ``needed_carer_hours`` (care plus travel [carer-h/week]);
    ``spare_carer_hours`` [P] is the room at the start [carer-h/week]. A package for which no
    eligible provider has room is left unplaced (-1) and takes nothing.
    """
    eligible = np.asarray(eligible, dtype=bool)
    preference = np.asarray(preference, dtype=float)
    needed = np.asarray(needed_carer_hours, dtype=float)
    spare = np.array(spare_carer_hours, dtype=float, copy=True)
    p, n = eligible.shape
    if preference.shape != (p, n) or needed.shape != (p, n) or spare.shape != (p,):
        raise ValueError(
            f"allocate_batch: shapes differ: eligible {eligible.shape}, preference "
            f"{preference.shape}, needed {needed.shape}, spare {spare.shape}"
        )
    if sorted(order) != list(range(n)):
        raise ValueError(f"allocate_batch: order must list each of the {n} packages once")
    provider_of = np.full(n, -1, dtype=np.int64)
    turn = np.empty(n, dtype=np.int64)
    spare_before = np.empty((n, p))
    for position, i in enumerate(order):
        turn[i] = position
        spare_before[i] = spare
        fits = eligible[:, i] & (spare >= needed[:, i])
        if fits.any():
            candidates = np.flatnonzero(fits)
            k = int(candidates[np.argmin(preference[candidates, i])])  # first of equals
            provider_of[i] = k
            spare[k] -= needed[k, i]
    return Allocation(provider_of, turn, spare_before, spare)


@dataclass(frozen=True, eq=False)
class BrokerageBatch:
    """A brokered batch: ``decisions`` (``DECISION_COLUMNS``, one row per package),
    ``options`` (``OPTION_COLUMNS``: every provider for every package, best first, with the
    spare capacity at the package's turn) and ``spare`` (one row per provider: provider_id,
    provider_name, spare_before_batch, suggested_carer_hours, spare_after_batch [carer-h/week]).
    """

    decisions: pd.DataFrame
    options: pd.DataFrame
    spare: pd.DataFrame

    def suggestions(self, top_k: int = 3) -> pd.DataFrame:
        """The ``top_k`` best options of each package."""
        return self.options[self.options["rank"] <= top_k].reset_index(drop=True)

    def summary(self) -> dict[str, int]:
        """How many packages were matched, put on the waiting list, or could not be placed."""
        status = self.decisions["status"]
        return {
            "packages": len(status),
            "matched": int((status == MATCHED).sum()),
            "waiting_no_room": int((status == NO_ROOM).sum()),
            "waiting_no_provider": int((status == NO_PROVIDER).sum()),
            "not_located": int(status.isin([OUTSIDE_AREA, OFF_ROAD]).sum()),
        }


def broker_batch(
    packages: Sequence[Package],
    providers: Sequence[Provider],
    zones_by_id: Mapping[str, Zone],
    scenario: Scenario,
    *,
    office_min: np.ndarray,
    travel_carer_min: np.ndarray,
    used_carer_hours: Mapping[str, float],
) -> BrokerageBatch:
    """Allocate a batch in order within spare capacity (see the module docstring).

    ``office_min`` is provider x package one-way office-to-home travel [min] (NaN = no route);
    ``travel_carer_min`` the carers' weekly travel to the package's visits [min/week, one leg
    per carer per visit]; ``used_carer_hours`` what each provider already delivers, travel
    included [carer-h/week]. A provider may take a package if it holds the skills, is allowed
    in the package's zone and its office is within the travel limit; among those, a zone's
    leads come first, then the shortest travel from the office.
    """
    p, n = len(providers), len(packages)
    office = np.asarray(office_min, dtype=float).reshape(p, n)
    travel_h = np.nan_to_num(np.asarray(travel_carer_min, dtype=float).reshape(p, n)) / 60.0
    limit = scenario.rules.travel_limit_min
    care_h = np.array([pk.carer_hours for pk in packages])
    needed = care_h[None, :] + travel_h
    skills_ok = np.array([[not (pk.needs - pv.skills) for pk in packages] for pv in providers])
    lead = np.zeros((p, n), dtype=bool)
    zone_ok = np.ones((p, n), dtype=bool)
    for i, pk in enumerate(packages):
        zone = zones_by_id.get(pk.zone_id or "")
        leads = set(zone.lead_providers) if zone is not None else set()
        zoned = scenario.zone_policy.rule_for(pk.zone_id) is ZoneRule.ZONED
        for k, pv in enumerate(providers):
            lead[k, i] = pv.provider_id in leads
            zone_ok[k, i] = (
                (not zoned) or lead[k, i] or (scenario.zone_policy.non_lead_penalty is not None)
            )
    reachable = np.isfinite(office) & (office <= limit)
    eligible = skills_ok & zone_ok & reachable
    distance = np.where(np.isfinite(office), office, 1e9)
    preference = (~lead) * 1e6 + distance
    spare0 = np.array(
        [pv.capacity_hours - float(used_carer_hours.get(pv.provider_id, 0.0)) for pv in providers]
    )
    alloc = allocate_batch(
        allocation_order(packages, scenario), eligible, preference, needed, spare0
    )

    option_rows, decision_rows = [], []
    for i, pk in enumerate(packages):
        spare = alloc.spare_before[i]
        fits = spare >= needed[:, i]
        chosen = int(alloc.provider_of[i])
        key = [
            (k != chosen, not eligible[k, i], not fits[k], not lead[k, i], distance[k, i], k)
            for k in range(p)
        ]
        for rank, k in enumerate(sorted(range(p), key=lambda k: key[k]), start=1):
            zone = zones_by_id.get(pk.zone_id or "")
            zoned = scenario.zone_policy.rule_for(pk.zone_id) is ZoneRule.ZONED
            option_rows.append(
                {
                    "package_id": pk.package_id,
                    "rank": rank,
                    "provider_id": providers[k].provider_id,
                    "provider_name": providers[k].name,
                    "travel_min": round(float(office[k, i]), 1)
                    if np.isfinite(office[k, i])
                    else None,
                    "travel_carer_hours": round(float(travel_h[k, i]), 2),
                    "needed_carer_hours": round(float(needed[k, i]), 2),
                    "spare_carer_hours": round(float(spare[k]), 1),
                    "skills_ok": bool(skills_ok[k, i]),
                    "zone_ok": bool(zone_ok[k, i]),
                    "within_travel_limit": bool(reachable[k, i]),
                    "has_room": bool(fits[k]),
                    "suggested": k == chosen,
                    "reason": _reason(
                        providers[k],
                        pk,
                        zone,
                        sorted(pk.needs - providers[k].skills),
                        zoned,
                        bool(lead[k, i]),
                        bool(zone_ok[k, i]),
                        float(office[k, i]),
                        limit,
                        float(spare[k]),
                        float(needed[k, i]),
                    ),
                }
            )
        decision_rows.append(_decision(pk, i, alloc, providers, eligible, needed, option_rows))
    spare = pd.DataFrame(
        {
            "provider_id": [pv.provider_id for pv in providers],
            "provider_name": [pv.name for pv in providers],
            "spare_before_batch": np.round(spare0, 2),
            "suggested_carer_hours": np.round(spare0 - alloc.spare_after, 2),
            "spare_after_batch": np.round(alloc.spare_after, 2),
        }
    )
    return BrokerageBatch(
        decisions=pd.DataFrame(decision_rows, columns=list(DECISION_COLUMNS)),
        options=pd.DataFrame(option_rows, columns=list(OPTION_COLUMNS)),
        spare=spare,
    )


def _decision(
    pk: Package,
    i: int,
    alloc: Allocation,
    providers: Sequence[Provider],
    eligible: np.ndarray,
    needed: np.ndarray,
    option_rows: list[dict],
) -> dict:
    """One decisions row: the suggested provider, or why the package waits."""
    k = int(alloc.provider_of[i])
    best = next(r for r in option_rows if r["package_id"] == pk.package_id and r["rank"] == 1)
    if k >= 0:
        status, reason = MATCHED, best["reason"]
    elif eligible[:, i].any():
        most = float(alloc.spare_before[i][eligible[:, i]].max())
        status = NO_ROOM
        reason = (
            f"needs {needed[eligible[:, i], i].min():.1f} carer-h a week incl. travel; the most "
            f"any provider that may take it has left at its turn is {most:.1f}"
        )
    else:
        status = NO_PROVIDER
        reason = f"no provider has the skills, the zone and the travel limit: {best['reason']}"
    return {
        "package_id": pk.package_id,
        "turn": int(alloc.turn[i]) + 1,
        "priority": pk.priority.value,
        "days_waiting": pk.days_waiting,
        "weekly_hours": pk.weekly_hours,
        "carer_hours": round(pk.carer_hours, 2),
        "needed_carer_hours": round(float(needed[k, i]), 2) if k >= 0 else None,
        "status": status,
        "suggested_provider_id": providers[k].provider_id if k >= 0 else "",
        "suggested_provider_name": providers[k].name if k >= 0 else "",
        "reason": reason,
    }


def not_located(package: Package, status: str, message: str) -> dict:
    """A decisions row for a package that could not be placed on the map (outside the area,
    too far from a road): it is not matched, and the message says why."""
    return {
        "package_id": package.package_id,
        "turn": None,
        "priority": package.priority.value,
        "days_waiting": package.days_waiting,
        "weekly_hours": package.weekly_hours,
        "carer_hours": round(package.carer_hours, 2),
        "needed_carer_hours": None,
        "status": status,
        "suggested_provider_id": "",
        "suggested_provider_name": "",
        "reason": message,
    }


def capacity_after_choices(
    choices: Mapping[str, str], options: pd.DataFrame, spare: pd.DataFrame
) -> pd.DataFrame:
    """Each provider's spare capacity after the broker's choices (overrides included).

    ``choices`` maps package id to the chosen provider id ("" = none); ``options`` and
    ``spare`` are a :class:`BrokerageBatch`'s tables. Returns provider_id, provider_name,
    spare_before_batch, chosen_carer_hours, spare_after_choices [carer-h/week] and
    ``over_capacity`` (true when the choices need more than the provider has).
    """
    needed = options.set_index(["package_id", "provider_id"])["needed_carer_hours"]
    taken = {str(pid): 0.0 for pid in spare["provider_id"]}
    for package_id, provider_id in choices.items():
        if provider_id and (package_id, provider_id) in needed.index:
            taken[provider_id] += float(needed.loc[(package_id, provider_id)])
    out = spare[["provider_id", "provider_name", "spare_before_batch"]].copy()
    out["chosen_carer_hours"] = [round(taken[str(p)], 2) for p in out["provider_id"]]
    out["spare_after_choices"] = (out["spare_before_batch"] - out["chosen_carer_hours"]).round(2)
    out["over_capacity"] = out["spare_after_choices"] < -1e-9
    return out


def _reason(
    pv: Provider,
    pk: Package,
    zone: Zone | None,
    missing: list[str],
    zoned: bool,
    lead: bool,
    zone_ok: bool,
    travel: float,
    limit: float,
    spare: float,
    needed: float,
) -> str:
    """One line a broker reads: why this provider is (or is not) a good match."""
    parts = []
    if missing:
        parts.append(f"lacks skill {', '.join(missing)}")
    if zone is not None:
        if lead:
            parts.append(f"lead provider in {zone.name}")
        elif zoned:
            parts.append(
                f"not a lead in {zone.name}" + (" (fallback at a penalty)" if zone_ok else "")
            )
    if not np.isfinite(travel):
        parts.append("no road route from the office")
    else:
        far = " (beyond the travel limit)" if travel > limit else ""
        parts.append(f"{travel:.0f} min from the office{far}")
    room = "room" if spare >= needed else "no room"
    travel_h = needed - pk.carer_hours
    parts.append(
        f"{room}: {spare:.1f} carer-h spare at its turn for {needed:.1f} needed "
        f"({pk.carer_hours:.1f} care + {travel_h:.1f} travel)"
    )
    return "; ".join(parts)

"""Solver-independent checker of a zone design: re-derives every rule from the records.

Used as the test oracle of ``zone_design`` and ``zone_search`` and before any design is
reported. It reads only the instance's records (units, demand, arcs, capacities, travel) and
the design's zone per unit, leads and flows; it shares no code with the solvers.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from optimiser.models.design_records import DesignInstance, DesignRules, ZoneDesign

#: Flow tolerance [carer min/week]: the MIP's flows are continuous.
TOL_MIN = 0.5


def _connected(members: list[int], adjacency: dict[int, set[int]]) -> bool:
    if not members:
        return False
    inside = set(members)
    seen = {members[0]}
    queue = deque([members[0]])
    while queue:
        u = queue.popleft()
        for v in adjacency.get(u, ()):
            if v in inside and v not in seen:
                seen.add(v)
                queue.append(v)
    return seen == inside


def check_design(
    inst: DesignInstance, rules: DesignRules, design: ZoneDesign, *, capacity: bool = True
) -> list[str]:
    """Every broken rule of ``design`` as one line of text (empty: every rule holds).

    ``capacity=False`` skips the capacity rule (for designs made with a capacity shortfall
    the caller reports separately).
    """
    problems: list[str] = []
    n, p = len(inst.unit_ids), len(inst.provider_ids)
    zone_of = np.asarray(design.zone_of)
    k = rules.n_zones
    if zone_of.shape != (n,):
        return [f"zone_of has shape {zone_of.shape}, expected ({n},)"]
    used = sorted(set(zone_of.tolist()))
    if used != list(range(k)):
        problems.append(f"zones: expected {k} non-empty zones 0..{k - 1}, got {used}")
    adjacency: dict[int, set[int]] = {}
    for u, v in np.asarray(inst.arcs).tolist():
        adjacency.setdefault(u, set()).add(v)
        adjacency.setdefault(v, set()).add(u)
    demand = np.asarray(inst.demand_min, dtype=float)
    for z in used:
        members = [u for u in range(n) if zone_of[u] == z]
        if not _connected(members, adjacency):
            problems.append(f"contiguity: zone {z} is not contiguous ({len(members)} units)")
        if demand[members].sum() < rules.min_volume_h * 60.0 - 1e-6:
            problems.append(
                f"minimum volume: zone {z} has {demand[members].sum() / 60:,.1f} h < "
                f"{rules.min_volume_h:g} h"
            )
    if len(design.leads) != k:
        problems.append(f"leads: {len(design.leads)} lead lists for {k} zones")
    for z, leads in enumerate(design.leads):
        if not 1 <= len(leads) <= rules.max_leads or len(set(leads)) != len(leads):
            problems.append(f"leads: zone {z} has leads {list(leads)} (1..{rules.max_leads})")
    flow = np.asarray(design.flow_min, dtype=float)
    if flow.shape != (n, p):
        problems.append(f"flows have shape {flow.shape}, expected ({n}, {p})")
    else:
        if (flow < -TOL_MIN).any():
            problems.append("flows: a negative flow")
        served = flow.sum(axis=1)
        for u in np.flatnonzero(np.abs(served - demand) > TOL_MIN):
            problems.append(
                f"demand: unit {inst.unit_ids[u]} has {demand[u]:.0f} min, served {served[u]:.0f}"
            )
        for u in range(n):
            z = int(zone_of[u])
            allowed = set(design.leads[z]) if 0 <= z < len(design.leads) else set()
            for prov in np.flatnonzero(flow[u] > TOL_MIN):
                if prov not in allowed:
                    problems.append(
                        f"leads: unit {inst.unit_ids[u]} served by {inst.provider_ids[prov]}, "
                        f"not a lead of its zone"
                    )
        if capacity:
            usable = np.floor(
                np.asarray(inst.capacity_min, dtype=float) * (1 - rules.headroom_pct / 100)
            )
            load = flow.sum(axis=0)
            for prov in np.flatnonzero(load > usable + TOL_MIN * n):
                problems.append(
                    f"capacity: {inst.provider_ids[prov]} serves {load[prov] / 60:,.1f} h > "
                    f"{usable[prov] / 60:,.1f} h after headroom"
                )
    index = {u: i for i, u in enumerate(inst.unit_ids)}
    for group in rules.together:
        zones = {int(zone_of[index[u]]) for u in group if u in index}
        if len(zones) > 1:
            problems.append(f"keep together: {list(group)[:4]} split over zones {sorted(zones)}")
    by_label: dict[str, set[int]] = {}
    for u, label in rules.pinned.items():
        if u in index:
            by_label.setdefault(str(label), set()).add(int(zone_of[index[u]]))
    for label, zones in by_label.items():
        if len(zones) > 1:
            problems.append(f"pinned: label {label!r} spread over zones {sorted(zones)}")
    firsts = [min(z) for z in by_label.values()]
    if len(firsts) != len(set(firsts)):
        problems.append("pinned: two labels share a zone")
    return problems


def design_objective(inst: DesignInstance, rules: DesignRules, design: ZoneDesign) -> float:
    """The objective re-derived [min per carer-minute]: flow-weighted office travel plus
    demand-weighted travel to the zone's centre, each weighted (travel rounded to 0.1 min and
    made symmetric, as the solvers are given it)."""
    d = np.asarray(inst.demand_min, dtype=float)
    office = np.where(np.isfinite(inst.office_min), inst.office_min, np.nanmax(inst.office_min) * 4)
    office = np.rint(office * 10) / 10
    unit = np.array(inst.unit_min, dtype=float)
    unit = np.where(np.isfinite(unit), unit, np.nan)
    unit = np.nanmean(np.stack([unit, unit.T]), axis=0)
    unit = np.where(np.isfinite(unit), unit, np.nanmax(unit) * 4)
    np.fill_diagonal(unit, 0)
    unit = np.rint(unit * 10) / 10
    lead = float((np.asarray(design.flow_min) * office.T).sum())
    centre_of_unit = np.asarray(design.centre)[np.asarray(design.zone_of)]
    spread = float((d * unit[np.arange(len(d)), centre_of_unit]).sum())
    return (rules.lead_weight * lead + rules.spread_weight * spread) / max(d.sum(), 1.0)

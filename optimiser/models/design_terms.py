"""Zone design arithmetic shared by the solvers: objective terms, rule prechecks, the result."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from optimiser.errors import InfeasibleError
from optimiser.models.design_records import (
    DesignInstance,
    DesignRules,
    DesignSettings,
    ZoneDesign,
)
from optimiser.models.solution import relative_gap


@dataclass(frozen=True)
class DesignTerms:
    """The objective of a design [min per carer-minute of demand] and its two terms."""

    objective_min: float
    lead_min: float
    spread_min: float


def _symmetric_min(inst: DesignInstance) -> np.ndarray:
    """Unit-to-unit travel [min] as the solvers see it (symmetric, tenths of a minute)."""
    return inst.unit_travel_int() / 10.0


def design_terms(
    inst: DesignInstance,
    rules: DesignRules,
    zone_of: np.ndarray,
    centre: np.ndarray,
    flow_min: np.ndarray,
) -> DesignTerms:
    """Lead term (flow-weighted office travel), spread term (travel to the centre), objective."""
    demand = inst.demand_min.astype(np.float64)
    total = max(demand.sum(), 1.0)
    lead = float((flow_min * (inst.office_travel_int().T / 10.0)).sum()) / total
    t = _symmetric_min(inst)
    spread = float((demand * t[np.arange(inst.n_units), centre[zone_of]]).sum()) / total
    return DesignTerms(rules.lead_weight * lead + rules.spread_weight * spread, lead, spread)


def components(n: int, neighbours: Sequence[Sequence[int]], members: Sequence[int]) -> int:
    """Number of connected pieces of ``members`` using only neighbours among them."""
    inside = set(int(m) for m in members)
    seen: set[int] = set()
    count = 0
    for s in inside:
        if s in seen:
            continue
        count += 1
        stack = [s]
        seen.add(s)
        while stack:
            u = stack.pop()
            for v in neighbours[u]:
                if v in inside and v not in seen:
                    seen.add(v)
                    stack.append(v)
    return count


def check_rules_feasible(inst: DesignInstance, rules: DesignRules) -> None:
    """Rules that cannot hold for any design, each named, raised together as InfeasibleError."""
    n, k = inst.n_units, rules.n_zones
    demand_h = inst.demand_min.sum() / 60.0
    usable_h = rules.usable_capacity_min(inst.capacity_min).sum() / 60.0
    problems: list[str] = []
    if k > n:
        problems.append(f"zones: {k} zones asked for but the area has only {n} units")
    if k * rules.min_volume_h > demand_h + 1e-9:
        problems.append(
            f"minimum volume: {k} zones of at least {rules.min_volume_h:g} carer-h/week need "
            f"{k * rules.min_volume_h:,.0f} h, the area's demand is {demand_h:,.0f} h "
            f"(at most {int(demand_h // max(rules.min_volume_h, 1e-9))} zones)"
        )
    if demand_h > usable_h + 1e-9:
        problems.append(
            f"capacity: the area's demand is {demand_h:,.0f} carer-h/week (travel included) "
            f"but the providers' capacity less the {rules.headroom_pct:g}% headroom is "
            f"{usable_h:,.0f} h (lower the headroom or add capacity)"
        )
    # K zones with at most max_leads leads each use at most K x max_leads providers
    slots = k * rules.max_leads
    if slots < inst.n_providers and demand_h <= usable_h + 1e-9:
        best_h = np.sort(rules.usable_capacity_min(inst.capacity_min))[::-1][:slots].sum() / 60.0
        if demand_h > best_h + 1e-9:
            problems.append(
                f"capacity: {k} zones with at most {rules.max_leads} leads each use at most "
                f"{slots} of the {inst.n_providers} providers, whose largest capacities less "
                f"the {rules.headroom_pct:g}% headroom give {best_h:,.0f} carer-h/week, below "
                f"the area's demand of {demand_h:,.0f} h (more zones, more leads per zone or "
                f"a lower headroom)"
            )
    pieces = components(n, inst.neighbours(), range(n))
    if pieces > k:
        problems.append(
            f"contiguity: the units form {pieces} separate pieces (no shared boundary or road "
            f"between them), so at least {pieces} zones are needed, not {k}"
        )
    labels = len(rules.pinned_apart(inst.unit_ids))
    if labels > k:
        problems.append(f"pinned units: {labels} different zone labels but only {k} zones")
    index = {u: i for i, u in enumerate(inst.unit_ids)}
    unknown = [u for g in rules.together for u in g if u not in index]
    unknown += [u for u in rules.pinned if u not in index]
    if unknown:
        problems.append(f"keep together / pinned: unknown unit ids {sorted(set(unknown))[:5]}")
    for group in rules.groups(inst.unit_ids):
        if components(n, inst.neighbours(), group) > 1:
            names = [inst.unit_ids[u] for u in group]
            problems.append(f"keep together: group {names[:6]} is not contiguous on its own")
    if problems:
        raise InfeasibleError("zone design rules cannot all hold:\n  " + "\n  ".join(problems))


def finish_design(
    inst: DesignInstance,
    rules: DesignRules,
    settings: DesignSettings,
    *,
    zone_of: np.ndarray,
    centre: np.ndarray,
    leads: tuple[tuple[int, ...], ...],
    flow: np.ndarray,
    bound_min: float,
    gap: float | None,
    status: str,
    method: str,
    wall_s: float,
    notes: tuple[str, ...] = (),
) -> ZoneDesign:
    """The design record: objective terms, rural flags, bound and gap filled in."""
    terms = design_terms(inst, rules, zone_of, centre, flow)
    t = _symmetric_min(inst)
    demand = inst.demand_min.astype(np.float64)
    rural = []
    for z in range(len(centre)):
        members = np.flatnonzero(zone_of == z)
        d = demand[members]
        spread = float((d * t[members, centre[z]]).sum() / max(d.sum(), 1.0))
        rural.append(spread >= rules.rural_spread_min)
    if gap is None:
        gap = relative_gap(terms.objective_min, bound_min)
    for arr in (zone_of, centre, flow):
        arr.setflags(write=False)
    return ZoneDesign(
        zone_of=zone_of,
        centre=centre,
        leads=leads,
        flow_min=flow,
        objective_min=terms.objective_min,
        lead_min=terms.lead_min,
        spread_min=terms.spread_min,
        bound_min=bound_min,
        gap=gap,
        status=status,
        method=method,
        wall_s=wall_s,
        settings=settings,
        rules=rules,
        rural=tuple(rural),
        notes=notes,
    )

"""Solver-independent checker of an assignment: rule violations and objective values.

This is the test oracle. :func:`check_assignment` re-derives every rule (skills, zone rule,
travel limit, capacity with travel, continuity) from the records the instance was compiled from
(``instance.records``: packages, providers, zones, scenario, travel arrays), never from the
compiled candidate pairs, so a pruning bug in the instance builder shows up here as well as a
bug in a solver. :func:`objective_values` evaluates the objective terms on the instance with
plain numpy, apart from the solver's model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from optimiser.data.domain import PackageStatus, ZoneRule
from optimiser.models.instance import AssignmentInstance, AssignmentRecords, to_int
from optimiser.models.travel_formula import nearest_leg, per_visit_travel


@dataclass(frozen=True)
class ObjectiveValues:
    """The objective terms of an assignment, in the lexicographic order, integer units.

    ``unmet_weighted`` [milli-weight x contact min]; ``continuity_breaks`` [active packages not
    with their current provider]; ``non_lead_penalty`` [centi-units of soft-zoning penalty];
    ``travel_min`` [carer travel min/week]; ``cost_pence`` [pence/week]. Plus plain totals:
    ``demand_min``/``placed_min``/``unmet_min`` [contact min/week], ``travel_m`` [m/week].
    """

    unmet_weighted: int
    continuity_breaks: int
    non_lead_penalty: int
    travel_min: int
    cost_pence: int
    demand_min: int
    placed_min: int
    unmet_min: int
    travel_m: int

    @property
    def unmet_hours(self) -> float:
        """Unmet contact hours per week [h]."""
        return self.unmet_min / 60.0

    @property
    def placed_hours(self) -> float:
        """Placed contact hours per week [h]."""
        return self.placed_min / 60.0


def objective_values(instance: AssignmentInstance, provider_of: np.ndarray) -> ObjectiveValues:
    """Evaluate every objective term of ``provider_of`` (index per package, -1 = unmet).

    Packages placed on a pair that is not a candidate contribute no travel or cost (the
    checker reports such pairs as violations).
    """
    provider_of = np.asarray(provider_of, dtype=np.int64)
    placed = provider_of >= 0
    pair = instance.pair_index(provider_of)
    on_pair = pair >= 0
    unmet = ~placed
    breaks = instance.active & (provider_of != instance.current)
    return ObjectiveValues(
        unmet_weighted=int(np.sum(instance.unmet_weight[unmet] * instance.contact_min[unmet])),
        continuity_breaks=int(breaks.sum()),
        non_lead_penalty=int(instance.pair_penalty[pair[on_pair]].sum()),
        travel_min=int(instance.pair_travel_min[pair[on_pair]].sum()),
        cost_pence=int(instance.pair_cost_pence[pair[on_pair]].sum()),
        demand_min=int(instance.contact_min.sum()),
        placed_min=int(instance.contact_min[placed].sum()),
        unmet_min=int(instance.contact_min[unmet].sum()),
        travel_m=int(instance.pair_travel_m[pair[on_pair]].sum()),
    )


def check_assignment(instance: AssignmentInstance, provider_of: np.ndarray) -> list[str]:
    """Every rule ``provider_of`` breaks, as sentences (empty list: a valid assignment).

    ``provider_of[i]`` is the index of package ``i``'s provider, or -1 (unmet). The rules come
    from ``instance.records``, not from the candidate pairs: a package whose continuity is not
    released stays with its current provider (whatever the other rules say), unless that
    provider's must-stay packages together exceed its capacity: then they keep it in table
    order while the capacity lasts (first fit), and the rest follow the rules below like any
    other package; any other placed
    package's provider has every skill it needs, is allowed in its zone (a lead provider where
    the zone rule is zoned without a non-lead penalty) and has its office within the travel
    limit; each provider's carer minutes plus travel fit its capacity, double-handed calls
    counting twice in both. Besides the rules, each placement must be one of the instance's
    candidate pairs (a solver can only choose those; the objective has no figures for others).
    """
    records = instance.records
    n, p = len(records.packages), len(records.providers)
    provider_of = np.asarray(provider_of)
    if (instance.n_packages, instance.n_providers) != (n, p):
        return [f"instance has {instance.n_packages} x {instance.n_providers}, records {n} x {p}"]
    if provider_of.shape != (n,):
        return [f"assignment has shape {provider_of.shape}, expected ({n},)"]
    if not np.issubdtype(provider_of.dtype, np.integer):
        return [f"assignment has dtype {provider_of.dtype}, expected integers"]
    provider_of = provider_of.astype(np.int64)
    problems = [
        f"package {records.packages[i].package_id!r}: provider index {provider_of[i]} out of range"
        for i in np.flatnonzero((provider_of < -1) | (provider_of >= p))
    ]
    if problems:
        return problems
    problems += _continuity_and_pruning_rules(records, provider_of)
    problems += _capacity_rule(records, provider_of)
    pair = instance.pair_index(provider_of)
    for i in np.flatnonzero((provider_of >= 0) & (pair < 0)):
        problems.append(
            f"package {records.packages[i].package_id!r}: provider "
            f"{records.providers[provider_of[i]].provider_id!r} is not one of its candidates"
        )
    return problems


def _continuity_and_pruning_rules(records: AssignmentRecords, provider_of: np.ndarray) -> list[str]:
    """Continuity for packages that must stay; skills, zone rule, travel limit for the rest."""
    scenario = records.scenario
    rules, policy = scenario.rules, scenario.zone_policy
    index = {pr.provider_id: k for k, pr in enumerate(records.providers)}
    released = _released_by_capacity(records, index)
    problems: list[str] = []
    for i, pkg in enumerate(records.packages):
        k = int(provider_of[i])
        where = f"package {pkg.package_id!r}"
        # Continuity: an active package stays with its current provider unless released.
        stays = (
            pkg.status is PackageStatus.ACTIVE
            and pkg.current_provider is not None
            and not rules.release_continuity
        )
        if stays and i in released:
            stays = False  # its provider was full with earlier current clients: rules below
        if stays:
            if k != index[pkg.current_provider]:
                moved_to = records.providers[k].provider_id if k >= 0 else "unmet"
                problems.append(
                    f"{where}: continuity not released but moved from "
                    f"{pkg.current_provider!r} to {moved_to!r}"
                )
            continue
        if k < 0:
            continue
        prov = records.providers[k]
        where = f"{where} with provider {prov.provider_id!r}"
        # Skills: the provider has every skill the package needs.
        missing = sorted(pkg.needs - prov.skills)
        if missing:
            problems.append(f"{where}: provider lacks skill(s) {missing}")
        # Zone rule: in a zoned area without a non-lead penalty, only the zone's leads serve.
        if policy.rule_for(pkg.zone_id) is ZoneRule.ZONED and policy.non_lead_penalty is None:
            zone = records.zones_by_id.get(pkg.zone_id) if pkg.zone_id else None
            if zone is None or prov.provider_id not in zone.lead_providers:
                problems.append(f"{where}: not a lead provider of zone {pkg.zone_id!r} (zoned)")
        # Travel limit: the office is reachable within the limit, one way.
        office = float(records.office_min[k, i])
        if not (np.isfinite(office) and office <= rules.travel_limit_min):
            problems.append(
                f"{where}: office {office:.1f} min away, beyond the travel limit "
                f"{rules.travel_limit_min:g} min"
            )
    return problems


def _must_stay(records: AssignmentRecords, index: dict[str, int]) -> np.ndarray:
    """Current provider index of each package that must stay (continuity not released), else -1."""
    release = records.scenario.rules.release_continuity
    return np.array(
        [
            index[pkg.current_provider]
            if pkg.status is PackageStatus.ACTIVE
            and pkg.current_provider is not None
            and not release
            else -1
            for pkg in records.packages
        ],
        dtype=np.int64,
    )


def _released_by_capacity(records: AssignmentRecords, index: dict[str, int]) -> set[int]:
    """Packages that must stay but do not fit their current provider: where a provider's
    must-stay packages alone, with travel, exceed its capacity, they keep it in table order
    while the capacity lasts (first fit) and the rest are released."""
    stay = _must_stay(records, index)
    load, capacity = _loads(records, stay)
    overfull = set(np.flatnonzero(load > capacity).tolist())
    if not overfull:
        return set()
    remaining = capacity.copy()
    released: set[int] = set()
    for i in np.flatnonzero(stay >= 0).tolist():
        k = int(stay[i])
        if k not in overfull:
            continue
        alone = np.full(len(stay), -1, dtype=np.int64)
        alone[i] = k
        need = int(_loads(records, alone)[0][k])
        if need <= remaining[k]:
            remaining[k] -= need
        else:
            released.add(i)
    return released


def _loads(records: AssignmentRecords, provider_of: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each provider's carer minutes plus carers' travel under ``provider_of``, and capacity
    [carer min/week], re-derived from the visits through the one rounding seam."""
    placed = np.flatnonzero(provider_of >= 0)
    pkgs = [records.packages[i] for i in placed]
    carer_min = to_int([sum(v.duration_min * v.carers for v in pk.visits) for pk in pkgs])
    legs = to_int([sum(v.carers for v in pk.visits) for pk in pkgs])
    n = len(records.packages)
    near_min = nearest_leg(records.pkg_min, n)[placed]
    near_km = nearest_leg(records.pkg_km, n)[placed]
    ks = provider_of[placed]
    leg_min, _ = per_visit_travel(
        records.office_min[ks, placed],
        records.office_km[ks, placed],
        near_min,
        near_km,
        params=records.travel_params,
    )
    load = np.bincount(
        ks, weights=carer_min + to_int(leg_min * legs), minlength=len(records.providers)
    ).astype(np.int64)
    capacity = to_int([pr.capacity_hours for pr in records.providers], 60.0)
    return load, capacity


def _capacity_rule(records: AssignmentRecords, provider_of: np.ndarray) -> list[str]:
    """Each provider's carer minutes plus carers' travel fit its weekly capacity [min/week].

    Re-derived from the visits: a call's carer minutes are its duration times its carers, and
    each carer travels one leg (the per-visit formula) to it. Integer minutes through the one
    rounding seam, as the solver counts them.
    """
    load, capacity = _loads(records, provider_of)
    return [
        f"provider {records.providers[k].provider_id!r}: load {load[k]} carer-min/week "
        f"(travel included) exceeds capacity {capacity[k]}"
        for k in np.flatnonzero(load > capacity)
    ]

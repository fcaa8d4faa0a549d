"""Packages handed back after a shock: a provider whose current clients no longer fit it gives
some back, so they need a new provider.

After a workforce shortage or slower roads, a provider's current clients (their carer time and
its travel, as the assignment model counts it) may exceed its capacity. Today's practice (the
baseline: every current client stays with its provider) then has no answer, and in reality
the provider hands packages back to the council. The rule here: each overfull provider hands
back its current clients with the most travel first (ties: the larger package, then the id)
until the rest fit; they become waiting packages with no provider, counted as displaced.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from optimiser.data.domain import PackageStatus, Scenario, ZonePolicy, ZoneRule
from optimiser.models.instance import build_instance
from optimiser.models.travel_formula import TravelEstimateParams
from optimiser.stress.shocks import StressRecords

__all__ = ["hand_back"]


def hand_back(
    records: StressRecords, scenario: Scenario, travel_params: TravelEstimateParams
) -> StressRecords:
    """The records with the packages overfull providers hand back (see the module docstring);
    unchanged when every provider's current clients fit."""
    # Every current pair, whatever the zones and the travel limit: spot, released, no limit.
    probe = dataclasses.replace(
        scenario,
        zone_policy=ZonePolicy(rule=ZoneRule.SPOT),
        rules=dataclasses.replace(scenario.rules, release_continuity=True, travel_limit_min=1e9),
    )
    packages = tuple(dataclasses.replace(p, zone_id=None) for p in records.packages)
    inst = build_instance(
        packages,
        records.providers,
        {},
        probe,
        records.office_min,
        records.office_km,
        records.home_min,
        records.home_km,
        travel_params=travel_params,
        max_candidates=None,
    )
    current = np.asarray(inst.current)
    is_current = current[inst.pair_pkg] == inst.pair_prov
    active = np.asarray(inst.active)
    pairs = np.flatnonzero(is_current & active[inst.pair_pkg])
    load = np.bincount(
        inst.pair_prov[pairs], weights=inst.pair_load_min[pairs], minlength=inst.n_providers
    ).astype(float)
    capacity = np.asarray(inst.capacity_min, dtype=float)
    back: set[str] = set()
    for k in np.flatnonzero(load > capacity):
        mine = pairs[inst.pair_prov[pairs] == k]
        travel = inst.pair_load_min[mine] - np.asarray(inst.carer_min)[inst.pair_pkg[mine]]
        order = sorted(
            range(len(mine)),
            key=lambda j: (
                -float(travel[j]),
                -float(inst.pair_load_min[mine[j]]),
                packages[inst.pair_pkg[mine[j]]].package_id,
            ),
        )
        over = load[k] - capacity[k]
        for j in order:
            if over <= 0:
                break
            back.add(packages[inst.pair_pkg[mine[j]]].package_id)
            over -= float(inst.pair_load_min[mine[j]])
    # an active package whose current provider has no pair (no skill) keeps its place: the
    # model fixes it there and it is not this rule's to move
    if not back:
        return records
    return dataclasses.replace(
        records,
        packages=tuple(
            dataclasses.replace(p, status=PackageStatus.WAITING, current_provider=None)
            if p.package_id in back
            else p
            for p in records.packages
        ),
        displaced=records.displaced | back,
    )

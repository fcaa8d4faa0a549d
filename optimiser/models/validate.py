"""Solver-independent checker of an assignment: rule violations and objective values.

This is the test oracle: it recomputes everything from the instance with plain numpy and never
touches the solver's model, so a bug in the model shows up as a disagreement here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from optimiser.models.instance import AssignmentInstance


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


def provider_load_min(instance: AssignmentInstance, provider_of: np.ndarray) -> np.ndarray:
    """Capacity used per provider [carer min/week, travel included] (candidate pairs only)."""
    pair = instance.pair_index(provider_of)
    used = pair[pair >= 0]
    return np.bincount(
        instance.pair_prov[used],
        weights=instance.pair_load_min[used],
        minlength=instance.n_providers,
    ).astype(np.int64)


def check_assignment(instance: AssignmentInstance, provider_of: np.ndarray) -> list[str]:
    """Every rule ``provider_of`` breaks, as sentences (empty list: a valid assignment).

    Checks: one entry per package with a valid provider index or -1; each placed package on a
    candidate pair (skills, zone rule, travel limit); provider capacity in carer minutes with
    travel; packages whose continuity is not released stay with their current provider; hours
    conserved (placed + unmet = demand).
    """
    problems: list[str] = []
    provider_of = np.asarray(provider_of)
    n, p = instance.n_packages, instance.n_providers
    if provider_of.shape != (n,):
        return [f"assignment has shape {provider_of.shape}, expected ({n},)"]
    if not np.issubdtype(provider_of.dtype, np.integer):
        return [f"assignment has dtype {provider_of.dtype}, expected integers"]
    provider_of = provider_of.astype(np.int64)
    bad = np.flatnonzero((provider_of < -1) | (provider_of >= p))
    for i in bad:
        problems.append(
            f"package {instance.package_ids[i]!r}: provider index {provider_of[i]} out of range"
        )
    if problems:
        return problems
    pair = instance.pair_index(provider_of)
    for i in np.flatnonzero((provider_of >= 0) & (pair < 0)):
        problems.append(
            f"package {instance.package_ids[i]!r}: provider "
            f"{instance.provider_ids[provider_of[i]]!r} is not allowed (skills, zone rule or "
            f"travel limit)"
        )
    load = provider_load_min(instance, provider_of)
    for k in np.flatnonzero(load > instance.capacity_min):
        problems.append(
            f"provider {instance.provider_ids[k]!r}: load {load[k]} carer-min/week exceeds "
            f"capacity {instance.capacity_min[k]}"
        )
    for i in np.flatnonzero(instance.fixed & (provider_of != instance.current)):
        problems.append(
            f"package {instance.package_ids[i]!r}: continuity not released but moved from "
            f"{instance.provider_ids[instance.current[i]]!r}"
        )
    values = objective_values(instance, provider_of)
    if values.placed_min + values.unmet_min != values.demand_min:
        problems.append(
            f"hours not conserved: placed {values.placed_min} + unmet {values.unmet_min} != "
            f"demand {values.demand_min} contact min"
        )
    return problems

"""Domain records and travel arrays compiled into an immutable, index-based integer instance.

Packages are indexed ``i = 0..N-1`` and providers ``k = 0..P-1`` in the order given. Every
quantity the solver sees is an integer: minutes per week, metres per week, pence per week,
milli-weights. All float-to-integer conversion happens in :func:`to_int` (one function).

Candidate pairs ``(i, k)`` are what survives pruning, in order: the provider has every skill
the package needs; the scenario's zone rule allows the provider there (zoned: lead providers
only, or others at a penalty when ``non_lead_penalty`` is set); the provider's office lies
within ``travel_limit_min`` one way; then at most ``max_candidates`` nearest survivors are kept.
A package with no surviving pair records why (``prune_reason``), in the order of
:class:`~optimiser.data.domain.UnmetReason`. Active packages whose continuity is not released
keep exactly one pair, with their current provider, whatever the rules (existing contracts),
as long as that provider can hold them: where a provider's must-stay packages (with travel)
already exceed its capacity, they keep it in table order while its capacity lasts, and the rest
are released like any active package (``capacity_excess`` says which, and by how much).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from optimiser.data.domain import (
    Package,
    PackageStatus,
    Priority,
    Provider,
    Scenario,
    UnmetReason,
    Zone,
    ZoneKind,
    ZoneRule,
)
from optimiser.errors import InputError, Problem
from optimiser.models.travel_formula import TravelEstimateParams, nearest_leg, per_visit_travel

#: Unmet weights are stored in thousandths of a weight unit per contact minute.
WEIGHT_SCALE = 1000
#: Pence per pound.
PENCE_PER_GBP = 100
#: Metres per kilometre.
M_PER_KM = 1000


def to_int(values: np.ndarray | float, scale: float = 1.0) -> np.ndarray:
    """THE float-to-integer seam: ``round(values * scale)`` as int64 (half away from zero)."""
    arr = np.asarray(values, dtype=np.float64) * scale
    return (np.sign(arr) * np.floor(np.abs(arr) + 0.5)).astype(np.int64)


def _frozen(arr: np.ndarray) -> np.ndarray:
    arr = np.ascontiguousarray(arr)
    arr.setflags(write=False)
    return arr


def _read_only(arr: np.ndarray) -> np.ndarray:
    """A read-only view of a caller's array (the caller's own array stays writable)."""
    view = np.asarray(arr, dtype=np.float64).view()
    view.setflags(write=False)
    return view


@dataclass(frozen=True)
class CapacityExcess:
    """A provider whose current clients alone, with travel, need more than its capacity.

    ``needed_hours`` and ``capacity_hours`` [carer-h/week, travel included]; ``released`` are
    the package ids that could not keep this provider (the last in table order that did not
    fit), and so were released to be placed elsewhere or left unmet.
    """

    provider_id: str
    needed_hours: float
    capacity_hours: float
    released: tuple[str, ...]

    @property
    def over_hours(self) -> float:
        """Carer-hours a week by which the current clients exceed the capacity [h]."""
        return self.needed_hours - self.capacity_hours

    def sentence(self) -> str:
        """The excess as a commissioner reads it."""
        return (
            f"provider '{self.provider_id}' is {self.over_hours:,.1f} carer-hours a week over "
            f"its capacity with its current clients alone ({self.needed_hours:,.1f} h needed "
            f"including travel, capacity {self.capacity_hours:,.1f} h): "
            f"{len(self.released)} package(s) could not keep their provider and were placed "
            f"elsewhere or left unmet: {', '.join(self.released)}"
        )


@dataclass(frozen=True, eq=False)
class AssignmentInstance:
    """An assignment problem in integer units (all arrays read-only).

    Per package ``i`` (length N): ``contact_min`` [contact min/week], ``carer_min`` [carer
    min/week, double-handed counted twice], ``carer_visits`` [legs/week: visits x carers],
    ``unmet_weight`` [milli-weight per contact minute left unmet: priority weight plus waiting
    days], ``hospital`` (discharge priority), ``days_waiting``, ``active`` (already served),
    ``current`` (current provider index or -1), ``fixed`` (active and continuity not released:
    must stay with ``current``), ``rural``, ``zone_ids``, ``prune_reason`` (an
    ``UnmetReason`` value when no candidate pair survived, else ``""``).

    Per provider ``k`` (length P): ``capacity_min`` [carer min/week].

    Per candidate pair ``m`` (length M, grouped by package, nearest office first):
    ``pair_pkg``, ``pair_prov``, ``pair_office_min`` [min, one way, for ordering and display],
    ``pair_travel_min`` [carer travel min/week], ``pair_travel_m`` [carer travel m/week],
    ``pair_cost_pence`` [pence/week the council pays], ``pair_penalty`` [centi-units/week of
    the soft-zoning penalty, 0 for allowed pairs], ``pair_load_min`` [capacity used: carer min +
    travel min per week].

    ``records`` are the inputs it was compiled from, which the checker re-reads.
    ``keep_current_clients`` is the scenario's rule (``AssignmentRules``), read by the solver.
    ``capacity_excess`` names each provider whose must-stay packages did not all fit, and the
    packages released from it (active, no longer ``fixed``).
    """

    package_ids: tuple[str, ...]
    provider_ids: tuple[str, ...]
    contact_min: np.ndarray
    carer_min: np.ndarray
    carer_visits: np.ndarray
    unmet_weight: np.ndarray
    hospital: np.ndarray
    days_waiting: np.ndarray
    active: np.ndarray
    current: np.ndarray
    fixed: np.ndarray
    rural: np.ndarray
    zone_ids: tuple[str | None, ...]
    prune_reason: tuple[str, ...]
    capacity_min: np.ndarray
    pair_pkg: np.ndarray
    pair_prov: np.ndarray
    pair_office_min: np.ndarray
    pair_travel_min: np.ndarray
    pair_travel_m: np.ndarray
    pair_cost_pence: np.ndarray
    pair_penalty: np.ndarray
    records: AssignmentRecords
    release_continuity: bool = False
    keep_current_clients: str = "hard"
    travel_limit_min: float = 45.0
    max_candidates: int | None = None
    travel_params: TravelEstimateParams = field(default_factory=TravelEstimateParams)
    capacity_excess: tuple[CapacityExcess, ...] = ()

    def __post_init__(self) -> None:
        n, p, m = len(self.package_ids), len(self.provider_ids), len(self.pair_pkg)
        for name in (
            "contact_min",
            "carer_min",
            "carer_visits",
            "unmet_weight",
            "hospital",
            "days_waiting",
            "active",
            "current",
            "fixed",
            "rural",
        ):
            if len(getattr(self, name)) != n:
                raise ValueError(f"AssignmentInstance: field '{name}' must have length {n}")
        if len(self.capacity_min) != p:
            raise ValueError(f"AssignmentInstance: field 'capacity_min' must have length {p}")
        for name in (
            "pair_prov",
            "pair_office_min",
            "pair_travel_min",
            "pair_travel_m",
            "pair_cost_pence",
            "pair_penalty",
        ):
            if len(getattr(self, name)) != m:
                raise ValueError(f"AssignmentInstance: field '{name}' must have length {m}")
        if m and (self.pair_pkg.min() < 0 or self.pair_pkg.max() >= n):
            raise ValueError("AssignmentInstance: field 'pair_pkg' has an index out of range")
        if m and (self.pair_prov.min() < 0 or self.pair_prov.max() >= p):
            raise ValueError("AssignmentInstance: field 'pair_prov' has an index out of range")

    @property
    def n_packages(self) -> int:
        """N, the number of packages."""
        return len(self.package_ids)

    @property
    def n_providers(self) -> int:
        """P, the number of providers."""
        return len(self.provider_ids)

    @property
    def n_pairs(self) -> int:
        """M, the number of candidate pairs."""
        return len(self.pair_pkg)

    @property
    def released(self) -> np.ndarray:
        """Per package: released from a current provider that could not hold it (bool)."""
        ids = {pid for ex in self.capacity_excess for pid in ex.released}
        return np.array([pid in ids for pid in self.package_ids], dtype=bool)

    @property
    def pair_load_min(self) -> np.ndarray:
        """Capacity a pair uses [carer min/week]: the package's carer time plus its travel."""
        return self.carer_min[self.pair_pkg] + self.pair_travel_min

    def pair_index(self, provider_of: np.ndarray) -> np.ndarray:
        """Pair index of each package's provider (-1 where unplaced or not a candidate pair)."""
        provider_of = np.asarray(provider_of, dtype=np.int64)
        p = max(self.n_providers, 1)
        keys = self.pair_pkg.astype(np.int64) * p + self.pair_prov
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
        want = np.arange(len(provider_of), dtype=np.int64) * p + provider_of
        pos = np.searchsorted(sorted_keys, want)
        pos = np.minimum(pos, max(len(sorted_keys) - 1, 0))
        out = np.full(len(provider_of), -1, dtype=np.int64)
        if len(sorted_keys):
            hit = (provider_of >= 0) & (sorted_keys[pos] == want)
            out[hit] = order[pos[hit]]
        return out

    def pairs_of(self, i: int) -> np.ndarray:
        """Pair indices of package ``i`` (nearest office first)."""
        lo, hi = np.searchsorted(self.pair_pkg, [i, i + 1])
        return np.arange(lo, hi)


@dataclass(frozen=True, eq=False)
class AssignmentRecords:
    """The records and travel arrays an instance was compiled from, as given (read-only).

    Kept on the instance so that the solver-independent checker
    (:func:`optimiser.models.validate.check_assignment`) re-derives every rule from them rather
    than trusting the compiled candidate pairs. Shapes and units as in :func:`build_instance`.
    """

    packages: tuple[Package, ...]
    providers: tuple[Provider, ...]
    zones_by_id: Mapping[str, Zone]
    scenario: Scenario
    office_min: np.ndarray
    office_km: np.ndarray
    pkg_min: np.ndarray | None
    pkg_km: np.ndarray | None
    travel_params: TravelEstimateParams


def build_instance(
    packages: Sequence[Package],
    providers: Sequence[Provider],
    zones_by_id: Mapping[str, Zone],
    scenario: Scenario,
    office_min: np.ndarray,
    office_km: np.ndarray,
    pkg_min: np.ndarray | None = None,
    pkg_km: np.ndarray | None = None,
    *,
    travel_params: TravelEstimateParams | None = None,
    max_candidates: int | None = 25,
) -> AssignmentInstance:
    """Compile records and travel arrays into an :class:`AssignmentInstance`.

    ``office_min``/``office_km`` [min]/[km] are provider-office-to-home travel, shape (P, N),
    NaN where unreachable. ``pkg_min``/``pkg_km`` are home-to-home travel, either the full
    (N, N) matrix or already the (N,) vector of nearest-other-home travel (a kNN form); ``None``
    leaves the office leg alone in the travel estimate. ``max_candidates`` keeps at most that
    many nearest allowed providers per package (``None``: all). ``travel_params`` tunes the
    per-visit travel estimate (default :class:`TravelEstimateParams`).

    Raises ``InputError`` (every problem at once) for empty inputs, shape mismatches, duplicate
    ids, unknown zones or current providers. Packages that must stay with their current
    provider (continuity not released) but do not fit its capacity are released instead (see
    :class:`CapacityExcess`): the run goes on, and the excess is reported.

    The steps, one helper per rule, in order: per-package demand, unmet weights (priority),
    continuity, then the capacity of packages that must stay (releasing what does not fit);
    then the pruning rules as (P, N) masks (skills, zone rule, travel limit), the reasons of
    packages left with no pair, the candidate pairs; then per-pair travel, cost and soft-zoning
    penalty.
    """
    # --- data ---------------------------------------------------------------------------
    travel_params = travel_params or TravelEstimateParams()
    office_min = np.asarray(office_min, dtype=np.float64)
    office_km = np.asarray(office_km, dtype=np.float64)
    prov_index = _check_inputs(
        packages, providers, zones_by_id, office_min, office_km, pkg_min, pkg_km, max_candidates
    )
    n = len(packages)
    near_min, near_km = nearest_leg(pkg_min, n), nearest_leg(pkg_km, n)
    rules, policy = scenario.rules, scenario.zone_policy

    # --- per package ----------------------------------------------------------------------
    contact_min, carer_min, carer_visits = _demand(packages)
    unmet_weight = _unmet_weights(packages, scenario)
    current, active, fixed = _continuity(packages, prov_index, rules.release_continuity)
    rural, uplift = _zone_facts(packages, zones_by_id)
    capacity_min = to_int([pr.capacity_hours for pr in providers], 60.0)
    fixed_travel_min, _ = _pair_travel(
        np.flatnonzero(fixed),
        current[fixed],
        office_min,
        office_km,
        near_min,
        near_km,
        carer_visits,
        travel_params,
    )
    fixed, excess = _fit_fixed_capacity(
        packages, providers, fixed, current, carer_min, fixed_travel_min, capacity_min
    )

    # --- pruning rules, (P, N) masks ------------------------------------------------------
    skill_ok = _skill_rule(packages, providers)
    zone_ok, penalised = _zone_rule(packages, providers, zones_by_id, scenario)
    reach_ok = _travel_limit_rule(office_min, rules.travel_limit_min)
    prune_reason = _prune_reasons(skill_ok, zone_ok, reach_ok, fixed)
    pair_pkg, pair_prov = _candidate_pairs(
        skill_ok & zone_ok & reach_ok, office_min, current, fixed, max_candidates
    )

    # --- per candidate pair ---------------------------------------------------------------
    pair_travel_min, pair_travel_m = _pair_travel(
        pair_pkg, pair_prov, office_min, office_km, near_min, near_km, carer_visits, travel_params
    )
    price = np.array([pr.price_gbp_per_hour for pr in providers])
    pair_cost_pence = _pair_cost(pair_pkg, pair_prov, price, uplift, carer_min)
    pair_penalty = _pair_penalty(pair_pkg, pair_prov, penalised, policy.non_lead_penalty, carer_min)

    inst = AssignmentInstance(
        package_ids=tuple(pk.package_id for pk in packages),
        provider_ids=tuple(pr.provider_id for pr in providers),
        contact_min=_frozen(contact_min),
        carer_min=_frozen(carer_min),
        carer_visits=_frozen(carer_visits),
        unmet_weight=_frozen(unmet_weight),
        hospital=_frozen(
            np.array([pk.priority is Priority.HOSPITAL_DISCHARGE for pk in packages], bool)
        ),
        days_waiting=_frozen(to_int([pk.days_waiting for pk in packages])),
        active=_frozen(active),
        current=_frozen(current),
        fixed=_frozen(fixed),
        rural=_frozen(rural),
        zone_ids=tuple(pk.zone_id for pk in packages),
        prune_reason=tuple(prune_reason),
        capacity_min=_frozen(capacity_min),
        pair_pkg=_frozen(pair_pkg),
        pair_prov=_frozen(pair_prov),
        pair_office_min=_frozen(office_min[pair_prov, pair_pkg]),
        pair_travel_min=_frozen(pair_travel_min),
        pair_travel_m=_frozen(pair_travel_m),
        pair_cost_pence=_frozen(pair_cost_pence),
        pair_penalty=_frozen(pair_penalty),
        records=AssignmentRecords(
            packages=tuple(packages),
            providers=tuple(providers),
            zones_by_id=zones_by_id,
            scenario=scenario,
            office_min=_read_only(office_min),
            office_km=_read_only(office_km),
            pkg_min=None if pkg_min is None else _read_only(pkg_min),
            pkg_km=None if pkg_km is None else _read_only(pkg_km),
            travel_params=travel_params,
        ),
        release_continuity=rules.release_continuity,
        keep_current_clients=rules.keep_current_clients,
        travel_limit_min=rules.travel_limit_min,
        max_candidates=max_candidates,
        travel_params=travel_params,
        capacity_excess=excess,
    )
    return inst


# --- input checks ---------------------------------------------------------------------------


def _check_shape(problems: list[Problem], name: str, arr: np.ndarray, shapes: list[tuple]) -> None:
    if arr.shape not in shapes:
        want = " or ".join(str(s) for s in shapes)
        problems.append(Problem("travel matrix", None, name, f"shape {arr.shape}, expected {want}"))


# Inputs are whole: packages and providers exist, arrays have the right shapes, ids are unique,
# and every zone and current provider a package names exists. Every problem is raised at once.
# Returns each provider id's index.
def _check_inputs(
    packages: Sequence[Package],
    providers: Sequence[Provider],
    zones_by_id: Mapping[str, Zone],
    office_min: np.ndarray,
    office_km: np.ndarray,
    pkg_min: np.ndarray | None,
    pkg_km: np.ndarray | None,
    max_candidates: int | None,
) -> dict[str, int]:
    n, p = len(packages), len(providers)
    problems: list[Problem] = []
    if n == 0:
        problems.append(Problem("packages", None, None, "no packages to assign"))
    if p == 0:
        problems.append(Problem("providers", None, None, "no providers to assign packages to"))
    _check_shape(problems, "office_min", office_min, [(p, n)])
    _check_shape(problems, "office_km", office_km, [(p, n)])
    for name, home in (("pkg_min", pkg_min), ("pkg_km", pkg_km)):
        if home is not None:
            _check_shape(problems, name, np.asarray(home, dtype=np.float64), [(n, n), (n,)])
    if max_candidates is not None and max_candidates < 1:
        problems.append(Problem("build_instance", None, "max_candidates", "must be >= 1"))

    prov_index: dict[str, int] = {}
    for k, prov in enumerate(providers):
        if prov.provider_id in prov_index:
            problems.append(
                Problem("providers", k + 1, "provider_id", f"duplicate id {prov.provider_id!r}")
            )
        prov_index.setdefault(prov.provider_id, k)
    seen: set[str] = set()
    for i, pkg in enumerate(packages):
        if pkg.package_id in seen:
            problems.append(
                Problem("packages", i + 1, "package_id", f"duplicate id {pkg.package_id!r}")
            )
        seen.add(pkg.package_id)
        if pkg.zone_id is not None and pkg.zone_id not in zones_by_id:
            problems.append(Problem("packages", i + 1, "zone_id", f"unknown zone {pkg.zone_id!r}"))
        if pkg.current_provider is not None and pkg.current_provider not in prov_index:
            problems.append(
                Problem(
                    "packages",
                    i + 1,
                    "current_provider",
                    f"unknown provider {pkg.current_provider!r}",
                )
            )
    if problems:
        raise InputError(problems)
    return prov_index


# --- per package ----------------------------------------------------------------------------


# Demand per week: contact minutes count a call once; carer minutes and carer-visits (travel
# legs) count a double-handed call twice, once per carer.
def _demand(packages: Sequence[Package]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    contact_min = to_int([sum(v.duration_min for v in pk.visits) for pk in packages])
    carer_min = to_int([sum(v.carer_min for v in pk.visits) for pk in packages])
    carer_visits = to_int([sum(v.carers for v in pk.visits) for pk in packages])
    return contact_min, carer_min, carer_visits


# Priority weights: each contact minute left unmet costs the package's priority weight plus the
# wait weight per day it has waited (at least one milli-weight, so no need is free to drop).
def _unmet_weights(packages: Sequence[Package], scenario: Scenario) -> np.ndarray:
    rules = scenario.rules
    weights = [
        rules.priority_weight.get(pk.priority, 1.0) + rules.wait_weight_per_day * pk.days_waiting
        for pk in packages
    ]
    return np.maximum(to_int(weights, WEIGHT_SCALE), 1)


# Continuity: an active package has a current provider; unless continuity is released it is
# fixed, and stays with that provider whatever the other rules say (an existing contract).
def _continuity(
    packages: Sequence[Package], prov_index: Mapping[str, int], release: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    current = np.array(
        [
            prov_index[pk.current_provider] if pk.current_provider is not None else -1
            for pk in packages
        ],
        dtype=np.int64,
    )
    active = np.array([pk.status is PackageStatus.ACTIVE for pk in packages], bool) & (current >= 0)
    fixed = active & (not release)
    return current, active, fixed


# Zone facts of each package: whether its zone is rural, and the zone's rate uplift [%].
def _zone_facts(
    packages: Sequence[Package], zones_by_id: Mapping[str, Zone]
) -> tuple[np.ndarray, np.ndarray]:
    rural = np.array(
        [
            pk.zone_id is not None and zones_by_id[pk.zone_id].kind is ZoneKind.RURAL
            for pk in packages
        ],
        dtype=bool,
    )
    uplift = np.array(
        [zones_by_id[pk.zone_id].rate_uplift_pct if pk.zone_id else 0.0 for pk in packages]
    )
    return rural, uplift


# --- pruning rules --------------------------------------------------------------------------


# Candidates by skill: a provider may serve a package only if it has every skill the package
# needs.
def _skill_rule(packages: Sequence[Package], providers: Sequence[Provider]) -> np.ndarray:
    skill_ok = np.zeros((len(providers), len(packages)), dtype=bool)
    by_needs: dict[frozenset[str], list[int]] = {}
    for i, pk in enumerate(packages):
        by_needs.setdefault(pk.needs, []).append(i)
    for needs, idx in by_needs.items():
        mask = np.array([needs <= pr.skills for pr in providers], dtype=bool)
        skill_ok[:, idx] = mask[:, None]
    return skill_ok


# Zone rule: where the scenario zones a package's area, only the zone's lead providers may serve
# it (a package outside every zone has no leads); with a non-lead penalty set, the others may
# too, at that penalty. Returns (allowed, penalised).
def _zone_rule(
    packages: Sequence[Package],
    providers: Sequence[Provider],
    zones_by_id: Mapping[str, Zone],
    scenario: Scenario,
) -> tuple[np.ndarray, np.ndarray]:
    policy = scenario.zone_policy
    p, n = len(providers), len(packages)
    zone_ok = np.ones((p, n), dtype=bool)
    penalised = np.zeros((p, n), dtype=bool)
    lead_masks: dict[str | None, np.ndarray] = {}
    for i, pk in enumerate(packages):
        if policy.rule_for(pk.zone_id) is not ZoneRule.ZONED:
            continue
        if pk.zone_id not in lead_masks:
            zone = zones_by_id[pk.zone_id] if pk.zone_id else None
            leads = set(zone.lead_providers) if zone else set()
            lead_masks[pk.zone_id] = np.array(
                [pr.provider_id in leads for pr in providers], dtype=bool
            )
        lead_mask = lead_masks[pk.zone_id]
        if policy.non_lead_penalty is None:
            zone_ok[:, i] = lead_mask
        else:
            penalised[:, i] = ~lead_mask
    return zone_ok, penalised


# Travel limit: the provider's office lies within the limit of the home, one way, by road.
def _travel_limit_rule(office_min: np.ndarray, travel_limit_min: float) -> np.ndarray:
    return np.isfinite(office_min) & (office_min <= travel_limit_min)


# Why a package lost every candidate, in the order of UnmetReason: no provider with the skill;
# none of those allowed in the zone; none of those within the travel limit. Fixed packages keep
# their current provider, so they have no reason.
def _prune_reasons(
    skill_ok: np.ndarray, zone_ok: np.ndarray, reach_ok: np.ndarray, fixed: np.ndarray
) -> list[str]:
    any_skill = skill_ok.any(axis=0)
    any_zone = (skill_ok & zone_ok).any(axis=0)
    any_reach = (skill_ok & zone_ok & reach_ok).any(axis=0)
    prune_reason = [""] * len(fixed)
    for i in range(len(fixed)):
        if fixed[i]:
            continue
        if not any_skill[i]:
            prune_reason[i] = UnmetReason.NO_SKILL.value
        elif not any_zone[i]:
            prune_reason[i] = UnmetReason.NO_ZONE_PROVIDER.value
        elif not any_reach[i]:
            prune_reason[i] = UnmetReason.BEYOND_TRAVEL_LIMIT.value
    return prune_reason


# Candidate pairs: a fixed package has exactly one, its current provider; any other package the
# allowed providers, nearest office first, at most ``max_candidates`` of them, its current
# provider kept when allowed. Grouped by package.
def _candidate_pairs(
    allowed: np.ndarray,
    office_min: np.ndarray,
    current: np.ndarray,
    fixed: np.ndarray,
    max_candidates: int | None,
) -> tuple[np.ndarray, np.ndarray]:
    sort_key = np.where(np.isfinite(office_min), office_min, np.inf)
    pkg_list: list[np.ndarray] = []
    prov_list: list[np.ndarray] = []
    for i in range(allowed.shape[1]):
        if fixed[i]:
            ks = np.array([current[i]], dtype=np.int64)
        else:
            ks = np.flatnonzero(allowed[:, i])
            ks = ks[np.argsort(sort_key[ks, i], kind="stable")]
            if max_candidates is not None and len(ks) > max_candidates:
                keep = ks[:max_candidates]
                if current[i] >= 0 and current[i] in ks and current[i] not in keep:
                    keep = np.append(keep, current[i])
                ks = keep
        pkg_list.append(np.full(len(ks), i, dtype=np.int64))
        prov_list.append(ks.astype(np.int64))
    pair_pkg = np.concatenate(pkg_list) if pkg_list else np.zeros(0, np.int64)
    pair_prov = np.concatenate(prov_list) if prov_list else np.zeros(0, np.int64)
    return pair_pkg, pair_prov


# --- per candidate pair ---------------------------------------------------------------------


# Travel: one leg per carer per visit by the per-visit formula, times the package's carer-visits
# per week; integer minutes and metres per week.
def _pair_travel(
    pair_pkg: np.ndarray,
    pair_prov: np.ndarray,
    office_min: np.ndarray,
    office_km: np.ndarray,
    near_min: np.ndarray,
    near_km: np.ndarray,
    carer_visits: np.ndarray,
    params: TravelEstimateParams,
) -> tuple[np.ndarray, np.ndarray]:
    leg_min, leg_km = per_visit_travel(
        office_min[pair_prov, pair_pkg],
        office_km[pair_prov, pair_pkg],
        near_min[pair_pkg],
        near_km[pair_pkg],
        params=params,
    )
    legs = carer_visits[pair_pkg]
    return to_int(leg_min * legs), to_int(leg_km * legs, M_PER_KM)


# Cost: what the council pays a week, the provider's hourly price with the zone's rate uplift
# per carer-hour (a double-handed hour is paid twice) [pence/week].
def _pair_cost(
    pair_pkg: np.ndarray,
    pair_prov: np.ndarray,
    price: np.ndarray,
    uplift: np.ndarray,
    carer_min: np.ndarray,
) -> np.ndarray:
    carer_h = carer_min[pair_pkg] / 60.0
    return to_int(price[pair_prov] * (1.0 + uplift[pair_pkg] / 100.0) * carer_h, PENCE_PER_GBP)


# Soft zoning: a non-lead provider in a zoned area costs the penalty rate per carer-hour
# [centi-units/week]; 0 for every allowed pair, and for all when no penalty is set.
def _pair_penalty(
    pair_pkg: np.ndarray,
    pair_prov: np.ndarray,
    penalised: np.ndarray,
    non_lead_penalty: float | None,
    carer_min: np.ndarray,
) -> np.ndarray:
    carer_h = carer_min[pair_pkg] / 60.0
    pen_rate = non_lead_penalty or 0.0
    return to_int(penalised[pair_prov, pair_pkg] * pen_rate * carer_h, 100)


# --- capacity -------------------------------------------------------------------------------


# Capacity of what must stay: the packages fixed to their current provider, with their travel,
# keep it in table order while its weekly capacity lasts (first fit: a smaller later package
# may still fit after a larger one did not); the rest are released like any active package and
# named in a CapacityExcess, so one overfull provider never stops the whole run.
def _fit_fixed_capacity(
    packages: Sequence[Package],
    providers: Sequence[Provider],
    fixed: np.ndarray,
    current: np.ndarray,
    carer_min: np.ndarray,
    fixed_travel_min: np.ndarray,
    capacity_min: np.ndarray,
) -> tuple[np.ndarray, tuple[CapacityExcess, ...]]:
    idx = np.flatnonzero(fixed)
    load = carer_min[idx] + fixed_travel_min
    needed = np.bincount(current[idx], weights=load, minlength=len(providers))
    over = set(np.flatnonzero(needed > capacity_min).tolist())
    if not over:
        return fixed, ()
    kept = fixed.copy()
    remaining = capacity_min.astype(np.int64).copy()
    released: dict[int, list[str]] = {k: [] for k in sorted(over)}
    for i, m in zip(idx.tolist(), load.tolist(), strict=True):
        k = int(current[i])
        if k not in over:
            continue
        if m <= remaining[k]:
            remaining[k] -= m
        else:
            kept[i] = False
            released[k].append(packages[i].package_id)
    excess = tuple(
        CapacityExcess(
            provider_id=providers[k].provider_id,
            needed_hours=float(needed[k]) / 60.0,
            capacity_hours=float(capacity_min[k]) / 60.0,
            released=tuple(ids),
        )
        for k, ids in released.items()
    )
    return kept, excess

"""Domain records and travel arrays compiled into an immutable, index-based integer instance.

Packages are indexed ``i = 0..N-1`` and providers ``k = 0..P-1`` in the order given. Every
quantity the solver sees is an integer: minutes per week, metres per week, pence per week,
milli-weights. All float-to-integer conversion happens in :func:`to_int` (one function).

Candidate pairs ``(i, k)`` are what survives pruning, in order: the provider has every skill
the package needs; the scenario's zone rule allows the provider there (zoned: lead providers
only, or others at a penalty when ``non_lead_penalty`` is set); the provider's office lies
within ``travel_limit_min`` one way; then at most ``max_candidates`` nearest survivors are kept.
A package with no surviving pair records why (``prune_reason``), in the order of
:class:`~optimiser.models.reasons.UnmetReason`. Active packages whose continuity is not released
keep exactly one pair, with their current provider, whatever the rules (existing contracts).
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
    Zone,
    ZoneKind,
    ZoneRule,
)
from optimiser.errors import InfeasibleError, InputError, Problem
from optimiser.models.reasons import UnmetReason
from optimiser.models.travel_estimate import TravelEstimateParams, nearest_other, per_visit_travel

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

    ``keep_current_clients`` is the scenario's rule (``AssignmentRules``), read by the solver.
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
    release_continuity: bool = False
    keep_current_clients: str = "hard"
    travel_limit_min: float = 45.0
    max_candidates: int | None = None
    travel_params: TravelEstimateParams = field(default_factory=TravelEstimateParams)

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


def _check_shape(problems: list[Problem], name: str, arr: np.ndarray, shapes: list[tuple]) -> None:
    if arr.shape not in shapes:
        want = " or ".join(str(s) for s in shapes)
        problems.append(Problem("travel matrix", None, name, f"shape {arr.shape}, expected {want}"))


def _nearest(
    pkg: np.ndarray | None, n: int, name: str, problems: list[Problem]
) -> np.ndarray | None:
    if pkg is None:
        return np.full(n, np.nan)
    arr = np.asarray(pkg, dtype=np.float64)
    _check_shape(problems, name, arr, [(n, n), (n,)])
    if arr.shape == (n, n):
        return nearest_other(arr)
    return arr if arr.shape == (n,) else None


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
    ids, unknown zones or current providers; ``InfeasibleError`` when packages that must stay
    with their current provider (continuity not released) already exceed its capacity.
    """
    travel_params = travel_params or TravelEstimateParams()
    n, p = len(packages), len(providers)
    problems: list[Problem] = []
    if n == 0:
        problems.append(Problem("packages", None, None, "no packages to assign"))
    if p == 0:
        problems.append(Problem("providers", None, None, "no providers to assign packages to"))
    office_min = np.asarray(office_min, dtype=np.float64)
    office_km = np.asarray(office_km, dtype=np.float64)
    _check_shape(problems, "office_min", office_min, [(p, n)])
    _check_shape(problems, "office_km", office_km, [(p, n)])
    near_min = _nearest(pkg_min, n, "pkg_min", problems)
    near_km = _nearest(pkg_km, n, "pkg_km", problems)
    if pkg_km is None and pkg_min is not None and near_min is not None:
        near_km = np.full(n, np.nan)
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
    assert near_min is not None and near_km is not None

    rules = scenario.rules
    policy = scenario.zone_policy
    release = rules.release_continuity

    # --- per-package data -------------------------------------------------------------
    contact_min = to_int([sum(v.duration_min for v in pk.visits) for pk in packages])
    carer_min = to_int([sum(v.carer_minutes for v in pk.visits) for pk in packages])
    carer_visits = to_int([sum(v.carers for v in pk.visits) for pk in packages])
    weights = [
        rules.priority_weight.get(pk.priority, 1.0) + rules.wait_weight_per_day * pk.days_waiting
        for pk in packages
    ]
    unmet_weight = np.maximum(to_int(weights, WEIGHT_SCALE), 1)
    hospital = np.array([pk.priority is Priority.HOSPITAL_DISCHARGE for pk in packages], bool)
    days_waiting = to_int([pk.days_waiting for pk in packages])
    current = np.array(
        [
            prov_index[pk.current_provider] if pk.current_provider is not None else -1
            for pk in packages
        ],
        dtype=np.int64,
    )
    active = np.array([pk.status is PackageStatus.ACTIVE for pk in packages], bool) & (current >= 0)
    fixed = active & (not release)
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
    capacity_min = to_int([pr.capacity_hours for pr in providers], 60.0)
    price = np.array([pr.price_gbp_per_hour for pr in providers])

    # --- pruning masks (P x N) ------------------------------------------------------------
    skill_ok = np.zeros((p, n), dtype=bool)
    by_needs: dict[frozenset[str], list[int]] = {}
    for i, pk in enumerate(packages):
        by_needs.setdefault(pk.needs, []).append(i)
    for needs, idx in by_needs.items():
        mask = np.array([needs <= pr.skills for pr in providers], dtype=bool)
        skill_ok[:, idx] = mask[:, None]
    zone_ok = np.ones((p, n), dtype=bool)
    penalised = np.zeros((p, n), dtype=bool)
    lead_masks: dict[str | None, np.ndarray] = {}
    for i, pk in enumerate(packages):
        if policy.rule_for(pk.zone_id) is ZoneRule.ZONED:
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
    reach_ok = np.isfinite(office_min) & (office_min <= rules.travel_limit_min)
    allowed = skill_ok & zone_ok & reach_ok

    prune_reason = [""] * n
    any_skill = skill_ok.any(axis=0)
    any_zone = (skill_ok & zone_ok).any(axis=0)
    any_reach = allowed.any(axis=0)
    for i in range(n):
        if fixed[i]:
            continue
        if not any_skill[i]:
            prune_reason[i] = UnmetReason.NO_SKILL.value
        elif not any_zone[i]:
            prune_reason[i] = UnmetReason.NO_ZONE_PROVIDER.value
        elif not any_reach[i]:
            prune_reason[i] = UnmetReason.BEYOND_TRAVEL_LIMIT.value

    # --- candidate pairs: nearest allowed providers, current provider kept ------------------
    sort_key = np.where(np.isfinite(office_min), office_min, np.inf)
    pkg_list: list[np.ndarray] = []
    prov_list: list[np.ndarray] = []
    for i in range(n):
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

    # --- per-pair integer figures -----------------------------------------------------------
    leg_min, leg_km = per_visit_travel(
        office_min[pair_prov, pair_pkg],
        office_km[pair_prov, pair_pkg],
        near_min[pair_pkg],
        near_km[pair_pkg],
        params=travel_params,
    )
    legs = carer_visits[pair_pkg]
    pair_travel_min = to_int(leg_min * legs)
    pair_travel_m = to_int(leg_km * legs, M_PER_KM)
    carer_h = carer_min[pair_pkg] / 60.0
    pair_cost_pence = to_int(
        price[pair_prov] * (1.0 + uplift[pair_pkg] / 100.0) * carer_h, PENCE_PER_GBP
    )
    pen_rate = policy.non_lead_penalty or 0.0
    pair_penalty = to_int(penalised[pair_prov, pair_pkg] * pen_rate * carer_h, 100)

    inst = AssignmentInstance(
        package_ids=tuple(pk.package_id for pk in packages),
        provider_ids=tuple(pr.provider_id for pr in providers),
        contact_min=_frozen(contact_min),
        carer_min=_frozen(carer_min),
        carer_visits=_frozen(carer_visits),
        unmet_weight=_frozen(unmet_weight),
        hospital=_frozen(hospital),
        days_waiting=_frozen(days_waiting),
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
        release_continuity=release,
        keep_current_clients=rules.keep_current_clients,
        travel_limit_min=rules.travel_limit_min,
        max_candidates=max_candidates,
        travel_params=travel_params,
    )
    check_fixed_capacity(inst)
    return inst


def check_fixed_capacity(instance: AssignmentInstance) -> None:
    """Raise ``InfeasibleError`` if packages that must stay already overfill a provider."""
    fixed_pairs = np.flatnonzero(instance.fixed[instance.pair_pkg])
    load = np.bincount(
        instance.pair_prov[fixed_pairs],
        weights=instance.pair_load_min[fixed_pairs],
        minlength=instance.n_providers,
    )
    over = np.flatnonzero(load > instance.capacity_min)
    if len(over):
        lines = [
            f"provider {instance.provider_ids[k]!r}: packages that must stay need "
            f"{load[k] / 60:,.1f} carer-hours a week including travel, capacity is "
            f"{instance.capacity_min[k] / 60:,.1f} h"
            for k in over
        ]
        raise InfeasibleError(
            "continuity is not released, yet current packages overfill their providers "
            "(release continuity or raise capacity):\n  " + "\n  ".join(lines)
        )

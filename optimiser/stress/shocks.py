"""Shocks as pure functions: an area's records in, the shocked records out (nothing solved here).

Each function takes a ``StressRecords`` (packages, providers, zone table and the travel
matrices of an area) and returns a new one; nothing is changed in place. New packages (a demand
rise, a discharge surge) are copies of a random sample of the area's own packages with new
ids: the same visits, needs and home (so the travel matrices grow by copying the sampled
homes' rows and columns; a copy is 0 min from its original), waiting, with no provider and no
days waiting yet. Copies are used rather than fresh draws of the demo generator so the same
shock works on a council's own data, where no generator parameters exist.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from optimiser.data.domain import Package, PackageStatus, Priority, Provider, ZoneKind
from optimiser.data.stress_options import (
    DemandRise,
    DischargeSurge,
    ProviderExit,
    Shock,
    SlowerRoads,
    WorkforceShortage,
)

__all__ = [
    "StressRecords",
    "apply_shock",
    "demand_rise",
    "discharge_surge",
    "largest_rural_lead",
    "provider_exit",
    "slower_roads",
    "workforce_shortage",
]


@dataclass(frozen=True, eq=False)
class StressRecords:
    """What a shock changes in an area.

    ``office_min``/``office_km`` [min]/[km] are P x N (provider office to home), ``home_min``/
    ``home_km`` N x N; ``zone_table`` one row per small area (``lead_providers`` ids joined by
    ``;``). ``displaced`` names the packages that lost their provider to an exit (they must
    change provider); ``added`` the packages a shock created.
    """

    packages: tuple[Package, ...]
    providers: tuple[Provider, ...]
    zone_table: pd.DataFrame
    office_min: np.ndarray
    office_km: np.ndarray
    home_min: np.ndarray
    home_km: np.ndarray
    displaced: frozenset[str] = frozenset()
    added: frozenset[str] = frozenset()


# --------------------------------------------------------------------------- provider exit


def provider_exit(records: StressRecords, provider_id: str) -> StressRecords:
    """The provider leaves: its row of the travel matrices and its lead roles go, and each of
    its current clients becomes a waiting package with no provider (the keep-current-clients
    rule cannot keep anyone with a provider that is gone), named in ``displaced``."""
    ids = [p.provider_id for p in records.providers]
    if provider_id not in ids:
        raise ValueError(f"provider exit: unknown provider {provider_id!r}; known: {ids}")
    k = ids.index(provider_id)
    keep = [i for i in range(len(ids)) if i != k]
    lost = {p.package_id for p in records.packages if p.current_provider == provider_id}
    packages = tuple(
        dataclasses.replace(p, status=PackageStatus.WAITING, current_provider=None)
        if p.package_id in lost
        else p
        for p in records.packages
    )
    table = records.zone_table.copy()
    table["lead_providers"] = [
        ";".join(x for x in str(leads).split(";") if x and x != provider_id)
        for leads in table["lead_providers"]
    ]
    return dataclasses.replace(
        records,
        packages=packages,
        providers=tuple(records.providers[i] for i in keep),
        zone_table=table,
        office_min=records.office_min[keep],
        office_km=records.office_km[keep],
        displaced=records.displaced | lost,
    )


def largest_rural_lead(
    packages: Sequence[Package], providers: Sequence[Provider], zone_table: pd.DataFrame
) -> str | None:
    """The lead of a rural zone whose current clients in rural zones have the most weekly
    hours [h] (ties: the first id in sorting order); None when no rural zone has a lead."""
    rural_rows = zone_table[zone_table["kind"].astype(str) == ZoneKind.RURAL.value]
    leads = {x for v in rural_rows["lead_providers"] for x in str(v).split(";") if x}
    known = {p.provider_id for p in providers}
    leads &= known
    if not leads:
        return None
    rural_areas = set(rural_rows["area_code"].astype(str))
    hours = dict.fromkeys(leads, 0.0)
    for p in packages:
        if p.current_provider in hours and (p.area_code or "") in rural_areas:
            hours[p.current_provider] += p.weekly_hours
    return min(sorted(hours), key=lambda pid: -hours[pid])


# ------------------------------------------------------------------------- new packages


def _with_copies(
    records: StressRecords,
    sample: Sequence[int],
    *,
    tag: str,
    priority: Priority | None = None,
) -> StressRecords:
    """The records with copies of the packages at ``sample`` (indices) appended: new ids
    ``<id>+<tag><n>``, waiting, no provider, no days waiting; ``priority`` if given."""
    if len(sample) == 0:
        return records
    copies = tuple(
        dataclasses.replace(
            records.packages[i],
            package_id=f"{records.packages[i].package_id}+{tag}{n + 1}",
            status=PackageStatus.WAITING,
            current_provider=None,
            days_waiting=0,
            priority=priority or records.packages[i].priority,
        )
        for n, i in enumerate(sample)
    )
    index = np.concatenate([np.arange(len(records.packages)), np.asarray(sample, dtype=np.int64)])
    grid = np.ix_(index, index)
    return dataclasses.replace(
        records,
        packages=records.packages + copies,
        office_min=records.office_min[:, index],
        office_km=records.office_km[:, index],
        home_min=records.home_min[grid],
        home_km=records.home_km[grid],
        added=records.added | {c.package_id for c in copies},
    )


def _draw(rng: np.random.Generator, pool: Sequence[int], k: int) -> list[int]:
    """``k`` indices from ``pool``: without replacement while the pool lasts, then with it."""
    if k <= 0 or not pool:
        return []
    return [int(i) for i in rng.choice(np.asarray(pool), size=k, replace=k > len(pool))]


def demand_rise(
    records: StressRecords,
    shock: DemandRise,
    rng: np.random.Generator,
    *,
    share_65plus: Mapping[str, float] | None = None,
) -> StressRecords:
    """About ``pct`` % more packages in each chosen small area (every area with packages when
    none is named): ``round(n_area * pct / 100)`` copies of the area's own packages, drawn at
    random. With ``by_65plus_share`` an area's rise is ``pct`` times its share of residents
    aged 65+ over the mean share of the chosen areas (``share_65plus``: area code -> share)."""
    by_area: dict[str, list[int]] = {}
    for i, p in enumerate(records.packages):
        if p.package_id not in records.added:
            by_area.setdefault(p.area_code or "", []).append(i)
    codes = sorted(shock.area_codes) if shock.area_codes else sorted(c for c in by_area if c)
    pct = dict.fromkeys(codes, shock.pct)
    if shock.by_65plus_share:
        if not share_65plus:
            raise ValueError("demand rise by 65+ share: the area has no 65+ shares")
        shares = {c: float(share_65plus.get(c, np.nan)) for c in codes}
        known = [s for s in shares.values() if np.isfinite(s)]
        mean = float(np.mean(known)) if known else np.nan
        pct = {
            c: shock.pct * shares[c] / mean if np.isfinite(shares[c]) and mean > 0 else shock.pct
            for c in codes
        }
    sample: list[int] = []
    for code in codes:
        pool = by_area.get(code, [])
        sample += _draw(rng, pool, round(len(pool) * pct[code] / 100.0))
    return _with_copies(records, sample, tag="d")


def discharge_surge(
    records: StressRecords, shock: DischargeSurge, rng: np.random.Generator
) -> StressRecords:
    """``packages`` more hospital-discharge packages at once: copies of packages drawn at
    random from the whole area, given hospital-discharge priority."""
    pool = [i for i, p in enumerate(records.packages) if p.package_id not in records.added]
    sample = _draw(rng, pool, shock.packages)
    return _with_copies(records, sample, tag="h", priority=Priority.HOSPITAL_DISCHARGE)


# ---------------------------------------------------------------------- capacity and roads


def workforce_shortage(records: StressRecords, shock: WorkforceShortage) -> StressRecords:
    """``pct`` % less capacity [carer-h/week] and care workers (rounded down) for the providers
    named (all when none is)."""
    ids = {p.provider_id for p in records.providers}
    unknown = sorted(set(shock.provider_ids) - ids)
    if unknown:
        raise ValueError(f"workforce shortage: unknown providers {unknown}; known: {sorted(ids)}")
    keep = 1.0 - shock.pct / 100.0
    who = set(shock.provider_ids) or ids
    providers = tuple(
        dataclasses.replace(
            p,
            capacity_hours=p.capacity_hours * keep,
            care_workers=int(np.floor(p.care_workers * keep)),
        )
        if p.provider_id in who
        else p
        for p in records.providers
    )
    return dataclasses.replace(records, providers=providers)


def slower_roads(records: StressRecords, shock: SlowerRoads) -> StressRecords:
    """Every travel time [min] times ``factor`` (winter); distances [km] unchanged."""
    return dataclasses.replace(
        records,
        office_min=records.office_min * shock.factor,
        home_min=records.home_min * shock.factor,
    )


def apply_shock(
    records: StressRecords,
    shock: Shock | None,
    rng: np.random.Generator,
    *,
    share_65plus: Mapping[str, float] | None = None,
) -> StressRecords:
    """The records after ``shock`` (``None``: unchanged); ``rng`` draws the new packages."""
    if shock is None:
        return records
    if isinstance(shock, ProviderExit):
        return provider_exit(records, shock.provider_id)
    if isinstance(shock, DemandRise):
        return demand_rise(records, shock, rng, share_65plus=share_65plus)
    if isinstance(shock, WorkforceShortage):
        return workforce_shortage(records, shock)
    if isinstance(shock, DischargeSurge):
        return discharge_surge(records, shock, rng)
    if isinstance(shock, SlowerRoads):
        return slower_roads(records, shock)
    raise TypeError(f"unknown shock {shock!r}")

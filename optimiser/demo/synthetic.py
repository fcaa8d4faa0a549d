"""Synthetic assignment instances for benchmarks and tests: towns in a square, straight-line travel.

Everything is labelled synthetic and drawn from one seeded generator. People and provider
offices are spread around a few town centres in a square of ``side_km`` (default 40 km) with a
rural share spread uniformly. Travel is straight-line (haversine) distance times a detour
factor of 1.3 at 50 km/h: ``km = haversine_km * 1.3``, ``min = km / 50 * 60``. These are
assumptions for benchmarking only, not a model of any real area.

Package shapes (assumptions, like the rest): 1-4 calls a day, calls of 15/30/45/60 minutes with
30 the most common, about 11 contact hours a week on average; 8% double-handed,
15% of waiting packages are hospital discharges, 70% of packages are active with a provider.
Provider capacity is scaled so total capacity is ``capacity_ratio`` times the estimated demand
(carer hours plus travel), so that some demand stays unmet and the optimiser has choices.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from optimiser.data.domain import (
    CallType,
    Package,
    PackageStatus,
    Priority,
    Provider,
    Visit,
    Zone,
    ZoneKind,
)
from optimiser.models.travel_formula import per_visit_travel

DETOUR = 1.3
SPEED_KPH = 50.0
EARTH_RADIUS_KM = 6371.0088
CENTRE_LAT, CENTRE_LON = 52.65, -0.65  # an arbitrary inland English point (synthetic)
_CALL_TYPES = (CallType.MORNING, CallType.LUNCH, CallType.TEA, CallType.BED)


@dataclass(frozen=True)
class SyntheticArea:
    """A synthetic instance: records plus the travel arrays ``build_instance`` takes.

    ``office_min``/``office_km`` are (P, N) [min]/[km]; ``nearest_min``/``nearest_km`` (N,)
    the travel from each home to the nearest other home [min]/[km].
    """

    packages: tuple[Package, ...]
    providers: tuple[Provider, ...]
    zones: dict[str, Zone]
    office_min: np.ndarray
    office_km: np.ndarray
    nearest_min: np.ndarray
    nearest_km: np.ndarray


def haversine_km(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray):
    """Great-circle distance [km] (broadcasting)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(lon2) - np.radians(lon1)
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(a, 1.0)))


def _to_latlon(xy_km: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lat = CENTRE_LAT + xy_km[:, 1] / 111.32
    lon = CENTRE_LON + xy_km[:, 0] / (111.32 * np.cos(np.radians(CENTRE_LAT)))
    return lat, lon


def _points(rng: np.random.Generator, n: int, towns: np.ndarray, side_km: float, rural: float):
    """Points around town centres (normal, sd 2.5 km) or uniform in the square (rural)."""
    is_rural = rng.random(n) < rural
    town = rng.integers(0, len(towns), n)
    xy = towns[town] + rng.normal(0.0, 2.5, (n, 2))
    xy[is_rural] = rng.uniform(-side_km / 2, side_km / 2, (int(is_rural.sum()), 2))
    xy = np.clip(xy, -side_km / 2, side_km / 2)
    return xy, is_rural, town


def _visits(rng: np.random.Generator, double: bool) -> tuple[Visit, ...]:
    calls = int(rng.choice([1, 2, 3, 4], p=[0.2, 0.3, 0.3, 0.2]))
    duration = int(rng.choice([15, 30, 45, 60], p=[0.1, 0.5, 0.25, 0.15]))
    carers = 2 if double else 1
    return tuple(
        Visit(day=d, call_type=_CALL_TYPES[c], duration_min=duration, carers=carers)
        for d in range(7)
        for c in range(calls)
    )


def synthetic_area(
    n_packages: int,
    n_providers: int,
    *,
    seed: int = 0,
    side_km: float = 40.0,
    n_towns: int = 5,
    rural_share: float = 0.25,
    capacity_ratio: float = 0.9,
    active_share: float = 0.7,
) -> SyntheticArea:
    """Draw a synthetic area (see the module docstring); same seed, same area."""
    rng = np.random.default_rng(seed)
    towns = rng.uniform(-side_km / 2 + 5, side_km / 2 - 5, (n_towns, 2))
    pxy, p_rural, p_town = _points(rng, n_packages, towns, side_km, rural_share)
    oxy, _, _ = _points(rng, n_providers, towns, side_km, 0.1)
    plat, plon = _to_latlon(pxy)
    olat, olon = _to_latlon(oxy)
    office_km = haversine_km(olat[:, None], olon[:, None], plat[None, :], plon[None, :]) * DETOUR
    office_min = office_km / SPEED_KPH * 60.0
    if n_packages > 1:
        dist, _ = cKDTree(pxy).query(pxy, k=2)
        nearest_km = dist[:, 1] * DETOUR
    else:
        nearest_km = np.full(n_packages, np.nan)
    nearest_min = nearest_km / SPEED_KPH * 60.0

    zones: dict[str, Zone] = {}
    for t in range(n_towns):
        near = np.argsort(np.hypot(*(oxy - towns[t]).T))[:2]
        zones[f"Z{t}"] = Zone(
            zone_id=f"Z{t}",
            name=f"Town {t}",
            kind=ZoneKind.NEIGHBOURHOOD,
            area_codes=(f"SYN{t:03d}",),
            lead_providers=tuple(f"PR{k:03d}" for k in near),
        )
    zones["RURAL"] = Zone(
        zone_id="RURAL",
        name="Rural",
        kind=ZoneKind.RURAL,
        area_codes=("SYNRUR",),
        lead_providers=tuple(f"PR{k:03d}" for k in range(min(2, n_providers))),
        rate_uplift_pct=10.0,
    )

    double = rng.random(n_packages) < 0.08
    active = rng.random(n_packages) < active_share
    needs_draw = rng.random(n_packages)
    visits = [_visits(rng, bool(d)) for d in double]
    carer_h = np.array([sum(v.carer_min for v in vs) / 60.0 for vs in visits])
    legs = np.array([len(vs) * (2 if d else 1) for vs, d in zip(visits, double, strict=True)])
    nearest_office = office_min.argmin(axis=0)
    leg_min, _ = per_visit_travel(
        office_min[nearest_office, np.arange(n_packages)],
        office_km[nearest_office, np.arange(n_packages)],
        nearest_min,
        nearest_km,
    )
    # Demand for sizing: carer time plus travel as if served from the nearest office.
    demand_h = float((carer_h + legs * leg_min / 60.0).sum())
    share = rng.uniform(0.5, 1.5, n_providers)
    capacity = capacity_ratio * demand_h * share / share.sum()
    skills_draw = rng.random((n_providers, 2))

    providers = tuple(
        Provider(
            provider_id=f"PR{k:03d}",
            name=f"Provider {k}",
            lat=float(olat[k]),
            lon=float(olon[k]),
            capacity_hours=float(round(capacity[k], 1)),
            care_workers=max(1, int(capacity[k] / 30)),
            price_gbp_per_hour=float(round(rng.uniform(22.0, 27.0), 2)),
            pay_gbp_per_hour=12.71,
            skills=frozenset(
                s
                for s, ok in zip(("dementia", "peg"), skills_draw[k] < (0.7, 0.4), strict=True)
                if ok
            ),
        )
        for k in range(n_providers)
    )
    # Active packages sit with a provider near them that had room (70% fill of capacity).
    room = capacity * 0.7
    packages = []
    for i in range(n_packages):
        needs = (
            frozenset({"dementia"})
            if needs_draw[i] < 0.10
            else frozenset({"peg"})
            if needs_draw[i] < 0.15
            else frozenset()
        )
        current = None
        if active[i]:
            for k in np.argsort(office_min[:, i])[:5]:
                if room[k] >= carer_h[i] and needs <= providers[k].skills:
                    current = providers[k].provider_id
                    room[k] -= carer_h[i]
                    break
        is_active = current is not None
        hospital = not is_active and rng.random() < 0.15
        packages.append(
            Package(
                package_id=f"SYN{i:06d}",
                lat=float(plat[i]),
                lon=float(plon[i]),
                weekly_hours=sum(v.duration_min for v in visits[i]) / 60.0,
                visits=visits[i],
                needs=needs,
                status=PackageStatus.ACTIVE if is_active else PackageStatus.WAITING,
                days_waiting=0 if is_active else int(rng.integers(0, 120)),
                priority=Priority.HOSPITAL_DISCHARGE if hospital else Priority.COMMUNITY,
                current_provider=current,
                zone_id="RURAL" if p_rural[i] else f"Z{p_town[i]}",
                area_code="SYNRUR" if p_rural[i] else f"SYN{p_town[i]:03d}",
                placement="synthetic",
            )
        )
    return SyntheticArea(
        packages=tuple(packages),
        providers=providers,
        zones=zones,
        office_min=office_min.astype(np.float32),
        office_km=office_km.astype(np.float32),
        nearest_min=nearest_min,
        nearest_km=nearest_km,
    )


def simple_package(
    package_id: str,
    *,
    lat: float = CENTRE_LAT,
    lon: float = CENTRE_LON,
    calls: int = 7,
    duration_min: int = 60,
    carers: int = 1,
    needs: frozenset[str] = frozenset(),
    priority: Priority = Priority.COMMUNITY,
    days_waiting: int = 0,
    current_provider: str | None = None,
    zone_id: str | None = None,
) -> Package:
    """A package of ``calls`` morning calls (one a day, cycling Mon-Sun) of equal length.

    ``current_provider`` makes it active. For hand-made test instances.
    """
    visits = tuple(
        Visit(day=c % 7, call_type=CallType.MORNING, duration_min=duration_min, carers=carers)
        for c in range(calls)
    )
    return Package(
        package_id=package_id,
        lat=lat,
        lon=lon,
        weekly_hours=calls * duration_min / 60.0,
        visits=visits,
        needs=needs,
        status=PackageStatus.ACTIVE if current_provider else PackageStatus.WAITING,
        days_waiting=days_waiting,
        priority=priority,
        current_provider=current_provider,
        zone_id=zone_id,
        placement="synthetic",
    )


def simple_provider(
    provider_id: str,
    *,
    capacity_hours: float,
    price_gbp_per_hour: float = 25.0,
    skills: frozenset[str] = frozenset(),
    lat: float = CENTRE_LAT,
    lon: float = CENTRE_LON,
) -> Provider:
    """A provider with the given capacity [carer-h/week] and price. For hand-made instances."""
    return Provider(
        provider_id=provider_id,
        name=f"Provider {provider_id}",
        lat=lat,
        lon=lon,
        capacity_hours=capacity_hours,
        care_workers=max(1, int(capacity_hours / 30)),
        price_gbp_per_hour=price_gbp_per_hour,
        pay_gbp_per_hour=12.71,
        skills=skills,
    )

"""A council's synthetic screening area: demand at LSOA centroids, providers, zones, proxy travel.

Everything here is a SCREENING ESTIMATE drawn from one seed; no real person or provider.

- People: ``people_per_65plus`` x the council's Census 2021 residents aged 65+, split over its
  LSOAs by need weight (65+ x health deprivation, the demo generator's ``need_weights``); each
  placed at its LSOA's population-weighted centroid, scattered by a normal of sd
  ``SCATTER_SHARE`` x the LSOA's centroid spacing (assumption: homes spread over the LSOA,
  whose width is about the spacing, so nearest-neighbour legs are not zero). Visits, double
  handing, needs, the waiting list (remote LSOAs: IoD barriers decile), days waited: the demo
  generator's draws and parameters (``configs/demand_rutland.toml``).
- Zones: ``zone_count`` zones grown from seeds over the LSOAs (``grow_zones``).
- Providers: per zone, about one per ``people_per_provider`` people (at least two, so a zone
  can have two leads), offices at seeded k-means centres of the zone's people; capacity the
  carer-hours of its nearest people plus ``TRAVEL_ALLOWANCE``, times ``CAPACITY_RATIO``; every
  provider offers every need (assumption: the screening compares travel, not skills). Leads of a
  zone: its providers by capacity, largest first.
- Current providers: active people keep the nearest office with room (today's spot market),
  the demo's ``choose_current_providers`` with no zone leads.
- Travel: office-to-home and home-to-nearest-home legs from ``optimiser.screening.proxy``.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pyproj import Transformer
from scipy.cluster.vq import kmeans2
from scipy.spatial import cKDTree

from optimiser.data.domain import Package, PackageStatus, Priority, Provider, Zone, ZoneKind
from optimiser.demo.draws import (
    allocate_people,
    build_visits,
    choose_current_providers,
    draw_days_waiting,
    draw_flags,
    draw_needs,
    draw_visit_plans,
    draw_waiting,
    need_weights,
    weekly_hours_of,
)
from optimiser.demo.params import DemandParams
from optimiser.screening.proxy import CLASSES, TravelProxy

__all__ = [
    "CAPACITY_RATIO",
    "MAX_ZONES",
    "CouncilArea",
    "build_council_area",
    "grow_zones",
    "zone_count",
]

#: assumption: homes lie about a third of the centroid spacing from the centroid (sd).
SCATTER_SHARE = 0.35
#: assumption: the scatter uses at most this spacing [km] (Rutland's widest LSOAs are 5.5 km
#: apart; an island LSOA's spacing is the sea crossing, not the width of its homes).
SCATTER_MAX_SPACING_KM = 6.0
#: Capacity on top of a provider's carer-hours for its carers' travel. From the demo: travel is
#: about 20-22% on top of carer-hours of contact (configs/demand_rutland.toml, [providers]).
TRAVEL_ALLOWANCE = 0.22
#: assumption, as the demo: total capacity a little below demand plus travel, so some need
#: stays unmet and the options differ in who they reach.
CAPACITY_RATIO = 0.95
#: assumption: about three providers per zone (a lead, a second lead, a fallback); at most 13
#: zones, the most found in a real layout (Brent, 13 patches: docs DOMAIN notes).
PROVIDERS_PER_ZONE = 3
MAX_ZONES = 13
#: Price range [GBP per carer-hour]: the average council fee 2025/26 (GBP 24.10) to the
#: Homecare Association minimum price 2025/26 (GBP 32.14); each provider's drawn uniformly
#: (assumption).
PRICE_RANGE_GBP = (24.10, 32.14)
#: Neighbours of an LSOA in the zone growth (a contiguity stand-in: no national boundaries).
GROWTH_NEIGHBOURS = 6

_TO_BNG = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
_FROM_BNG = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)


@dataclass(frozen=True)
class CouncilArea:
    """One council's synthetic screening area (module docstring).

    ``office_min``/``office_km`` (P, N) [min]/[km] and ``nearest_min``/``nearest_km`` (N,)
    [min]/[km] are proxy travel; ``zone_providers`` lists each zone's providers by capacity
    (largest first); ``class_share`` is the share of people in each rurality class.
    """

    council_code: str
    packages: tuple[Package, ...]
    providers: tuple[Provider, ...]
    zone_of_lsoa: Mapping[str, str]
    zone_providers: Mapping[str, tuple[str, ...]]
    zone_kind: Mapping[str, ZoneKind]
    office_min: np.ndarray
    office_km: np.ndarray
    nearest_min: np.ndarray
    nearest_km: np.ndarray
    class_share: Mapping[str, float]

    def zones(self, leads: int) -> dict[str, Zone]:
        """The zones with ``leads`` lead providers each (0: no leads, for spot)."""
        codes: dict[str, list[str]] = {}
        for lsoa, zone in sorted(self.zone_of_lsoa.items()):
            codes.setdefault(zone, []).append(lsoa)
        return {
            z: Zone(
                zone_id=z,
                name=f"{self.council_code} zone {z[-2:]}",
                kind=self.zone_kind[z],
                area_codes=tuple(codes[z]),
                lead_providers=self.zone_providers[z][:leads],
            )
            for z in sorted(codes)
        }


def zone_count(people: int, people_per_provider: int) -> int:
    """Zones of a council: one per ``PROVIDERS_PER_ZONE`` providers' worth of people, 1-13."""
    providers = people / max(people_per_provider, 1)
    return int(np.clip(round(providers / PROVIDERS_PER_ZONE), 1, MAX_ZONES))


def _kmeans(points: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """Seeded k-means++ centres of ``points`` (an empty cluster keeps its start: scipy warns)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="One of the clusters is empty")
        centres, _ = kmeans2(points, k, minit="++", seed=rng)
    return centres


def _xy_km(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    x, y = _TO_BNG.transform(np.asarray(lon, float), np.asarray(lat, float))
    return np.column_stack([x, y]) / 1000.0


def grow_zones(
    xy_km: np.ndarray, load: np.ndarray, n_zones: int, rng: np.random.Generator
) -> np.ndarray:
    """Zone label (0..n_zones-1) of each unit, by seeded growth on the unit's nearest neighbours.

    Seeds: seeded k-means++ centres of the units, each snapped to its nearest unit. Then, one
    unit at a time, the zone with the least load so far that borders an unassigned unit takes
    the bordering unit nearest its seed. Units no zone borders (islands in the neighbour
    graph) join the zone of their nearest assigned unit.
    """
    n = len(xy_km)
    if n_zones <= 1 or n <= 1:
        return np.zeros(n, dtype=int)
    n_zones = min(n_zones, n)
    tree = cKDTree(xy_km)
    centres = _kmeans(xy_km, n_zones, rng)
    seeds: list[int] = []
    for c in centres:
        _, order = tree.query(c, k=n)
        seeds.append(next(int(i) for i in np.atleast_1d(order) if int(i) not in seeds))
    k = min(GROWTH_NEIGHBOURS + 1, n)
    _, nbr = tree.query(xy_km, k=k)
    neighbours = [set() for _ in range(n)]
    for i, row in enumerate(np.atleast_2d(nbr)):
        for j in row[1:]:
            neighbours[i].add(int(j))
            neighbours[int(j)].add(i)
    label = np.full(n, -1, dtype=int)
    zone_load = np.zeros(n_zones)
    for z, s in enumerate(seeds):
        label[s] = z
        zone_load[z] += load[s]
    frontier = [set(neighbours[s]) for s in seeds]
    while True:
        live = [z for z in range(n_zones) if any(label[u] < 0 for u in frontier[z])]
        if not live:
            break
        z = min(live, key=lambda q: (zone_load[q], q))
        options = sorted(u for u in frontier[z] if label[u] < 0)
        d = np.hypot(*(xy_km[options] - xy_km[seeds[z]]).T)
        u = options[int(np.argmin(d))]
        label[u] = z
        zone_load[z] += load[u]
        frontier[z] |= neighbours[u]
    left = np.flatnonzero(label < 0)
    if len(left):
        done = np.flatnonzero(label >= 0)
        _, near = cKDTree(xy_km[done]).query(xy_km[left])
        label[left] = label[done[near]]
    return label


def build_council_area(
    council_code: str,
    lsoas: pd.DataFrame,
    params: DemandParams,
    proxy: TravelProxy,
    *,
    seed: int,
) -> CouncilArea:
    """Draw a council's screening area from its LSOA rows (``read_lsoas`` columns)."""
    lsoas = lsoas.sort_index()
    (rng_alloc, rng_place, rng_visits, rng_needs, rng_wait, rng_assign, rng_prov, rng_zone) = (
        np.random.default_rng(seed).spawn(8)
    )
    codes = lsoas.index.to_numpy()
    lsoa_xy = _xy_km(lsoas["lat"].to_numpy(), lsoas["lon"].to_numpy())
    spacing = lsoas["spacing_km"].to_numpy(dtype=float)
    pop = lsoas["pop_65plus"].to_numpy()
    n_people = max(1, round(params.population.people_per_65plus * pop.sum()))
    weights = need_weights(
        pop, lsoas["health_decile"].to_numpy(), params.population.health_need_uplift
    )
    per_lsoa = allocate_people(weights, n_people, rng_alloc)

    # Where people live: around their LSOA's centroid.
    home = np.repeat(np.arange(len(codes)), per_lsoa)
    xy = (
        lsoa_xy[home]
        + rng_place.normal(0.0, 1.0, (n_people, 2))
        * (SCATTER_SHARE * np.minimum(spacing[home], SCATTER_MAX_SPACING_KM))[:, None]
    )
    lon, lat = _FROM_BNG.transform(xy[:, 0] * 1000.0, xy[:, 1] * 1000.0)
    home_spacing = spacing[home]
    home_class = proxy.classify(home_spacing)

    # Zones, grown over the LSOAs with people as the load.
    n_zones = zone_count(n_people, params.synthetic.people_per_provider)
    zone_label = grow_zones(lsoa_xy, per_lsoa.astype(float), n_zones, rng_zone)
    zone_ids = np.array([f"{council_code}-Z{z + 1:02d}" for z in zone_label])
    person_zone = zone_ids[home]

    # What they need: the demo generator's draws.
    plans = draw_visit_plans(
        n_people, params.visits, params.double_handed.share_of_packages, rng_visits
    )
    weeks = build_visits(plans, params.visits.call_patterns)
    needs = draw_needs(n_people, params.needs, rng_needs)
    remote = (
        lsoas["barriers_decile"].round().to_numpy() <= params.waiting.remote_max_barriers_decile
    )
    mult = np.where(remote[home], params.waiting.remote_multiplier, 1.0)
    waiting = draw_waiting(mult, params.waiting.base_share, rng_wait)
    carer_h = np.array([sum(v.carer_min for v in w) / 60.0 for w in weeks])

    # Providers: per zone, offices at k-means centres of its people, sized from their hours.
    skills = frozenset(params.needs)
    providers: list[Provider] = []
    office_xy: list[np.ndarray] = []
    zone_providers: dict[str, tuple[str, ...]] = {}
    zone_kind: dict[str, ZoneKind] = {}
    for z in sorted(set(zone_ids)):
        members = np.flatnonzero(person_zone == z)
        rural = home_class[members] == CLASSES.index("rural")
        zone_kind[z] = (
            ZoneKind.RURAL if len(members) and rural.mean() > 0.5 else ZoneKind.NEIGHBOURHOOD
        )
        if len(members) == 0:
            zone_providers[z] = ()
            continue
        k = max(2, round(len(members) / params.synthetic.people_per_provider))
        k = min(k, len(members))
        centres = _kmeans(xy[members], k, rng_prov)
        _, nearest = cKDTree(centres).query(xy[members])
        hours = np.bincount(nearest, weights=carer_h[members], minlength=k)
        ids = []
        for j in range(k):
            pid = f"{council_code}-{z[-3:]}-PR{j + 1}"
            capacity = max(hours[j], 1.0) * (1 + TRAVEL_ALLOWANCE) * CAPACITY_RATIO
            olon, olat = _FROM_BNG.transform(centres[j, 0] * 1000.0, centres[j, 1] * 1000.0)
            providers.append(
                Provider(
                    provider_id=pid,
                    name=f"Screening provider {pid} (synthetic)",
                    lat=float(olat),
                    lon=float(olon),
                    capacity_hours=float(round(capacity, 1)),
                    care_workers=max(1, round(capacity / 22.0)),
                    price_gbp_per_hour=float(round(rng_prov.uniform(*PRICE_RANGE_GBP), 2)),
                    pay_gbp_per_hour=12.71,
                    skills=skills,
                )
            )
            office_xy.append(centres[j])
            ids.append((capacity, pid))
        zone_providers[z] = tuple(pid for _, pid in sorted(ids, key=lambda t: (-t[0], t[1])))
    oxy = np.array(office_xy)

    # Who serves them now: the nearest office with room (today's spot market).
    chosen = choose_current_providers(
        xy * 1000.0,
        list(person_zone),
        needs,
        carer_h,
        ~waiting,
        oxy * 1000.0,
        np.array([p.capacity_hours for p in providers]) * params.providers.max_utilisation,
        [p.skills for p in providers],
        {},
        max_office_m=params.providers.max_office_km * 1000.0,
        order=rng_assign.permutation(n_people),
    )
    on_list = np.flatnonzero(chosen < 0)
    hospital = np.zeros(n_people, dtype=bool)
    hospital[on_list] = draw_flags(params.waiting.hospital_discharge_share, len(on_list), rng_wait)
    days_waiting = draw_days_waiting(hospital, params.waiting, rng_wait)

    # Travel: the proxy on straight-line legs; a leg's class is its more rural end's.
    _, office_lsoa = cKDTree(lsoa_xy).query(oxy)
    office_spacing = spacing[office_lsoa]
    crow = np.hypot(oxy[:, None, 0] - xy[None, :, 0], oxy[:, None, 1] - xy[None, :, 1])
    office_min, office_km = proxy.travel(
        crow, np.maximum(office_spacing[:, None], home_spacing[None, :])
    )
    if n_people > 1:
        dist, idx = cKDTree(xy).query(xy, k=2)
        near_s = np.maximum(home_spacing, home_spacing[idx[:, 1]])
        nearest_min, nearest_km = proxy.travel(dist[:, 1], near_s)
    else:
        nearest_min = nearest_km = np.full(n_people, np.nan)

    width = max(4, len(str(n_people)))
    packages = tuple(
        Package(
            package_id=f"{council_code}-P{i + 1:0{width}d}",
            lat=float(lat[i]),
            lon=float(lon[i]),
            weekly_hours=weekly_hours_of(weeks[i]),
            visits=weeks[i],
            needs=needs[i],
            status=PackageStatus.ACTIVE if chosen[i] >= 0 else PackageStatus.WAITING,
            days_waiting=0 if chosen[i] >= 0 else int(days_waiting[i]),
            priority=(
                Priority.HOSPITAL_DISCHARGE if hospital[i] and chosen[i] < 0 else Priority.COMMUNITY
            ),
            current_provider=providers[chosen[i]].provider_id if chosen[i] >= 0 else None,
            zone_id=str(person_zone[i]),
            area_code=str(codes[home[i]]),
            placement="screening: LSOA centroid, scattered",
        )
        for i in range(n_people)
    )
    share = {c: float(np.mean(home_class == n)) for n, c in enumerate(CLASSES)}
    return CouncilArea(
        council_code=council_code,
        packages=packages,
        providers=tuple(providers),
        zone_of_lsoa=dict(zip(codes, zone_ids, strict=True)),
        zone_providers=zone_providers,
        zone_kind=zone_kind,
        office_min=office_min.astype(np.float32),
        office_km=office_km.astype(np.float32),
        nearest_min=nearest_min,
        nearest_km=nearest_km,
        class_share=share,
    )

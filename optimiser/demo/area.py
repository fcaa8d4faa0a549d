"""The demo area: seeded packages, providers and zones on a real council's geography.

People are placed at real residential buildings (or along residential roads where outlines are
sparse) in proportion to each small area's residents aged 65+, with a sourced mix of package
sizes, calls, call lengths, double-handed calls, needs and a waiting list. A ``scale`` above 1
draws denser synthetic demand on the same geography, labelled synthetic.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from optimiser.data.domain import (
    Package,
    PackageStatus,
    Priority,
    Provider,
    Zone,
    ZoneKind,
)
from optimiser.data.tables import zones_from_table
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
from optimiser.demo.inputs import DemoInputs, load_demo_inputs
from optimiser.demo.params import DemandParams, default_params
from optimiser.demo.placement import (
    PLACED_ON_BUILDING,
    PLACED_ON_ROAD,
    place_people,
    road_weights,
    xy_m,
)
from optimiser.demo.scaled import split_providers
from optimiser.errors import InputError, Problem


@dataclass(frozen=True)
class DemoArea:
    """A generated demo area: packages, providers, zones and the tables they came from.

    ``zones`` carry the lead providers of the zoned scenario; the spot baseline lets every
    provider serve anywhere (configs/demo_spot.toml). ``zone_table`` is one row per area (columns
    ``zone_id``, ``name``, ``kind``, ``area_code``, ``lead_providers``, ``rate_uplift_pct``,
    ...). ``areas`` holds the LSOAs with their 65+ counts, deprivation deciles, zone, how
    people were placed there and how many were drawn. ``synthetic`` is True for scale > 1.
    """

    name: str
    packages: tuple[Package, ...]
    providers: tuple[Provider, ...]
    zones: tuple[Zone, ...]
    zone_table: pd.DataFrame
    areas: gpd.GeoDataFrame
    synthetic: bool
    seed: int
    scale: float

    def summary(self) -> dict[str, Any]:
        """Headline figures: people, hours, waiting list, providers, zones, rural share."""
        pk = self.packages
        rural = {z.zone_id for z in self.zones if z.kind is ZoneKind.RURAL}
        waiting = [p for p in pk if p.status is PackageStatus.WAITING]
        weekly = sum(p.weekly_hours for p in pk)
        n = max(len(pk), 1)
        return {
            "name": self.name,
            "synthetic": self.synthetic,
            "seed": self.seed,
            "scale": self.scale,
            "people": len(pk),
            "weekly_hours": round(weekly, 1),
            "carer_hours": round(sum(p.carer_hours for p in pk), 1),
            "mean_weekly_hours": round(weekly / n, 2),
            "visits_per_week": sum(p.visits_per_week for p in pk),
            "double_handed_share": round(sum(p.double_handed for p in pk) / n, 3),
            "active": len(pk) - len(waiting),
            "waiting": len(waiting),
            "waiting_hours": round(sum(p.weekly_hours for p in waiting), 1),
            "hospital_discharge": sum(p.priority is Priority.HOSPITAL_DISCHARGE for p in waiting),
            "waiting_rural": sum(p.zone_id in rural for p in waiting),
            "providers": len(self.providers),
            "capacity_hours": round(sum(p.capacity_hours for p in self.providers), 1),
            "zones": len(self.zones),
            "rural_share": round(sum(p.zone_id in rural for p in pk) / n, 3),
            "placed_on_road_share": round(sum(p.placement == PLACED_ON_ROAD for p in pk) / n, 3),
        }

    def zone_summary(self) -> pd.DataFrame:
        """One row per zone: areas, residents 65+, people, hours [h/week], waiting, leads.

        ``lead_capacity_hours`` is the summed capacity of the zone's lead providers [carer
        h/week] (a provider leading two zones counts in both).
        """
        capacity = {p.provider_id: p.capacity_hours for p in self.providers}
        pop = self.areas.groupby("zone_id")["pop_65plus"].sum()
        rows = []
        for z in self.zones:
            mine = [p for p in self.packages if p.zone_id == z.zone_id]
            wait = [p for p in mine if p.status is PackageStatus.WAITING]
            rows.append(
                {
                    "zone_id": z.zone_id,
                    "name": z.name,
                    "kind": z.kind.value,
                    "areas": len(z.area_codes),
                    "pop_65plus": int(pop.get(z.zone_id, 0)),
                    "people": len(mine),
                    "weekly_hours": round(sum(p.weekly_hours for p in mine), 1),
                    "carer_hours": round(sum(p.carer_hours for p in mine), 1),
                    "waiting": len(wait),
                    "hospital_discharge": sum(
                        p.priority is Priority.HOSPITAL_DISCHARGE for p in wait
                    ),
                    "lead_providers": ";".join(z.lead_providers),
                    "lead_capacity_hours": round(sum(capacity[p] for p in z.lead_providers), 1),
                }
            )
        return pd.DataFrame(rows)


def build_demo(
    inputs: DemoInputs, params: DemandParams, *, seed: int, scale: float = 1.0
) -> DemoArea:
    """Generate the demo area from loaded inputs (deterministic for a given seed and scale)."""
    if not scale > 0:
        raise ValueError(f"scale must be > 0, got {scale}")
    synthetic = scale > 1.0
    prefix = params.synthetic.id_prefix if synthetic else ""
    (
        rng_alloc,
        rng_place,
        rng_visits,
        rng_needs,
        rng_wait,
        rng_assign,
        rng_prov,
        rng_language,  # the eighth child: spawn(8)'s first seven equal spawn(7)'s
    ) = np.random.default_rng(seed).spawn(8)

    # Zone table and providers (split into branches for synthetic areas).
    table = inputs.zone_table.copy()
    base_ids = {p.provider_id for p in inputs.providers}
    bad = [
        Problem("zone table", int(i) + 1, "lead_providers", f"unknown provider {pid!r}")
        for i, leads in enumerate(table["lead_providers"])
        for pid in str(leads).split(";")
        if pid and pid not in base_ids
    ]
    if bad:
        raise InputError(bad)
    providers = inputs.providers
    # People in the real-size demo; a scaled area has round(that x scale).
    base_people = round(params.population.people_per_65plus * inputs.areas["pop_65plus"].sum())
    if synthetic:
        n_prov = max(
            len(providers), round(base_people * scale / params.synthetic.people_per_provider)
        )
        providers, branches = split_providers(
            providers, inputs.provider_places, n_prov, scale, params.synthetic, rng_prov
        )
        table["lead_providers"] = table["lead_providers"].map(
            lambda s: ";".join(b for pid in str(s).split(";") if pid for b in branches[pid])
        )
    area_zone = dict(zip(table["area_code"], table["zone_id"], strict=True))
    missing = [c for c in inputs.areas["area_code"] if c not in area_zone]
    if missing:
        raise InputError(
            [Problem("zone table", None, "area_code", f"area {c!r} is in no zone") for c in missing]
        )
    zones = zones_from_table(table, inputs.areas)
    lead_of = {z.zone_id: z.lead_providers for z in zones}

    # Where people live: allocate to areas, then place at buildings or on road edges.
    areas = inputs.areas.copy()
    pp = params.placement
    dwellings = areas["residents"] / pp.persons_per_household
    mapped_share = areas["mapped_homes"] / dwellings
    areas["mapped_home_share"] = mapped_share.round(3)
    weight_m = road_weights(inputs.roads, pp) * inputs.roads.length
    has_roads = areas["area_code"].map(weight_m.groupby(inputs.roads["area_code"]).sum()) > 0
    well_mapped = mapped_share >= pp.min_mapped_home_share
    # Buildings where mapping is good enough; else road edges; else whatever homes there are.
    areas["placement"] = np.where(well_mapped | ~has_roads, PLACED_ON_BUILDING, PLACED_ON_ROAD)
    unplaceable = (areas["placement"] == PLACED_ON_BUILDING) & (areas["mapped_homes"] == 0)
    if unplaceable.any():
        raise InputError(
            [
                Problem("OSM extract", None, "area_code", f"area {c!r} has no homes or streets")
                for c in areas.loc[unplaceable, "area_code"]
            ]
        )
    areas["need_weight"] = need_weights(
        areas["pop_65plus"].to_numpy(),
        areas["health_decile"].to_numpy(),
        params.population.health_need_uplift,
    )
    areas["remote"] = areas["barriers_decile"].round() <= params.waiting.remote_max_barriers_decile
    areas["zone_id"] = areas["area_code"].map(area_zone)
    kind_of = {z.zone_id: z.kind for z in zones}
    areas["kind"] = areas["zone_id"].map(lambda z: kind_of[z].value)
    n_people = round(base_people * scale)
    areas["people"] = allocate_people(areas["need_weight"].to_numpy(), n_people, rng_alloc)
    lat, lon, how, code = place_people(
        inputs, areas["people"].to_numpy(), areas["placement"].to_numpy(), pp, rng_place
    )

    # What they need: visits, needs, waiting list.
    plans = draw_visit_plans(
        n_people, params.visits, params.double_handed.share_of_packages, rng_visits
    )
    weeks = build_visits(plans, params.visits.call_patterns)
    needs = draw_needs(n_people, params.needs, rng_needs)
    # Language and cultural needs come from their own stream, so every draw above and below
    # stays as it was without them; they still shape who can serve each person now.
    language = draw_needs(n_people, params.language_needs, rng_language)
    needs = [a | b for a, b in zip(needs, language, strict=True)]
    remote = dict(zip(areas["area_code"], areas["remote"], strict=True))
    mult = np.array([params.waiting.remote_multiplier if remote[c] else 1.0 for c in code])
    waiting = draw_waiting(mult, params.waiting.base_share, rng_wait)

    # Who serves them now: lead providers of the zone first, then the nearest office.
    zone_ids = [area_zone[c] for c in code]
    carer_h = np.array([sum(v.carer_min for v in w) / 60.0 for w in weeks])
    pidx = {p.provider_id: j for j, p in enumerate(providers)}
    chosen = choose_current_providers(
        xy_m(lat, lon),
        zone_ids,
        needs,
        carer_h,
        ~waiting,
        xy_m(np.array([p.lat for p in providers]), np.array([p.lon for p in providers])),
        np.array([p.capacity_hours for p in providers]) * params.providers.max_utilisation,
        [p.skills for p in providers],
        {z: [pidx[p] for p in leads] for z, leads in lead_of.items()},
        max_office_m=params.providers.max_office_km * 1000.0,
        order=rng_assign.permutation(n_people),
    )

    # The final waiting list (drawn plus those no provider could take): a quota of it are
    # hospital-discharge cases; days waited depend on the priority.
    on_list = np.flatnonzero(chosen < 0)
    hospital = np.zeros(n_people, dtype=bool)
    hospital[on_list] = draw_flags(params.waiting.hospital_discharge_share, len(on_list), rng_wait)
    days_waiting = draw_days_waiting(hospital, params.waiting, rng_wait)

    width = max(4, len(str(n_people)))
    packages = []
    for i in range(n_people):
        active = chosen[i] >= 0
        packages.append(
            Package(
                package_id=f"{prefix}P{i + 1:0{width}d}",
                lat=float(lat[i]),
                lon=float(lon[i]),
                weekly_hours=weekly_hours_of(weeks[i]),
                visits=weeks[i],
                needs=needs[i],
                status=PackageStatus.ACTIVE if active else PackageStatus.WAITING,
                days_waiting=0 if active else int(days_waiting[i]),
                priority=(
                    Priority.HOSPITAL_DISCHARGE
                    if hospital[i] and not active
                    else Priority.COMMUNITY
                ),
                current_provider=providers[chosen[i]].provider_id if active else None,
                zone_id=zone_ids[i],
                area_code=str(code[i]),
                placement=str(how[i]),
            )
        )
    name = params.area.name + (f" (synthetic x{scale:g})" if synthetic else "")
    areas["synthetic"] = synthetic
    return DemoArea(
        name=name,
        packages=tuple(packages),
        providers=providers,
        zones=zones,
        zone_table=table,
        areas=areas,
        synthetic=synthetic,
        seed=seed,
        scale=scale,
    )


def generate_demo(
    data_dir: str | Path | None,
    params: DemandParams | None = None,
    *,
    seed: int = 0,
    scale: float = 1.0,
) -> DemoArea:
    """Generate the demo area (Rutland by default) from the data dir and the parameters.

    ``data_dir`` None: the demo data is looked up (``load_demo_inputs``).

    ``scale`` multiplies the number of people and the provider capacity on the same
    geography; above 1 the area is synthetic (ids prefixed, name marked, providers split).
    """
    params = params or default_params()
    return build_demo(load_demo_inputs(data_dir, params), params, seed=seed, scale=scale)

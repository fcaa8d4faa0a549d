"""Zone design for an area: units from its small areas, a proposal, and the pipeline's verdict.

The units are the area's small areas. A unit's demand is its packages' carer minutes
(double-handed calls twice) plus their carers' travel by the product's per-visit estimate
(the office leg from the nearest office); its location is its representative point, snapped
to the road network with ``geodata.snapping``, and travel between units and from offices is
the road network's (``geodata.travel``). Neighbours for contiguity are queen neighbours
(a shared edge or corner, polygons grown by 5 m) whose points the roads join within
``max_neighbour_min`` minutes (a lake or a road-less boundary is not a neighbour).
Every proposal is then run through ``run_scenario`` beside the current zones.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geodata.areas import area_adjacency
from geodata.snapping import snap_points
from geodata.travel import travel_matrix
from optimiser import report
from optimiser.data import config as cfgmod
from optimiser.data import tables
from optimiser.data.domain import Scenario, ZoneKind
from optimiser.errors import SolverError
from optimiser.models.design_records import (
    DesignInstance,
    DesignRules,
    DesignSettings,
    ZoneDesign,
)
from optimiser.models.travel_formula import nearest_leg, per_visit_travel
from optimiser.models.validate_design import check_design
from optimiser.models.zone_design import design_zones
from optimiser.result import ScenarioResult
from optimiser.service.areas import AreaData, area_for_config, snap
from optimiser.service.progress import Progress, no_progress
from optimiser.service.scenarios import demo_scenario, run_scenario
from optimiser.service.zones import zones_download

#: Neighbours whose points are farther apart by road than this are not neighbours [min]
#: (assumption: 20 min is about twice a rural LSOA's width by car; a reservoir or a boundary
#: without a road between two areas makes the trip longer than that).
MAX_NEIGHBOUR_MIN = 20.0
#: A unit's representative point may lie this far from the nearest road [m] (rural LSOAs).
UNIT_ACCESS_M = 5_000.0
#: Polygons are grown by this much before touching is tested [m] (boundary noise).
ADJACENCY_BUFFER_M = 5.0
#: The default design budget (exact up to 60 units, 120 s cap, seed 7).
DEFAULT_SETTINGS = DesignSettings()

__all__ = [
    "DesignProposal",
    "DesignRules",
    "DesignSettings",
    "design_config",
    "design_instance",
    "evaluate_zone_tables",
    "propose_zones",
    "write_design",
]


def design_instance(
    area: AreaData, *, max_neighbour_min: float = MAX_NEIGHBOUR_MIN
) -> DesignInstance:
    """The area's units (small areas) with demand, road travel and road-joined neighbours."""
    areas = area.areas.reset_index(drop=True)
    codes = tuple(str(c) for c in areas["area_code"])
    index = {c: i for i, c in enumerate(codes)}
    # demand: carer minutes plus the per-visit travel estimate with the nearest office
    office_leg = np.nanmin(np.where(np.isfinite(area.office_min), area.office_min, np.inf), axis=0)
    office_km = np.nanmin(np.where(np.isfinite(area.office_km), area.office_km, np.inf), axis=0)
    leg_min, _ = per_visit_travel(
        office_leg,
        office_km,
        nearest_leg(area.home_min, len(area.packages)),
        nearest_leg(area.home_km, len(area.packages)),
        params=area.estimate_params,
    )
    demand = np.zeros(len(codes))
    for i, pk in enumerate(area.packages):
        u = index.get(pk.area_code or "")
        if u is None:
            continue
        legs = sum(v.carers for v in pk.visits)
        demand[u] += sum(v.carer_min for v in pk.visits) + leg_min[i] * legs
    # unit points snapped to the roads; travel from offices and between units
    reps = areas.geometry.representative_point()
    units = snap_points(
        area.graph,
        codes,
        reps.y.to_numpy(),
        reps.x.to_numpy(),
        max_access_m=max(UNIT_ACCESS_M, area.travel_settings.max_access_m),
        source="small areas",
        index=area.snap_index,
    )
    offices = snap(
        area.graph,
        area.providers,
        source="providers",
        index=area.snap_index,
        max_access_m=area.travel_settings.max_access_m,
    )
    cache = cfgmod.cache_dir()
    zero_kerb = np.zeros(len(codes))
    unit_min = travel_matrix(
        area.network_arrays, units, None, settings=area.travel_settings,
        dest_kerb_min=zero_kerb, cache_dir=cache,
    ).minutes  # fmt: skip
    office_min = travel_matrix(
        area.network_arrays, offices, units, settings=area.travel_settings,
        dest_kerb_min=zero_kerb, cache_dir=cache,
    ).minutes  # fmt: skip
    pairs = area_adjacency(areas, buffer_m=ADJACENCY_BUFFER_M)
    road = np.maximum(unit_min[pairs[:, 0], pairs[:, 1]], unit_min[pairs[:, 1], pairs[:, 0]])
    arcs = pairs[np.isfinite(road) & (road <= max_neighbour_min)]
    return DesignInstance(
        unit_ids=codes,
        demand_min=np.rint(demand).astype(np.int64),
        unit_min=unit_min,
        provider_ids=tuple(p.provider_id for p in area.providers),
        office_min=office_min,
        capacity_min=np.rint([p.capacity_hours * 60 for p in area.providers]).astype(np.int64),
        arcs=arcs,
    )


def design_zone_table(
    area: AreaData, inst: DesignInstance, design: ZoneDesign, *, prefix: str = "D"
) -> pd.DataFrame:
    """The design as a zone-to-area table (the format ``homecare run`` reads).

    Rural zones get the rate uplift most used by the current table's rural zones (0 if none).
    """
    current = area.zone_table
    rural_uplifts = current.loc[current["kind"] == ZoneKind.RURAL.value, "rate_uplift_pct"]
    uplift = Counter(rural_uplifts.tolist()).most_common(1)[0][0] if len(rural_uplifts) else 0
    names = dict(zip(area.areas["area_code"].astype(str), area.areas["area_name"], strict=True))
    rows = []
    width = max(2, len(str(design.n_zones)))
    for u, code in enumerate(inst.unit_ids):
        z = int(design.zone_of[u])
        rural = design.rural[z]
        centre = inst.unit_ids[int(design.centre[z])]
        rows.append(
            {
                "zone_id": f"Z-{prefix}{z + 1:0{width}d}",
                "name": f"Designed zone {z + 1} (around {names.get(centre, centre)})",
                "kind": (ZoneKind.RURAL if rural else ZoneKind.NEIGHBOURHOOD).value,
                "area_code": code,
                "lead_providers": ";".join(inst.provider_ids[k] for k in design.leads[z]),
                "rate_uplift_pct": uplift if rural else 0,
            }
        )
    return pd.DataFrame(rows, columns=list(tables.ZONE_AREA_COLUMNS))


@dataclass(frozen=True, eq=False)
class DesignProposal:
    """A proposed design, its zone table, and the pipeline's figures beside the current zones.

    ``results`` maps "current" and "proposed" (and any other table evaluated) to the
    ``ScenarioResult`` of ``run_scenario``; ``comparison`` is ``report.compare`` of them;
    ``zone_loads`` one row per proposed zone: demand and lead capacity (see
    ``report.design_zone_loads``).
    """

    design: ZoneDesign
    instance: DesignInstance
    zone_table: pd.DataFrame
    results: Mapping[str, ScenarioResult] = field(default_factory=dict)
    comparison: pd.DataFrame = field(default_factory=pd.DataFrame)
    zone_loads: pd.DataFrame = field(default_factory=pd.DataFrame)

    def summary_text(self) -> str:
        """The design's summary, then the figures side by side (CLI and UI show the same)."""
        parts = [self.design.summary()]
        if not self.comparison.empty:
            parts.append(report.format_comparison(self.comparison))
        return "\n\n".join(parts)


def evaluate_zone_tables(
    area: AreaData,
    scenario: Scenario,
    zone_tables: Mapping[str, pd.DataFrame],
    *,
    rounds_options: Mapping[str, Any] | None = None,
    progress: Progress = no_progress,
) -> dict[str, ScenarioResult]:
    """Each zone table through the real pipeline (``run_scenario``), by name."""
    out: dict[str, ScenarioResult] = {}
    share = 1.0 / max(len(zone_tables), 1)
    for j, (name, table) in enumerate(zone_tables.items()):

        def step(f: float, m: str, j: int = j, name: str = name) -> None:
            progress((j + f) * share, f"{name}: {m}")

        out[name] = run_scenario(
            area, scenario, zone_table=table, rounds_options=rounds_options, progress=step
        )
    return out


def propose_zones(
    area: AreaData,
    rules: DesignRules,
    settings: DesignSettings = DEFAULT_SETTINGS,
    *,
    scenario: Scenario | None = None,
    evaluate: bool = True,
    instance: DesignInstance | None = None,
    progress: Progress = no_progress,
) -> DesignProposal:
    """Design ``rules.n_zones`` zones for ``area`` and run them beside the current zones.

    ``scenario`` (default: the demo's zoned scenario) is the pipeline run on both; with
    ``evaluate=False`` only the design is made. Raises ``InfeasibleError`` naming the rule
    that cannot hold; never returns a design the independent checker rejects.
    """
    progress(0.02, "units: demand, road travel and neighbours of the small areas")
    inst = instance if instance is not None else design_instance(area)
    progress(0.1, f"designing {rules.n_zones} zones over {inst.n_units} units ({settings.method})")
    design = design_zones(inst, rules, settings)
    problems = check_design(inst, rules, design, capacity=not design.notes)
    if problems:
        raise SolverError("the zone design breaks its own rules: " + "; ".join(problems[:5]))
    table = design_zone_table(area, inst, design)
    loads = report.design_zone_loads(table, inst, design)
    if not evaluate:
        progress(1.0, "design ready")
        return DesignProposal(design, inst, table, zone_loads=loads)
    scenario = scenario or demo_scenario("zoned")
    results = evaluate_zone_tables(
        area,
        scenario,
        {"current": area.zone_table, "proposed": table},
        progress=lambda f, m: progress(0.4 + 0.6 * f, m),
    )
    progress(1.0, "design evaluated")
    return DesignProposal(
        design, inst, table, results, report.compare(results), report.design_zone_loads(
            table, inst, design, results["proposed"].by_zone
        )
    )  # fmt: skip


def write_design(proposal: DesignProposal, area: AreaData, out: Path) -> list[Path]:
    """zones.csv (for ``homecare run``), zones.gpkg, comparison.csv, zone_loads.csv and
    design.txt in ``out``; returns the paths written."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "zones.csv", out / "zones.gpkg", out / "zone_loads.csv", out / "design.txt"]
    proposal.zone_table.to_csv(paths[0], index=False)
    paths[1].write_bytes(zones_download(area, proposal.zone_table, "gpkg"))
    proposal.zone_loads.to_csv(paths[2], index=False)
    paths[3].write_text(proposal.summary_text() + "\n", encoding="utf-8")
    if not proposal.comparison.empty:
        paths.append(out / "comparison.csv")
        proposal.comparison.to_csv(paths[-1])
    return paths


def design_config(
    path: Path,
    rules: DesignRules,
    settings: DesignSettings = DEFAULT_SETTINGS,
    *,
    progress: Progress = no_progress,
) -> tuple[DesignProposal, AreaData]:
    """``homecare design``: load the config's area, design, and evaluate under its scenario."""
    cfg = cfgmod.load_scenario(Path(path))
    area = area_for_config(cfg, progress=lambda f, m: progress(0.3 * f, m))
    scenario = cfg.scenario
    proposal = propose_zones(
        area, rules, settings, scenario=scenario, progress=lambda f, m: progress(0.3 + 0.7 * f, m)
    )
    return proposal, area


def with_zones(rules: DesignRules, n_zones: int) -> DesignRules:
    """The same rules for another number of zones."""
    return dataclasses.replace(rules, n_zones=n_zones)

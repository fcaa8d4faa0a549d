"""The one orchestrator the CLI and the UI both call: load an area, run scenarios, report.

Reading files, loading networks, caches and configs happen here, at the edge; the solving is
done by the pure core (``optimiser.models``, ``optimiser.costing``). Nothing here keeps global
mutable state: every function takes what it needs and returns immutable records or tables.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import platform
import time
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from geodata import network as _network
from geodata.areas import zone_polygons as _zone_polygons
from geodata.network import OSM_ATTRIBUTION, load_network, network_lines
from geodata.settings import NetworkSettings, TravelSettings, load_settings
from geodata.snapping import SnapIndex, SnappedPoints, snap_points
from geodata.travel import NetworkArrays, travel_matrix
from optimiser import report

try:
    from optimiser import costing
except ImportError:  # TEMP while costing lands
    costing = None
from optimiser.data import config as cfgmod
from optimiser.data import demand, tables
from optimiser.data.domain import (
    CostModel,
    Package,
    PackageStatus,
    Priority,
    Provider,
    Scenario,
    Zone,
    ZoneKind,
    ZonePolicy,
    ZoneRule,
)
from optimiser.errors import InputError, Problem, SolverError
from optimiser.models.assign import solve_assignment
from optimiser.models.carer_rounds import RoundsOptions, plan_rounds
from optimiser.models.greedy import greedy_assignment
from optimiser.models.instance import AssignmentInstance, build_instance
from optimiser.models.reasons import unmet_reasons
from optimiser.models.solution import AssignmentSolution
from optimiser.models.travel_estimate import TravelEstimateParams, TravelFigures, estimate_travel
from optimiser.models.validate import check_assignment
from optimiser.result import ScenarioResult

Progress = Callable[[float, str], None]

#: The project's configs/ folder (demo scenarios, network speeds, demand parameters).
CONFIG_DIR = cfgmod.repo_root() / "configs"

#: Boundary attribution for maps and outputs that show ONS areas.
ONS_ATTRIBUTION = (
    "Boundaries: ONS, Open Government Licence v3.0; contains OS data © Crown copyright and "
    "database right"
)
#: Today's commissioning as the reference every result is measured against.
BASELINE_NAME = "greedy brokerage, spot market"


def _noop(_fraction: float, _message: str) -> None:
    return None


# ---------------------------------------------------------------------------------- areas


@dataclass(frozen=True, eq=False)
class AreaData:
    """A loaded council area: road network, people, providers, zones, and travel between them.

    ``office_min``/``office_km`` [min]/[km] are provider-office-to-home travel (P x N);
    ``home_min``/``home_km`` home-to-home travel (N x N), both door to door on the road network
    (NaN where unreachable). ``zone_table`` (one row per small area) is the editable source of
    truth for zones; ``areas`` holds the small areas' polygons (EPSG:4326).
    """

    name: str
    graph: nx.MultiDiGraph
    packages: tuple[Package, ...]
    providers: tuple[Provider, ...]
    zone_table: pd.DataFrame
    areas: gpd.GeoDataFrame
    office_min: np.ndarray
    office_km: np.ndarray
    home_min: np.ndarray
    home_km: np.ndarray
    travel_settings: TravelSettings
    synthetic: bool = False
    seed: int | None = None
    scale: float = 1.0
    digest: str = ""
    attribution: str = f"{OSM_ATTRIBUTION}; {ONS_ATTRIBUTION}"
    summary_extra: Mapping[str, Any] = field(default_factory=dict)
    estimate_params: TravelEstimateParams = field(default_factory=TravelEstimateParams)

    @cached_property
    def zones(self) -> tuple[Zone, ...]:
        """Zones derived from ``zone_table`` (polygons are unions of the member areas)."""
        return zones_from_table(self.zone_table, self.areas)

    @cached_property
    def network_lines(self) -> pd.DataFrame:
        """The road network as paths for a map base layer (see ``geodata.network``)."""
        return network_lines(self.graph)

    @cached_property
    def network_arrays(self) -> NetworkArrays:
        """CSR arrays of the road graph, reused for travel to newly uploaded packages."""
        return NetworkArrays.from_graph(self.graph)

    @cached_property
    def snap_index(self) -> SnapIndex:
        """Spatial index of the road graph, reused for snapping uploads."""
        return SnapIndex.from_graph(self.graph)

    def summary(self) -> dict[str, Any]:
        """Headline facts of the area (people, hours, providers, zones)."""
        pk = self.packages
        rural = {z.zone_id for z in self.zones if z.kind is ZoneKind.RURAL}
        return {
            "area": self.name,
            "synthetic": self.synthetic,
            "people": len(pk),
            "weekly_hours": round(sum(p.weekly_hours for p in pk), 1),
            "carer_hours": round(sum(p.carer_hours for p in pk), 1),
            "waiting": sum(p.status is PackageStatus.WAITING for p in pk),
            "providers": len(self.providers),
            "capacity_carer_hours": round(sum(p.capacity_hours for p in self.providers), 1),
            "zones": len(self.zones),
            "rural_share": round(sum(p.zone_id in rural for p in pk) / max(len(pk), 1), 3),
            **self.summary_extra,
        }


def zones_from_table(zone_table: pd.DataFrame, areas: gpd.GeoDataFrame) -> tuple[Zone, ...]:
    """Zone records from the zone-to-area table (validated) and the small areas' polygons."""
    _check_zone_table(zone_table, areas)
    return demand.zones_from_table(zone_table, areas)


def _check_zone_table(zone_table: pd.DataFrame, areas: gpd.GeoDataFrame) -> None:
    """Every area in exactly one zone; zone attributes consistent; known area codes."""
    problems: list[Problem] = []
    missing = [c for c in tables.ZONE_AREA_COLUMNS if c not in zone_table.columns]
    if missing:
        raise InputError(Problem("zone table", None, ",".join(missing), "column(s) missing"))
    known = set(areas["area_code"])
    seen: dict[str, str] = {}
    for i, row in enumerate(zone_table.itertuples(index=False), start=1):
        code, zone_id = str(row.area_code), str(row.zone_id)
        if code not in known:
            problems.append(Problem("zone table", i, "area_code", f"unknown area code {code!r}"))
        if code in seen:
            problems.append(
                Problem(
                    "zone table",
                    i,
                    "area_code",
                    f"area {code!r} is in zones {seen[code]!r} and {zone_id!r} (zones overlap)",
                )
            )
        seen[code] = zone_id
        if str(row.kind) not in {k.value for k in ZoneKind}:
            problems.append(Problem("zone table", i, "kind", f"unknown zone kind {row.kind!r}"))
    for code in sorted(known - set(seen)):
        problems.append(Problem("zone table", None, "area_code", f"area {code!r} is in no zone"))
    if problems:
        raise InputError(problems)


def _digest(*parts: Any) -> str:
    sha = hashlib.sha256()
    for part in parts:
        sha.update(repr(part).encode())
    return sha.hexdigest()[:16]


def _kerb_per_home(packages: Sequence[Package], settings: TravelSettings) -> np.ndarray:
    """Kerb-to-door minutes per home: the mean over its calls' types (parking, walking)."""
    out = np.empty(len(packages))
    default = settings.kerb_to_door_default_min
    for i, pk in enumerate(packages):
        kinds = [v.call_type.value for v in pk.visits if v.call_type is not None]
        out[i] = float(np.mean(settings.kerb_min(kinds))) if kinds else default
    return out


def _snap(
    graph: nx.MultiDiGraph,
    records: Sequence[Package] | Sequence[Provider],
    *,
    source: str,
    index: SnapIndex,
    max_access_m: float,
) -> SnappedPoints:
    """Snap packages' homes or providers' offices; InputError names every point off the roads."""
    ids = [r.package_id if isinstance(r, Package) else r.provider_id for r in records]
    return snap_points(
        graph,
        ids,
        [r.lat for r in records],
        [r.lon for r in records],
        max_access_m=max_access_m,
        source=source,
        index=index,
    )


def build_area(
    *,
    name: str,
    graph: nx.MultiDiGraph,
    packages: Sequence[Package],
    providers: Sequence[Provider],
    zone_table: pd.DataFrame,
    areas: gpd.GeoDataFrame,
    travel_settings: TravelSettings,
    cache_dir: Path | None = None,
    synthetic: bool = False,
    seed: int | None = None,
    scale: float = 1.0,
    progress: Progress = _noop,
) -> AreaData:
    """Snap homes and offices to the network and compute the travel matrices of an area.

    Raises ``InputError`` naming every home or office off the road network, and every home or
    office that no route reaches (one-way dead ends, islands).
    """
    packages, providers = tuple(packages), tuple(providers)
    progress(0.5, f"snapping {len(packages)} homes and {len(providers)} offices to the roads")
    index = SnapIndex.from_graph(graph)
    limit = travel_settings.max_access_m
    homes = _snap(graph, packages, source="packages", index=index, max_access_m=limit)
    offices = _snap(graph, providers, source="providers", index=index, max_access_m=limit)
    arrays = NetworkArrays.from_graph(graph)
    kerb = _kerb_per_home(packages, travel_settings)
    progress(0.6, "travel times office -> home and home -> home on the road network")
    office = travel_matrix(
        arrays, offices, homes, settings=travel_settings, dest_kerb_min=kerb, cache_dir=cache_dir
    )
    # destinations=None: the square home-to-home matrix with a zero diagonal
    home = travel_matrix(
        arrays, homes, None, settings=travel_settings, dest_kerb_min=kerb, cache_dir=cache_dir
    )
    _check_reachable(office.minutes, providers, packages)
    digest = _digest(
        name,
        [dataclasses.astuple(p)[:5] for p in packages],
        [p.provider_id for p in providers],
        seed,
        scale,
    )
    area = AreaData(
        name=name,
        graph=graph,
        packages=packages,
        providers=providers,
        zone_table=zone_table.reset_index(drop=True),
        areas=areas,
        office_min=office.minutes,
        office_km=office.km,
        home_min=home.minutes,
        home_km=home.km,
        travel_settings=travel_settings,
        synthetic=synthetic,
        seed=seed,
        scale=scale,
        digest=digest,
        estimate_params=travel_estimate_params(),
    )
    # Validate the zone table once, up front: a bad table fails loading, not the first run.
    _ = area.zones
    return area


def _check_reachable(
    office_min: np.ndarray, providers: Sequence[Provider], packages: Sequence[Package]
) -> None:
    """A home no office reaches by road is an input problem, not a silent unmet case."""
    problems = [
        Problem("packages", i + 1, "lat/lon", f"home of {pk.package_id!r} is reached by no road")
        for i, pk in enumerate(packages)
        if not np.isfinite(office_min[:, i]).any()
    ]
    problems += [
        Problem("providers", k + 1, "lat/lon", f"office of {pv.provider_id!r} reaches no home")
        for k, pv in enumerate(providers)
        if not np.isfinite(office_min[k]).any()
    ]
    if problems:
        raise InputError(problems)


def network_settings(path: Path | None = None) -> tuple[NetworkSettings, TravelSettings]:
    """Speeds, snapping limit and kerb-to-door minutes from configs/network.toml."""
    return load_settings(path or CONFIG_DIR / "network.toml")


def load_network_for(source: str | Path | None, *, progress: Progress = _noop) -> nx.MultiDiGraph:
    """The road network of an extract path or a place name (default: the demo extract)."""
    net_settings, _ = network_settings()
    src: str | Path = source if source is not None else default_network_path()
    progress(0.1, f"loading road network from {src}")
    return load_network(src, settings=net_settings, cache_dir=cfgmod.cache_dir())


def default_network_path() -> Path:
    """The demo area's OSM extract in the data folder."""
    return cfgmod.data_dir() / "osm" / "rutland-latest.osm.pbf"


def network_summary(
    source: str | Path | None = None, *, progress: Progress = _noop
) -> dict[str, Any]:
    """Nodes, edges, km of road and bbox of a network (``homecare network``)."""
    return _network.network_summary(load_network_for(source, progress=progress))


def load_demo_area(
    *,
    seed: int = 7,
    scale: float = 1.0,
    data_dir: Path | None = None,
    network: str | Path | None = None,
    progress: Progress | None = None,
) -> AreaData:
    """The Rutland demo area: generated demand on real geography, travel on real roads."""
    progress = progress or _noop
    data_dir = Path(data_dir) if data_dir is not None else cfgmod.data_dir()
    progress(0.05, f"generating demo demand (seed {seed}, scale {scale:g})")
    demo = demand.generate_demo(data_dir, seed=seed, scale=scale)
    net_settings, travel_settings = network_settings()
    src = network if network is not None else data_dir / "osm" / "rutland-latest.osm.pbf"
    progress(0.2, f"loading road network {Path(str(src)).name}")
    graph = load_network(src, settings=net_settings, cache_dir=cfgmod.cache_dir())
    area = build_area(
        name=demo.name + (" (synthetic)" if demo.synthetic else " (demo)"),
        graph=graph,
        packages=demo.packages,
        providers=demo.providers,
        zone_table=demo.zone_table[list(tables.ZONE_AREA_COLUMNS)],
        areas=demo.areas,
        travel_settings=travel_settings,
        cache_dir=cfgmod.cache_dir(),
        synthetic=demo.synthetic,
        seed=seed,
        scale=scale,
        progress=progress,
    )
    progress(1.0, "area ready")
    return area


# ------------------------------------------------------------------------------ scenarios


#: Solver budget for interactive edits in the web app: re-evaluating a zone change must take
#: under 2 s on the demo (issue 6). A deterministic-time budget with one worker, so the same
#: zones always give the same figures and a KPI delta is the edit, never solver noise
#: (measured on the demo: about 0.9 s a run, final gap about 0.3%). The wall-clock limit is
#: only a safety net.
INTERACTIVE_DETERMINISTIC_TIME = 0.1
INTERACTIVE_TIME_LIMIT_S = 5.0


def demo_scenario(name: str = "zoned", *, interactive: bool = False) -> Scenario:
    """The demo's spot or zoned scenario, from configs/demo_<name>.toml.

    ``interactive`` keeps the rules but gives the solver the web app's short, deterministic
    budget (``INTERACTIVE_DETERMINISTIC_TIME``, one worker, the config's seed).
    """
    path = CONFIG_DIR / f"demo_{name}.toml"
    if not path.is_file():
        raise InputError(f"no demo scenario {name!r} (expected {path})", source=str(path))
    scenario = cfgmod.load_scenario(path).scenario
    if interactive:
        solver = dataclasses.replace(
            scenario.solver,
            time_limit_s=INTERACTIVE_TIME_LIMIT_S,
            workers=1,
            max_deterministic_time=INTERACTIVE_DETERMINISTIC_TIME,
        )
        scenario = dataclasses.replace(scenario, solver=solver)
    return scenario


def load_config(path: Path) -> cfgmod.ScenarioConfig:
    """A scenario config (TOML) with its inputs, checked (unknown keys named)."""
    return cfgmod.load_scenario(Path(path))


def _rezoned(
    area: AreaData, zone_table: pd.DataFrame
) -> tuple[tuple[Package, ...], tuple[Zone, ...]]:
    """Packages with zone ids from ``zone_table`` (via their small area), and the zones."""
    zones = (
        zones_from_table(zone_table, area.areas)
        if zone_table is not area.zone_table
        else area.zones
    )
    zone_of = dict(
        zip(zone_table["area_code"].astype(str), zone_table["zone_id"].astype(str), strict=True)
    )
    packages = tuple(
        p
        if zone_of.get(p.area_code or "") == p.zone_id
        else dataclasses.replace(p, zone_id=zone_of.get(p.area_code or ""))
        for p in area.packages
    )
    return packages, zones


def travel_estimate_params(path: Path | None = None) -> TravelEstimateParams:
    """The fast travel estimate's parameters, calibrated against rounds
    (configs/travel_estimate.toml); unknown keys are named."""
    path = path or CONFIG_DIR / "travel_estimate.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    known = {f.name for f in dataclasses.fields(TravelEstimateParams)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise InputError(
            Problem(str(path), None, ",".join(unknown), f"unknown key(s); known: {sorted(known)}")
        )
    return TravelEstimateParams(**data)


def _instance(
    area: AreaData, packages: Sequence[Package], zones: Sequence[Zone], scenario: Scenario
) -> AssignmentInstance:
    return build_instance(
        packages,
        area.providers,
        {z.zone_id: z for z in zones},
        scenario,
        area.office_min,
        area.office_km,
        area.home_min,
        area.home_km,
        travel_params=area.estimate_params,
    )


def baseline_scenario(scenario: Scenario) -> Scenario:
    """Today's practice for comparison: the same rules, but spot market and no releases."""
    return dataclasses.replace(
        scenario,
        name="baseline",
        zone_policy=ZonePolicy(rule=ZoneRule.SPOT),
        rules=dataclasses.replace(scenario.rules, release_continuity=False),
    )


def run_scenario(
    area: AreaData,
    scenario: Scenario,
    *,
    zone_table: pd.DataFrame | None = None,
    rounds_options: Mapping[str, Any] | None = None,
    progress: Progress | None = None,
) -> ScenarioResult:
    """Assign packages to providers under ``scenario`` and cost the result.

    Runs three assignments on the same area: the CP-SAT optimum under the scenario's rules,
    greedy brokerage under the same rules (what the optimiser adds), and greedy brokerage on
    the spot market (today's practice, the baseline that pay headroom is measured against).
    """
    progress = progress or _noop
    start = time.perf_counter()
    zone_table = area.zone_table if zone_table is None else zone_table
    packages, zones = _rezoned(area, zone_table)
    progress(0.1, f"building the assignment model ({len(packages)} packages)")
    instance = _instance(area, packages, zones, scenario)
    progress(0.2, "solving (CP-SAT, lexicographic stages)")
    solution = solve_assignment(instance, scenario.solver)
    violations = check_assignment(instance, solution.provider_of)
    if violations:  # never report a result the independent checker rejects
        raise SolverError("the assignment breaks its own rules: " + "; ".join(violations[:5]))
    progress(0.7, "greedy brokerage baselines")
    greedy_same = greedy_assignment(instance)
    base_instance = _instance(area, packages, zones, baseline_scenario(scenario))
    baseline = greedy_assignment(base_instance)
    progress(0.8, f"travel figures ({scenario.travel_method})")
    figures, rounds, missed_calls = _travel_figures(
        area, packages, instance, solution, scenario, rounds_options, progress
    )
    # The baseline's travel is measured the same way as the scenario's, so headroom compares
    # like with like (rounds for both, or the estimate for both).
    base_figures, _, _ = _travel_figures(
        area, packages, base_instance, baseline, scenario, rounds_options, progress
    )
    result = _assemble(
        area,
        scenario,
        packages,
        zones,
        instance,
        solution,
        figures,
        greedy_same,
        base_instance,
        baseline,
        base_figures,
        zone_table,
        rounds,
        wall_s=time.perf_counter() - start,
    )
    if scenario.travel_method == "rounds":
        result.summary["rounds_missed_calls"] = len(missed_calls)  # type: ignore[index]
        result = dataclasses.replace(
            result, meta={**result.meta, "rounds_missed": missed_calls.to_dict("records")}
        )
    progress(1.0, "done")
    return result


def _travel_figures(
    area: AreaData,
    packages: Sequence[Package],
    instance: AssignmentInstance,
    solution: AssignmentSolution,
    scenario: Scenario,
    rounds_options: Mapping[str, Any] | None,
    progress: Progress,
) -> tuple[TravelFigures, pd.DataFrame, pd.DataFrame]:
    """Travel of the chosen assignment (fast estimate or full carer rounds), the rounds table
    and the calls the rounds could not fit (empty for the estimate)."""
    if scenario.travel_method != "rounds":
        return estimate_travel(instance, solution.provider_of), pd.DataFrame(), pd.DataFrame()
    options = RoundsOptions.from_dict(dict(rounds_options or {}))
    outcome = plan_rounds(
        instance,
        solution.provider_of,
        packages,
        area.providers,
        area.office_min,
        area.office_km,
        area.home_min,
        area.home_km,
        options,
        progress=lambda f, m: progress(0.8 + 0.15 * f, m),
    )
    return outcome.figures, outcome.rounds, outcome.missed


def _status_word(solution: AssignmentSolution) -> str:
    """The final status for readers: CP-SAT's UNKNOWN in the last stage means it found nothing
    better within the budget, while the solution carried from earlier steps stands (feasible;
    checked by the solver-independent validator). Stage records keep the raw statuses."""
    return "FEASIBLE" if solution.status == "UNKNOWN" else solution.status


def _ratio(figures: TravelFigures, key: str) -> float:
    value = float(figures.total.get(key, np.nan))
    return 0.0 if not np.isfinite(value) else value


def _assemble(
    area: AreaData,
    scenario: Scenario,
    packages: Sequence[Package],
    zones: Sequence[Zone],
    instance: AssignmentInstance,
    solution: AssignmentSolution,
    figures: TravelFigures,
    greedy_same: AssignmentSolution,
    base_instance: AssignmentInstance,
    baseline: AssignmentSolution,
    base_figures: TravelFigures,
    zone_table: pd.DataFrame,
    rounds: pd.DataFrame,
    *,
    wall_s: float,
) -> ScenarioResult:
    costs = scenario.costs
    provider_of = np.asarray(solution.provider_of)
    assignments = _assignment_table(area, packages, zones, instance, provider_of, figures)
    t1 = _ratio(figures, "travel_min_per_contact_hour")
    m1 = _ratio(figures, "miles_per_contact_hour")
    t0 = _ratio(base_figures, "travel_min_per_contact_hour")
    m0 = _ratio(base_figures, "miles_per_contact_hour")
    rural_share = _rural_contact_share(assignments)
    breakdown, cost_h = _blended_cost(costs, t1, m1, rural_share)
    _, base_cost = _blended_cost(costs, t0, m0, rural_share)
    headroom = costing.pay_headroom(costs, t0, m0, t1, m1)
    placed_h = float(assignments.loc[~assignments["unmet"], "weekly_hours"].sum())
    target = costing.budget_for_target_wage(costs, t1, m1, placed_h)
    demand_h = float(assignments["weekly_hours"].sum())
    unmet = assignments[assignments["unmet"]]
    summary: dict[str, Any] = {
        "scenario": scenario.name,
        "area": area.name,
        "synthetic": area.synthetic,
        "packages": len(packages),
        "demand_hours": round(demand_h, 2),
        "placed_hours": round(placed_h, 2),
        "unmet_hours": round(demand_h - placed_h, 2),
        "unmet_hours_hospital_discharge": round(
            float(
                unmet.loc[
                    unmet["priority"] == Priority.HOSPITAL_DISCHARGE.value, "weekly_hours"
                ].sum()
            ),
            2,
        ),
        "unmet_packages": len(unmet),
        "demand_carer_hours": round(float(assignments["carer_hours"].sum()), 2),
        "travel_minutes_per_contact_hour": round(t1, 3),
        "miles_per_contact_hour": round(m1, 3),
        "cost_per_contact_hour": round(cost_h, 4),
        "weekly_cost_gbp": round(cost_h * placed_h, 2),
        "pay_headroom_per_hour": round(headroom.rise_gbp_per_hour, 4),
        "affordable_pay_gbp_per_hour": round(headroom.affordable_pay_gbp_per_hour, 4),
        "budget_for_target_pay_gbp": round(target.weekly_budget_target_gbp, 2),
        "target_pay_gbp_per_hour": target.target_pay_gbp_per_hour,
        "continuity_breaks": int(assignments["continuity_break"].sum()),
        "solver_status": _status_word(solution),
        "optimality_gap": solution.optimality_gap,
        "travel_method": figures.method,
        "optimiser_vs_greedy_same_rules": {
            "greedy_unmet_hours": round(greedy_same.values.unmet_hours, 2),
            "greedy_travel_minutes_per_contact_hour": round(
                _ratio(
                    estimate_travel(instance, greedy_same.provider_of),
                    "travel_min_per_contact_hour",
                ),
                3,
            ),
        },
        "baseline": {
            "name": BASELINE_NAME,
            "demand_hours": round(demand_h, 2),
            "placed_hours": round(baseline.values.placed_hours, 2),
            "unmet_hours": round(baseline.values.unmet_hours, 2),
            "unmet_packages": int((np.asarray(baseline.provider_of) < 0).sum()),
            "travel_minutes_per_contact_hour": round(t0, 3),
            "miles_per_contact_hour": round(m0, 3),
            "cost_per_contact_hour": round(float(base_cost), 4),
            "weekly_cost_gbp": round(float(base_cost) * baseline.values.placed_hours, 2),
            "continuity_breaks": int(baseline.values.continuity_breaks),
        },
        "stages": [dataclasses.asdict(s) for s in solution.stages],
        "solver": {
            "time_limit_s": scenario.solver.time_limit_s,
            "workers": scenario.solver.workers,
            "seed": scenario.solver.seed,
            "max_deterministic_time": scenario.solver.max_deterministic_time,
            "wall_s": round(solution.wall_s, 3),
        },
    }
    meta = {
        "versions": _versions(),
        "area_digest": area.digest,
        "zone_table_digest": _digest(zone_table.to_csv(index=False)),
        "scenario": _scenario_dict(scenario),
        "wall_s": round(wall_s, 3),
        "data_attribution": area.attribution,
    }
    by_provider = _provider_table(area, instance, provider_of, figures)
    by_zone = _zone_table_out(assignments, zones, figures)
    return ScenarioResult(
        summary=summary,
        assignments=assignments,
        by_provider=by_provider,
        by_zone=by_zone,
        costing=breakdown,
        headroom=pd.concat([headroom.to_frame(), target.to_frame()], ignore_index=True),
        rounds=rounds,
        meta=meta,
    )


def _blended_cost(
    costs: CostModel, travel_min: float, miles: float, rural_share: float
) -> tuple[pd.DataFrame, float]:
    """Cost lines per contact hour [GBP] and their total, with the rural uplift on the share
    of contact hours placed in rural zones (the last line of the table is the total)."""
    urban = costing.cost_per_contact_hour(costs, travel_min, miles)
    lines = urban.to_frame()
    total = urban.total_gbp_per_contact_hour
    if rural_share > 0 and costs.rural_uplift_pct > 0:
        rural = costing.cost_per_contact_hour(costs, travel_min, miles, rural=True)
        extra = (rural.total_gbp_per_contact_hour - total) * rural_share
        total += extra
        uplift = {
            "item": "rural uplift (blended)",
            "gbp_per_contact_hour": extra,
            "arithmetic": f"{costs.rural_uplift_pct:g}% on the {rural_share:.1%} of hours "
            "in rural zones",
        }
        body, last = lines.iloc[:-1], lines.iloc[-1:].copy()
        last["gbp_per_contact_hour"] = total
        lines = pd.concat([body, pd.DataFrame([uplift]), last], ignore_index=True)
    return lines, total


def _rural_contact_share(assignments: pd.DataFrame) -> float:
    """Share of placed contact hours in rural zones (for the blended rural uplift)."""
    placed = assignments[~assignments["unmet"]]
    total = float(placed["weekly_hours"].sum())
    if total <= 0:
        return 0.0
    return float(placed.loc[placed["rural"], "weekly_hours"].sum()) / total


def _assignment_table(
    area: AreaData,
    packages: Sequence[Package],
    zones: Sequence[Zone],
    instance: AssignmentInstance,
    provider_of: np.ndarray,
    figures: TravelFigures,
) -> pd.DataFrame:
    """One row per package: who serves it (or why nobody does), with its weekly travel as the
    scenario's travel method measured it."""
    reasons = unmet_reasons(instance, provider_of)
    rural_zones = {z.zone_id for z in zones if z.kind is ZoneKind.RURAL}
    pids = np.asarray(instance.provider_ids, dtype=object)
    travel_min = figures.package_travel_min  # from the chosen method: estimate or rounds
    travel_km = figures.package_travel_km
    rows = []
    for i, pk in enumerate(packages):
        k = int(provider_of[i])
        provider = str(pids[k]) if k >= 0 else ""
        rows.append(
            {
                "package_id": pk.package_id,
                "provider_id": provider,
                "zone_id": pk.zone_id or "",
                "area_code": pk.area_code or "",
                "lat": pk.lat,
                "lon": pk.lon,
                "priority": pk.priority.value,
                "status": pk.status.value,
                "days_waiting": pk.days_waiting,
                "weekly_hours": pk.weekly_hours,
                "carer_hours": round(pk.carer_hours, 4),
                "travel_min_per_week": round(float(travel_min[i]), 2),
                "travel_km_per_week": round(float(travel_km[i]), 3),
                "unmet": k < 0,
                "reason": reasons[i] if k < 0 else "",
                "rural": (pk.zone_id in rural_zones),
                "continuity_break": bool(
                    pk.current_provider is not None and provider != pk.current_provider
                ),
                "current_provider": pk.current_provider or "",
                "needs": ";".join(sorted(pk.needs)),
            }
        )
    return pd.DataFrame(rows)


def _provider_table(
    area: AreaData, instance: AssignmentInstance, provider_of: np.ndarray, figures: TravelFigures
) -> pd.DataFrame:
    fig = figures.by_provider
    rows = []
    for k, pv in enumerate(area.providers):
        mine = provider_of == k
        carer_h = float(instance.carer_min[mine].sum()) / 60.0
        f = fig.loc[pv.provider_id] if pv.provider_id in fig.index else None
        travel_h = float(f["travel_min"]) / 60.0 if f is not None else 0.0
        rows.append(
            {
                "provider_id": pv.provider_id,
                "name": pv.name,
                "capacity_hours": pv.capacity_hours,
                "placed_carer_hours": round(carer_h, 2),
                "travel_hours": round(travel_h, 2),
                "utilisation": round((carer_h + travel_h) / pv.capacity_hours, 4)
                if pv.capacity_hours > 0
                else 0.0,
                "packages": int(mine.sum()),
                "contact_hours": round(float(instance.contact_min[mine].sum()) / 60.0, 2),
                "travel_min_per_contact_hour": None
                if f is None
                else _round(f["travel_min_per_contact_hour"]),
                "miles_per_contact_hour": None
                if f is None
                else _round(f["miles_per_contact_hour"]),
            }
        )
    return pd.DataFrame(rows)


def _round(value: Any, nd: int = 3) -> float | None:
    v = float(value)
    return round(v, nd) if np.isfinite(v) else None


def _zone_table_out(
    assignments: pd.DataFrame, zones: Sequence[Zone], figures: TravelFigures
) -> pd.DataFrame:
    rows = []
    for z in zones:
        mine = assignments[assignments["zone_id"] == z.zone_id]
        placed = mine[~mine["unmet"]]
        f = figures.by_zone.loc[z.zone_id] if z.zone_id in figures.by_zone.index else None
        rows.append(
            {
                "zone_id": z.zone_id,
                "name": z.name,
                "kind": z.kind.value,
                "lead_providers": ";".join(z.lead_providers),
                "people": len(mine),
                "demand_hours": round(float(mine["weekly_hours"].sum()), 2),
                "placed_hours": round(float(placed["weekly_hours"].sum()), 2),
                "unmet_hours": round(float(mine.loc[mine["unmet"], "weekly_hours"].sum()), 2),
                "providers_used": int(placed["provider_id"].nunique()),
                "travel_min_per_contact_hour": None
                if f is None
                else _round(f["travel_min_per_contact_hour"]),
            }
        )
    return pd.DataFrame(rows)


def _versions() -> dict[str, str]:
    import importlib.metadata as md

    out = {"python": platform.python_version()}
    for pkg in ("homecare-zones", "ortools", "osmnx", "geopandas", "shapely", "pandas", "numpy"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def _scenario_dict(scenario: Scenario) -> dict[str, Any]:
    return report._plain(dataclasses.asdict(scenario))


# ---------------------------------------------------------------------- configs and demo


def run_config(path: Path, *, progress: Progress | None = None) -> ScenarioResult:
    """Run one scenario config end to end (``homecare run``)."""
    progress = progress or _noop
    cfg = load_config(path)
    area = area_for_config(cfg, progress=progress)
    return run_scenario(area, cfg.scenario, rounds_options=cfg.rounds, progress=progress)


def area_for_config(cfg: cfgmod.ScenarioConfig, *, progress: Progress = _noop) -> AreaData:
    """Load the area a config names: the generated demo, or the user's own tables."""
    if cfg.demo:
        area = load_demo_area(
            seed=cfg.seed, scale=cfg.demo_scale, network=cfg.network, progress=progress
        )
        if cfg.zones is not None and Path(cfg.zones).suffix.lower() == ".csv":
            table = demand.read_zone_table(cfg.zones)
            _check_zone_table(table, area.areas)
            area = dataclasses.replace(area, zone_table=table)
        return area
    return load_user_area(cfg, progress=progress)


def load_user_area(cfg: cfgmod.ScenarioConfig, *, progress: Progress = _noop) -> AreaData:
    """An area from the user's own packages, providers, zone table and areas files."""
    from geodata.areas import read_areas

    source = str(cfg.source or "config")
    problems = [
        Problem(source, None, f"inputs.{key}", "is required when demo = false")
        for key in ("packages", "providers", "zones", "areas", "network", "area_code_field")
        if getattr(cfg, key) is None
    ]
    if problems:
        raise InputError(problems)
    assert cfg.packages and cfg.providers and cfg.zones and cfg.areas and cfg.area_code_field
    packages = tables.read_packages(cfg.packages, postcode_lookup=cfg.postcode_lookup)
    providers = tables.read_providers(cfg.providers)
    zone_table = demand.read_zone_table(cfg.zones)
    areas = read_areas(cfg.areas, code_field=cfg.area_code_field)
    net_settings, travel_settings = network_settings(cfg.network_settings)
    progress(0.2, f"loading road network {cfg.network}")
    graph = load_network(cfg.network, settings=net_settings, cache_dir=cfgmod.cache_dir())
    return build_area(
        name=cfg.area or source,
        graph=graph,
        packages=packages,
        providers=providers,
        zone_table=zone_table,
        areas=areas,
        travel_settings=travel_settings,
        cache_dir=cfgmod.cache_dir(),
        progress=progress,
    )


def run_demo(
    out: Path, *, seed: int | None = None, progress: Progress | None = None
) -> dict[str, ScenarioResult]:
    """``homecare demo``: spot and zoned on the demo area, one result folder each."""
    progress = progress or _noop
    results: dict[str, ScenarioResult] = {}
    configs = {name: load_config(CONFIG_DIR / f"demo_{name}.toml") for name in ("spot", "zoned")}
    first = next(iter(configs.values()))
    area = area_for_config(
        dataclasses.replace(first, seed=seed) if seed is not None else first, progress=progress
    )
    for name, cfg in configs.items():
        progress(0.0, f"scenario {name}")
        results[name] = run_scenario(
            area, cfg.scenario, rounds_options=cfg.rounds, progress=progress
        )
        write_result(results[name], Path(out) / name)
    return results


write_result = report.write_result
compare = report.compare
format_comparison = report.format_comparison
finance_workbook = report.finance_workbook


def compare_folders(dirs: Sequence[Path]) -> pd.DataFrame:
    """Comparison of result folders written earlier (``homecare compare``)."""
    if len(dirs) < 2:
        raise InputError("compare needs at least two result folders", source="compare")
    return report.compare({Path(d).name or str(d): report.read_summary(Path(d)) for d in dirs})


# --------------------------------------------------------------------------- zone editing


def move_area(zone_table: pd.DataFrame, area_code: str, to_zone: str) -> pd.DataFrame:
    """A new zone table with ``area_code`` moved into zone ``to_zone`` (same attributes)."""
    table = zone_table.reset_index(drop=True)
    rows = table.index[table["area_code"].astype(str) == str(area_code)]
    if len(rows) != 1:
        raise InputError(
            Problem("zone edit", None, "area_code", f"area {area_code!r} is not in the zone table")
        )
    target = table[table["zone_id"].astype(str) == str(to_zone)]
    if target.empty:
        raise InputError(Problem("zone edit", None, "zone_id", f"unknown zone {to_zone!r}"))
    new = table.copy()
    template = target.iloc[0]
    for col in ("zone_id", "name", "kind", "lead_providers", "rate_uplift_pct"):
        new.loc[rows[0], col] = template[col]
    return new


def zone_polygons(area: AreaData, zone_table: pd.DataFrame | None = None) -> gpd.GeoDataFrame:
    """Zone polygons (EPSG:4326) with their attributes, for maps and downloads."""
    table = area.zone_table if zone_table is None else zone_table
    _check_zone_table(table, area.areas)
    polys = _zone_polygons(table, area.areas)
    attrs = table.groupby("zone_id", sort=False).first().reset_index()
    attrs["area_codes"] = table.groupby("zone_id", sort=False)["area_code"].agg(";".join).values
    return gpd.GeoDataFrame(
        attrs.merge(polys[["zone_id", "geometry"]], on="zone_id"),
        geometry="geometry",
        crs="EPSG:4326",
    )


def zones_download(area: AreaData, zone_table: pd.DataFrame, fmt: str = "geojson") -> bytes:
    """Zones as GeoJSON or GeoPackage bytes (for QGIS users)."""
    gdf = zone_polygons(area, zone_table).drop(columns=["area_code"], errors="ignore")
    if fmt == "geojson":
        return gdf.to_json(drop_id=True).encode("utf-8")
    if fmt == "gpkg":
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "zones.gpkg"
            gdf.to_file(path, layer="zones", driver="GPKG")
            return path.read_bytes()
    raise InputError(f"unknown zone format {fmt!r} (geojson or gpkg)", source="zones download")


def read_zones_upload(data: bytes | io.BytesIO, name: str, area: AreaData) -> pd.DataFrame:
    """A zone table from an uploaded CSV/Excel (zone-to-area table) or GeoJSON/GeoPackage.

    Zone polygons are turned back into the table by the small areas they contain (each area
    goes to the zone holding its representative point); validated before it is returned.
    """
    raw = data.getvalue() if isinstance(data, io.BytesIO) else bytes(data)
    suffix = Path(name).suffix.lower()
    buffer = io.BytesIO(raw)
    buffer.name = name  # type: ignore[attr-defined]
    if suffix in (".csv", ".xlsx"):
        table = tables.zones_to_frame(tables.read_zones(buffer, source_name=name))
    elif suffix in (".geojson", ".json", ".gpkg"):
        zones = tables.read_zones(buffer, source_name=name)
        table = _table_from_zone_polygons(zones, area, name)
    else:
        raise InputError(Problem(name, None, None, "expected a .csv, .geojson or .gpkg file"))
    _check_zone_table(table, area.areas)
    return table.reset_index(drop=True)


def _table_from_zone_polygons(zones: Sequence[Zone], area: AreaData, name: str) -> pd.DataFrame:
    """Each small area goes to the uploaded zone holding its representative point."""
    reps = area.areas.geometry.representative_point()
    members: dict[str, list[str]] = {z.zone_id: [] for z in zones}
    problems: list[Problem] = []
    for code, point in zip(area.areas["area_code"], reps, strict=True):
        owners = [z for z in zones if z.geometry is not None and z.geometry.contains(point)]
        if len(owners) != 1:
            what = "no zone" if not owners else f"zones {[z.zone_id for z in owners]}"
            problems.append(Problem(name, None, "geometry", f"area {code!r} lies in {what}"))
        else:
            members[owners[0].zone_id].append(str(code))
    if problems:
        raise InputError(problems)
    return tables.zones_to_frame(
        dataclasses.replace(z, area_codes=tuple(members[z.zone_id]))
        for z in zones
        if members[z.zone_id]
    )


# ----------------------------------------------------------------------------- brokerage


def read_packages_upload(data: bytes | io.BytesIO, name: str) -> tuple[Package, ...]:
    """New packages from an uploaded CSV or Excel file, validated (``InputError`` otherwise)."""
    raw = data.getvalue() if isinstance(data, io.BytesIO) else bytes(data)
    buffer = io.BytesIO(raw)
    buffer.name = name  # type: ignore[attr-defined]
    return tables.read_packages(buffer, source_name=name)


def suggest_providers(
    area: AreaData,
    scenario: Scenario,
    new_packages: Sequence[Package],
    *,
    result: ScenarioResult | None = None,
    zone_table: pd.DataFrame | None = None,
    top_k: int = 3,
) -> pd.DataFrame:
    """Ranked providers for each new package, with the reason (capacity, travel, skill, zone).

    Spare capacity is what the current assignment (``result``, else today's packages with
    their current providers) leaves; travel is door to door from the office on the roads.
    """
    from optimiser.brokerage import rank_providers

    if not new_packages:
        raise InputError("no packages to match", source="brokerage")
    zone_table = area.zone_table if zone_table is None else zone_table
    zone_of = dict(
        zip(zone_table["area_code"].astype(str), zone_table["zone_id"].astype(str), strict=True)
    )
    from geodata.areas import area_of_point

    codes = area_of_point(
        np.array([p.lat for p in new_packages]), np.array([p.lon for p in new_packages]), area.areas
    )
    pk = tuple(
        dataclasses.replace(p, area_code=(c or None), zone_id=zone_of.get(c or "", p.zone_id))
        for p, c in zip(new_packages, codes, strict=True)
    )
    limit = area.travel_settings.max_access_m
    new = _snap(
        area.graph, pk, source="uploaded packages", index=area.snap_index, max_access_m=limit
    )
    offices = _snap(
        area.graph, area.providers, source="providers", index=area.snap_index, max_access_m=limit
    )
    kerb = _kerb_per_home(pk, area.travel_settings)
    office = travel_matrix(
        area.network_arrays, offices, new, settings=area.travel_settings, dest_kerb_min=kerb
    )
    used = _used_carer_hours(area, result)
    zones = {z.zone_id: z for z in zones_from_table(zone_table, area.areas)}
    return rank_providers(
        pk,
        area.providers,
        zones,
        scenario,
        office_min=office.minutes,
        used_carer_hours=used,
        top_k=top_k,
    )


def _used_carer_hours(area: AreaData, result: ScenarioResult | None) -> dict[str, float]:
    """Carer-hours (incl. travel) each provider already delivers."""
    if result is not None:
        table = result.by_provider
        return {
            str(r.provider_id): float(r.placed_carer_hours) + float(r.travel_hours)
            for r in table.itertuples(index=False)
        }
    used: dict[str, float] = {p.provider_id: 0.0 for p in area.providers}
    for pk in area.packages:
        if pk.current_provider in used:
            used[pk.current_provider] += pk.carer_hours
    return used


# ------------------------------------------------------------------------------- finance


def cost_options(result: ScenarioResult, options: Mapping[str, CostModel]) -> pd.DataFrame:
    """Cost per contact hour, weekly budget and pay headroom of each costing option."""
    s = result.summary
    base = s["baseline"]
    t1, m1 = float(s["travel_minutes_per_contact_hour"]), float(s["miles_per_contact_hour"])
    t0, m0 = float(base["travel_minutes_per_contact_hour"]), float(base["miles_per_contact_hour"])
    placed = float(s["placed_hours"])
    rural = _rural_contact_share(result.assignments)
    rows = []
    for name, costs in options.items():
        _, cost_h = _blended_cost(costs, t1, m1, rural)
        h = costing.pay_headroom(costs, t0, m0, t1, m1)
        rows.append(
            {
                "option": name,
                "pay_gbp_per_hour": costs.pay_gbp_per_hour,
                "travel_paid": costs.travel_paid,
                "cost_per_contact_hour": round(cost_h, 2),
                "weekly_budget_gbp": round(cost_h * placed, 2),
                "annual_budget_gbp": round(cost_h * placed * 52, 0),
                "pay_headroom_per_hour": round(h.rise_gbp_per_hour, 3),
                "affordable_pay_gbp_per_hour": round(h.affordable_pay_gbp_per_hour, 3),
            }
        )
    return pd.DataFrame(rows)


__all__ = [
    "BASELINE_NAME",
    "AreaData",
    "baseline_scenario",
    "build_area",
    "compare",
    "compare_folders",
    "cost_options",
    "demo_scenario",
    "finance_workbook",
    "format_comparison",
    "load_config",
    "load_demo_area",
    "move_area",
    "read_packages_upload",
    "read_zones_upload",
    "run_config",
    "run_demo",
    "run_scenario",
    "suggest_providers",
    "write_result",
    "zone_polygons",
    "zones_download",
]


def travel_between(
    from_lat: float,
    from_lon: float,
    to_lat: float,
    to_lon: float,
    *,
    network: str | Path | None = None,
    progress: Progress = _noop,
) -> Any:
    """``homecare travel``: the door-to-door trip between two points (a ``geodata.trips.Trip``:
    minutes and km), defined as in the product's travel matrices (access legs + road network +
    kerb-to-door allowance of a call of unknown type), on ``network`` (default: the demo
    extract) with configs/network.toml."""
    from geodata.trips import trip_between

    graph = load_network_for(network, progress=progress)
    _, travel_settings = network_settings()
    return trip_between(graph, from_lat, from_lon, to_lat, to_lon, settings=travel_settings)

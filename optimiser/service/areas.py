"""Loading an area: the demo area or a user's own files, snapped to the roads with travel times.

Reading files, loading networks and configs happen here, at the edge; an ``AreaData`` holds
the result, immutable. A user's own area is read with the table readers only, never through
the demo generator.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from geodata import network as _network
from geodata.bounded import HomeBlocks, nearest_home
from geodata.network import OSM_ATTRIBUTION, load_network, network_lines
from geodata.settings import TravelSettings
from geodata.snapping import SnapIndex, SnappedPoints, snap_points
from geodata.travel import NetworkArrays, check_matrix_memory, travel_matrix
from geodata.trips import Trip, trip_between
from optimiser.data import config as cfgmod
from optimiser.data import locations, tables
from optimiser.data.domain import Package, PackageStatus, Provider, Zone, ZoneKind
from optimiser.errors import InputError, Problem
from optimiser.models.travel_formula import TravelEstimateParams
from optimiser.service import provenance
from optimiser.service.own_tables import (
    OwnTables,
    UploadedFile,
    placed_and_checked,
    read_own_inputs,
    read_own_tables,
    read_records,
)
from optimiser.service.progress import Progress, no_progress
from optimiser.service.zone_table import (
    check_demo_zones_file,
    read_demo_zone_table,
    zones_from_table,
)

#: Boundary attribution for maps and outputs that show ONS areas.
ONS_ATTRIBUTION = (
    "Boundaries: ONS, Open Government Licence v3.0; contains OS data © Crown copyright and "
    "database right"
)


@dataclass(frozen=True, eq=False)
class AreaData:
    """A loaded council area: road network, people, providers, zones, and travel between them.

    ``office_min``/``office_km`` [min]/[km] are provider-office-to-home travel (P x N);
    ``home_min``/``home_km`` home-to-home travel (N x N), both door to door on the road network
    (NaN where unreachable). Above ``DENSE_MAX_HOMES`` homes (county size) ``home_min``/
    ``home_km`` hold only each home's nearest other home (N,), which is all the assignment
    uses, and ``home_blocks`` computes the home-to-home block of any set of homes on demand
    (for carer rounds); below it ``home_blocks`` is None. ``zone_table`` (one row per small
    area) is the editable source of truth for zones; ``areas`` holds the small areas' polygons
    (EPSG:4326). ``input_digests`` names a digest per input the area was built from (network,
    packages, providers, areas, travel settings and parameters, config files as
    ``config:<role>``); ``digest`` covers them all with the name, seed and scale.
    ``warnings`` are what loading overruled or could not honour without stopping (a stale area
    code, a home outside every zone), one sentence each, naming the packages; every run on the
    area repeats them.
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
    input_digests: Mapping[str, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    home_blocks: HomeBlocks | None = None

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


# ------------------------------------------------------------------ snapping and travel


def kerb_per_home(packages: Sequence[Package], settings: TravelSettings) -> np.ndarray:
    """Kerb-to-door minutes [min] per home: the mean over its calls' types (parking, walking)."""
    out = np.empty(len(packages))
    default = settings.kerb_to_door_default_min
    for i, pk in enumerate(packages):
        kinds = [v.call_type.value for v in pk.visits if v.call_type is not None]
        out[i] = float(np.mean(settings.kerb_min(kinds))) if kinds else default
    return out


def snap(
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


def travel_estimate_params(path: Path | None = None) -> TravelEstimateParams:
    """The fast travel estimate's parameters, calibrated against rounds
    (``configs/travel_estimate.toml`` unless ``path``); unknown keys are named."""
    return cfgmod.read_parameters(path or cfgmod.TRAVEL_ESTIMATE_FILE, TravelEstimateParams)


#: Above this many homes an area gets bounded home-to-home travel (nearest other home and
#: blocks on demand) instead of the dense N x N matrices. The demo (250 homes) stays dense;
#: the 3 x 3 county (2,250) is bounded: 19 s against 35 s dense to build, same nearest homes.
DENSE_MAX_HOMES = 1500
#: Cut-off of the nearest-home searches [min of network time]; exact whatever its value
#: (homes it could hide are searched again unbounded): it only sets the speed.
NEAREST_CUTOFF_MIN = 20.0
#: Cut-off of the home-to-home blocks for carer rounds [min of network time]: above any
#: one-way office travel limit doubled, so no pair two homes of one provider need is cut.
BLOCK_CUTOFF_MIN = 90.0


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
    config_files: Mapping[str, Path] | None = None,
    sources: tuple[str, str] = ("packages", "providers"),
    warnings: Sequence[str] = (),
    progress: Progress = no_progress,
    dense_max_homes: int = DENSE_MAX_HOMES,
    summary_extra: Mapping[str, Any] | None = None,
) -> AreaData:
    """Snap homes and offices to the network and compute the travel matrices of an area.

    Office-to-home travel is always the full P x N matrix. Home-to-home travel is the dense
    N x N matrix up to ``dense_max_homes`` homes, else bounded (see ``AreaData``).

    ``config_files`` names, by role, the config files the inputs were read with (network
    settings, demand parameters); their digests join the area's input digests. ``sources``
    names the packages and providers files in messages. Raises ``InputError`` naming every
    home or office off the road network, and every home or office that no route reaches
    (one-way dead ends, islands), and an area whose dense travel matrices would not fit in
    memory (``geodata.travel.check_matrix_memory``), before any of the work.
    """
    packages, providers = tuple(packages), tuple(providers)
    if len(packages) <= dense_max_homes:  # dense matrices: refuse what cannot fit, first
        check_matrix_memory(
            len(packages),
            len(providers),
            limit_gib=travel_settings.matrix_memory_gib,
            source=sources[0],
        )
    progress(0.5, f"snapping {len(packages)} homes and {len(providers)} offices to the roads")
    index = SnapIndex.from_graph(graph)
    limit = travel_settings.max_access_m
    homes = snap(graph, packages, source=sources[0], index=index, max_access_m=limit)
    offices = snap(graph, providers, source=sources[1], index=index, max_access_m=limit)
    arrays = NetworkArrays.from_graph(graph)
    kerb = kerb_per_home(packages, travel_settings)
    progress(0.6, "travel times office -> home and home -> home on the road network")
    office = travel_matrix(
        arrays, offices, homes, settings=travel_settings, dest_kerb_min=kerb, cache_dir=cache_dir
    )
    blocks = None
    if len(packages) <= dense_max_homes:
        # destinations=None: the square home-to-home matrix with a zero diagonal
        home = travel_matrix(
            arrays, homes, None, settings=travel_settings, dest_kerb_min=kerb, cache_dir=cache_dir
        )
        home_min, home_km = home.minutes, home.km
    else:
        progress(0.7, f"nearest other home of {len(packages)} homes (bounded searches)")
        home_min, home_km = nearest_home(
            arrays, homes, settings=travel_settings, kerb_min=kerb, cutoff_min=NEAREST_CUTOFF_MIN
        )
        blocks = HomeBlocks(arrays, homes, kerb, travel_settings, BLOCK_CUTOFF_MIN)
    _check_reachable(office.minutes, providers, packages, sources)
    estimate_params = travel_estimate_params()
    digests = provenance.area_digests(
        graph=graph,
        packages=packages,
        providers=providers,
        areas=areas,
        travel_settings=travel_settings,
        estimate_params=estimate_params,
        config_files={**(config_files or {}), "travel estimate": cfgmod.TRAVEL_ESTIMATE_FILE},
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
        home_min=home_min,
        home_km=home_km,
        travel_settings=travel_settings,
        synthetic=synthetic,
        seed=seed,
        scale=scale,
        digest=provenance.digest_of([name, seed, scale, digests]),
        estimate_params=estimate_params,
        input_digests=digests,
        warnings=tuple(warnings),
        summary_extra=dict(summary_extra or {}),
        home_blocks=blocks,
    )
    # Validate the zone table once, up front: a bad table fails loading, not the first run.
    _ = area.zones
    return area


def _check_reachable(
    office_min: np.ndarray,
    providers: Sequence[Provider],
    packages: Sequence[Package],
    sources: tuple[str, str],
) -> None:
    """A home no office reaches by road is an input problem, not a silent unmet case."""
    problems = [
        Problem(sources[0], i + 1, "lat/lon", f"home of {pk.package_id!r} is reached by no road")
        for i, pk in enumerate(packages)
        if not np.isfinite(office_min[:, i]).any()
    ]
    problems += [
        Problem(sources[1], k + 1, "lat/lon", f"office of {pv.provider_id!r} reaches no home")
        for k, pv in enumerate(providers)
        if not np.isfinite(office_min[k]).any()
    ]
    if problems:
        raise InputError(problems)


# ----------------------------------------------------------------------------- networks


def default_network_path() -> Path:
    """The demo area's road network, looked up in the data folders (shipped in data/)."""
    return locations.data_file(locations.DEMO_NETWORK, what="demo road network")


def load_network_for(
    source: str | Path | None,
    *,
    settings_file: Path | None = None,
    progress: Progress = no_progress,
) -> nx.MultiDiGraph:
    """The road network of an extract path or a place name (default: the demo extract)."""
    net_settings, _ = cfgmod.network_settings(settings_file)
    src: str | Path = source if source is not None else default_network_path()
    progress(0.1, f"loading road network from {src}")
    return load_network(src, settings=net_settings, cache_dir=cfgmod.cache_dir())


def network_summary(
    source: str | Path | None = None, *, progress: Progress = no_progress
) -> dict[str, Any]:
    """Nodes, edges, km of road and bbox of a network (``homecare network``)."""
    return _network.network_summary(load_network_for(source, progress=progress))


# -------------------------------------------------------------------------- the two areas


def load_demo_area(
    *,
    seed: int = 7,
    scale: float = 1.0,
    data_dir: Path | None = None,
    network: str | Path | None = None,
    demand_params: Path | None = None,
    network_settings: Path | None = None,
    packages: Sequence[Package] | None = None,
    providers: Sequence[Provider] | None = None,
    zones: Path | None = None,
    sources: tuple[str, str, str] = ("packages", "providers", "zones"),
    progress: Progress | None = None,
) -> AreaData:
    """The Rutland demo area: generated demand on real geography, travel on real roads.

    ``demand_params`` is the demo generator's parameter file (default
    ``configs/demand_rutland.toml``), ``network_settings`` the speeds and travel settings
    (default ``configs/network.toml``). ``packages`` and ``providers`` (records read from a
    user's files, named by ``sources``) replace the generated ones; user packages are placed in
    the demo's small areas from their locations, like an own area's. ``zones`` (a zone-to-area
    .csv) replaces the generated zone table. Lead providers and current providers are checked
    against the providers in use.
    """
    # the demo generator, for the demo area only (a user's own area never loads it)
    from optimiser.demo.area import generate_demo
    from optimiser.demo.params import DEFAULT_CONFIG, DemandParams

    progress = progress or no_progress
    params_file = Path(demand_params) if demand_params is not None else DEFAULT_CONFIG
    progress(0.05, f"generating demo demand (seed {seed}, scale {scale:g})")
    params = DemandParams.from_toml(params_file)
    demo = generate_demo(data_dir, params, seed=seed, scale=scale)
    pk = tuple(demo.packages) if packages is None else tuple(packages)
    pv = tuple(demo.providers) if providers is None else tuple(providers)
    ids = [p.provider_id for p in pv]
    if zones is not None:
        zone_table = read_demo_zone_table(zones, demo.areas, provider_ids=ids)
    else:
        zone_table = demo.zone_table[list(tables.ZONE_AREA_COLUMNS)]
    warnings: tuple[str, ...] = ()
    if packages is not None or providers is not None:
        zone_source = (
            sources[2] if zones is not None else "generated demo zones (give inputs.zones)"
        )
        placed, warnings = placed_and_checked(
            pk, pv, demo.areas, zone_table, sources=(sources[0], sources[1], zone_source)
        )
        pk = placed if packages is not None else pk
    settings_file = network_settings or cfgmod.NETWORK_SETTINGS_FILE
    net_settings, travel_settings = cfgmod.network_settings(settings_file)
    demo_net = Path(data_dir) / locations.DEMO_NETWORK if data_dir else default_network_path()
    src = network if network is not None else demo_net
    progress(0.2, f"loading road network {Path(str(src)).name}")
    graph = load_network(src, settings=net_settings, cache_dir=cfgmod.cache_dir())
    area = build_area(
        name=demo.name + (" (synthetic)" if demo.synthetic else " (demo)"),
        graph=graph,
        packages=pk,
        providers=pv,
        zone_table=zone_table,
        areas=demo.areas,
        travel_settings=travel_settings,
        cache_dir=cfgmod.cache_dir(),
        synthetic=demo.synthetic,
        seed=seed,
        scale=scale,
        config_files={
            "network settings": settings_file,
            "demand parameters": params_file,
        },
        warnings=warnings,
        progress=progress,
    )
    progress(1.0, "area ready")
    return area


def load_own_area(
    own: OwnTables,
    *,
    name: str,
    network: str | Path,
    network_settings: Path | None = None,
    sources: tuple[str, str] = ("packages", "providers"),
    progress: Progress = no_progress,
) -> AreaData:
    """An area from a council's own tables, read and checked already (``own_tables``): the
    road network loaded, homes and offices snapped, travel computed (``build_area``)."""
    settings_file = network_settings or cfgmod.NETWORK_SETTINGS_FILE
    net_settings, travel_settings = cfgmod.network_settings(settings_file)
    progress(0.2, f"loading road network {network}")
    graph = load_network(network, settings=net_settings, cache_dir=cfgmod.cache_dir())
    return build_area(
        name=name,
        graph=graph,
        packages=own.packages,
        providers=own.providers,
        zone_table=own.zone_table,
        areas=own.areas,
        travel_settings=travel_settings,
        cache_dir=cfgmod.cache_dir(),
        config_files={"network settings": settings_file},
        sources=sources,
        warnings=own.warnings,
        progress=progress,
    )


def load_user_area(cfg: cfgmod.ScenarioConfig, *, progress: Progress = no_progress) -> AreaData:
    """An area from the user's own packages, providers, zones and areas files.

    Every file is read and checked first (every problem at once, ``own_tables``); packages are
    placed in their small areas from their locations, and what that overrules is kept as the
    area's ``warnings``.
    """
    own = read_own_tables(cfg)
    assert cfg.network is not None and cfg.packages is not None and cfg.providers is not None
    return load_own_area(
        own,
        name=cfg.area or str(cfg.source or "config"),
        network=cfg.network,
        network_settings=cfg.network_settings,
        sources=(cfg.packages.name, cfg.providers.name),
        progress=progress,
    )


#: The network file types an area can be opened with in the web app (no place names there).
NETWORK_FILE_SUFFIXES = _network.PBF_SUFFIXES + _network.XML_SUFFIXES + _network.GRAPHML_SUFFIXES


def network_file_problems(path_text: str) -> list[Problem]:
    """What is wrong with a typed road network file path (empty list when it can be read)."""
    text = path_text.strip()
    where = "network"
    if not text:
        return [Problem(where, None, "path", "give the path of a road network file")]
    path = Path(text).expanduser()
    if not path.name.lower().endswith(NETWORK_FILE_SUFFIXES):
        expected = ", ".join(NETWORK_FILE_SUFFIXES)
        return [Problem(where, None, "path", f"{text!r} is not a network file ({expected})")]
    if not path.is_file():
        return [Problem(where, None, "path", f"{text!r}: no such file on this machine")]
    return []


def load_uploaded_area(
    *,
    name: str,
    network: str,
    packages: UploadedFile,
    providers: UploadedFile,
    zones: UploadedFile,
    areas: UploadedFile,
    area_code_field: str,
    postcode_lookup: UploadedFile | None = None,
    progress: Progress = no_progress,
) -> AreaData:
    """An area from uploaded files (read in memory, never written to disk) and a road network
    file on this machine: the same checked readers as a config's own data, every problem of
    every file and of the network path in one ``InputError``, nothing half-loaded."""
    own = read_own_inputs(
        packages=packages,
        providers=providers,
        zones=zones,
        areas=areas,
        area_code_field=area_code_field.strip(),
        postcode_lookup=postcode_lookup,
        problems=network_file_problems(network),
    )
    return load_own_area(
        own,
        name=name.strip() or "Own area",
        network=Path(network.strip()).expanduser(),
        sources=(packages.name, providers.name),
        progress=progress,
    )


def area_for_config(cfg: cfgmod.ScenarioConfig, *, progress: Progress = no_progress) -> AreaData:
    """Load the area a config names: the generated demo, or the user's own tables.

    In demo mode a ``packages`` or ``providers`` file replaces the generated records (read and
    checked before the slow part), and a ``zones`` file the generated zone table; that must be
    a zone-to-area table (.csv), anything else is an ``InputError`` naming the file.
    """
    if not cfg.demo:
        return load_user_area(cfg, progress=progress)
    if cfg.zones is not None:
        check_demo_zones_file(cfg.zones)  # before the slow part, not after it
    problems: list[Problem] = []
    packages, providers = read_records(cfg, problems)
    if problems:
        raise InputError(problems)
    names = tuple(
        p.name if p is not None else default
        for p, default in (
            (cfg.packages, "packages"),
            (cfg.providers, "providers"),
            (cfg.zones, "zones"),
        )
    )
    return load_demo_area(
        seed=cfg.seed,
        scale=cfg.demo_scale,
        network=cfg.network,
        demand_params=cfg.demand,
        network_settings=cfg.network_settings,
        packages=packages,
        providers=providers,
        zones=cfg.zones,
        sources=names,  # type: ignore[arg-type]
        progress=progress,
    )


def travel_between(
    from_lat: float,
    from_lon: float,
    to_lat: float,
    to_lon: float,
    *,
    network: str | Path | None = None,
    progress: Progress = no_progress,
) -> Trip:
    """``homecare travel``: the door-to-door trip between two points (minutes and km), defined
    as in the product's travel matrices (access legs + road network + kerb-to-door allowance of
    a call of unknown type), on ``network`` (default: the demo network), configs/network.toml."""
    graph = load_network_for(network, progress=progress)
    _, travel_settings = cfgmod.network_settings(None)
    return trip_between(graph, from_lat, from_lon, to_lat, to_lon, settings=travel_settings)

"""Demo demand generator: seeded packages, providers and zones on a real council's geography.

People are placed at real residential buildings (or along residential roads where outlines are
sparse) in proportion to each small area's residents aged 65+, with a sourced mix of package
sizes, calls, call lengths, double-handed calls, needs and a waiting list. Every parameter comes
from ``configs/demand_rutland.toml`` (sources beside each value). The sampling functions are pure
(arrays and an ``np.random.Generator`` in, arrays out); files are read in ``load_demo_inputs``.
A ``scale`` above 1 draws denser synthetic demand on the same geography, labelled synthetic.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import MISSING, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd

from geodata.areas import BNG, WGS84, areal_weights, read_areas, zone_polygons
from geodata.buildings import (
    RESIDENTIAL_ROAD_CLASSES,
    read_buildings,
    read_places,
    read_road_edges,
    sample_points_on_lines,
)
from optimiser.data import locations
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
from optimiser.data.tables import read_providers, read_zones, zones_to_frame
from optimiser.errors import ConfigError, InputError, Problem

#: The project's own configs folder (demo parameters, zone table, providers).
CONFIG_DIR = Path(__file__).resolve().parents[2] / "configs"
DEFAULT_CONFIG = CONFIG_DIR / "demand_rutland.toml"

PLACED_ON_BUILDING = "building"
PLACED_ON_ROAD = "road_edge"

K = TypeVar("K")


# --------------------------------------------------------------------------------------------
# Parameters
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DataPaths:
    """Where the inputs are: data files relative to the data dir, configs to the config dir."""

    lsoa_boundaries: str
    lsoa2011_boundaries: str
    census_age: str
    deprivation: str
    osm_shapefiles: str
    zone_table: str
    providers: str


@dataclass(frozen=True)
class PopulationParams:
    """How many people get homecare and where: per resident 65+, modulated by health."""

    people_per_65plus: float
    census_age_group: str = "Aged 65 years and over"
    health_need_uplift: float = 0.0


@dataclass(frozen=True)
class PlacementParams:
    """Building or road-edge placement: mapped-home threshold, road class and settlement weights.

    A road piece's weight per metre is its class weight, times ``outside_settlement_weight``
    if it lies farther than ``settlement_radius_m`` [m] from every town, village or hamlet.
    """

    min_mapped_home_share: float
    persons_per_household: float
    road_class_weights: Mapping[str, float]
    settlement_radius_m: float = 800.0
    outside_settlement_weight: float = 1.0


@dataclass(frozen=True)
class VisitParams:
    """Weekly call pattern: calls a day, slots used, days a week, call lengths [min]."""

    calls_per_day: Mapping[int, float]
    call_patterns: Mapping[int, tuple[CallType, ...]]
    single_call_days_per_week: Mapping[int, float]
    call_length_min: Mapping[CallType, Mapping[int, float]]


@dataclass(frozen=True)
class DoubleHandedParams:
    """Share of packages whose calls need two carers at once."""

    share_of_packages: float


@dataclass(frozen=True)
class WaitingParams:
    """The unmet-need list: base share, remote areas' multiplier, priority mix, days waited."""

    base_share: float
    remote_max_barriers_decile: int
    remote_multiplier: float
    hospital_discharge_share: float
    hospital_max_days: int
    community_mean_days: float


@dataclass(frozen=True)
class ProviderParams:
    """How active packages get their current provider."""

    max_office_km: float
    max_utilisation: float = 1.0


@dataclass(frozen=True)
class SyntheticParams:
    """Larger synthetic areas: providers split to about ``people_per_provider`` each."""

    people_per_provider: int
    id_prefix: str = "SYN-"
    office_jitter_m: float = 800.0


@dataclass(frozen=True)
class AreaParams:
    """The council area the demo stands for."""

    name: str
    la_code: str = ""


@dataclass(frozen=True)
class DemandParams:
    """Every parameter of the demo generator (see ``configs/demand_rutland.toml``).

    ``config_dir`` is the folder that ``data.zone_table`` and ``data.providers`` are relative to.
    """

    area: AreaParams
    data: DataPaths
    population: PopulationParams
    placement: PlacementParams
    visits: VisitParams
    double_handed: DoubleHandedParams
    needs: Mapping[str, float]
    waiting: WaitingParams
    providers: ProviderParams
    synthetic: SyntheticParams
    config_dir: Path = field(default=CONFIG_DIR)

    @classmethod
    def from_toml(cls, path: str | Path) -> DemandParams:
        """Load parameters from a TOML file; its folder becomes ``config_dir``."""
        path = Path(path)
        try:
            with path.open("rb") as fh:
                raw = tomllib.load(fh)
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError([Problem(str(path), None, None, str(exc))]) from exc
        return cls.from_toml_dict(raw, config_dir=path.parent, source=path.name)

    @classmethod
    def from_toml_dict(
        cls,
        raw: Mapping[str, Any],
        *,
        config_dir: str | Path = CONFIG_DIR,
        source: str = "demand config",
    ) -> DemandParams:
        """Build parameters from a parsed TOML mapping; every unknown or bad key is reported.

        Raises ``ConfigError`` listing all problems (section.key named in each).
        """
        problems: list[Problem] = []
        p = _Parser(source, problems)
        sections = {f.name for f in fields(cls)} - {"config_dir"}
        for key in raw:
            if key not in sections:
                problems.append(Problem(source, None, key, "unknown section"))
        area = p.record(raw, "area", AreaParams)
        data = p.record(raw, "data", DataPaths)
        population = p.record(raw, "population", PopulationParams)
        placement = p.record(
            raw,
            "placement",
            PlacementParams,
            road_class_weights=lambda v, k: p.weights(v, k, key_type=str),
        )
        visits = p.record(
            raw,
            "visits",
            VisitParams,
            calls_per_day=lambda v, k: p.weights(v, k, key_type=int),
            single_call_days_per_week=lambda v, k: p.weights(v, k, key_type=int),
            call_patterns=p.call_patterns,
            call_length_min=p.call_lengths,
        )
        double = p.record(raw, "double_handed", DoubleHandedParams)
        needs = p.shares(raw.get("needs", {}), "needs")
        waiting = p.record(raw, "waiting", WaitingParams)
        providers = p.record(raw, "providers", ProviderParams)
        synthetic = p.record(raw, "synthetic", SyntheticParams)
        if visits is not None:
            for calls in visits.calls_per_day:
                if calls not in visits.call_patterns:
                    problems.append(
                        Problem(
                            source, None, "visits.call_patterns", f"no pattern for {calls} calls"
                        )
                    )
                elif len(visits.call_patterns[calls]) != calls:
                    problems.append(
                        Problem(
                            source,
                            None,
                            f"visits.call_patterns.{calls}",
                            f"must list {calls} call types",
                        )
                    )
            for pattern in visits.call_patterns.values():
                for ct in pattern:
                    if ct not in visits.call_length_min:
                        problems.append(
                            Problem(source, None, "visits.call_length_min", f"no lengths for {ct}")
                        )
        p.check_range(population, "population.people_per_65plus", 0.0, 1.0)
        p.check_range(double, "double_handed.share_of_packages", 0.0, 1.0)
        p.check_range(waiting, "waiting.base_share", 0.0, 1.0)
        p.check_range(waiting, "waiting.hospital_discharge_share", 0.0, 1.0)
        p.check_range(providers, "providers.max_utilisation", 0.0, 1.0)
        if problems:
            raise ConfigError(problems)
        assert area and data and population and placement and visits and double
        assert waiting and providers and synthetic
        return cls(
            area=area,
            data=data,
            population=population,
            placement=placement,
            visits=visits,
            double_handed=double,
            needs=needs,
            waiting=waiting,
            providers=providers,
            synthetic=synthetic,
            config_dir=Path(config_dir),
        )


def default_params() -> DemandParams:
    """The Rutland demo parameters shipped in ``configs/demand_rutland.toml``."""
    return DemandParams.from_toml(DEFAULT_CONFIG)


class _Parser:
    """Turns TOML sections into parameter records, collecting every problem."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems

    def _bad(self, fld: str, message: str) -> None:
        self.problems.append(Problem(self.source, None, fld, message))

    def record(self, raw: Mapping[str, Any], name: str, cls: type, **converters: Any) -> Any:
        section = raw.get(name)
        if not isinstance(section, Mapping):
            self._bad(name, "section missing")
            return None
        known = {f.name: f for f in fields(cls)}
        for key in section:
            if key not in known:
                self._bad(f"{name}.{key}", "unknown key")
        kwargs: dict[str, Any] = {}
        for fname, f in known.items():
            if fname not in section:
                if f.default is MISSING and f.default_factory is MISSING:
                    self._bad(f"{name}.{fname}", "missing")
                continue
            value = section[fname]
            if fname in converters:
                value = converters[fname](value, f"{name}.{fname}")
            elif isinstance(f.default, int | float) or f.type in ("float", "int"):
                if not isinstance(value, int | float) or isinstance(value, bool):
                    self._bad(f"{name}.{fname}", f"must be a number, got {value!r}")
                    continue
                value = int(value) if f.type == "int" else float(value)
            kwargs[fname] = value
        try:
            return cls(**kwargs)
        except TypeError:
            return None

    def weights(self, value: Any, fld: str, *, key_type: type) -> dict[Any, float]:
        if not isinstance(value, Mapping) or not value:
            self._bad(fld, "must be a non-empty table of weights")
            return {}
        out: dict[Any, float] = {}
        for key, w in value.items():
            try:
                k = key_type(key)
            except ValueError:
                self._bad(f"{fld}.{key}", f"key must be {key_type.__name__}")
                continue
            if not isinstance(w, int | float) or w < 0:
                self._bad(f"{fld}.{key}", f"weight must be a number >= 0, got {w!r}")
                continue
            out[k] = float(w)
        if key_type is not str and out and abs(sum(out.values()) - 1.0) > 1e-3:
            self._bad(fld, f"shares must add up to 1, got {sum(out.values()):.4f}")
        return out

    def shares(self, value: Any, fld: str) -> dict[str, float]:
        if not isinstance(value, Mapping):
            self._bad(fld, "must be a table of shares")
            return {}
        out = {}
        for key, w in value.items():
            if not isinstance(w, int | float) or not 0 <= w <= 1:
                self._bad(f"{fld}.{key}", f"share must be in [0, 1], got {w!r}")
                continue
            out[str(key)] = float(w)
        return out

    def _call_type(self, name: Any, fld: str) -> CallType | None:
        try:
            return CallType(name)
        except ValueError:
            self._bad(fld, f"unknown call type {name!r} (use {[c.value for c in CallType]})")
            return None

    def call_patterns(self, value: Any, fld: str) -> dict[int, tuple[CallType, ...]]:
        out: dict[int, tuple[CallType, ...]] = {}
        if not isinstance(value, Mapping):
            self._bad(fld, "must be a table of call type lists")
            return out
        for key, names in value.items():
            types = [self._call_type(n, f"{fld}.{key}") for n in names]
            if all(t is not None for t in types) and key.isdigit():
                out[int(key)] = tuple(t for t in types if t is not None)
            elif not key.isdigit():
                self._bad(f"{fld}.{key}", "key must be a number of calls")
        return out

    def call_lengths(self, value: Any, fld: str) -> dict[CallType, dict[int, float]]:
        out: dict[CallType, dict[int, float]] = {}
        if not isinstance(value, Mapping):
            self._bad(fld, "must be a table per call type")
            return out
        for name, weights in value.items():
            ct = self._call_type(name, f"{fld}.{name}")
            w = self.weights(weights, f"{fld}.{name}", key_type=int)
            for minutes in w:
                if not 5 <= minutes <= 240:
                    self._bad(f"{fld}.{name}.{minutes}", "call length must be 5-240 min")
            if ct is not None:
                out[ct] = w
        return out

    def check_range(self, rec: Any, dotted: str, lo: float, hi: float) -> None:
        if rec is None:
            return
        value = getattr(rec, dotted.split(".")[1])
        if not lo <= value <= hi:
            self._bad(dotted, f"must be in [{lo}, {hi}], got {value}")


# --------------------------------------------------------------------------------------------
# Pure sampling functions (arrays and a Generator in, arrays out)
# --------------------------------------------------------------------------------------------


def quota_counts(weights: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Split ``n`` into whole counts proportional to ``weights`` (largest remainder).

    Each category gets the floor of its exact share; the few units left go to categories
    drawn without replacement in proportion to their fractional parts, so the counts are
    within one of the exact shares and the split stays random only where it must be.
    """
    w = np.asarray(weights, dtype=float)
    if n == 0 or len(w) == 0:
        return np.zeros(len(w), dtype=int)
    exact = w / w.sum() * n
    counts = np.floor(exact).astype(int)
    left = n - int(counts.sum())
    if left > 0:
        frac = exact - counts
        pick = rng.choice(len(w), size=left, replace=False, p=frac / frac.sum())
        counts[pick] += 1
    return counts


def draw_categorical(weights: Mapping[K, float], n: int, rng: np.random.Generator) -> np.ndarray:
    """Draw ``n`` values from a finite distribution ``{value: weight}`` by quota.

    Counts follow ``quota_counts`` (each within one of its exact share), in random order.
    """
    keys = sorted(weights)  # type: ignore[type-var]
    counts = quota_counts(np.array([weights[k] for k in keys], dtype=float), n, rng)
    values = np.repeat(np.array(keys, dtype=object if isinstance(keys[0], str) else None), counts)
    return rng.permutation(values)


def draw_flags(share: float, n: int, rng: np.random.Generator) -> np.ndarray:
    """Mark round(share x n) of ``n`` items True (the rounding drawn), in random order."""
    return draw_categorical({True: share, False: 1.0 - share}, n, rng).astype(bool)


def allocate_people(weights: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Split ``n`` people over areas in proportion to ``weights`` (by quota)."""
    return quota_counts(weights, n, rng)


def need_weights(pop_65plus: np.ndarray, health_decile: np.ndarray, uplift: float) -> np.ndarray:
    """Area weights: residents 65+ x (1 + uplift x (10 - health decile) / 9)."""
    pop = np.asarray(pop_65plus, dtype=float)
    dec = np.asarray(health_decile, dtype=float)
    return pop * (1.0 + uplift * (10.0 - dec) / 9.0)


def spread_days(days_per_week: int, offset: int) -> tuple[int, ...]:
    """Weekdays (0 = Monday) for a package seen ``days_per_week`` times, evenly spread."""
    if days_per_week >= 7:
        return tuple(range(7))
    return tuple(
        sorted({(offset + round(i * 7 / days_per_week)) % 7 for i in range(days_per_week)})
    )


@dataclass(frozen=True)
class VisitPlans:
    """Drawn weekly patterns for ``n`` packages (arrays of length ``n``).

    ``length_min`` maps each call type to the call length [min] of every package (the same
    length every day); only the call types in a package's pattern are used.
    """

    calls_per_day: np.ndarray
    days_per_week: np.ndarray
    day_offset: np.ndarray
    length_min: Mapping[CallType, np.ndarray]
    double_handed: np.ndarray


def draw_visit_plans(
    n: int, visits: VisitParams, double_share: float, rng: np.random.Generator
) -> VisitPlans:
    """Draw calls a day, days a week, call lengths and double-handedness for ``n`` packages."""
    calls = draw_categorical(visits.calls_per_day, n, rng).astype(int)
    days = np.full(n, 7, dtype=int)
    single = calls == 1
    days[single] = draw_categorical(visits.single_call_days_per_week, int(single.sum()), rng)
    offset = rng.integers(0, 7, size=n)
    lengths = {
        ct: draw_categorical(visits.call_length_min[ct], n, rng).astype(int)
        for ct in sorted(visits.call_length_min)
    }
    double = draw_flags(double_share, n, rng)
    return VisitPlans(calls, days, offset, lengths, double)


def build_visits(
    plans: VisitPlans, call_patterns: Mapping[int, Sequence[CallType]]
) -> list[tuple[Visit, ...]]:
    """Turn drawn plans into each package's weekly visits (identical visits share one object)."""
    cache: dict[tuple[int, CallType, int, int], Visit] = {}
    out: list[tuple[Visit, ...]] = []
    for i in range(len(plans.calls_per_day)):
        pattern = call_patterns[int(plans.calls_per_day[i])]
        carers = 2 if plans.double_handed[i] else 1
        week: list[Visit] = []
        for day in spread_days(int(plans.days_per_week[i]), int(plans.day_offset[i])):
            for ct in pattern:
                key = (day, ct, int(plans.length_min[ct][i]), carers)
                visit = cache.get(key)
                if visit is None:
                    visit = cache[key] = Visit(
                        day=day, call_type=ct, duration_min=key[2], carers=carers
                    )
                week.append(visit)
        out.append(tuple(week))
    return out


def weekly_hours_of(visits: Sequence[Visit]) -> float:
    """Contact hours a week [h]: the sum of visit durations (each double-handed call once)."""
    return sum(v.duration_min for v in visits) / 60.0


def draw_needs(
    n: int, shares: Mapping[str, float], rng: np.random.Generator
) -> list[frozenset[str]]:
    """Each specialist need for its configured share of people (by quota, independently)."""
    names = sorted(shares)
    if not names:
        return [frozenset()] * n
    hits = np.column_stack([draw_flags(shares[k], n, rng) for k in names])
    return [frozenset(names[j] for j in np.flatnonzero(row)) for row in hits]


def draw_waiting(multiplier: np.ndarray, base_share: float, rng: np.random.Generator) -> np.ndarray:
    """Which people start on the waiting list: each with chance base share x multiplier."""
    p = np.clip(base_share * np.asarray(multiplier, dtype=float), 0.0, 1.0)
    return rng.random(len(p)) < p


def draw_days_waiting(
    hospital: np.ndarray, waiting: WaitingParams, rng: np.random.Generator
) -> np.ndarray:
    """Days waited so far: uniform 0..max for hospital discharge, geometric for community."""
    hospital = np.asarray(hospital, dtype=bool)
    n = len(hospital)
    short = rng.integers(0, waiting.hospital_max_days + 1, size=n)
    mean = max(waiting.community_mean_days, 1.0)
    long = rng.geometric(1.0 / (mean + 1.0), size=n) - 1
    return np.where(hospital, short, long).astype(int)


def choose_current_providers(
    package_xy_m: np.ndarray,
    package_zone: Sequence[str],
    package_needs: Sequence[frozenset[str]],
    package_carer_hours: np.ndarray,
    active: np.ndarray,
    provider_xy_m: np.ndarray,
    provider_capacity_hours: np.ndarray,
    provider_skills: Sequence[frozenset[str]],
    zone_leads: Mapping[str, Sequence[int]],
    *,
    max_office_m: float,
    order: np.ndarray,
) -> np.ndarray:
    """Pick a current provider index for each active package, or -1 if none can take it.

    Packages are taken in ``order``. Each goes to the nearest lead provider of its zone that
    has the skills for its needs and the capacity left for its carer hours; failing that, to
    the nearest other provider within ``max_office_m`` [m] (straight line) that does.
    """
    n = len(package_zone)
    remaining = np.asarray(provider_capacity_hours, dtype=float).copy()
    out = np.full(n, -1, dtype=int)
    if len(remaining) == 0:
        return out
    d = np.hypot(
        package_xy_m[:, None, 0] - provider_xy_m[None, :, 0],
        package_xy_m[:, None, 1] - provider_xy_m[None, :, 1],
    )
    for i in order:
        if not active[i]:
            continue
        need = package_needs[i]
        hours = float(package_carer_hours[i])
        able = np.array([need <= s for s in provider_skills]) & (remaining >= hours - 1e-9)
        leads = np.zeros(len(remaining), dtype=bool)
        leads[list(zone_leads.get(package_zone[i], ()))] = True
        for mask in (able & leads, able & (d[i] <= max_office_m)):
            if mask.any():
                j = int(np.flatnonzero(mask)[np.argmin(d[i][mask])])
                out[i] = j
                remaining[j] -= hours
                break
    return out


# --------------------------------------------------------------------------------------------
# Tables: zones and providers
# --------------------------------------------------------------------------------------------


def read_zone_table(path: str | Path) -> pd.DataFrame:
    """Read the zone-to-area table (one row per area), the editable source of truth for zones.

    The file is checked with ``optimiser.data.tables.read_zones`` (every problem named by file,
    row and field). Returns columns ``zone_id``, ``name``, ``kind``, ``area_code``,
    ``lead_providers`` (ids joined by ';') and ``rate_uplift_pct``, with the blanks a zone's
    later rows may leave filled from its first row.
    """
    return zones_to_frame(read_zones(Path(path)))


def zones_from_table(table: pd.DataFrame, areas: gpd.GeoDataFrame) -> tuple[Zone, ...]:
    """Build ``Zone`` records (geometry = union of member areas) from a zone table."""
    polys = zone_polygons(table, areas).set_index("zone_id").geometry
    zones = []
    for zone_id, group in table.groupby("zone_id", sort=False):
        first = group.iloc[0]
        leads = tuple(p for p in str(first["lead_providers"]).split(";") if p)
        zones.append(
            Zone(
                zone_id=str(zone_id),
                name=str(first["name"]),
                kind=ZoneKind(first["kind"]),
                area_codes=tuple(group["area_code"]),
                geometry=polys[zone_id],
                lead_providers=leads,
                rate_uplift_pct=float(first["rate_uplift_pct"]),
            )
        )
    return tuple(zones)


def read_provider_table(path: str | Path) -> tuple[tuple[Provider, ...], tuple[str, ...]]:
    """Read the demo providers (``optimiser.data.tables.read_providers``) and office places.

    The office place is the text in brackets at the end of a provider's name
    ("Provider A (Oakham)" -> "Oakham"), or the name itself.
    """
    providers = read_providers(Path(path))
    places = tuple(
        p.name[p.name.rfind("(") + 1 : -1] if p.name.endswith(")") and "(" in p.name else p.name
        for p in providers
    )
    return providers, places


# --------------------------------------------------------------------------------------------
# Inputs (file reading at the edge)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoInputs:
    """Everything read from files, ready for ``build_demo``.

    ``areas``: one row per LSOA with ``area_code``, ``area_name``, ``pop_65plus``,
    ``residents``, ``health_decile``, ``barriers_decile`` (IoD 2019 joined by area share),
    ``mapped_homes`` and geometry (EPSG:4326). ``homes``: residential building points with
    ``area_code``. ``roads``: residential road pieces cut to LSOAs with ``area_code``,
    ``fclass`` and ``settlement_m`` (distance to the nearest town/village/hamlet point [m])
    (EPSG:27700).
    """

    areas: gpd.GeoDataFrame
    homes: gpd.GeoDataFrame
    roads: gpd.GeoDataFrame
    zone_table: pd.DataFrame
    providers: tuple[Provider, ...]
    provider_places: tuple[str, ...]


def read_census_age(path: str | Path, age_group: str) -> pd.DataFrame:
    """Census 2021 residents per LSOA: columns ``area_code``, ``residents``, ``pop_65plus``."""
    table = pd.read_csv(path)
    need = {"lsoa21_code", "age_group", "usual_residents"}
    if not need <= set(table.columns):
        raise InputError(
            [
                Problem(Path(path).name, None, c, "column missing")
                for c in sorted(need - set(table.columns))
            ]
        )
    total = table.groupby("lsoa21_code")["usual_residents"].sum()
    band = table[table["age_group"] == age_group].set_index("lsoa21_code")["usual_residents"]
    if band.empty:
        raise InputError(
            [Problem(Path(path).name, None, "age_group", f"no rows for {age_group!r}")]
        )
    out = pd.DataFrame({"residents": total, "pop_65plus": band}).fillna(0).astype(int)
    return out.rename_axis("area_code").reset_index()


def load_demo_inputs(data_dir: str | Path | None, params: DemandParams) -> DemoInputs:
    """Read boundaries, census, deprivation, OSM homes and roads, zone and provider tables.

    ``data_dir`` None: the first data folder holding every file (``locations.folder_holding``).
    """
    paths = params.data
    files = (
        paths.lsoa_boundaries,
        paths.lsoa2011_boundaries,
        paths.census_age,
        paths.deprivation,
        paths.osm_shapefiles,
    )
    data_dir = Path(data_dir) if data_dir else locations.folder_holding(files, what="demo data")
    problems = [
        Problem(str(data_dir / rel), None, None, "file not found")
        for rel in files
        if not (data_dir / rel).is_file()
    ]
    if problems:
        raise InputError(problems)
    areas = read_areas(
        data_dir / paths.lsoa_boundaries, code_field="LSOA21CD", name_field="LSOA21NM"
    )
    old = read_areas(
        data_dir / paths.lsoa2011_boundaries, code_field="LSOA11CD", name_field="LSOA11NM"
    )
    census = read_census_age(data_dir / paths.census_age, params.population.census_age_group)
    iod = pd.read_csv(data_dir / paths.deprivation)
    iod = iod.rename(
        columns={
            "lsoa11_code": "source_code",
            "health_deprivation_and_disability_decile": "health_decile",
            "barriers_to_housing_and_services_decile": "barriers_decile",
        }
    )[["source_code", "health_decile", "barriers_decile"]]
    weights = areal_weights(old, areas).merge(iod, on="source_code", how="left")
    for col in ("health_decile", "barriers_decile"):
        weights[col] = weights[col] * weights["share"]
    joined = weights.groupby("target_code")[["health_decile", "barriers_decile"]].sum()
    areas = areas.merge(census, on="area_code", how="left")
    areas = areas.merge(joined, left_on="area_code", right_index=True, how="left")
    unmatched = areas["pop_65plus"].isna() | areas["health_decile"].isna()
    if unmatched.any():
        raise InputError(
            [
                Problem(paths.census_age, None, "area_code", f"no census or IoD row for {code}")
                for code in areas.loc[unmatched, "area_code"]
            ]
        )
    areas["pop_65plus"] = areas["pop_65plus"].astype(int)
    areas["residents"] = areas["residents"].astype(int)

    shp = data_dir / paths.osm_shapefiles
    bounds = tuple(areas.total_bounds)
    homes = read_buildings(shp, bbox=bounds)  # type: ignore[arg-type]
    joined_homes = gpd.sjoin(
        homes, areas[["area_code", "geometry"]], how="inner", predicate="within"
    )
    homes = joined_homes.drop(columns="index_right").sort_values("osm_id").reset_index(drop=True)
    counts = homes.groupby("area_code").size()
    areas["mapped_homes"] = areas["area_code"].map(counts).fillna(0).astype(int)

    classes = tuple(params.placement.road_class_weights) or RESIDENTIAL_ROAD_CLASSES
    roads = read_road_edges(shp, classes=classes, bbox=bounds)  # type: ignore[arg-type]
    roads = gpd.overlay(
        roads[["osm_id", "fclass", "geometry"]].to_crs(BNG),
        areas[["area_code", "geometry"]].to_crs(BNG),
        how="intersection",
        keep_geom_type=True,
    )
    places = read_places(shp).to_crs(BNG)[["name", "geometry"]]
    roads = gpd.sjoin_nearest(roads, places, how="left", distance_col="settlement_m")
    roads = roads.drop(columns=["index_right", "name"]).drop_duplicates(
        subset=["area_code", "osm_id", "geometry"]
    )
    roads = roads.sort_values(["area_code", "osm_id"]).reset_index(drop=True)

    zone_table = read_zone_table(params.config_dir / paths.zone_table)
    providers, places = read_provider_table(params.config_dir / paths.providers)
    return DemoInputs(areas, homes, roads, zone_table, providers, places)


# --------------------------------------------------------------------------------------------
# The demo area
# --------------------------------------------------------------------------------------------


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


def _xy_m(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    pts = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs=WGS84).to_crs(BNG)
    return np.column_stack([pts.x.to_numpy(), pts.y.to_numpy()])


def road_weights(roads: pd.DataFrame, params: PlacementParams) -> np.ndarray:
    """Placement weight per metre of each road piece (``fclass``, ``settlement_m`` columns)."""
    w = roads["fclass"].map(params.road_class_weights).fillna(0.0).to_numpy(dtype=float)
    far = roads["settlement_m"].to_numpy(dtype=float) > params.settlement_radius_m
    return np.where(far, w * params.outside_settlement_weight, w)


def _place(
    inputs: DemoInputs,
    people: np.ndarray,
    placement: np.ndarray,
    params: PlacementParams,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Lat, lon, placement method and area code of every person, area by area."""
    lats: list[np.ndarray] = [np.zeros(0)]
    lons: list[np.ndarray] = [np.zeros(0)]
    how: list[np.ndarray] = [np.zeros(0, dtype=object)]
    codes: list[np.ndarray] = [np.zeros(0, dtype=object)]
    homes_by_area = dict(tuple(inputs.homes.groupby("area_code")))
    roads_by_area = dict(tuple(inputs.roads.groupby("area_code")))
    for code, k, method in zip(inputs.areas["area_code"], people, placement, strict=True):
        k = int(k)
        if k == 0:
            continue
        if method == PLACED_ON_BUILDING:
            homes = homes_by_area[code]
            idx = rng.choice(len(homes), size=k, replace=k > len(homes))
            lat, lon = homes.geometry.y.to_numpy()[idx], homes.geometry.x.to_numpy()[idx]
        else:
            lines = roads_by_area[code]
            w = road_weights(lines, params)
            pts = sample_points_on_lines(lines.geometry, k, rng, weights=w).to_crs(WGS84)
            lat, lon = pts.y.to_numpy(), pts.x.to_numpy()
        lats.append(lat)
        lons.append(lon)
        how.append(np.full(k, method, dtype=object))
        codes.append(np.full(k, code, dtype=object))
    return (
        np.concatenate(lats),
        np.concatenate(lons),
        np.concatenate(how),
        np.concatenate(codes),
    )


def _split_providers(
    base: tuple[Provider, ...],
    places: tuple[str, ...],
    n_total: int,
    scale: float,
    synth: SyntheticParams,
    rng: np.random.Generator,
) -> tuple[tuple[Provider, ...], dict[str, list[str]]]:
    """Synthetic areas: split each base provider into branches, capacity scaled by ``scale``.

    Returns the branches and, per base provider id, its branch ids.
    """
    cap = np.array([p.capacity_hours for p in base], dtype=float)
    share = cap / cap.sum() * n_total
    copies = np.maximum(1, np.floor(share).astype(int))
    while copies.sum() < n_total:
        copies[int(np.argmax(share - copies))] += 1
    xy = _xy_m(np.array([p.lat for p in base]), np.array([p.lon for p in base]))
    out: list[Provider] = []
    branches: dict[str, list[str]] = {}
    for b, prov in enumerate(base):
        c = int(copies[b])
        angle = rng.random(c) * 2 * math.pi
        radius = np.sqrt(rng.random(c)) * synth.office_jitter_m
        bx = xy[b, 0] + radius * np.cos(angle)
        by = xy[b, 1] + radius * np.sin(angle)
        pts = gpd.GeoSeries(gpd.points_from_xy(bx, by), crs=BNG).to_crs(WGS84)
        letter = prov.name.split(" (")[0].removeprefix("Provider ").strip()
        for k in range(c):
            pid = f"{synth.id_prefix}{prov.provider_id}-{k + 1:02d}"
            branches.setdefault(prov.provider_id, []).append(pid)
            out.append(
                Provider(
                    provider_id=pid,
                    name=f"Synthetic provider {letter}{k + 1:02d} ({places[b]})",
                    lat=float(pts.y.iat[k]),
                    lon=float(pts.x.iat[k]),
                    capacity_hours=round(prov.capacity_hours * scale / c, 1),
                    care_workers=max(1, round(prov.care_workers * scale / c)),
                    price_gbp_per_hour=prov.price_gbp_per_hour,
                    pay_gbp_per_hour=prov.pay_gbp_per_hour,
                    travel_paid=prov.travel_paid,
                    mileage_gbp_per_mile=prov.mileage_gbp_per_mile,
                    skills=prov.skills,
                )
            )
    return tuple(out), branches


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
    ) = np.random.default_rng(seed).spawn(7)

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
        providers, branches = _split_providers(
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
    providers = tuple(
        _with_zones(p, frozenset(z for z, leads in lead_of.items() if p.provider_id in leads))
        for p in providers
    )

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
    lat, lon, how, code = _place(
        inputs, areas["people"].to_numpy(), areas["placement"].to_numpy(), pp, rng_place
    )

    # What they need: visits, needs, waiting list.
    plans = draw_visit_plans(
        n_people, params.visits, params.double_handed.share_of_packages, rng_visits
    )
    weeks = build_visits(plans, params.visits.call_patterns)
    needs = draw_needs(n_people, params.needs, rng_needs)
    remote = dict(zip(areas["area_code"], areas["remote"], strict=True))
    mult = np.array([params.waiting.remote_multiplier if remote[c] else 1.0 for c in code])
    waiting = draw_waiting(mult, params.waiting.base_share, rng_wait)

    # Who serves them now: lead providers of the zone first, then the nearest office.
    zone_ids = [area_zone[c] for c in code]
    carer_h = np.array([sum(v.carer_minutes for v in w) / 60.0 for w in weeks])
    pidx = {p.provider_id: j for j, p in enumerate(providers)}
    chosen = choose_current_providers(
        _xy_m(lat, lon),
        zone_ids,
        needs,
        carer_h,
        ~waiting,
        _xy_m(np.array([p.lat for p in providers]), np.array([p.lon for p in providers])),
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


def _with_zones(p: Provider, zones: frozenset[str]) -> Provider:
    return replace(p, zones=zones)


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

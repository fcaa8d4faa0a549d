"""The demo generator's parameters: frozen records loaded from ``configs/demand_rutland.toml``.

Every value comes from the TOML (sources beside each value there); every unknown or bad key is
reported at once as a ``ConfigError`` naming ``section.key``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any

from optimiser.data.config import CONFIG_DIR
from optimiser.data.domain import CallType
from optimiser.errors import ConfigError, Problem

DEFAULT_CONFIG = CONFIG_DIR / "demand_rutland.toml"


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
    #: Language and cultural needs (need name -> share of people), drawn from their own
    #: seeded stream after every other draw, so adding them moves no other draw.
    language_needs: Mapping[str, float] = field(default_factory=dict)
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
        language_needs = p.shares(raw.get("language_needs", {}), "language_needs")
        for key in sorted(set(language_needs) & set(needs)):
            problems.append(
                Problem(source, None, f"language_needs.{key}", "also listed under [needs]")
            )
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
            language_needs=language_needs,
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

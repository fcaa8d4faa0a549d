"""Road-network and travel-time parameters as frozen dataclasses, with UK defaults."""

from __future__ import annotations

import hashlib
import json
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from types import MappingProxyType
from typing import Any, ClassVar

from geodata.errors import InputError, Problem

MPH_TO_KPH = 1.609344

# Untagged speeds [km/h] by OSM highway class. UK legal limits for cars (Highway Code rule 124):
# 30 mph where there is a system of street lighting ("restricted road", RTRA 1984 s.82),
# 60 mph on single and 70 mph on dual carriageways and motorways. The defaults below are
# free-flow driving speeds at or below those limits (assumption: bends, junctions and village
# gateways keep average speeds under the limit). Each value is reasoned in configs/network.toml.
DEFAULT_URBAN_SPEEDS_KPH: dict[str, float] = {
    "motorway": 96.0,
    "motorway_link": 48.0,
    "trunk": 36.0,
    "trunk_link": 40.0,
    "primary": 34.0,
    "primary_link": 40.0,
    "secondary": 34.0,
    "secondary_link": 35.0,
    "tertiary": 34.0,
    "tertiary_link": 30.0,
    "unclassified": 31.0,
    "residential": 28.0,
    "living_street": 16.0,
    "road": 32.0,
    "busway": 30.0,
    "service": 16.0,
}
DEFAULT_RURAL_SPEEDS_KPH: dict[str, float] = {
    "motorway": 105.0,
    "motorway_link": 64.0,
    "trunk": 82.0,
    "trunk_link": 56.0,
    "primary": 77.0,
    "primary_link": 48.0,
    "secondary": 64.0,
    "secondary_link": 45.0,
    "tertiary": 56.0,
    "tertiary_link": 40.0,
    "unclassified": 40.0,
    "residential": 30.0,
    "living_street": 16.0,
    "road": 40.0,
    "busway": 30.0,
    "service": 20.0,
}
# Ceilings [km/h] applied to every edge of a class, tagged or not: a single-track lane tagged
# with the 60 mph national limit is not driven at 60 mph (assumption, see configs/network.toml).
DEFAULT_CLASS_CAP_KPH: dict[str, float] = {
    "unclassified": 64.0,
    "residential": 48.0,
    "living_street": 20.0,
    "service": 32.0,
    "road": 48.0,
}
# Free-flow speed as a share of a tagged speed limit, by class, in each setting (assumption:
# drivers average below the limit over a whole link because of bends, junctions, villages and
# other traffic; reasoned value by value in configs/network.toml). Links take their own key.
DEFAULT_URBAN_LIMIT_SHARE: dict[str, float] = {
    "motorway": 0.90,
    "motorway_link": 0.70,
    "trunk": 0.75,
    "trunk_link": 0.70,
    "primary": 0.7,
    "primary_link": 0.70,
    "secondary": 0.7,
    "secondary_link": 0.70,
    "tertiary": 0.7,
    "tertiary_link": 0.70,
    "unclassified": 0.65,
    "residential": 0.65,
    "living_street": 0.60,
    "road": 0.70,
    "busway": 0.70,
    "service": 0.50,
}
DEFAULT_RURAL_LIMIT_SHARE: dict[str, float] = {
    "motorway": 0.92,
    "motorway_link": 0.70,
    "trunk": 0.85,
    "trunk_link": 0.70,
    "primary": 0.80,
    "primary_link": 0.70,
    "secondary": 0.75,
    "secondary_link": 0.70,
    "tertiary": 0.70,
    "tertiary_link": 0.65,
    "unclassified": 0.60,
    "residential": 0.60,
    "living_street": 0.50,
    "road": 0.60,
    "busway": 0.60,
    "service": 0.50,
}
# Delay [s] for passing a node tagged highway=<kind> (assumption, see configs/network.toml).
DEFAULT_NODE_DELAY_S: dict[str, float] = {
    "traffic_signals": 10.0,
    "crossing": 1.5,
    "give_way": 3.0,
    "stop": 6.0,
    "mini_roundabout": 5.0,
}
# Delay [s] at junctions (nodes where three or more streets meet), by movement (assumption):
# ``through`` every junction passed; ``from_minor`` arriving from a lower-class road than the
# best road there (give way and pull out); ``to_minor`` leaving the best road for a lower-class
# one (slow down and turn); ``roundabout_entry`` arriving at a roundabout from outside it.
DEFAULT_JUNCTION_DELAY_S: dict[str, float] = {
    "through": 2.0,
    "from_minor": 6.0,
    "to_minor": 3.0,
    "roundabout_entry": 4.0,
}
JUNCTION_MOVEMENTS = tuple(DEFAULT_JUNCTION_DELAY_S)
# Kerb-to-door allowance [min] by call type: parking and walking to the door (assumption).
DEFAULT_KERB_TO_DOOR_MIN: dict[str, float] = {
    "morning": 3.0,
    "lunch": 2.0,
    "tea": 2.0,
    "bed": 3.0,
}

NETWORK_TYPES = ("drive", "drive_service")
CONTEXTS = ("urban", "rural")


def _frozen_speeds(
    value: Mapping[str, Any],
    base: Mapping[str, float],
    name: str,
    source: str,
    *,
    allow_zero: bool = False,
) -> tuple[MappingProxyType, list[Problem]]:
    """Merge ``value`` over ``base`` and check every value is a positive finite number (or zero
    too, with ``allow_zero``: delays)."""
    merged: dict[str, float] = dict(base)
    problems: list[Problem] = []
    if not isinstance(value, Mapping):
        problems.append(Problem(source, None, name, f"must be a table, got {value!r}"))
        return MappingProxyType(merged), problems
    for key, speed in value.items():
        if isinstance(speed, bool) or not isinstance(speed, int | float):
            problems.append(Problem(source, None, f"{name}.{key}", f"not a number: {speed!r}"))
        elif not math.isfinite(speed) or speed < 0 or (speed == 0 and not allow_zero):
            sign = ">=" if allow_zero else ">"
            problems.append(
                Problem(source, None, f"{name}.{key}", f"must be {sign} 0, got {speed!r}")
            )
        else:
            merged[str(key)] = float(speed)
    return MappingProxyType(dict(sorted(merged.items()))), problems


def _check_number(
    problems: list[Problem], source: str, name: str, value: Any, *, minimum: float, strict: bool
) -> None:
    """Add a problem unless ``value`` is a finite number above (or at) ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        problems.append(Problem(source, None, name, f"not a finite number: {value!r}"))
    elif (value <= minimum) if strict else (value < minimum):
        sign = ">" if strict else ">="
        problems.append(Problem(source, None, name, f"must be {sign} {minimum}, got {value!r}"))


def _unknown_keys(cls: type, data: Mapping[str, Any], source: str) -> list[Problem]:
    """One problem per key of ``data`` that is not a field of ``cls``."""
    known = {f.name for f in fields(cls)}
    return [
        Problem(source, None, str(key), f"unknown key (known: {', '.join(sorted(known))})")
        for key in data
        if key not in known
    ]


def _digest(obj: Any, skip: tuple[str, ...] = ()) -> str:
    """A stable sha256 of a settings object's values (but those in ``skip``)."""
    data = {f.name: getattr(obj, f.name) for f in fields(obj) if f.name not in skip}
    text = json.dumps(data, sort_keys=True, default=dict)
    return hashlib.sha256(text.encode()).hexdigest()


def _table(default: Mapping[str, float]) -> Any:
    """A dataclass field holding a read-only copy of ``default``, keys sorted."""
    return field(default_factory=lambda: MappingProxyType(dict(sorted(default.items()))))


@dataclass(frozen=True)
class NetworkSettings:
    """How a drivable network is built from OSM and how long each edge takes to drive.

    Speeds [km/h]: where OSM tags an edge's ``maxspeed`` (``mph`` converted, ``national`` =
    60 mph, ``GB:nsl_dual`` = 70 mph), the limit times the free-flow share for its class in its
    setting (``urban_limit_share``/``rural_limit_share``; a limit of 30 mph or less is urban, of
    50 mph or more rural, in between the tags decide). Otherwise the default speed for its
    class in its context: ``urban`` when OSM says so (``lit=yes``, i.e. a UK restricted road,
    or a ``maxspeed:type``/``source:maxspeed``/``zone:traffic`` naming an urban zone),
    ``rural`` when OSM says so (national speed limit tags), ``unknown_context`` otherwise.
    Every speed is then capped by ``class_cap_kph`` for its class, and by
    ``roundabout_cap_kph`` on roundabouts.

    Delays [s], added to the edges' ``travel_time``: ``node_delay_s`` for passing a node
    tagged ``highway=<kind>`` (signals, crossings, give-way and stop signs, mini-roundabouts),
    and ``junction_delay_s`` at nodes where three or more streets meet, by movement (see
    ``DEFAULT_JUNCTION_DELAY_S``).
    """

    network_type: str = "drive"
    urban_speeds_kph: Mapping[str, float] = _table(DEFAULT_URBAN_SPEEDS_KPH)
    rural_speeds_kph: Mapping[str, float] = _table(DEFAULT_RURAL_SPEEDS_KPH)
    class_cap_kph: Mapping[str, float] = _table(DEFAULT_CLASS_CAP_KPH)
    urban_limit_share: Mapping[str, float] = _table(DEFAULT_URBAN_LIMIT_SHARE)
    rural_limit_share: Mapping[str, float] = _table(DEFAULT_RURAL_LIMIT_SHARE)
    node_delay_s: Mapping[str, float] = _table(DEFAULT_NODE_DELAY_S)
    junction_delay_s: Mapping[str, float] = _table(DEFAULT_JUNCTION_DELAY_S)
    unknown_context: str = "rural"
    fallback_speed_kph: float = 40.0
    fallback_limit_share: float = 0.70
    roundabout_cap_kph: float = 40.0

    _SPEED_TABLES: ClassVar[tuple[str, ...]] = (
        "urban_speeds_kph",
        "rural_speeds_kph",
        "class_cap_kph",
        "urban_limit_share",
        "rural_limit_share",
    )
    _DELAY_TABLES: ClassVar[tuple[str, ...]] = ("node_delay_s", "junction_delay_s")

    def __post_init__(self) -> None:
        problems: list[Problem] = []
        src = "NetworkSettings"
        for name in self._SPEED_TABLES + self._DELAY_TABLES:
            frozen, found = _frozen_speeds(
                getattr(self, name), {}, name, src, allow_zero=name in self._DELAY_TABLES
            )
            object.__setattr__(self, name, frozen)
            problems += found
        for name in ("urban_limit_share", "rural_limit_share"):
            problems += [
                Problem(src, None, f"{name}.{key}", f"a share of the limit must be <= 1.2, got {v}")
                for key, v in getattr(self, name).items()
                if v > 1.2
            ]
        problems += [
            Problem(
                src,
                None,
                f"junction_delay_s.{key}",
                f"unknown movement (known: {', '.join(JUNCTION_MOVEMENTS)})",
            )
            for key in self.junction_delay_s
            if key not in JUNCTION_MOVEMENTS
        ]
        if self.network_type not in NETWORK_TYPES:
            problems.append(
                Problem(
                    src,
                    None,
                    "network_type",
                    f"must be one of {NETWORK_TYPES}, got {self.network_type!r}",
                )
            )
        if self.unknown_context not in CONTEXTS:
            problems.append(
                Problem(
                    src,
                    None,
                    "unknown_context",
                    f"must be one of {CONTEXTS}, got {self.unknown_context!r}",
                )
            )
        for name in ("fallback_speed_kph", "fallback_limit_share", "roundabout_cap_kph"):
            _check_number(problems, src, name, getattr(self, name), minimum=0.0, strict=True)
        if problems:
            raise InputError(problems)

    def __hash__(self) -> int:
        return hash(self.digest())

    def digest(self) -> str:
        """A sha256 of every value: part of the network cache key."""
        return _digest(self)

    def default_speed_kph(self, highway: str, context: str) -> float:
        """The untagged speed [km/h] of ``highway`` in ``context`` ('urban' or 'rural')."""
        table = self.urban_speeds_kph if context == "urban" else self.rural_speeds_kph
        return float(table.get(highway, self.fallback_speed_kph))

    def limit_share(self, highway: str, context: str) -> float:
        """The share of a tagged limit driven on ``highway`` in ``context`` (free flow)."""
        table = self.urban_limit_share if context == "urban" else self.rural_limit_share
        return float(table.get(highway, self.fallback_limit_share))

    def junction_s(self, movement: str) -> float:
        """The junction delay [s] of ``movement`` (0 where the table leaves it out)."""
        return float(self.junction_delay_s.get(movement, 0.0))

    @classmethod
    def from_dict(
        cls, d: Mapping[str, Any], *, source: str = "network settings"
    ) -> NetworkSettings:
        """Build from a plain dict (e.g. the ``[network]`` TOML table); tables given there
        update the defaults key by key. Unknown keys raise InputError naming them."""
        problems = _unknown_keys(cls, d, source)
        kwargs: dict[str, Any] = {}
        defaults = cls()
        for key, value in d.items():
            if key in cls._SPEED_TABLES + cls._DELAY_TABLES:
                merged, found = _frozen_speeds(
                    value,
                    getattr(defaults, key),
                    key,
                    source,
                    allow_zero=key in cls._DELAY_TABLES,
                )
                problems += found
                kwargs[key] = merged
            elif not key.startswith("_") and key in {f.name for f in fields(cls)}:
                kwargs[key] = value
        if problems:
            raise InputError(problems)
        return cls(**kwargs)


@dataclass(frozen=True)
class TravelSettings:
    """How point-to-point travel times are made from network times.

    travel [min] = access leg (straight line from the point to its snapped node, both ends,
    at ``access_speed_kph``) + network time + kerb-to-door allowance of the destination's call
    type. ``max_access_m`` is the farthest a point may lie from the road network [m].
    ``chunk_mib`` bounds the working memory per batch of shortest-path sources [MiB].
    ``matrix_memory_gib`` caps the memory the dense travel matrices of an area may need [GiB]
    (None: 80% of the memory available when the area is built); an area that needs more is
    refused before any matrix is built. It changes no figure, so it is not in ``digest()``.
    """

    access_speed_kph: float = 20.0
    max_access_m: float = 2000.0
    kerb_to_door_min: Mapping[str, float] = field(
        default_factory=lambda: MappingProxyType(dict(DEFAULT_KERB_TO_DOOR_MIN))
    )
    kerb_to_door_default_min: float = 2.0
    chunk_mib: float = 256.0
    matrix_memory_gib: float | None = None

    def __post_init__(self) -> None:
        problems: list[Problem] = []
        src = "TravelSettings"
        if self.matrix_memory_gib is not None:
            _check_number(
                problems, src, "matrix_memory_gib", self.matrix_memory_gib, minimum=0.0, strict=True
            )
        kerb: Mapping[str, float] = MappingProxyType({})
        if isinstance(self.kerb_to_door_min, Mapping):
            merged = {}
            for key, value in self.kerb_to_door_min.items():
                name = f"kerb_to_door_min.{key}"
                before = len(problems)
                _check_number(problems, src, name, value, minimum=0.0, strict=False)
                if len(problems) == before:
                    merged[str(key)] = float(value)
            kerb = MappingProxyType(merged)
        else:
            problems.append(Problem(src, None, "kerb_to_door_min", "must be a table"))
        object.__setattr__(self, "kerb_to_door_min", kerb)
        _check_number(
            problems, src, "access_speed_kph", self.access_speed_kph, minimum=0.0, strict=True
        )
        _check_number(problems, src, "max_access_m", self.max_access_m, minimum=0.0, strict=True)
        _check_number(
            problems,
            src,
            "kerb_to_door_default_min",
            self.kerb_to_door_default_min,
            minimum=0.0,
            strict=False,
        )
        _check_number(problems, src, "chunk_mib", self.chunk_mib, minimum=0.0, strict=True)
        if problems:
            raise InputError(problems)

    def __hash__(self) -> int:
        return hash(self.digest())

    def digest(self) -> str:
        """A sha256 of every value that can change a figure (part of the matrix cache key)."""
        return _digest(self, skip=("matrix_memory_gib",))

    def kerb_min(self, call_types: list[str] | tuple[str, ...]) -> list[float]:
        """Kerb-to-door minutes for each call type; unknown types raise InputError."""
        problems = [
            Problem(
                "call types",
                i + 1,
                "call_type",
                f"unknown call type {t!r} (known: {', '.join(self.kerb_to_door_min)})",
            )
            for i, t in enumerate(call_types)
            if t not in self.kerb_to_door_min
        ]
        if problems:
            raise InputError(problems)
        return [self.kerb_to_door_min[t] for t in call_types]

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], *, source: str = "travel settings") -> TravelSettings:
        """Build from a plain dict (e.g. the ``[travel]`` TOML table); unknown keys raise
        InputError naming them. A ``kerb_to_door_min`` table replaces the default table."""
        problems = _unknown_keys(cls, d, source)
        if problems:
            raise InputError(problems)
        return cls(**dict(d))


def load_settings(path: Path) -> tuple[NetworkSettings, TravelSettings]:
    """Read ``[network]`` and ``[travel]`` from a TOML file such as configs/network.toml."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"settings file not found: {path}", source=str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not valid TOML: {exc}", source=str(path)) from None
    problems = _unknown_keys_top(data, str(path))
    if problems:
        raise InputError(problems)
    return (
        NetworkSettings.from_dict(data.get("network", {}), source=f"{path} [network]"),
        TravelSettings.from_dict(data.get("travel", {}), source=f"{path} [travel]"),
    )


def _unknown_keys_top(data: Mapping[str, Any], source: str) -> list[Problem]:
    """Problems for top-level TOML tables other than [network] and [travel]."""
    return [
        Problem(source, None, str(k), "unknown table (known: network, travel)")
        for k in data
        if k not in ("network", "travel")
    ]

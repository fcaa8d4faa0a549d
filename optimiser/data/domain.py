"""Domain records: care packages, their visits, providers, zones and scenario parameters.

Every record is a frozen dataclass whose ``__post_init__`` checks its own fields and names the
field and value on failure. Units are in the field names: minutes (``_min``), hours, pounds
(``_gbp``), kilometres (``_km``). Ids are pseudonymous strings; no record holds a person's name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from shapely.geometry.base import BaseGeometry

MINUTES_PER_WEEK = 7 * 24 * 60
MAX_WEEKLY_HOURS = 168.0
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class CallType(StrEnum):
    """The four call slots councils commission; each has a default time window."""

    MORNING = "morning"
    LUNCH = "lunch"
    TEA = "tea"
    BED = "bed"


#: Default start-time windows per call type [minutes after midnight]. Assumption, from common
#: council specifications (morning 07:00-10:00, lunch 12:00-14:00, tea 16:30-18:30,
#: bed 19:30-22:00); a package may instead give an explicit window per visit.
CALL_WINDOWS_MIN: Mapping[CallType, tuple[int, int]] = {
    CallType.MORNING: (7 * 60, 10 * 60),
    CallType.LUNCH: (12 * 60, 14 * 60),
    CallType.TEA: (16 * 60 + 30, 18 * 60 + 30),
    CallType.BED: (19 * 60 + 30, 22 * 60),
}


class PackageStatus(StrEnum):
    """Active packages already have a provider; waiting ones are on the unmet-need list."""

    ACTIVE = "active"
    WAITING = "waiting"


class Priority(StrEnum):
    """Brokerage priority; hospital discharge goes first (docs/sources.md, Lincolnshire's split)."""

    HOSPITAL_DISCHARGE = "hospital_discharge"
    COMMUNITY = "community"


class ZoneKind(StrEnum):
    """Town neighbourhood zones versus rural zones (rural zones may carry a rate uplift)."""

    NEIGHBOURHOOD = "neighbourhood"
    RURAL = "rural"


class ZoneRule(StrEnum):
    """Who may serve a package: anyone anywhere, or only the zone's lead provider(s)."""

    SPOT = "spot"
    ZONED = "zoned"


class UnmetReason(StrEnum):
    """Why a package is left unmet, in the order the reasons are tested; ``text`` for people.

    The first three are the pruning steps that remove candidate providers when the assignment
    instance is built (no provider with the skill; none allowed in the zone; none within the
    travel limit); a package that kept candidates but was still not placed has "no capacity
    left". An active package released because its current provider could not hold all its
    current clients, and then not placed, has "current provider over capacity" before any.
    """

    NO_SKILL = "no_skill"
    NO_ZONE_PROVIDER = "no_zone_provider"
    BEYOND_TRAVEL_LIMIT = "beyond_travel_limit"
    NO_CAPACITY = "no_capacity"
    CURRENT_PROVIDER_FULL = "current_provider_full"

    @property
    def text(self) -> str:
        """The reason as a broker would say it."""
        return _UNMET_TEXT[self]


_UNMET_TEXT = {
    UnmetReason.NO_SKILL: "no provider with the skill",
    UnmetReason.NO_ZONE_PROVIDER: "no provider allowed in the zone",
    UnmetReason.BEYOND_TRAVEL_LIMIT: "no provider within the travel limit",
    UnmetReason.NO_CAPACITY: "no capacity left",
    UnmetReason.CURRENT_PROVIDER_FULL: (
        "its current provider is over capacity with its current clients, and no other "
        "provider allowed had room"
    ),
}


def _check(cond: bool, record: str, ident: str, fld: str, message: str) -> None:
    if not cond:
        raise ValueError(f"{record} '{ident}': field '{fld}' {message}")


def _check_latlon(record: str, ident: str, lat: float, lon: float) -> None:
    _check(
        lat == lat and -90.0 <= lat <= 90.0,
        record,
        ident,
        "lat",
        f"must be in [-90, 90], got {lat}",
    )
    _check(
        lon == lon and -180.0 <= lon <= 180.0,
        record,
        ident,
        "lon",
        f"must be in [-180, 180], got {lon}",
    )


@dataclass(frozen=True)
class Visit:
    """One call in the weekly pattern of a package.

    ``day`` is 0 (Monday) to 6 (Sunday). The start-time window is explicit
    (``window_start_min``/``window_end_min`` [minutes after midnight]) or taken from the call
    type's default window.
    """

    day: int
    call_type: CallType | None
    duration_min: int
    carers: int = 1
    window_start_min: int | None = None
    window_end_min: int | None = None

    def __post_init__(self) -> None:
        _check(0 <= self.day <= 6, "Visit", str(self.day), "day", f"must be 0-6, got {self.day}")
        _check(
            5 <= self.duration_min <= 24 * 60,
            "Visit",
            str(self.day),
            "duration_min",
            f"must be 5-1440 minutes, got {self.duration_min}",
        )
        _check(
            self.carers in (1, 2),
            "Visit",
            str(self.day),
            "carers",
            f"must be 1 or 2, got {self.carers}",
        )
        explicit = self.window_start_min is not None and self.window_end_min is not None
        _check(
            explicit or self.call_type is not None,
            "Visit",
            str(self.day),
            "call_type",
            "is required when no explicit window is given",
        )
        if explicit:
            assert self.window_start_min is not None and self.window_end_min is not None
            _check(
                0 <= self.window_start_min <= self.window_end_min <= 24 * 60,
                "Visit",
                str(self.day),
                "window_start_min",
                f"window must lie within the day and start <= end, got "
                f"{self.window_start_min}-{self.window_end_min}",
            )

    @property
    def window_min(self) -> tuple[int, int]:
        """Start-time window [minutes after midnight]."""
        if self.window_start_min is not None and self.window_end_min is not None:
            return (self.window_start_min, self.window_end_min)
        assert self.call_type is not None
        return CALL_WINDOWS_MIN[self.call_type]

    @property
    def carer_min(self) -> int:
        """Paid carer time of the call [min]: double-handed calls count twice."""
        return self.duration_min * self.carers


@dataclass(frozen=True)
class Package:
    """A person's weekly package of care, located by lat/lon, with brokerage attributes.

    ``weekly_hours`` is the contact time per week the person receives [h]; it must equal the sum
    of visit durations. Double-handed calls cost twice that in carer time: see ``carer_hours``.
    """

    package_id: str
    lat: float
    lon: float
    weekly_hours: float
    visits: tuple[Visit, ...]
    needs: frozenset[str] = frozenset()
    status: PackageStatus = PackageStatus.WAITING
    days_waiting: int = 0
    priority: Priority = Priority.COMMUNITY
    current_provider: str | None = None
    zone_id: str | None = None
    area_code: str | None = None
    placement: str = ""

    def __post_init__(self) -> None:
        pid = self.package_id
        _check(bool(pid), "Package", pid, "package_id", "must not be empty")
        _check_latlon("Package", pid, self.lat, self.lon)
        _check(
            0.0 < self.weekly_hours <= MAX_WEEKLY_HOURS,
            "Package",
            pid,
            "weekly_hours",
            f"must be in (0, 168], got {self.weekly_hours}",
        )
        _check(len(self.visits) > 0, "Package", pid, "visits", "must list at least one visit")
        total_h = sum(v.duration_min for v in self.visits) / 60.0
        _check(
            abs(total_h - self.weekly_hours) < 1e-6 + 0.01 * self.weekly_hours,
            "Package",
            pid,
            "weekly_hours",
            f"is {self.weekly_hours} but the visits add up to {total_h:.2f} h",
        )
        _check(self.days_waiting >= 0, "Package", pid, "days_waiting", "must be >= 0")
        _check(
            self.status is PackageStatus.WAITING or self.current_provider is not None,
            "Package",
            pid,
            "current_provider",
            "is required for an active package",
        )

    @property
    def carer_hours(self) -> float:
        """Weekly carer time [h]: double-handed calls counted twice (what capacity must cover)."""
        return sum(v.carer_min for v in self.visits) / 60.0

    @property
    def visits_per_week(self) -> int:
        """Number of calls per week (each double-handed call counts once)."""
        return len(self.visits)

    @property
    def double_handed(self) -> bool:
        """True if any call needs two carers."""
        return any(v.carers == 2 for v in self.visits)


@dataclass(frozen=True)
class Provider:
    """A homecare provider (a CQC-registered branch) with its office, capacity, prices and pay."""

    provider_id: str
    name: str
    lat: float
    lon: float
    capacity_hours: float
    care_workers: int
    price_gbp_per_hour: float
    pay_gbp_per_hour: float
    travel_paid: bool = True
    mileage_gbp_per_mile: float = 0.45
    skills: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        pid = self.provider_id
        _check(bool(pid), "Provider", pid, "provider_id", "must not be empty")
        _check_latlon("Provider", pid, self.lat, self.lon)
        _check(self.capacity_hours >= 0, "Provider", pid, "capacity_hours", "must be >= 0")
        _check(self.care_workers >= 0, "Provider", pid, "care_workers", "must be >= 0")
        _check(self.price_gbp_per_hour > 0, "Provider", pid, "price_gbp_per_hour", "must be > 0")
        _check(self.pay_gbp_per_hour > 0, "Provider", pid, "pay_gbp_per_hour", "must be > 0")
        _check(
            self.mileage_gbp_per_mile >= 0, "Provider", pid, "mileage_gbp_per_mile", "must be >= 0"
        )


@dataclass(frozen=True)
class Zone:
    """A commissioning zone: a union of small areas (LSOAs or wards) with its lead provider(s).

    ``area_codes`` is the editable source of truth; ``geometry`` (EPSG:4326) is derived from it.
    """

    zone_id: str
    name: str
    kind: ZoneKind
    area_codes: tuple[str, ...]
    geometry: BaseGeometry | None = None
    lead_providers: tuple[str, ...] = ()
    rate_uplift_pct: float = 0.0

    def __post_init__(self) -> None:
        zid = self.zone_id
        _check(bool(zid), "Zone", zid, "zone_id", "must not be empty")
        _check(
            -50.0 <= self.rate_uplift_pct <= 200.0,
            "Zone",
            zid,
            "rate_uplift_pct",
            f"must be in [-50, 200], got {self.rate_uplift_pct}",
        )


@dataclass(frozen=True)
class ZonePolicy:
    """The zone rule of a scenario, with its per-zone overrides.

    ``non_lead_penalty``: with the zoned rule, ``None`` forbids non-lead providers; a number lets
    them serve at that penalty per carer-hour placed (soft zoning, the tier-2 fallback).
    ``per_zone`` maps zone id to a rule overriding ``rule`` there.
    """

    rule: ZoneRule = ZoneRule.SPOT
    non_lead_penalty: float | None = None
    per_zone: Mapping[str, ZoneRule] = field(default_factory=dict)

    def rule_for(self, zone_id: str | None) -> ZoneRule:
        """The rule in force in ``zone_id`` (packages outside every zone follow spot)."""
        if zone_id is None:
            return ZoneRule.SPOT
        return self.per_zone.get(zone_id, self.rule)


@dataclass(frozen=True)
class CostModel:
    """Cost per carer-hour of contact, in the spirit of the Homecare Association's minimum price.

    The defaults equal ``configs/costs_2026.toml``, where each value has its source and year
    (NLW April 2026; on-costs derived from the UKHCA 2020/21 breakdown; HMRC mileage; Homecare
    Association 2025/26 business costs less surplus); finance teams replace them. There is no
    rural uplift here: it is a contracted price per zone (``Zone.rate_uplift_pct``).
    """

    pay_gbp_per_hour: float = 12.71
    on_cost_rate: float = 0.30
    travel_paid: bool = True
    mileage_gbp_per_mile: float = 0.45
    training_gbp_per_hour: float = 0.0
    overheads_gbp_per_hour: float = 8.47
    margin_rate: float = 0.03

    def __post_init__(self) -> None:
        _check(self.pay_gbp_per_hour > 0, "CostModel", "-", "pay_gbp_per_hour", "must be > 0")
        _check(0 <= self.on_cost_rate < 2, "CostModel", "-", "on_cost_rate", "must be in [0, 2)")
        _check(
            self.mileage_gbp_per_mile >= 0, "CostModel", "-", "mileage_gbp_per_mile", "must be >= 0"
        )
        _check(0 <= self.margin_rate < 1, "CostModel", "-", "margin_rate", "must be in [0, 1)")


#: The largest random seed CP-SAT accepts (a signed 32-bit integer).
MAX_SOLVER_SEED = 2**31 - 1


@dataclass(frozen=True)
class SolverSettings:
    """Explicit solver budget: always recorded in results. One worker + seed is deterministic."""

    time_limit_s: float = 20.0
    workers: int = 2
    seed: int = 0
    max_deterministic_time: float | None = None

    def __post_init__(self) -> None:
        _check(self.time_limit_s > 0, "SolverSettings", "-", "time_limit_s", "must be > 0")
        _check(self.workers >= 1, "SolverSettings", "-", "workers", "must be >= 1")
        _check(
            0 <= self.seed <= MAX_SOLVER_SEED,
            "SolverSettings",
            "-",
            "seed",
            f"must be a whole number from 0 to {MAX_SOLVER_SEED:,} (CP-SAT's random seed is a "
            f"32-bit integer), got {self.seed}",
        )


#: Values of ``AssignmentRules.keep_current_clients``.
KEEP_CURRENT_CLIENTS: tuple[str, ...] = ("hard", "priority", "off")

#: A provider carrying more than this share of a zone's placed carer-hours is a
#: market-sustainability risk [%] (assumption: above half, the zone depends on one provider;
#: no public threshold was found offline).
DEFAULT_MARKET_SHARE_RISK_PCT = 50.0


@dataclass(frozen=True)
class ReportSettings:
    """What the result's views flag: ``market_share_risk_pct`` [%, of a zone's placed
    carer-hours of contact] above which one provider's share is a market-sustainability risk."""

    market_share_risk_pct: float = DEFAULT_MARKET_SHARE_RISK_PCT

    def __post_init__(self) -> None:
        _check(
            0.0 < self.market_share_risk_pct <= 100.0,
            "ReportSettings",
            "-",
            "market_share_risk_pct",
            f"must be in (0, 100], got {self.market_share_risk_pct}",
        )


@dataclass(frozen=True)
class AssignmentRules:
    """Rules of the assignment model beyond zoning.

    ``travel_limit_min``: a provider may take a package only if its office is within this
    one-way travel time [min]. ``release_continuity``: active packages may move provider.
    ``priority_weight``: weight of one unmet hour per priority class; waiting days add
    ``wait_weight_per_day`` per hour, so longest waits go first. ``keep_current_clients``:
    whether a change of commissioning may leave a current client (an active package with a
    provider) without care: ``"hard"`` (default: every current client is placed, with its
    current provider or another; if that is infeasible the solver falls back to
    ``"priority"`` and reports how many lose care), ``"priority"`` (as few current clients
    as possible lose care, before any waiting case is weighed) or ``"off"`` (a current client
    weighs like any other unmet hour).
    """

    travel_limit_min: float = 45.0
    release_continuity: bool = False
    priority_weight: Mapping[Priority, float] = field(
        default_factory=lambda: {Priority.HOSPITAL_DISCHARGE: 3.0, Priority.COMMUNITY: 1.0}
    )
    wait_weight_per_day: float = 0.01
    keep_current_clients: str = "hard"

    def __post_init__(self) -> None:
        _check(
            self.keep_current_clients in KEEP_CURRENT_CLIENTS,
            "AssignmentRules",
            "-",
            "keep_current_clients",
            f"must be one of {', '.join(KEEP_CURRENT_CLIENTS)}, got {self.keep_current_clients!r}",
        )


@dataclass(frozen=True)
class Scenario:
    """A commissioning option to test: zones and rules, costs, solver budget, travel method."""

    name: str
    zone_policy: ZonePolicy = field(default_factory=ZonePolicy)
    rules: AssignmentRules = field(default_factory=AssignmentRules)
    costs: CostModel = field(default_factory=CostModel)
    solver: SolverSettings = field(default_factory=SolverSettings)
    travel_method: str = "estimate"
    description: str = ""
    report: ReportSettings = field(default_factory=ReportSettings)

    def __post_init__(self) -> None:
        _check(bool(self.name), "Scenario", self.name, "name", "must not be empty")
        _check(
            self.travel_method in ("estimate", "rounds"),
            "Scenario",
            self.name,
            "travel_method",
            f"must be 'estimate' or 'rounds', got {self.travel_method!r}",
        )

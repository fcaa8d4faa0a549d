"""The column schema of every table users bring: each column's name, kind, range and default.

One place says what a good table is. Each :class:`Column` is declarative (kind, whether the
table must have it, whether a blank cell is a problem or reads as a default, the range or the
choices, uniqueness); the few rules that look at two cells of a row are small functions attached
to the column after which they run (``then``), so every problem comes out in column order.
:func:`optimiser.data.tables.checker.check_rows` is the one loop that applies a schema.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from shapely.geometry.base import BaseGeometry

from optimiser.data.domain import MAX_WEEKLY_HOURS, PackageStatus, Priority, ZoneKind
from optimiser.data.tables.cells import is_missing, normalise_id, normalise_postcode
from optimiser.data.visit_days import impossible_days

MAX_DAYS_WAITING = 3650
MAX_GBP_PER_HOUR = 500.0
MAX_GBP_PER_MILE = 5.0
VISITS_EXAMPLE = "'mon-fri morning 30; sat,sun lunch 45x2'"


class Kind(StrEnum):
    """What a cell holds, and so how it is read."""

    TEXT = "text"  # any text
    ID = "id"  # an id: text without ';'
    NUMBER = "number"  # a finite number in [lo, hi] (or (lo, hi] when lo_open)
    INTEGER = "integer"  # a whole number in [lo, hi]
    BOOLEAN = "boolean"  # true/false, yes/no, y/n, 1/0
    CHOICE = "choice"  # one of an enum's values (case, spaces and hyphens forgiven)
    TAGS = "tags"  # ';'-separated tags, each normalised (needs, skills)
    ID_LIST = "id_list"  # ';'-separated ids, each at most once
    VISITS = "visits"  # a weekly visit pattern (``optimiser.data.visits_syntax``)


@dataclass(frozen=True)
class RowView:
    """One row as a row check sees it: the raw cells, the values read so far, its geometry.

    ``add(column, message)`` records a problem on this row.
    """

    row: int
    cells: Mapping[str, object]
    values: Mapping[str, Any]
    geometry: BaseGeometry | None
    add: Callable[[str, str], None]


RowCheck = Callable[[RowView], None]


@dataclass(frozen=True)
class Column:
    """One column: how to read it, and what makes a cell a problem.

    ``required``: the table must have the column. ``needed``: a blank cell is a problem
    ("missing value: expected <what>"); otherwise a blank reads as ``default``. ``key`` maps a
    value to what ``unique`` compares. ``location`` columns (lat, lon, postcode) are read
    together as one position, or replaced by a point geometry. ``written``: part of the layout
    the writers produce. ``then``: row checks that run right after this column is read.
    """

    name: str
    kind: Kind
    required: bool = False
    needed: bool = False
    what: str = ""
    lo: float = -math.inf
    hi: float = math.inf
    lo_open: bool = False
    enum: type[StrEnum] | None = None
    default: Any = None
    unique: bool = False
    key: Callable[[str], str] | None = None
    location: bool = False
    written: bool = True
    then: tuple[RowCheck, ...] = ()

    @property
    def expected(self) -> str:
        """What a good value is, as messages say it."""
        if self.kind is Kind.CHOICE and self.enum is not None:
            return f"one of {', '.join(e.value for e in self.enum)}"
        return self.what or "text"


@dataclass(frozen=True)
class TableSchema:
    """A table's columns in layout order, and the retired columns a file may still carry.

    ``retired`` maps a column that is no longer read to what to do instead: a blank one is
    skipped, a filled one is a problem (nothing a user typed is silently dropped).
    """

    table: str
    columns: tuple[Column, ...]
    retired: Mapping[str, str] = field(default_factory=dict)

    @property
    def known(self) -> tuple[str, ...]:
        """Every column name the readers accept."""
        return tuple(c.name for c in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        """The columns a table must have."""
        return tuple(c.name for c in self.columns if c.required)

    @property
    def written(self) -> tuple[str, ...]:
        """The columns the writers produce, in order."""
        return tuple(c.name for c in self.columns if c.written)

    def column(self, name: str) -> Column:
        """The column called ``name``."""
        return next(c for c in self.columns if c.name == name)


# -- columns shared by several tables ------------------------------------------------------------

LAT = Column("lat", Kind.NUMBER, needed=True, what="a latitude in degrees", lo=-90, hi=90)
LON = Column("lon", Kind.NUMBER, needed=True, what="a longitude in degrees", lo=-180, hi=180)
#: A postcode instead of lat/lon (looked up in a postcode table the caller passes).
POSTCODE = Column("postcode", Kind.TEXT, location=True, written=False)
RATE_UPLIFT = Column(
    "rate_uplift_pct", Kind.NUMBER, what="a rate uplift in percent, -50 to 200", lo=-50, hi=200
)


# -- row checks (two cells of one row) -----------------------------------------------------------


def _hours_match_visits(view: RowView) -> None:
    """weekly_hours must equal the visits' contact time within 1% (double-handed counts once)."""
    hours, visits = view.values.get("weekly_hours"), view.values.get("visits")
    if hours is None or visits is None:
        return
    total_h = sum(v.duration_min for v in visits) / 60.0
    if abs(total_h - hours) >= 1e-6 + 0.01 * hours:
        view.add(
            "weekly_hours",
            f"weekly_hours is {hours:g} but the visits add up to {total_h:.2f} h of "
            f"contact time (double-handed calls count once)",
        )


def _visits_can_be_made(view: RowView) -> None:
    """Each day's calls fit in the day and can be made one after another, each within its
    start window (``optimiser.data.visit_days``)."""
    visits = view.values.get("visits")
    for bad in impossible_days(visits or ()):
        view.add("visits", bad.message)


def _active_has_provider(view: RowView) -> None:
    """An active package names its current provider."""
    if (
        view.values.get("status") is PackageStatus.ACTIVE
        and view.values.get("current_provider") is None
        and is_missing(view.cells.get("current_provider"))
    ):
        view.add("current_provider", "missing value: an active package needs its current provider")


def _capacity_within_workers(view: RowView) -> None:
    """A provider's capacity is at most a full week for each of its care workers."""
    capacity, workers = view.values.get("capacity_hours"), view.values.get("care_workers")
    if capacity is not None and workers is not None and capacity > MAX_WEEKLY_HOURS * workers:
        view.add(
            "capacity_hours",
            f"capacity_hours {capacity:g} is more than {MAX_WEEKLY_HOURS:g} h a week for each "
            f"of the {workers} care workers",
        )


def _zone_has_geometry(view: RowView) -> None:
    """A zone feature has a polygon."""
    if view.geometry is None:
        view.add(
            "geometry",
            f"zone '{view.values.get('zone_id')}' has an empty or missing geometry: "
            f"expected a polygon",
        )


# -- the tables ----------------------------------------------------------------------------------

PACKAGES = TableSchema(
    "packages",
    (
        Column("package_id", Kind.TEXT, required=True, needed=True, unique=True, key=normalise_id),
        replace(LAT, location=True),
        replace(LON, location=True),
        Column(
            "weekly_hours",
            Kind.NUMBER,
            required=True,
            needed=True,
            what=f"weekly contact hours in (0, {MAX_WEEKLY_HOURS:g}] (hours in a week)",
            lo=0.0,
            hi=MAX_WEEKLY_HOURS,
            lo_open=True,
        ),
        Column(
            "visits",
            Kind.VISITS,
            required=True,
            needed=True,
            what=f"a weekly pattern such as {VISITS_EXAMPLE}",
            then=(_hours_match_visits, _visits_can_be_made),
        ),
        Column("needs", Kind.TAGS, default=frozenset()),
        Column("status", Kind.CHOICE, enum=PackageStatus, default=PackageStatus.WAITING),
        Column(
            "days_waiting",
            Kind.INTEGER,
            what=f"days on the waiting list, 0-{MAX_DAYS_WAITING}",
            lo=0,
            hi=MAX_DAYS_WAITING,
            default=0,
        ),
        Column("priority", Kind.CHOICE, enum=Priority, default=Priority.COMMUNITY),
        Column("current_provider", Kind.ID, then=(_active_has_provider,)),
        Column("zone_id", Kind.ID),
        Column("area_code", Kind.TEXT),
        Column("placement", Kind.TEXT, default=""),
        POSTCODE,
    ),
)

PROVIDERS = TableSchema(
    "providers",
    (
        Column("provider_id", Kind.ID, required=True, needed=True, unique=True, key=normalise_id),
        Column("name", Kind.TEXT),
        replace(LAT, location=True),
        replace(LON, location=True),
        Column(
            "capacity_hours",
            Kind.NUMBER,
            required=True,
            needed=True,
            what="weekly carer-hours of capacity, >= 0",
            lo=0.0,
        ),
        Column(
            "care_workers",
            Kind.INTEGER,
            required=True,
            needed=True,
            what="a number of care workers, 0-100000",
            lo=0,
            hi=100_000,
            then=(_capacity_within_workers,),
        ),
        Column(
            "price_gbp_per_hour",
            Kind.NUMBER,
            required=True,
            needed=True,
            what=f"an hourly price in GBP, in (0, {MAX_GBP_PER_HOUR:g}]",
            lo=0.0,
            hi=MAX_GBP_PER_HOUR,
            lo_open=True,
        ),
        Column(
            "pay_gbp_per_hour",
            Kind.NUMBER,
            required=True,
            needed=True,
            what=f"an hourly care worker pay in GBP, in (0, {MAX_GBP_PER_HOUR:g}]",
            lo=0.0,
            hi=MAX_GBP_PER_HOUR,
            lo_open=True,
        ),
        Column("travel_paid", Kind.BOOLEAN, default=True),
        Column(
            "mileage_gbp_per_mile",
            Kind.NUMBER,
            what=f"a mileage rate in GBP per mile, 0-{MAX_GBP_PER_MILE:g}",
            lo=0.0,
            hi=MAX_GBP_PER_MILE,
            default=0.45,
        ),
        Column("skills", Kind.TAGS, default=frozenset()),
        POSTCODE,
    ),
    retired={
        "zones": "the zones a provider leads are set in the zones table's lead_providers "
        "column; move the ids there and delete this column",
    },
)

#: The zone-to-area table (one row per area). Blank name, kind (after the first row),
#: lead_providers and rate_uplift_pct read as None: "as on the zone's other rows".
ZONE_AREAS = TableSchema(
    "zones",
    (
        Column("zone_id", Kind.ID, required=True, needed=True),
        Column("name", Kind.TEXT),
        Column("kind", Kind.CHOICE, required=True, enum=ZoneKind),
        Column("area_code", Kind.TEXT, required=True, needed=True),
        Column("lead_providers", Kind.ID_LIST),
        RATE_UPLIFT,
    ),
)

#: Zone polygons (one feature per zone).
ZONE_GEO = TableSchema(
    "zones",
    (
        Column("zone_id", Kind.ID, required=True, needed=True, unique=True, key=normalise_id),
        Column("name", Kind.TEXT),
        Column("kind", Kind.CHOICE, required=True, needed=True, enum=ZoneKind),
        Column("lead_providers", Kind.ID_LIST, default=()),
        replace(RATE_UPLIFT, default=0.0),
        Column("area_codes", Kind.ID_LIST, default=(), then=(_zone_has_geometry,)),
    ),
)

POSTCODES = TableSchema(
    "postcodes",
    (
        Column(
            "postcode",
            Kind.TEXT,
            required=True,
            needed=True,
            unique=True,
            key=normalise_postcode,
        ),
        replace(LAT, required=True),
        replace(LON, required=True),
    ),
)

PACKAGE_COLUMNS = PACKAGES.written
PROVIDER_COLUMNS = PROVIDERS.written
ZONE_AREA_COLUMNS = ZONE_AREAS.written
ZONE_GEO_COLUMNS = ZONE_GEO.written
POSTCODE_COLUMNS = POSTCODES.written

"""Readers and writers, checked row by row, for the tables users bring: packages, providers, zones.

Every reader checks every row and raises one :class:`~optimiser.errors.InputError` listing all
problems (file, 1-based data row, column, what was expected); nothing half-loads. Readers accept a
path or a binary buffer with a ``.name`` (a Streamlit ``UploadedFile``), and pick the format from
the file name: ``.csv``, ``.xlsx``, ``.geojson``/``.json`` or ``.gpkg``. Writers pick the format
from the suffix the same way and write atomically (a temporary file in the same folder, then
``os.replace``). Column names are matched case-insensitively, with spaces and hyphens read as
``_``; an unknown column is an error that suggests the closest known name.

Row numbers: ``row 3`` is the 3rd data row (the header does not count). Messages add where that
is in the file: the CSV line (``CSV line 4``: header on line 1) or the Excel sheet row
(``sheet 'packages' row 4``). In GeoJSON/GeoPackage files the row is the feature number.

Packages (one row per package; full reference in ``docs/tables.md``):
    package_id (text, required, unique) | lat, lon (degrees, EPSG:4326) or postcode (looked up in
    a postcode table the caller passes) | weekly_hours (h of contact time, in (0, 168], must equal
    the sum of visit durations within 1%) | visits (weekly pattern, see ``visits_syntax``) |
    needs (``;``-separated) | status (active/waiting, default waiting) | days_waiting (whole days
    >= 0, default 0) | priority (hospital_discharge/community, default community) |
    current_provider (provider id; required when active) | zone_id | area_code | placement.
    In GeoJSON/GeoPackage the point geometry gives lat/lon.
Providers (one row per provider):
    provider_id (required, unique) | name | lat, lon or postcode (or point geometry) |
    capacity_hours (carer-hours a week, >= 0, at most 168 per care worker) | care_workers (>= 0) |
    price_gbp_per_hour | pay_gbp_per_hour (both in (0, 500]) | travel_paid (true/false, default
    true) | mileage_gbp_per_mile (0-5, default 0.45) | skills (``;``-separated). A ``zones`` column
    is no longer read: left blank it is skipped, filled it is a problem (a zone's lead providers
    are set in the zones table).
Zones, zone-to-area table (``.csv``/``.xlsx``, the editable source of truth, one row per area):
    zone_id | name | kind (neighbourhood/rural) | area_code | lead_providers (``;``-separated) |
    rate_uplift_pct (-50..200, default 0). Blank name, lead_providers or rate_uplift_pct cells
    mean "as on the zone's other rows" (kind is needed on its first row); conflicting values are
    errors. Polygons are the union of the areas' geometries when the caller passes
    ``area_geometries``.
Zones, geometry (``.geojson``/``.gpkg``, one feature per zone): zone_id | name | kind |
    lead_providers | rate_uplift_pct | area_codes (``;``-separated) | (Multi)Polygon geometry.
Postcode lookup: postcode | lat | lon (postcodes matched ignoring case and spaces).

Zone geometries are checked for emptiness, validity (shapely ``explain_validity``), plausible
lon/lat coordinates and pairwise overlap (more than ``overlap_tol_m2`` square metres, measured in
the local UTM projection). Cross-table checks live in :func:`validate_references`.

Modules: ``schema`` (every table's columns, in one place), ``raw`` (files to raw tables),
``checker`` (the problem collector and the one row loop every reader shares), ``packages``,
``providers``, ``zones``, ``postcodes`` (the readers), ``references`` (cross-table checks) and
``writers`` (frames, atomic writers, and the one neutraliser of formula-like text that
every export uses).
"""

from __future__ import annotations

from optimiser.data.tables.cells import normalise_postcode, normalise_token
from optimiser.data.tables.packages import packages_from_frame, read_packages
from optimiser.data.tables.postcodes import (
    PostcodeLookup,
    postcode_lookup_from_frame,
    read_postcode_lookup,
)
from optimiser.data.tables.providers import providers_from_frame, read_providers
from optimiser.data.tables.raw import PathOrBuffer
from optimiser.data.tables.references import reference_problems, validate_references
from optimiser.data.tables.schema import (
    PACKAGE_COLUMNS,
    POSTCODE_COLUMNS,
    PROVIDER_COLUMNS,
    ZONE_AREA_COLUMNS,
    ZONE_GEO_COLUMNS,
)
from optimiser.data.tables.writers import (
    csv_text,
    packages_to_frame,
    providers_to_frame,
    safe_frame,
    safe_text,
    write_csv,
    write_packages,
    write_providers,
    write_zones,
    zones_to_frame,
    zones_to_geoframe,
)
from optimiser.data.tables.zones import (
    read_zone_table,
    read_zones,
    zone_geometry_problems,
    zones_from_frame,
    zones_from_geoframe,
    zones_from_table,
)

__all__ = [
    "PACKAGE_COLUMNS",
    "POSTCODE_COLUMNS",
    "PROVIDER_COLUMNS",
    "ZONE_AREA_COLUMNS",
    "ZONE_GEO_COLUMNS",
    "PathOrBuffer",
    "PostcodeLookup",
    "csv_text",
    "normalise_postcode",
    "normalise_token",
    "packages_from_frame",
    "packages_to_frame",
    "postcode_lookup_from_frame",
    "providers_from_frame",
    "providers_to_frame",
    "read_packages",
    "read_postcode_lookup",
    "read_providers",
    "read_zone_table",
    "read_zones",
    "reference_problems",
    "safe_frame",
    "safe_text",
    "validate_references",
    "write_csv",
    "write_packages",
    "write_providers",
    "write_zones",
    "zone_geometry_problems",
    "zones_from_frame",
    "zones_from_geoframe",
    "zones_from_table",
    "zones_to_frame",
    "zones_to_geoframe",
]

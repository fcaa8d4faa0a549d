"""Tests for the table readers and writers: bad-input corpus, round trips, buffers, atomicity."""

from __future__ import annotations

import io
import os
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from optimiser.data import tables
from optimiser.data.domain import (
    CallType,
    Package,
    PackageStatus,
    Priority,
    Visit,
)
from optimiser.data.tables import (
    packages_from_frame,
    packages_to_frame,
    read_packages,
    read_postcode_lookup,
    read_providers,
    read_zones,
    reference_problems,
    validate_references,
    write_packages,
    write_providers,
    write_zones,
    zones_to_frame,
)
from optimiser.data.tables.writers import text_frame
from optimiser.data.visit_days import impossible_days
from optimiser.data.visits_syntax import canonical_visits
from optimiser.errors import InputError

GOOD = Path(__file__).resolve().parents[1] / "data" / "good"
BAD = Path(__file__).resolve().parents[1] / "data" / "bad"

#: Four quarter-squares that tile the two good zones (Z1 = A1 + A2 west, Z2 = A3 + A4 east).
AREAS = {
    "A1": box(-0.75, 52.65, -0.70, 52.675),
    "A2": box(-0.75, 52.675, -0.70, 52.70),
    "A3": box(-0.70, 52.65, -0.65, 52.675),
    "A4": box(-0.70, 52.675, -0.65, 52.70),
}
FORMATS = ["csv", "xlsx", "geojson", "gpkg"]


def _lookup() -> dict[str, tuple[float, float]]:
    return read_postcode_lookup(GOOD / "postcodes.csv")


def _read_any(path: Path) -> object:
    """Read a corpus file with the reader its name prefix names."""
    name = path.name
    if name.startswith("packages"):
        return read_packages(path, postcode_lookup=_lookup())
    if name.startswith("providers"):
        return read_providers(path)
    if name.startswith("zones"):
        return read_zones(path, area_geometries=AREAS)
    if name.startswith("postcodes"):
        return read_postcode_lookup(path)
    raise AssertionError(f"no reader for {name}")


# Each case: corpus file, then the (row, field, message fragment) of every problem expected.
BAD_CASES = [
    # a required column is absent: reported once for the file, not on every row
    ("packages_missing_column.csv", [(None, "weekly_hours", "missing required column")]),
    # a misspelt header: the unknown name gets a suggestion, the missing one a hint
    (
        "packages_misspelt_column.csv",
        [
            (None, "weekly_hrs", "did you mean 'weekly_hours'?"),
            (None, "weekly_hours", "is 'weekly_hrs' a misspelling of it?"),
        ],
    ),
    # text where a number is needed, and a fraction where a whole number is needed
    (
        "packages_wrong_type.csv",
        [
            (2, "weekly_hours", "got 'ten' (CSV line 3)"),
            (2, "days_waiting", "(a whole number), got '3.5'"),
        ],
    ),
    ("packages_negative_hours.csv", [(1, "weekly_hours", "in (0, 168]")]),
    # more hours than a week has, and more call time on each day than the day has
    (
        "packages_absurd_hours.csv",
        [
            (1, "weekly_hours", "got '200'"),
            (1, "visits", "calls on mon, tue, wed, thu, fri, sat, sun add up to 1710 min"),
        ],
    ),
    # 5 x 30 min is 2.5 h of contact time: double-handed calls do not double it
    (
        "packages_hours_mismatch.csv",
        [(2, "weekly_hours", "weekly_hours is 10 but the visits add up to 2.50 h")],
    ),
    ("packages_bad_visits.csv", [(1, "visits", "unknown call type 'brunch'")]),
    # two calls whose windows and durations cannot be sequenced; row 2 is tight but possible
    (
        "packages_overlapping_calls.csv",
        [(1, "visits", "calls on mon, tue, wed, thu, fri, sat, sun overlap: the 2 calls")],
    ),
    # ids that print the same: a zero-width space, full-width letters (NFKC), no-break spaces
    (
        "packages_lookalike_ids.csv",
        [
            (2, "package_id", "'PK1\\u200b' here and 'PK1' on row 1 look the same"),
            (3, "package_id", "'\\uff30\\uff2b\\uff11' here and 'PK1' on row 1 look the same"),
        ],
    ),
    (
        "providers_lookalike_ids.csv",
        [(3, "provider_id", "'PR\\xa0 1' here and 'PR\\xa01' on row 2 look the same")],
    ),
    # merged status/current_provider cells would make rows 2 and 3 waiting: refused
    (
        "packages_merged_cells.xlsx",
        [(None, None, "sheet 'packages' has merged cells (F2:F4, G2:G4)")],
    ),
    (
        "packages_duplicate_id.csv",
        [(3, "package_id", "duplicate package_id 'PK1' (first on row 1)")],
    ),
    (
        "packages_bad_latlon.csv",
        [(1, "lat", "latitude in degrees, got '95'"), (2, "lon", "missing value")],
    ),
    ("packages_missing_location.csv", [(None, "lat", "expected 'lat' and 'lon', or 'postcode'")]),
    ("packages_unknown_postcode.csv", [(2, "postcode", "'ZZ1 1ZZ' is not in the postcode lookup")]),
    (
        "packages_active_without_provider.csv",
        [(1, "current_provider", "an active package needs its current provider")],
    ),
    # a misspelt status gets a suggestion; 'hospital discharge' with a space is accepted
    (
        "packages_bad_choice.csv",
        [(1, "status", "did you mean 'waiting'?"), (2, "priority", "got 'urgent'")],
    ),
    ("packages_empty.csv", [(None, None, "the file is empty")]),
    ("packages_unknown_type.txt", [(None, None, "unknown file type '.txt'")]),
    # every problem of the file in one error, each with its own row and CSV line
    (
        "packages_many_errors.csv",
        [
            (2, "package_id", "missing value: expected text (CSV line 3)"),
            (3, "weekly_hours", "visits add up to 2.50 h"),
            (3, "days_waiting", "got '-1'"),
            (4, "lon", "got 'east'"),
            (5, "visits", "missing value"),
        ],
    ),
    ("packages_not_point.geojson", [(2, "geometry", "expected a point, got a Polygon")]),
    (
        "postcodes_duplicate.csv",
        [(2, "postcode", "duplicate postcode 'LE156AA'"), (3, "lat", "got 'north'")],
    ),
    (
        "providers_absurd_capacity.csv",
        [(1, "capacity_hours", "more than 168 h a week for each of the 10 care workers")],
    ),
    ("providers_bad_bool.csv", [(1, "travel_paid", "expected true or false")]),
    (
        "providers_negative_price.csv",
        [
            (1, "price_gbp_per_hour", "got '-24.1'"),
            (1, "pay_gbp_per_hour", "got '0'"),
            (1, "mileage_gbp_per_mile", "got '-0.45'"),
        ],
    ),
    ("providers_missing_column.csv", [(None, "care_workers", "missing required column")]),
    # a filled 'zones' column (no longer read: a zone's lead providers are set in the zones
    # table) is one problem for the file, naming the rows that would otherwise be dropped
    (
        "providers_retired_zones.csv",
        [(None, "zones", "column 'zones' is no longer read (filled on row 1): the zones a")],
    ),
    (
        "providers_bad_ids.csv",
        [
            (2, "provider_id", "without ';'"),
            (2, "care_workers", "(a whole number), got '10.5'"),
        ],
    ),
    # one area in two zones: named both as a duplicate area and as a polygon overlap
    (
        "zones_areas_duplicate_area.csv",
        [
            (2, "area_code", "area 'A1' of zone 'Z2' is already in zone 'Z1' (row 1)"),
            (2, "geometry", "zones 'Z1' and 'Z2' overlap"),
        ],
    ),
    (
        "zones_areas_conflicting.csv",
        [
            (2, "kind", "has kind 'rural' here but 'neighbourhood' on its first row"),
            (2, "lead_providers", "'PR2' here but 'PR1'"),
            (2, "rate_uplift_pct", "on its first row"),
        ],
    ),
    ("zones_areas_lead_listed_twice.csv", [(1, "lead_providers", "'PR1' is listed twice")]),
    ("zones_areas_unknown_area.csv", [(2, "area_code", "'A9' is not among the 4 area boundaries")]),
    (
        "zones_areas_bad_values.csv",
        [(1, "kind", "got 'urban'"), (2, "rate_uplift_pct", "got '500'")],
    ),
    ("zones_overlapping.geojson", [(2, "geometry", "zones 'Z1' and 'Z2' overlap by")]),
    ("zones_invalid_polygon.geojson", [(1, "geometry", "invalid polygon: Self-intersection")]),
    (
        "zones_empty_geometry.geojson",
        [(2, "geometry", "zone 'Z2' has an empty or missing geometry")],
    ),
    ("zones_not_polygon.geojson", [(1, "geometry", "is a LineString: expected a polygon")]),
    # British National Grid coordinates in a file that claims lon/lat
    ("zones_projected.geojson", [(1, "geometry", "outside lon/lat range")]),
]


@pytest.mark.parametrize(("name", "expected"), BAD_CASES, ids=[c[0] for c in BAD_CASES])
def test_bad_corpus_reports_every_problem(name: str, expected: list[tuple]) -> None:
    """Each broken file raises one InputError whose problems are exactly the expected ones."""
    with pytest.raises(InputError) as info:
        _read_any(BAD / name)
    problems = info.value.problems
    assert len(problems) == len(expected), "\n".join(map(str, problems))
    for problem, (row, fld, fragment) in zip(problems, expected, strict=True):
        assert problem.source == name
        assert problem.row == row, str(problem)
        assert problem.field == fld, str(problem)
        assert fragment in problem.message, str(problem)


def test_every_corpus_file_has_a_case() -> None:
    """No file in tests/data/bad goes untested (refs_* are covered by the reference tests)."""
    covered = {c[0] for c in BAD_CASES}
    files = {p.name for p in BAD.iterdir() if not p.name.startswith("refs_")}
    assert files == covered


def test_reference_problems_name_every_broken_link() -> None:
    """Unknown providers, zones and lead providers, and points outside all zones, are all named."""
    packages = read_packages(BAD / "refs_packages.csv")
    providers = read_providers(BAD / "refs_providers.csv")
    zones = read_zones(BAD / "refs_zones_areas.csv", area_geometries=AREAS)
    problems = reference_problems(packages, providers, zones)
    text = [str(p) for p in problems]
    assert len(problems) == 4, text
    assert any(
        "package 'PK1': current provider 'PR9'" in t and "did you mean 'PR1'" in t for t in text
    )
    assert any("package 'PK2': zone 'Z3' is not in the zones table" in t for t in text)
    assert any("zone 'Z1': lead provider 'PR5'" in t for t in text)
    assert any("package 'PK2'" in t and "outside every zone" in t for t in text)
    with pytest.raises(InputError) as info:
        validate_references(packages, providers, zones)
    assert len(info.value.problems) == 4


def test_good_tables_load_and_link() -> None:
    """The good fixtures load, agree with each other, and carry what the files say."""
    packages = read_packages(GOOD / "packages.csv")
    providers = read_providers(GOOD / "providers.csv")
    zones = read_zones(GOOD / "zones_areas.csv", area_geometries=AREAS)
    validate_references(packages, providers, zones)
    pk2 = packages[1]
    assert pk2.priority is Priority.HOSPITAL_DISCHARGE and pk2.days_waiting == 12
    assert pk2.carer_hours == pytest.approx(17.5)  # morning calls are double-handed
    assert packages[2].needs == frozenset({"language_polish", "end_of_life"})
    assert providers[1].skills == frozenset({"language_polish"}) and not providers[1].travel_paid
    # the later rows of a zone inherit its blank name, kind and leads
    assert zones[0].area_codes == ("A1", "A2") and zones[0].lead_providers == ("PR1",)
    assert zones[0].geometry.equals(box(-0.75, 52.65, -0.70, 52.70))
    assert zones[1].rate_uplift_pct == 10.0


def test_blank_retired_zones_column_is_skipped(tmp_path: Path) -> None:
    """A providers file from an older version, with an empty 'zones' column, still reads."""
    text = (GOOD / "providers.csv").read_text().splitlines()
    old = [text[0] + ",zones", *(line + "," for line in text[1:])]
    (tmp_path / "providers.csv").write_text("\n".join(old) + "\n")
    assert read_providers(tmp_path / "providers.csv") == read_providers(GOOD / "providers.csv")


def test_zone_area_table_without_geometries_has_no_polygons() -> None:
    """Without area boundaries the zone-to-area table still loads; zones just lack geometry."""
    zones = read_zones(GOOD / "zones_areas.csv")
    assert [z.geometry for z in zones] == [None, None]


def test_postcodes_resolve_locations() -> None:
    """Rows with blank lat/lon take their position from the lookup, ignoring case and spaces."""
    packages = read_packages(GOOD / "packages_postcode.csv", postcode_lookup=_lookup())
    assert (packages[0].lat, packages[0].lon) == (52.671, -0.731)
    assert (packages[2].lat, packages[2].lon) == (52.66, -0.70)


def test_postcode_lookup_may_be_a_file() -> None:
    """The lookup may be given as the postcode table's path (as a scenario config names it)."""
    by_path = read_packages(GOOD / "packages_postcode.csv", postcode_lookup=GOOD / "postcodes.csv")
    assert by_path == read_packages(GOOD / "packages_postcode.csv", postcode_lookup=_lookup())


def test_postcodes_without_lookup_are_a_problem() -> None:
    """A postcode row read without a lookup table says that a lookup is needed."""
    with pytest.raises(InputError) as info:
        read_packages(GOOD / "packages_postcode.csv")
    assert [p.row for p in info.value.problems] == [1, 2]
    assert "no postcode lookup table" in info.value.problems[0].message


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip_every_format(tmp_path: Path, fmt: str) -> None:
    """Writing then reading packages, providers and zones gives back equal records."""
    packages = read_packages(GOOD / "packages.csv")
    providers = read_providers(GOOD / "providers.csv")
    zones = read_zones(GOOD / "zones.geojson")
    assert read_packages(write_packages(packages, tmp_path / f"p.{fmt}")) == packages
    assert read_providers(write_providers(providers, tmp_path / f"r.{fmt}")) == providers
    back = read_zones(write_zones(zones, tmp_path / f"z.{fmt}"), area_geometries=AREAS)
    for a, b in zip(back, zones, strict=True):
        assert (a.zone_id, a.name, a.kind, a.area_codes) == (
            b.zone_id,
            b.name,
            b.kind,
            b.area_codes,
        )
        assert (a.lead_providers, a.rate_uplift_pct) == (b.lead_providers, b.rate_uplift_pct)
        assert a.geometry.equals(b.geometry)
    assert sorted(os.listdir(tmp_path)) == sorted(f"{s}.{fmt}" for s in "prz")


@pytest.mark.parametrize("fmt", FORMATS)
def test_uploaded_buffers_read_without_disk(tmp_path: Path, fmt: str) -> None:
    """A BytesIO with a .name (what Streamlit uploads) reads like the file itself."""
    packages = read_packages(GOOD / "packages.csv")
    path = write_packages(packages, tmp_path / f"p.{fmt}")
    buffer = io.BytesIO(path.read_bytes())
    buffer.name = f"upload.{fmt}"
    assert read_packages(buffer) == packages


def test_excel_problems_name_the_sheet_row(tmp_path: Path) -> None:
    """In a workbook, row 2 of the data is sheet row 3 (the header is row 1)."""
    frame = pd.DataFrame(
        {
            "package_id": ["PK1", "PK2"],
            "lat": [52.67, 52.68],
            "lon": [-0.72, -0.70],
            "weekly_hours": [2.5, "lots"],
            "visits": ["mon-fri morning 30", "mon-fri morning 30"],
        }
    )
    path = tmp_path / "packages.xlsx"
    frame.to_excel(path, sheet_name="packages", index=False)
    with pytest.raises(InputError) as info:
        read_packages(path)
    (problem,) = info.value.problems
    assert problem.row == 2 and "(sheet 'packages' row 3)" in problem.message


def test_excel_text_is_never_a_formula(tmp_path: Path) -> None:
    """A cell starting with '=' is written as text, so it reads back unchanged (no injection)."""
    pkg = replace(read_packages(GOOD / "packages.csv")[0], placement="=HYPERLINK(1)")
    (back,) = read_packages(write_packages([pkg], tmp_path / "p.xlsx"))
    assert back.placement == "=HYPERLINK(1)"


def test_excel_style_csv_encodings(tmp_path: Path) -> None:
    """A CSV saved by Excel as Windows-1252 or UTF-8 with BOM reads like plain UTF-8."""
    text = (GOOD / "providers.csv").read_text().replace("Oakham Care", "Café £ Care")
    (tmp_path / "a.csv").write_bytes(text.encode("cp1252"))
    (tmp_path / "b.csv").write_bytes(text.encode("utf-8-sig"))
    assert read_providers(tmp_path / "a.csv") == read_providers(tmp_path / "b.csv")
    assert read_providers(tmp_path / "a.csv")[0].name == "Café £ Care"


def test_column_names_are_forgiving_about_case_and_spaces() -> None:
    """'Package ID' and 'Weekly-Hours' read as package_id and weekly_hours; blank rows skipped."""
    frame = pd.DataFrame(
        {
            "Package ID": ["PK1", ""],
            " LAT": ["52.67", ""],
            "Lon": ["-0.72", ""],
            "Weekly-Hours": ["2.5", ""],
            "Visits": ["Mon-Fri MORNING 30", ""],
        }
    )
    (pkg,) = packages_from_frame(frame)
    assert pkg.package_id == "PK1" and pkg.weekly_hours == 2.5 and len(pkg.visits) == 5


def test_geodataframe_points_give_locations() -> None:
    """A GeoDataFrame in a projected CRS is converted to lon/lat for the package positions."""
    frame = packages_to_frame(read_packages(GOOD / "packages.csv"))
    gdf = gpd.GeoDataFrame(
        frame.drop(columns=["lat", "lon"]),
        geometry=gpd.points_from_xy(frame["lon"], frame["lat"]),
        crs=4326,
    ).to_crs(27700)
    back = packages_from_frame(gdf)
    assert [p.lat for p in back] == pytest.approx(frame["lat"].tolist())


def test_failed_write_leaves_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """If writing fails half-way, the previous file is untouched and no temporary file remains."""
    path = write_packages(read_packages(GOOD / "packages.csv"), tmp_path / "p.csv")
    before = path.read_bytes()

    def broken(self: pd.DataFrame, target: Path, **_: object) -> None:
        Path(target).write_text("half a fi")
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_csv", broken)
    with pytest.raises(OSError, match="disk full"):
        write_packages(read_packages(GOOD / "packages.csv")[:1], path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["p.csv"]


def test_zone_writer_refuses_what_the_format_cannot_hold(tmp_path: Path) -> None:
    """Zones without polygons cannot go to GeoJSON; zones without areas cannot go to a CSV."""
    zones = read_zones(GOOD / "zones_areas.csv")
    with pytest.raises(InputError, match="zones without geometry"):
        write_zones(zones, tmp_path / "z.geojson")
    with pytest.raises(InputError, match="zones without area codes"):
        write_zones([replace(zones[0], area_codes=())], tmp_path / "z.csv")
    assert os.listdir(tmp_path) == []


def test_zone_rows_fill_blanks_either_way() -> None:
    """A value may sit on any row of a zone; an area listed twice in one zone is named."""
    frame = pd.DataFrame(
        {
            "zone_id": ["Z1", "Z1", "Z1"],
            "kind": ["rural", "", ""],
            "area_code": ["A1", "A2", "A2"],
            "lead_providers": ["", "PR1", ""],
        }
    )
    with pytest.raises(InputError) as info:
        tables.zones_from_frame(frame)
    (problem,) = info.value.problems
    assert (problem.row, problem.field) == (3, "area_code")
    assert "listed twice for zone 'Z1' (first on row 2)" in problem.message
    (zone,) = tables.zones_from_frame(frame.iloc[:2])
    assert zone.lead_providers == ("PR1",) and zone.area_codes == ("A1", "A2")


def test_zone_area_frame_has_one_row_per_area() -> None:
    """zones_to_frame writes every column on every row: one row per (zone, area)."""
    frame = zones_to_frame(read_zones(GOOD / "zones_areas.csv"))
    assert frame["area_code"].tolist() == ["A1", "A2", "A3", "A4"]
    assert frame["name"].tolist() == ["West", "West", "East", "East"]


def test_overlap_tolerance_ignores_slivers() -> None:
    """Zones sharing an edge, or overlapping by less than the tolerance, are accepted."""
    thin = {"A1": box(-0.75, 52.65, -0.70, 52.70), "A3": box(-0.7000001, 52.65, -0.65, 52.70)}
    frame = pd.DataFrame(
        {
            "zone_id": ["Z1", "Z2"],
            "kind": ["rural", "rural"],
            "area_code": ["A1", "A3"],
        }
    )
    zones = tables.zones_from_frame(frame, area_geometries=thin, overlap_tol_m2=100.0)
    assert len(zones) == 2
    with pytest.raises(InputError, match="overlap by"):
        tables.zones_from_frame(frame, area_geometries=thin, overlap_tol_m2=1.0)


# -- property: packages survive the frame round trip -------------------------------------------

_ids = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-_", min_size=1, max_size=8)
_tokens = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12).filter(
    lambda t: t.strip("_") == t
)


@st.composite
def _visits(draw: st.DrawFn) -> tuple[Visit, ...]:
    n = draw(st.integers(1, 6))
    out = []
    for _ in range(n):
        call = draw(st.sampled_from([None, *CallType]))
        explicit = call is None or draw(st.booleans())
        start = draw(st.integers(0, 1439)) if explicit else None
        end = draw(st.integers(start, 1440)) if start is not None else None
        out.append(
            Visit(
                day=draw(st.integers(0, 6)),
                call_type=call,
                duration_min=draw(st.integers(5, 180)),
                carers=draw(st.sampled_from([1, 2])),
                window_start_min=start,
                window_end_min=end,
            )
        )
    # a person gets one call at a time: keep only patterns whose days can all be made
    assume(not impossible_days(out))
    return canonical_visits(out)


@st.composite
def _packages(draw: st.DrawFn) -> list[Package]:
    ids = draw(st.lists(_ids, min_size=1, max_size=4, unique=True))
    out = []
    for pid in ids:
        visits = draw(_visits())
        status = draw(st.sampled_from(list(PackageStatus)))
        current = draw(_ids) if status is PackageStatus.ACTIVE else draw(st.none() | _ids)
        out.append(
            Package(
                package_id=pid,
                lat=draw(st.floats(-90, 90, allow_nan=False)),
                lon=draw(st.floats(-180, 180, allow_nan=False)),
                weekly_hours=sum(v.duration_min for v in visits) / 60.0,
                visits=visits,
                needs=frozenset(draw(st.lists(_tokens, max_size=3))),
                status=status,
                days_waiting=draw(st.integers(0, 3650)),
                priority=draw(st.sampled_from(list(Priority))),
                current_provider=current,
                zone_id=draw(st.none() | _ids),
                area_code=draw(st.none() | _ids),
                placement=draw(st.sampled_from(["", "building", "road edge"])),
            )
        )
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_packages())
def test_packages_frame_round_trip(packages: list[Package]) -> None:
    """packages_from_frame(packages_to_frame(p)) == p, also through the exact text of a CSV."""
    frame = packages_to_frame(packages)
    assert packages_from_frame(frame) == tuple(packages)
    text = text_frame(frame)
    assert packages_from_frame(text) == tuple(packages)


@settings(max_examples=40, deadline=None)
@given(
    st.binary(max_size=300) | st.text(max_size=300).map(str.encode),
    st.sampled_from(["x.csv", "x.xlsx", "x.geojson", "x.gpkg"]),
)
def test_garbage_raises_only_input_error(data: bytes, name: str) -> None:
    """Any bytes at all either load or raise InputError: never another exception."""
    buffer = io.BytesIO(data)
    buffer.name = name
    for reader in (read_packages, read_providers, read_zones):
        buffer.seek(0)
        try:
            reader(buffer)
        except InputError as exc:
            assert exc.problems


_cell = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", "1e999", "nan", "-0", "active", "mon-fri morning 30", "07:00-25:00"]),
    st.floats(allow_nan=True).map(repr),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(_cell, min_size=13, max_size=13), min_size=1, max_size=4))
def test_any_cells_give_records_or_problems(rows: list[list[str]]) -> None:
    """Whatever the cells hold, packages_from_frame returns records or raises InputError."""
    frame = pd.DataFrame(rows, columns=list(tables.PACKAGE_COLUMNS))
    try:
        packages_from_frame(frame)
    except InputError as exc:
        # every problem is on a row, but for a table of only blank rows ("no data rows")
        assert all(p.row is not None or p.message.startswith("no data rows") for p in exc.problems)


def test_zone_leads_are_checked_against_the_providers() -> None:
    """With the provider ids given, an unknown lead is a problem on the row that names it, and
    a list written with ',' is named as such (it used to pass as one odd id)."""
    with pytest.raises(InputError) as info:
        read_zones(BAD / "refs_zones_comma_leads.csv", provider_ids=["PR1", "PR2"])
    (problem,) = info.value.problems
    assert (problem.row, problem.field) == (3, "lead_providers")
    assert "separate ids with ';' (write 'PR1;PR2')" in problem.message
    with pytest.raises(InputError, match="lead provider 'PR1' is not in the providers table"):
        read_zones(GOOD / "zones_areas.csv", provider_ids=["PR2"])
    assert len(read_zones(GOOD / "zones_areas.csv", provider_ids=["PR1", "PR2"])) == 2

"""Own-data areas: packages placed from their locations, zones as tables or polygons, every
problem at once, an overfull provider reported instead of fatal, demo files honoured.

The fixtures are the end-to-end corpus folders (tests/data/e2e/<defect>/): a made-up 3 x 3
grid of streets about 1 km apart, four small areas (A1 SW, A2 NW, A3 SE, A4 NE), zones Z1 =
west (lead PR1) and Z2 = east (lead PR2), and a few packages and providers.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from optimiser import service
from optimiser.data import config as cfgmod
from optimiser.data.domain import Package, Visit, Zone, ZoneKind
from optimiser.errors import InputError
from optimiser.service.placement import place_packages
from optimiser.service.zone_table import zone_table_from_polygons

E2E = Path(__file__).resolve().parents[1] / "data" / "e2e"


def _cfg(case: str) -> cfgmod.ScenarioConfig:
    return cfgmod.load_scenario(E2E / case / "scenario.toml")


def _areas() -> gpd.GeoDataFrame:
    cells = {
        "A1": box(-0.72, 52.635, -0.70, 52.65),
        "A2": box(-0.72, 52.65, -0.70, 52.665),
        "A3": box(-0.70, 52.635, -0.68, 52.65),
        "A4": box(-0.70, 52.65, -0.68, 52.665),
    }
    return gpd.GeoDataFrame(
        {"area_code": list(cells), "area_name": list(cells)},
        geometry=list(cells.values()),
        crs="EPSG:4326",
    )


ZONE_TABLE = pd.DataFrame(
    {
        "zone_id": ["Z1", "Z1", "Z2", "Z2"],
        "name": ["West", "West", "East", "East"],
        "kind": ["neighbourhood"] * 4,
        "area_code": ["A1", "A2", "A3", "A4"],
        "lead_providers": ["PR1", "PR1", "PR2", "PR2"],
        "rate_uplift_pct": [0.0] * 4,
    }
)


def _pkg(pid: str, lat: float, lon: float, **kw: object) -> Package:
    visit = Visit(0, None, 60, window_start_min=480, window_end_min=600)
    return Package(pid, lat, lon, 1.0, (visit,), **kw)  # type: ignore[arg-type]


def test_place_packages_derives_codes_and_reports_every_disagreement() -> None:
    """Codes come from the location: a missing code is filled, a stale area code or zone id is
    overruled and named, a home outside every area is named and left without a zone."""
    packages = [
        _pkg("ok", 52.64, -0.71),  # A1, no code given
        _pkg("stale", 52.66, -0.705, area_code="A3", zone_id="Z2"),  # lies in A2 / Z1
        _pkg("away", 52.66, -0.60, area_code="A4"),  # 5 km east of every area
    ]
    placed = place_packages(packages, _areas(), ZONE_TABLE, source="p.csv")
    assert [(p.area_code, p.zone_id) for p in placed.packages] == [
        ("A1", "Z1"),
        ("A2", "Z1"),
        (None, None),
    ]
    outside, area, zone = placed.warnings
    assert "1 package(s) lie outside every zone" in outside and "away (52.66000" in outside
    assert "stale given 'A3', lies in 'A2'" in area and "away given 'A4', lies in None" in area
    assert "stale given 'Z2', lies in 'Z1'" in zone


def test_zone_polygons_without_area_codes_become_the_zone_table() -> None:
    """Hand-drawn polygons (a little off the area edges) give each area to the zone covering
    most of it; listed area_codes are kept; an area no zone covers by a majority is a problem."""
    west = Zone("Z1", "West", ZoneKind.NEIGHBOURHOOD, (), box(-0.7205, 52.634, -0.7002, 52.666))
    east = Zone("Z2", "East", ZoneKind.RURAL, (), box(-0.7002, 52.634, -0.6795, 52.666), ("PR2",))
    table = zone_table_from_polygons([west, east], _areas())
    assert dict(zip(table["area_code"], table["zone_id"], strict=True)) == {
        "A1": "Z1",
        "A2": "Z1",
        "A3": "Z2",
        "A4": "Z2",
    }
    # listed codes win over the polygon: Z2 lists A4 only, so A3 (covered by Z2) is in none
    listed = dataclasses.replace(east, area_codes=("A4",))
    with pytest.raises(InputError, match="area 'A3' is in no zone: no zone polygon covers"):
        zone_table_from_polygons([west, listed], _areas())
    # a polygon covering exactly half of A3 and of A4 is no majority for either
    half = dataclasses.replace(east, geometry=box(-0.70, 52.634, -0.69, 52.666))
    with pytest.raises(InputError) as info:
        zone_table_from_polygons([west, half], _areas())
    assert [p.message.split(":")[0] for p in info.value.problems] == [
        "area 'A3' is in no zone",
        "area 'A4' is in no zone",
    ]


def test_zoned_run_on_packages_without_area_codes_gives_zone_figures() -> None:
    """The defect: a zoned own-data run whose packages carry no area code ran as spot (every
    zone 0 people). Now every package is placed, each zone has its people, and the zone rule
    binds: each placed package is served by its zone's lead."""
    cfg = _cfg("packages_without_area_code_zoned_as_spot")
    area = service.area_for_config(cfg)
    assert {p.package_id: p.zone_id for p in area.packages} == {
        "PK1": "Z1",
        "PK2": "Z1",
        "PK3": "Z2",
        "PK4": "Z2",
    }
    assert area.warnings == ()
    result = service.run_scenario(area, cfg.scenario)
    assert result.by_zone.set_index("zone_id")["people"].to_dict() == {"Z1": 2, "Z2": 2}
    served = result.assignments.set_index("package_id")["provider_id"].to_dict()
    assert served == {"PK1": "PR1", "PK2": "PR1", "PK3": "PR2", "PK4": "PR2"}
    assert "warnings" not in result.summary


def test_warnings_reach_the_result_and_its_summary_text() -> None:
    """A stale area code is reported in the summary, its text (CLI and web app) and the meta."""
    cfg = _cfg("area_code_contradicts_location")
    result = service.run_config(E2E / "area_code_contradicts_location" / "scenario.toml")
    (warning,) = result.summary["warnings"]
    assert "PK2 given 'A3', lies in 'A2'" in warning
    assert result.meta["warnings"] == [warning]
    assert "warnings (1):" in result.summary_text() and warning in result.summary_text()
    assert cfg.scenario.zone_policy.rule.value == "zoned"


def test_every_problem_of_every_own_file_is_listed_at_once(tmp_path: Path) -> None:
    """A bad lead in the zones file and a bad row in the packages file come out together."""
    case = E2E / "lead_provider_unknown"
    for name in ("roads.osm", "areas.geojson", "providers.csv", "zones.csv", "scenario.toml"):
        (tmp_path / name).write_bytes((case / name).read_bytes())
    packages = (case / "packages.csv").read_text().replace("5.25,mon-sun", "5.5,mon-sun")
    (tmp_path / "packages.csv").write_text(packages)
    with pytest.raises(InputError) as info:
        service.area_for_config(cfgmod.load_scenario(tmp_path / "scenario.toml"))
    fields = {(p.source, p.field) for p in info.value.problems}
    assert fields == {("packages.csv", "weekly_hours"), ("zones.csv", "lead_providers")}


def test_an_overfull_provider_is_reported_and_the_run_goes_on() -> None:
    """PR1's current clients (5 x 10.5 h) exceed its 40 h: the run no longer aborts; C4 and
    C5 lose PR1 (named in the warning), and the checker-approved result places them with PR2
    or leaves them unmet with the reason."""
    result = service.run_config(E2E / "provider_below_current_load" / "scenario.toml")
    (warning,) = result.summary["warnings"]
    assert "provider 'PR1' is" in warning and warning.endswith("C4, C5")
    moved = result.assignments.set_index("package_id").loc[["C4", "C5"]]
    for row in moved.itertuples():
        assert row.provider_id == "PR2" or row.reason == "current_provider_full"


def test_demo_honours_a_packages_file_and_places_it() -> None:
    """In demo mode a packages file replaces the generated people (it used to be ignored),
    placed in the demo's small areas from the locations; the generated providers stay."""
    cfg = _cfg("demo_packages_file_ignored")
    area = service.area_for_config(cfg)
    assert [p.package_id for p in area.packages] == ["U1", "U2", "U3", "U4"]
    assert all(p.area_code and p.area_code.startswith("E0") for p in area.packages)
    assert len(area.providers) == 8
    assert any("U2 given 'E01013787'" in w for w in area.warnings)


def test_demo_with_own_providers_needs_zones_that_name_them() -> None:
    """Own providers with the generated zones: every generated lead is unknown, so the
    combination is refused naming the generated zones and the missing key."""
    with pytest.raises(InputError) as info:
        service.area_for_config(_cfg("demo_providers_file_with_generated_zones"))
    sources = {p.source for p in info.value.problems}
    assert sources == {"generated demo zones (give inputs.zones)"}


def test_zone_upload_checks_leads_against_the_area_providers() -> None:
    """The web app's zone upload refuses a lead provider the area does not have."""
    area = service.area_for_config(_cfg("packages_without_area_code_zoned_as_spot"))
    data = (E2E / "lead_provider_unknown" / "zones.csv").read_bytes()
    with pytest.raises(InputError, match="lead provider 'PR9' is not in the providers table"):
        service.read_zones_upload(data, "zones.csv", area)

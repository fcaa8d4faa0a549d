"""Zone tools on hand-made zone tables: every edit returns a new, valid table or a clear error."""

from __future__ import annotations

import io

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from optimiser.errors import InputError
from optimiser.service import zone_table as zt

AREAS = gpd.GeoDataFrame(
    {"area_code": ["A1", "A2", "A3", "A4"]},
    geometry=[box(i, 0, i + 1, 1) for i in range(4)],
    crs="EPSG:4326",
)


def _table() -> pd.DataFrame:
    """Two zones of two areas each: a town zone (Z1) and a rural zone with an uplift (Z2)."""
    return pd.DataFrame(
        {
            "zone_id": ["Z1", "Z1", "Z2", "Z2"],
            "name": ["Town", "Town", "Country", "Country"],
            "kind": ["neighbourhood", "neighbourhood", "rural", "rural"],
            "area_code": ["A1", "A2", "A3", "A4"],
            "lead_providers": ["P1", "P1", "P2;P3", "P2;P3"],
            "rate_uplift_pct": [0.0, 0.0, 10.0, 10.0],
        }
    )


def _zone(table: pd.DataFrame, code: str) -> dict:
    return table.set_index("area_code").loc[code].to_dict()


def test_move_areas_moves_several_at_once_with_the_target_attributes() -> None:
    """A multiselect move takes every picked area into the zone, with its leads and uplift."""
    before = _table()
    after = zt.move_areas(before, ["A1", "A2"], "Z2")
    assert set(after["zone_id"]) == {"Z2"}
    assert _zone(after, "A1")["rate_uplift_pct"] == 10.0
    assert _zone(after, "A2")["lead_providers"] == "P2;P3"
    assert before["zone_id"].tolist() == ["Z1", "Z1", "Z2", "Z2"]  # the input is unchanged
    zt.check_zone_table(after, AREAS)


def test_move_areas_names_every_unknown_area() -> None:
    """Two unknown codes give one error naming both; nothing is moved."""
    with pytest.raises(InputError) as err:
        zt.move_areas(_table(), ["A9", "A1", "B7"], "Z2")
    assert len(err.value.problems) == 2
    assert "'A9'" in str(err.value) and "'B7'" in str(err.value)


def test_create_zone_takes_areas_from_their_zones_and_checks_values() -> None:
    """A new zone takes its areas; a zone left empty disappears; the table stays valid."""
    after = zt.create_zone(
        _table(),
        zone_id="Z3",
        name="New",
        kind="rural",
        area_codes=["A1", "A2"],
        lead_providers=["P1"],
        rate_uplift_pct=5,
        known_providers={"P1", "P2", "P3"},
    )
    assert sorted(after["zone_id"].unique()) == ["Z2", "Z3"]
    assert _zone(after, "A1") == {
        "zone_id": "Z3",
        "name": "New",
        "kind": "rural",
        "lead_providers": "P1",
        "rate_uplift_pct": 5.0,
    }
    zt.check_zone_table(after, AREAS)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"zone_id": "Z1"}, "zone_id"),  # already used
        ({"zone_id": " "}, "zone_id"),  # blank
        ({"name": ""}, "name"),
        ({"kind": "urban"}, "kind"),
        ({"rate_uplift_pct": 500}, "rate_uplift_pct"),
        ({"lead_providers": ["PX"]}, "lead_providers"),  # not a provider of the area
        ({"area_codes": []}, "area_code"),
    ],
)
def test_create_zone_refuses_bad_values_naming_the_field(changes: dict, field: str) -> None:
    """Each bad value is an error naming its field."""
    args = {
        "zone_id": "Z3",
        "name": "New",
        "kind": "rural",
        "area_codes": ["A1"],
        "known_providers": {"P1"},
        **changes,
    }
    with pytest.raises(InputError) as err:
        zt.create_zone(_table(), **args)
    assert err.value.problems[0].field == field


def test_rename_delete_and_details_edit_one_zone_only() -> None:
    """Rename keeps the id; delete moves the areas into the chosen zone; details set leads,
    uplift and kind of that zone alone."""
    renamed = zt.rename_zone(_table(), "Z1", "Market town")
    assert set(renamed.loc[renamed["zone_id"] == "Z1", "name"]) == {"Market town"}
    assert set(renamed.loc[renamed["zone_id"] == "Z2", "name"]) == {"Country"}
    deleted = zt.delete_zone(_table(), "Z1", into_zone="Z2")
    assert set(deleted["zone_id"]) == {"Z2"} and len(deleted) == 4
    detailed = zt.set_zone_details(
        _table(), "Z2", lead_providers=["P3"], rate_uplift_pct=15, kind="neighbourhood"
    )
    assert _zone(detailed, "A3")["lead_providers"] == "P3"
    assert _zone(detailed, "A4")["rate_uplift_pct"] == 15.0
    assert _zone(detailed, "A1")["lead_providers"] == "P1"
    with pytest.raises(InputError, match="another zone"):
        zt.delete_zone(_table(), "Z1", into_zone="Z1")
    with pytest.raises(InputError, match="unknown zone 'Z9'"):
        zt.rename_zone(_table(), "Z9", "x")
    with pytest.raises(InputError, match="listed twice"):
        zt.set_zone_details(_table(), "Z1", lead_providers=["P1", "P1"])


def test_zone_table_csv_round_trips_and_neutralises_formulas() -> None:
    """The CSV download reads back to the same table; a formula-like name is made safe."""
    table = zt.rename_zone(_table(), "Z1", "=HYPERLINK(1)")
    back = pd.read_csv(io.BytesIO(zt.zone_table_csv(table)), dtype={"rate_uplift_pct": float})
    assert list(back.columns) == [
        "zone_id",
        "name",
        "kind",
        "area_code",
        "lead_providers",
        "rate_uplift_pct",
    ]
    assert back["area_code"].tolist() == ["A1", "A2", "A3", "A4"]
    assert not back["name"].str.startswith("=").any()


def test_check_zone_table_reports_kind_and_area_problems_together() -> None:
    """A bad kind no longer hides the area problems: both come in one error."""
    table = _table()
    table.loc[0, "kind"] = "urban"
    table.loc[1, "area_code"] = "A9"
    with pytest.raises(InputError) as err:
        zt.check_zone_table(table, AREAS)
    fields = [p.field for p in err.value.problems]
    assert "kind" in fields and fields.count("area_code") == 2  # A9 unknown, A2 in no zone

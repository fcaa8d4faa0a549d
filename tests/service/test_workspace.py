"""Workspace files: zones, scenarios and options round-trip as JSON; bad files list every fault."""

from __future__ import annotations

import json
from types import SimpleNamespace

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from optimiser.errors import InputError
from optimiser.service import workspace as ws

#: A stand-in area: the reader needs only its name and small areas.
AREA = SimpleNamespace(
    name="Testshire",
    areas=gpd.GeoDataFrame(
        {"area_code": ["A1", "A2"]}, geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs="EPSG:4326"
    ),
)
TABLE = pd.DataFrame(
    {
        "zone_id": ["Z1", "Z2"],
        "name": ["Town", "Country"],
        "kind": ["neighbourhood", "rural"],
        "area_code": ["A1", "A2"],
        "lead_providers": ["P1", "P2;P3"],
        "rate_uplift_pct": [0.0, 10.0],
    }
)


def _workspace() -> ws.Workspace:
    summary = {"unmet_hours": 3.5, "gap": float("nan"), "baseline": {"unmet_hours": 4.0}}
    run = ws.SavedRun("zoned, 2 zones", "zoned", "estimate", 2, summary)
    return ws.Workspace("Testshire", TABLE, "edited", (run,), {"rule": "spot"})


def test_workspace_round_trips_through_json() -> None:
    """Saved and read back: the same zone table, scenario (NaN as null) and options."""
    back = ws.read_workspace(ws.workspace_json(_workspace()), AREA)
    pd.testing.assert_frame_equal(back.zone_table, TABLE, check_dtype=False)
    assert back.zone_source == "edited" and back.options == {"rule": "spot"}
    assert back.scenarios[0].name == "zoned, 2 zones"
    assert back.scenarios[0].summary["baseline"] == {"unmet_hours": 4.0}
    assert back.scenarios[0].summary["gap"] is None


def test_a_bad_workspace_lists_every_problem_at_once() -> None:
    """Wrong version, another area, an unknown key, an unknown area code, a repeated scenario
    name and a bad rule are all reported in one error, each naming its field."""
    document = json.loads(ws.workspace_json(_workspace()))
    document["version"] = 99
    document["area"] = "Elsewhere"
    document["colour"] = "blue"
    document["zones"][1]["area_code"] = "A9"
    document["scenarios"].append(dict(document["scenarios"][0]))
    document["scenarios"].append({**document["scenarios"][0], "name": "x", "rule": "zonal"})
    with pytest.raises(InputError) as err:
        ws.read_workspace(json.dumps(document).encode(), AREA)
    fields = {p.field for p in err.value.problems}
    assert {"version", "area", "colour", "area_code", "name", "rule"} <= fields


def test_a_file_that_is_not_json_is_named_plainly() -> None:
    """A pickle or any non-JSON bytes are refused with one clear message (never unpickled)."""
    with pytest.raises(InputError, match="not a workspace file"):
        ws.read_workspace(b"\x80\x04\x95 not json", AREA)

"""`homecare travel`: one door-to-door trip printed with a RESULT line, bad points named."""

from __future__ import annotations

from pathlib import Path

import pytest

from geodata.network import load_network
from geodata.settings import TravelSettings
from geodata.trips import trip_between
from optimiser import cli

# Oakham and Uppingham place nodes of the Rutland extract (tests/geodata/test_named_trips.py
# reads them from the file and checks this trip's range).
OAKHAM = (52.669935, -0.728462)
UPPINGHAM = (52.588724, -0.723425)


def _run(rutland_pbf: Path, start: tuple[float, float], end: tuple[float, float]) -> int:
    """Run `homecare -q travel` between two points on the Rutland extract."""
    args = ["-q", "travel", "--from", f"{start[0]},{start[1]}", "--to", f"{end[0]},{end[1]}"]
    return cli.main([*args, "--network", str(rutland_pbf)])


def test_travel_command_prints_the_door_to_door_trip(
    rutland_pbf: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`homecare travel` ends with a RESULT line carrying the same minutes and km as the
    geodata trip (the product's door-to-door definition)."""
    assert _run(rutland_pbf, OAKHAM, UPPINGHAM) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    fields = dict(part.split("=") for part in last.removeprefix("RESULT ").split())
    graph = load_network(rutland_pbf)
    trip = trip_between(graph, *OAKHAM, *UPPINGHAM, settings=TravelSettings())
    assert float(fields["minutes"]) == pytest.approx(trip.minutes, abs=0.01)
    assert float(fields["km"]) == pytest.approx(trip.km, abs=0.001)


def test_travel_command_names_a_point_far_from_any_road(
    rutland_pbf: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A point 50 km from Rutland's roads is an input error naming the point, exit code 2."""
    assert _run(rutland_pbf, OAKHAM, (52.2, -0.2)) == 2
    err = capsys.readouterr().err
    assert "point 'to'" in err and "from the nearest road" in err

"""The incremental zone edit: only the touched zones' packages are re-solved, the rest keep
their providers, the merged assignment obeys every rule, and re-solving everything gives the
full run's figures."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from optimiser import service
from optimiser.models.validate import check_assignment
from optimiser.service.scenarios import _instance
from optimiser.service.zone_edit import previous_hint, run_zone_edit, touched_zones
from optimiser.service.zones import rezoned

FIGURES = ("unmet_hours", "placed_hours", "travel_min_per_carer_hour", "weekly_cost_gbp")


@pytest.fixture(scope="module")
def area() -> service.AreaData:
    """The demo area."""
    return service.load_demo_area()


@pytest.fixture(scope="module")
def scenario():
    """The web app's zoned scenario: interactive, deterministic budget, one worker."""
    return service.demo_scenario("zoned", interactive=True)


@pytest.fixture(scope="module")
def first(area, scenario) -> service.ScenarioResult:
    """The app's first run on the demo zones."""
    return service.run_scenario(area, scenario)


def _move(area) -> tuple[pd.DataFrame, str, str, str]:
    """A move of one small area with people from its zone to another zone."""
    table = area.zone_table
    code = next(p.area_code for p in area.packages if p.zone_id is not None)
    here = table.loc[table["area_code"] == code, "zone_id"].iloc[0]
    there = next(z for z in table["zone_id"].unique() if z != here)
    return service.move_area(table, code, there), code, here, there


def _provider_of(result) -> dict[str, str]:
    return dict(
        zip(result.assignments["package_id"], result.assignments["provider_id"], strict=True)
    )


def test_touched_zones_of_a_move_are_its_two_zones(area) -> None:
    """Moving one area touches its old and its new zone, nothing else; no edit touches none."""
    after, _, here, there = _move(area)
    assert touched_zones(area.zone_table, after) == {here, there}
    assert touched_zones(area.zone_table, area.zone_table) == frozenset()


def test_packages_outside_the_touched_zones_keep_their_providers(area, scenario, first) -> None:
    """Every package of an untouched zone keeps its provider (or stays unmet); the merged
    assignment passes the independent checker on the edited zones (capacity included)."""
    after, _, here, there = _move(area)
    result = run_zone_edit(area, scenario, first, area.zone_table, after)
    before_of, after_of = _provider_of(first), _provider_of(result)
    zone_before = dict(
        zip(first.assignments["package_id"], first.assignments["zone_id"], strict=True)
    )
    kept = [
        p.package_id
        for p in rezoned(area, after)[0]
        if p.zone_id not in (here, there) and zone_before[p.package_id] not in (here, there)
    ]
    assert kept and all(after_of[k] == before_of[k] for k in kept)
    packages, zones = rezoned(area, after)
    instance = _instance(area, packages, zones, scenario)
    index = {pid: k for k, pid in enumerate(instance.provider_ids)}
    provider_of = np.array([index.get(after_of[p.package_id], -1) for p in packages])
    assert check_assignment(instance, provider_of) == []


def test_no_edit_changes_no_figure(area, scenario, first) -> None:
    """Re-evaluating the same table re-solves nothing and reports the previous figures."""
    result = run_zone_edit(area, scenario, first, area.zone_table, area.zone_table)
    for key in FIGURES:
        assert result.summary[key] == pytest.approx(first.summary[key])
    assert _provider_of(result) == _provider_of(first)


def test_touching_every_zone_gives_the_full_run(area, scenario, first) -> None:
    """When an edit touches every zone, every package is re-solved with full capacities: the
    same instance and deterministic budget as a full run, so the same figures."""
    after, _, _, _ = _move(area)
    renamed = area.zone_table.assign(zone_id=area.zone_table["zone_id"] + "-old")
    full = service.run_scenario(area, scenario, zone_table=after)
    result = run_zone_edit(area, scenario, first, renamed, after)
    for key in FIGURES:
        assert result.summary[key] == pytest.approx(full.summary[key])


def test_the_same_edit_gives_the_same_figures(area, scenario, first) -> None:
    """The fixed deterministic budget makes an edit repeatable: a KPI delta is the edit."""
    after, _, _, _ = _move(area)
    a = run_zone_edit(area, scenario, first, area.zone_table, after)
    b = run_zone_edit(area, scenario, first, area.zone_table, after)
    assert _provider_of(a) == _provider_of(b)
    for key in FIGURES:
        assert a.summary[key] == b.summary[key]


def test_views_added_later_are_the_views_of_a_run_with_them(area, scenario, first) -> None:
    """A zone edit without the equity and market views (the Zones page) leaves them empty;
    ``add_views`` later builds the very tables a run with them gives."""
    after, _, _, _ = _move(area)
    bare = run_zone_edit(area, scenario, first, area.zone_table, area.zone_table, views=False)
    assert bare.equity.empty and bare.market.empty and bare.market_shares.empty
    full = run_zone_edit(area, scenario, first, area.zone_table, after)
    stripped = dataclasses.replace(
        full, equity=pd.DataFrame(), market=pd.DataFrame(), market_shares=pd.DataFrame()
    )
    added = service.add_views(area, scenario, after, stripped)
    assert not full.equity.empty and not full.market.empty
    pd.testing.assert_frame_equal(added.equity, full.equity)
    pd.testing.assert_frame_equal(added.market, full.market)
    pd.testing.assert_frame_equal(added.market_shares, full.market_shares)
    assert added.summary == full.summary


def _provider_index(instance, result) -> np.ndarray:
    index = {pid: k for k, pid in enumerate(instance.provider_ids)}
    of = _provider_of(result)
    return np.array([index.get(of[p], -1) for p in instance.package_ids], dtype=np.int64)


def test_previous_hint_keeps_allowed_providers_and_fits_capacity(area, scenario, first) -> None:
    """The start from the previous result: a valid assignment is kept as it is; a provider
    whose capacity shrank sheds packages until it fits; a provider that is no longer a
    candidate leaves its package unmet. Every start passes the checker."""
    packages, zones = rezoned(area, area.zone_table)
    instance = _instance(area, packages, zones, scenario)
    provider_of = _provider_index(instance, first)
    assert previous_hint(instance, provider_of).tolist() == provider_of.tolist()

    busiest = int(np.bincount(provider_of[provider_of >= 0]).argmax())
    providers = [
        dataclasses.replace(p, capacity_hours=p.capacity_hours / 2) if k == busiest else p
        for k, p in enumerate(area.providers)
    ]
    smaller = dataclasses.replace(area, providers=providers)
    tight = _instance(smaller, packages, zones, scenario)
    assert check_assignment(tight, provider_of) != []  # the old start overfills it
    hint = previous_hint(tight, provider_of)
    assert hint is not None and check_assignment(tight, hint) == []
    shed = (provider_of == busiest) & (hint < 0)
    assert (
        shed.any() and (hint[provider_of != busiest] == provider_of[provider_of != busiest]).all()
    )

    counts = np.bincount(instance.pair_pkg, minlength=instance.n_packages)
    placed = int(np.flatnonzero((provider_of >= 0) & (counts < instance.n_providers))[0])
    wrong = provider_of.copy()
    allowed = set(instance.pair_prov[instance.pair_pkg == placed].tolist())
    wrong[placed] = next(k for k in range(instance.n_providers) if k not in allowed)
    assert previous_hint(instance, wrong)[placed] == -1


def test_a_move_starts_from_the_previous_assignment_without_the_mip(
    area, scenario, first, monkeypatch
) -> None:
    """The re-solved packages' solve gets their previous providers as its start and leaves
    the stage MIP out; an edit touching every package is solved as a full run is."""
    import optimiser.service.zone_edit as zone_edit

    seen: list[dict] = []
    real = zone_edit.solve_assignment

    def spy(instance, settings, **kwargs):
        seen.append({"n": instance.n_packages, **kwargs})
        return real(instance, settings, **kwargs)

    monkeypatch.setattr(zone_edit, "solve_assignment", spy)
    after, _, _, _ = _move(area)
    run_zone_edit(area, scenario, first, area.zone_table, after)
    (call,) = seen
    assert call["mip"] is False and call["hint"] is not None
    assert call["n"] < len(area.packages)
    seen.clear()
    renamed = area.zone_table.assign(zone_id=area.zone_table["zone_id"] + "-old")
    run_zone_edit(area, scenario, first, renamed, after)
    (call,) = seen
    assert call["n"] == len(area.packages) and "hint" not in call and "mip" not in call

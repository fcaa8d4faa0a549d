"""Tests for the demo demand generator: parameters, pure sampling, and the Rutland demo area."""

from __future__ import annotations

import collections
import tomllib
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geodata.areas import area_of_points
from optimiser.data.domain import CallType, PackageStatus, Priority, ZoneKind
from optimiser.demo.area import DemoArea, build_demo
from optimiser.demo.draws import (
    build_visits,
    choose_current_providers,
    draw_categorical,
    draw_needs,
    draw_visit_plans,
    quota_counts,
    spread_days,
    weekly_hours_of,
)
from optimiser.demo.inputs import DemoInputs, load_demo_inputs
from optimiser.demo.params import DEFAULT_CONFIG, DemandParams, default_params
from optimiser.demo.placement import PLACED_ON_BUILDING, PLACED_ON_ROAD, road_weights
from optimiser.errors import ConfigError, InputError


@pytest.fixture(scope="module")
def params() -> DemandParams:
    """The shipped Rutland parameters (configs/demand_rutland.toml)."""
    return default_params()


# ---- Parameters -------------------------------------------------------------------------------


def _raw() -> dict:
    with DEFAULT_CONFIG.open("rb") as fh:
        return tomllib.load(fh)


def test_default_config_loads(params: DemandParams) -> None:
    """The shipped TOML parses into parameters whose distributions add up to one."""
    assert params.area.name == "Rutland"
    assert sum(params.visits.calls_per_day.values()) == pytest.approx(1.0)
    for lengths in params.visits.call_length_min.values():
        assert set(lengths) <= {15, 30, 45, 60}
    assert set(params.visits.call_patterns[4]) == set(CallType)


def test_config_problems_are_all_named() -> None:
    """An unknown key, a bad call type and shares not adding to one are reported together."""
    raw = _raw()
    raw["visits"]["calls_per_day"] = {"1": 0.5, "2": 0.2}
    raw["visits"]["call_patterns"]["1"] = ["breakfast"]
    raw["waiting"]["typo_share"] = 0.1
    with pytest.raises(ConfigError) as err:
        DemandParams.from_toml_dict(raw)
    text = str(err.value)
    assert "visits.calls_per_day" in text and "add up to 1" in text
    assert "breakfast" in text
    assert "waiting.typo_share" in text


def test_config_missing_section_is_named() -> None:
    """A missing section is named rather than failing later with a KeyError."""
    raw = _raw()
    del raw["waiting"]
    with pytest.raises(ConfigError, match="waiting"):
        DemandParams.from_toml_dict(raw)


# ---- Pure sampling ---------------------------------------------------------------------------


def test_quota_counts_sum_and_stay_within_one() -> None:
    """Quota counts add up to n and sit within one of each exact share."""
    rng = np.random.default_rng(0)
    w = np.array([382, 559, 455, 383, 347.5])
    counts = quota_counts(w, 250, rng)
    assert counts.sum() == 250
    assert np.all(np.abs(counts - w / w.sum() * 250) < 1)


def test_draw_categorical_matches_shares() -> None:
    """Drawn values follow the configured shares to within one item."""
    values = draw_categorical({15: 0.1, 30: 0.7, 45: 0.2}, 1_001, np.random.default_rng(1))
    counts = collections.Counter(values.tolist())
    assert abs(counts[30] - 700.7) <= 1 and abs(counts[15] - 100.1) <= 1


@pytest.mark.parametrize(
    ("days", "offset"),
    [(7, 3), (3, 0), (3, 5), (2, 6), (1, 4)],  # daily, Mon/Wed/Fri-like, twice a week, weekly
)
def test_spread_days(days: int, offset: int) -> None:
    """A package seen k days a week gets k distinct weekdays."""
    out = spread_days(days, offset)
    assert len(out) == days and len(set(out)) == days and all(0 <= d <= 6 for d in out)


def test_visit_plans_match_configured_distributions(params: DemandParams) -> None:
    """On 20,000 draws, calls a day, call lengths, days a week and double-handed shares match."""
    n = 20_000
    v = params.visits
    plans = draw_visit_plans(n, v, params.double_handed.share_of_packages, np.random.default_rng(7))
    for calls, share in v.calls_per_day.items():
        assert np.mean(plans.calls_per_day == calls) == pytest.approx(share, abs=0.005)
    for ct, lengths in v.call_length_min.items():
        for minutes, share in lengths.items():
            assert np.mean(plans.length_min[ct] == minutes) == pytest.approx(share, abs=0.005)
    single = plans.calls_per_day == 1
    for days, share in v.single_call_days_per_week.items():
        assert np.mean(plans.days_per_week[single] == days) == pytest.approx(share, abs=0.01)
    assert (plans.days_per_week[~single] == 7).all()
    assert np.mean(plans.double_handed) == pytest.approx(0.12, abs=0.001)


def test_most_common_call_length_is_30_minutes(params: DemandParams) -> None:
    """Over all visits, 30-minute calls are the most common (docs/sources.md)."""
    plans = draw_visit_plans(2_000, params.visits, 0.1, np.random.default_rng(3))
    weeks = build_visits(plans, params.visits.call_patterns)
    lengths = collections.Counter(v.duration_min for w in weeks for v in w)
    assert lengths.most_common(1)[0][0] == 30


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 30), seed=st.integers(0, 2**32 - 1))
def test_weekly_hours_equal_sum_of_visits(n: int, seed: int) -> None:
    """Property: each package's weekly hours are exactly the sum of its visit durations."""
    p = default_params()
    plans = draw_visit_plans(n, p.visits, 0.5, np.random.default_rng(seed))
    for i, week in enumerate(build_visits(plans, p.visits.call_patterns)):
        assert weekly_hours_of(week) == sum(v.duration_min for v in week) / 60.0
        assert len(week) == plans.calls_per_day[i] * plans.days_per_week[i]
        assert {v.carers for v in week} == {2 if plans.double_handed[i] else 1}


def test_draw_needs_shares() -> None:
    """Each need is given to its share of people (quota), independently of the others."""
    needs = draw_needs(1_000, {"dementia": 0.6, "end_of_life": 0.04}, np.random.default_rng(5))
    assert sum("dementia" in s for s in needs) == 600
    assert sum("end_of_life" in s for s in needs) == 40


def test_choose_providers_respects_capacity_skills_and_leads() -> None:
    """Leads are preferred, skills and capacity respected, and -1 left when nobody fits."""
    pkg_xy = np.array([[0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [50_000.0, 0.0]])
    prov_xy = np.array([[100.0, 0.0], [5_000.0, 0.0]])
    chosen = choose_current_providers(
        pkg_xy,
        ["z", "z", "z", "z"],
        [frozenset(), frozenset({"dementia"}), frozenset(), frozenset()],
        np.array([10.0, 10.0, 10.0, 1.0]),
        np.array([True, True, True, True]),
        prov_xy,
        np.array([15.0, 100.0]),
        [frozenset(), frozenset({"dementia"})],
        {"z": [1]},
        max_office_m=20_000.0,
        order=np.array([0, 1, 2, 3]),
    )
    # 0: lead 1 (not the nearer non-lead); 1: lead 1 has the skill; 2: lead 1 still has room;
    # 3: far away, but lead 1 serves its zone wherever it is.
    assert chosen.tolist() == [1, 1, 1, 1]
    full = choose_current_providers(
        pkg_xy[:3],
        ["z", "z", "z"],
        [frozenset()] * 3,
        np.array([10.0, 10.0, 10.0]),
        np.array([True, True, False]),
        prov_xy,
        np.array([15.0, 5.0]),
        [frozenset(), frozenset()],
        {},
        max_office_m=20_000.0,
        order=np.array([0, 1, 2]),
    )
    # no leads: nearest with room; the second finds no room; the third is not active
    assert full.tolist() == [0, -1, -1]


# ---- The Rutland demo area -------------------------------------------------------------------


@pytest.fixture(scope="module")
def inputs(demo_data: Path, params: DemandParams) -> DemoInputs:
    """Rutland's boundaries, census, deprivation, OSM homes/roads, zone and provider tables."""
    return load_demo_inputs(demo_data, params)


@pytest.fixture(scope="module")
def demo(inputs: DemoInputs, params: DemandParams) -> DemoArea:
    """The real-size demo (seed 0): about 250 people and 3,000 h/week."""
    return build_demo(inputs, params, seed=0)


@pytest.fixture(scope="module")
def big(inputs: DemoInputs, params: DemandParams) -> DemoArea:
    """A scale-4 area (1,000 people) for distribution checks with less noise."""
    return build_demo(inputs, params, seed=11, scale=4)


def test_demo_size_matches_the_config(demo: DemoArea) -> None:
    """Rutland's demo: 250 people, about 3,000 h/week, 6-10 providers, 7 zones, not synthetic."""
    s = demo.summary()
    assert s["people"] == 250
    assert 2_700 <= s["weekly_hours"] <= 3_300
    assert 6 <= s["providers"] <= 10
    assert s["zones"] == 7
    assert s["synthetic"] is False
    assert 0 < s["waiting"] < 0.25 * s["people"]
    assert s["carer_hours"] > s["weekly_hours"]  # double-handed calls count twice
    assert all(p.package_id.startswith("P") for p in demo.packages)


def test_every_package_is_consistent(demo: DemoArea) -> None:
    """Each package has its zone and LSOA from the zone table, a placement and a valid status."""
    zone_of = dict(zip(demo.zone_table.area_code, demo.zone_table.zone_id, strict=True))
    for p in demo.packages:
        assert p.area_code in zone_of and p.zone_id == zone_of[p.area_code]
        assert p.placement in (PLACED_ON_BUILDING, PLACED_ON_ROAD)
        assert p.weekly_hours == sum(v.duration_min for v in p.visits) / 60.0
        if p.status is PackageStatus.ACTIVE:
            assert p.current_provider is not None and p.days_waiting == 0
            assert p.priority is Priority.COMMUNITY
        else:
            assert p.current_provider is None


def test_people_are_placed_inside_their_lsoa(demo: DemoArea) -> None:
    """People's points fall inside the LSOA they were drawn for (road points may touch edges)."""
    lats = [p.lat for p in demo.packages]
    lons = [p.lon for p in demo.packages]
    found = area_of_points(lats, lons, demo.areas)
    same = np.mean([f == p.area_code for f, p in zip(found, demo.packages, strict=True)])
    assert same >= 0.98


def test_placement_follows_mapping_coverage(demo: DemoArea, params: DemandParams) -> None:
    """Well-mapped LSOAs place at buildings, sparse ones on road edges, as recorded per person."""
    rule = dict(zip(demo.areas.area_code, demo.areas.placement, strict=True))
    assert {p.placement for p in demo.packages} == {PLACED_ON_BUILDING, PLACED_ON_ROAD}
    for p in demo.packages:
        assert p.placement == rule[p.area_code]
    sparse = demo.areas[demo.areas.placement == PLACED_ON_ROAD]
    assert (sparse.mapped_home_share < params.placement.min_mapped_home_share).all()


def test_people_follow_65plus_weights(big: DemoArea) -> None:
    """People per LSOA are within one of the need-weighted share of residents aged 65+."""
    a = big.areas
    exact = a.need_weight / a.need_weight.sum() * len(big.packages)
    assert (np.abs(a.people - exact) < 1).all()
    drawn = collections.Counter(p.area_code for p in big.packages)
    assert all(drawn[c] == k for c, k in zip(a.area_code, a.people, strict=True))


def test_generated_statistics_match_config(big: DemoArea, params: DemandParams) -> None:
    """Call lengths, calls a day, double-handed, needs and discharge shares match the config."""
    pk = big.packages
    n = len(pk)
    for ct, lengths in params.visits.call_length_min.items():
        first = [next(v for v in p.visits if v.call_type is ct) for p in pk if _has(p, ct)]
        for minutes, share in lengths.items():
            got = np.mean([v.duration_min == minutes for v in first])
            assert got == pytest.approx(share, abs=0.04), (ct, minutes)
    assert np.mean([p.double_handed for p in pk]) == pytest.approx(
        params.double_handed.share_of_packages, abs=0.002
    )
    for need, share in params.needs.items():
        assert np.mean([need in p.needs for p in pk]) == pytest.approx(share, abs=0.002)
    waiting = [p for p in pk if p.status is PackageStatus.WAITING]
    hospital = np.mean([p.priority is Priority.HOSPITAL_DISCHARGE for p in waiting])
    assert hospital == pytest.approx(params.waiting.hospital_discharge_share, abs=0.01)
    for p in waiting:
        if p.priority is Priority.HOSPITAL_DISCHARGE:
            assert p.days_waiting <= params.waiting.hospital_max_days
    mean_h = sum(p.weekly_hours for p in pk) / n
    assert 10.8 <= mean_h <= 14.0  # docs/sources.md: packages average 10.8-14 h/week


def _has(p, ct: CallType) -> bool:
    return any(v.call_type is ct for v in p.visits)


def test_providers_stay_within_capacity(big: DemoArea, params: DemandParams) -> None:
    """Current providers hold no more carer hours than their capacity allows."""
    load: collections.Counter[str] = collections.Counter()
    for p in big.packages:
        if p.current_provider:
            load[p.current_provider] += p.carer_hours
    for prov in big.providers:
        assert load[prov.provider_id] <= prov.capacity_hours * params.providers.max_utilisation
        assert load[prov.provider_id] > 0


def test_rural_zones_wait_more(big: DemoArea) -> None:
    """Rural zones hold a larger share of the waiting list than of the people."""
    rural = {z.zone_id for z in big.zones if z.kind is ZoneKind.RURAL}
    waiting = [p for p in big.packages if p.status is PackageStatus.WAITING]
    share_waiting = np.mean([p.zone_id in rural for p in waiting])
    assert share_waiting > big.summary()["rural_share"]


def test_zones_and_leads(demo: DemoArea) -> None:
    """3 town and 4 rural zones, each with geometry; some rural zones have a single lead."""
    kinds = collections.Counter(z.kind for z in demo.zones)
    assert kinds == {ZoneKind.NEIGHBOURHOOD: 3, ZoneKind.RURAL: 4}
    assert all(z.geometry is not None and not z.geometry.is_empty for z in demo.zones)
    single = [z for z in demo.zones if z.kind is ZoneKind.RURAL and len(z.lead_providers) == 1]
    assert 1 <= len(single) <= 2
    ids = {p.provider_id for p in demo.providers}
    for z in demo.zones:
        assert set(z.lead_providers) <= ids
    codes = [c for z in demo.zones for c in z.area_codes]
    assert sorted(codes) == sorted(demo.areas.area_code) and len(set(codes)) == 26


def test_deterministic_for_a_seed(inputs: DemoInputs, params: DemandParams, demo: DemoArea) -> None:
    """The same seed gives identical packages and providers; another seed differs."""
    again = build_demo(inputs, params, seed=0)
    assert again.packages == demo.packages and again.providers == demo.providers
    other = build_demo(inputs, params, seed=1)
    assert other.packages != demo.packages


def test_language_needs_come_from_their_own_stream(
    inputs: DemoInputs, params: DemandParams, demo: DemoArea
) -> None:
    """Without the language need every person is drawn exactly as with it (homes, visits,
    other needs): only the language need itself, and who can serve those people now, differ.
    Some people have it (1.2% of 250 by quota: 3), and a provider has the matching skill."""
    assert params.language_needs == {"language_polish": pytest.approx(0.012)}
    without = build_demo(inputs, replace(params, language_needs={}), seed=0)
    with_need = [p for p in demo.packages if "language_polish" in p.needs]
    assert len(with_need) == 3
    assert any("language_polish" in p.skills for p in demo.providers)
    for a, b in zip(demo.packages, without.packages, strict=True):
        assert (a.package_id, a.lat, a.lon, a.visits, a.area_code) == (
            b.package_id,
            b.lat,
            b.lon,
            b.visits,
            b.area_code,
        )
        assert a.needs - {"language_polish"} == b.needs
    for p in with_need:
        if p.current_provider is not None:
            provider = next(v for v in demo.providers if v.provider_id == p.current_provider)
            assert "language_polish" in provider.skills


def test_demo_areas_carry_a_whole_imd_decile(demo: DemoArea) -> None:
    """Every 2021 LSOA has the IMD decile (1-10) of the 2011 LSOA covering most of it; the
    five 2021 LSOAs with no IoD row of their own get one through the spatial join."""
    deciles = demo.areas.set_index("area_code")["imd_decile"]
    assert deciles.notna().all() and deciles.between(1, 10).all()
    assert {"E01035102", "E01035106"} <= set(deciles.index)
    assert deciles["E01013787"] == 6  # its own IoD 2019 row (Rutland 005A)


@settings(
    max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(scale=st.floats(0.04, 0.4), seed=st.integers(0, 1_000))
def test_small_areas_keep_hours_equal_to_visits(
    inputs: DemoInputs, params: DemandParams, scale: float, seed: int
) -> None:
    """Property: at any small scale, weekly hours equal visit durations and counts add up."""
    area = build_demo(inputs, params, seed=seed, scale=scale)
    assert len(area.packages) == round(250 * scale)
    for p in area.packages:
        assert p.weekly_hours == sum(v.duration_min for v in p.visits) / 60.0
    s = area.summary()
    assert s["active"] + s["waiting"] == s["people"]


def test_synthetic_scale_is_labelled(inputs: DemoInputs, params: DemandParams) -> None:
    """scale=40 gives 10,000 packages on the same LSOAs, with synthetic ids, name and providers."""
    area = build_demo(inputs, params, seed=3, scale=40)
    s = area.summary()
    assert s["people"] == 10_000 and s["synthetic"] is True
    assert "synthetic" in area.name
    assert all(p.package_id.startswith("SYN-") for p in area.packages)
    assert all(p.provider_id.startswith("SYN-") for p in area.providers)
    assert 90 <= len(area.providers) <= 110
    base = sum(p.capacity_hours for p in inputs.providers)
    assert s["capacity_hours"] == pytest.approx(40 * base, rel=0.01)
    assert area.areas.synthetic.all()
    # Same distributions at scale: the mean package size stays in the national range.
    assert 10.8 <= s["mean_weekly_hours"] <= 14.0
    lead_ids = {pid for z in area.zones for pid in z.lead_providers}
    assert lead_ids <= {p.provider_id for p in area.providers}


def test_config_change_flows_through(inputs: DemoInputs, params: DemandParams) -> None:
    """Parameters drive the output: no double-handed share gives no double-handed calls."""
    p = replace(params, double_handed=replace(params.double_handed, share_of_packages=0.0))
    area = build_demo(inputs, p, seed=0)
    assert not any(pk.double_handed for pk in area.packages)


def test_zone_summary_adds_up(demo: DemoArea) -> None:
    """The per-zone table sums to the area's totals (people, hours, waiting, residents 65+)."""
    table = demo.zone_summary()
    s = demo.summary()
    assert len(table) == s["zones"]
    assert table.people.sum() == s["people"]
    assert table.waiting.sum() == s["waiting"]
    assert table.weekly_hours.sum() == pytest.approx(s["weekly_hours"], abs=0.5)
    assert table.pop_65plus.sum() == demo.areas.pop_65plus.sum()


def test_areas_without_streets_fall_back_to_buildings(
    inputs: DemoInputs, params: DemandParams
) -> None:
    """A sparse area with no residential streets uses its few homes; with neither, an error."""
    sparse = "E01013799"  # Oakham 003B: 81 mapped homes for about 700 dwellings
    roads = inputs.roads[inputs.roads.area_code != sparse]
    area = build_demo(replace(inputs, roads=roads), params, seed=0)
    rule = dict(zip(area.areas.area_code, area.areas.placement, strict=True))
    assert rule[sparse] == PLACED_ON_BUILDING
    empty = "E01013793"  # Langham 002A: no home outlines at all
    roads = inputs.roads[inputs.roads.area_code != empty]
    with pytest.raises(InputError, match=f"{empty}' has no homes or streets"):
        build_demo(replace(inputs, roads=roads), params, seed=0)


def test_missing_data_files_are_all_named(tmp_path: Path, params: DemandParams) -> None:
    """An empty data dir is reported once, naming each of the five files the demo needs."""
    with pytest.raises(InputError) as err:
        load_demo_inputs(tmp_path, params)
    assert len(err.value.problems) == 5
    assert "rutland-homes.gpkg" in str(err.value)


def test_road_weights_favour_village_streets(params: DemandParams) -> None:
    """Residential streets outweigh lanes; pieces far from any settlement count for a tenth."""
    roads = pd.DataFrame(
        {
            "fclass": ["residential", "unclassified", "residential", "track"],
            "settlement_m": [100.0, 100.0, 5_000.0, 100.0],
        }
    )
    w = road_weights(roads, params.placement)
    assert w[0] == 1.0 and w[1] == pytest.approx(0.3)
    assert w[2] == pytest.approx(params.placement.outside_settlement_weight)
    assert w[3] == 0.0  # a class not configured is never used

"""The equity view on a hand-made area whose breakdowns are worked out by hand below."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from optimiser.equity import EQUITY_COLUMNS, RATE_COLUMNS, equity_table, need_label


def _areas(pop_b1: float | None = 500) -> pd.DataFrame:
    """Two rural areas in IMD decile 2 (200 and 300 aged 65+), a town area in decile 9 (500)
    and an empty town area in decile 5 (100 aged 65+, nobody on the books)."""
    return pd.DataFrame(
        {
            "area_code": ["A1", "A2", "B1", "C1"],
            "area_name": ["Alpha", "Beta", "Gamma", "Delta"],
            "rural": [True, True, False, False],
            "imd_decile": pd.array([2, 2, 9, 5], dtype="Int64"),
            "pop_65plus": pd.array([200, 300, pop_b1, 100], dtype="Int64"),
        }
    )


def _assignments() -> pd.DataFrame:
    """Five people: p2 is double-handed (10 carer-h for 5 contact h) with dementia and a
    language need; p3 (hospital discharge, waited 6 days) and p4 (end of life, waited 20
    days) are left unmet."""
    rows = [
        # id, area, rural, needs, priority, status, days, weekly_h, carer_h, travel, unmet
        ("p1", "A1", True, "dementia", "community", "active", 0, 10.0, 10.0, 60.0, False),
        (
            "p2",
            "A1",
            True,
            "dementia;language_polish",
            "community",
            "active",
            0,
            5.0,
            10.0,
            90.0,
            False,
        ),
        ("p3", "A2", True, "", "hospital_discharge", "waiting", 6, 4.0, 4.0, 0.0, True),
        ("p4", "B1", False, "end_of_life", "community", "waiting", 20, 8.0, 8.0, 0.0, True),
        ("p5", "B1", False, "", "community", "active", 0, 6.0, 6.0, 30.0, False),
    ]
    cols = [
        "package_id",
        "area_code",
        "rural",
        "needs",
        "priority",
        "status",
        "days_waiting",
        "weekly_hours",
        "carer_hours",
        "travel_min_per_week",
        "unmet",
    ]
    return pd.DataFrame(rows, columns=cols)


def _row(table: pd.DataFrame, breakdown: str, key: str) -> pd.Series:
    hit = table[(table["breakdown"] == breakdown) & (table["group_key"] == key)]
    assert len(hit) == 1, (breakdown, key)
    return hit.iloc[0]


def test_everyone_row_adds_up_by_hand() -> None:
    """Everyone: 5 people, 33 h demand, 2 unmet with 12 h (36.36%), waits 6 and 20 days, and
    180 min travel over 26 carer-hours delivered (p2's double-handed hours count twice)."""
    row = _row(equity_table(_assignments(), _areas()), "all", "all")
    assert row["people"] == 5 and row["waiting_people_before_option"] == 2
    assert row["demand_contact_hours_per_week"] == 33.0
    assert row["unmet_people"] == 2 and row["unmet_contact_hours_per_week"] == 12.0
    assert row["unmet_pct_of_group_demand_hours"] == pytest.approx(36.36)
    assert row["unmet_days_waited_mean"] == 13.0 and row["unmet_days_waited_max"] == 20.0
    assert row["carer_hours_delivered_per_week"] == 26.0
    assert row["travel_min_per_carer_hour"] == pytest.approx(180 / 26, abs=1e-3)


def test_rates_are_per_1000_residents_aged_65_plus_of_the_groups_areas() -> None:
    """Denominators are the 65+ residents of every area in the group, empty areas included:
    everyone 1,100 (5 people -> 4.545 per 1,000), rural 500 (3 people -> 6.0; 1 unmet with
    4 h -> 2.0 and 8.0), town 600 (B1 500 + C1 100: 2 people -> 3.333, 8 h -> 13.333), the
    empty decile-5 area 100 (0 per 1,000), area A1 200 (2 people -> 10.0)."""
    table = equity_table(_assignments(), _areas())
    everyone = _row(table, "all", "all")
    assert everyone["pop_65plus_census2021"] == 1100
    assert everyone["people_per_1000_aged_65plus"] == pytest.approx(4.545, abs=1e-3)
    assert everyone["unmet_contact_hours_per_1000_aged_65plus"] == pytest.approx(10.909, abs=1e-3)
    rural = _row(table, "rurality", "rural")
    assert rural["pop_65plus_census2021"] == 500
    assert rural["people_per_1000_aged_65plus"] == pytest.approx(6.0)
    assert rural["unmet_people_per_1000_aged_65plus"] == pytest.approx(2.0)
    assert rural["unmet_contact_hours_per_1000_aged_65plus"] == pytest.approx(8.0)
    town = _row(table, "rurality", "town")
    assert town["pop_65plus_census2021"] == 600
    assert town["people_per_1000_aged_65plus"] == pytest.approx(3.333, abs=1e-3)
    assert town["unmet_contact_hours_per_1000_aged_65plus"] == pytest.approx(13.333, abs=1e-3)
    empty = _row(table, "imd_decile", "5")
    assert empty["people"] == 0 and empty["pop_65plus_census2021"] == 100
    assert empty["people_per_1000_aged_65plus"] == 0.0
    assert np.isnan(empty["travel_min_per_carer_hour"])
    assert _row(table, "area", "A1")["people_per_1000_aged_65plus"] == pytest.approx(10.0)
    assert _row(table, "area", "C1")["group"] == "Delta (C1)"


def test_deprivation_need_and_discharge_breakdowns_by_hand() -> None:
    """Decile 2 is the two rural areas; p2 counts under dementia, the language need and
    double-handed care; people with no need and single-handed care are p3 and p5; need and
    discharge rows carry no census rate (a person, not a small area, is the unit)."""
    table = equity_table(_assignments(), _areas())
    decile2 = _row(table, "imd_decile", "2")
    assert decile2["people"] == 3 and decile2["unmet_contact_hours_per_week"] == 4.0
    assert decile2["group"] == "IMD decile 2"
    dementia = _row(table, "need", "dementia")
    assert dementia["people"] == 2 and dementia["unmet_people"] == 0
    assert dementia["travel_min_per_carer_hour"] == pytest.approx(7.5)
    language = _row(table, "need", "language_polish")
    assert language["people"] == 1 and language["group"] == "language and cultural: polish"
    assert language["travel_min_per_carer_hour"] == pytest.approx(9.0)
    assert _row(table, "need", "double_handed")["people"] == 1
    none = _row(table, "need", "none")
    assert none["people"] == 2 and none["unmet_contact_hours_per_week"] == 4.0
    end = _row(table, "need", "end_of_life")
    assert end["unmet_days_waited_mean"] == 20.0
    assert np.isnan(end["travel_min_per_carer_hour"])
    discharge = _row(table, "hospital_discharge", "hospital_discharge")
    assert discharge["unmet_people"] == 1 and discharge["unmet_contact_hours_per_week"] == 4.0
    assert _row(table, "hospital_discharge", "community")["people"] == 4
    assert (
        table.loc[table["breakdown"].isin(["need", "hospital_discharge"]), RATE_COLUMNS[1]]
        .isna()
        .all()
    )


def test_a_missing_census_figure_blanks_only_the_groups_it_belongs_to() -> None:
    """With no 65+ figure for B1, everyone, town, decile 9 and B1 have no rate; the rural
    groups keep theirs (their denominators are complete)."""
    table = equity_table(_assignments(), _areas(pop_b1=None))
    for breakdown, key in (
        ("all", "all"),
        ("rurality", "town"),
        ("imd_decile", "9"),
        ("area", "B1"),
    ):
        assert np.isnan(_row(table, breakdown, key)["people_per_1000_aged_65plus"]), key
    assert _row(table, "rurality", "rural")["people_per_1000_aged_65plus"] == pytest.approx(6.0)


def test_a_package_outside_the_listed_areas_blanks_the_everyone_rate() -> None:
    """A person whose area has no census row would sit outside the denominator: no rate."""
    people = _assignments()
    people.loc[4, "area_code"] = "Z9"
    table = equity_table(people, _areas())
    assert np.isnan(_row(table, "all", "all")["people_per_1000_aged_65plus"])
    assert _row(table, "rurality", "rural")["people_per_1000_aged_65plus"] == pytest.approx(6.0)


def test_without_census_figures_there_are_no_rate_columns() -> None:
    """A council's own areas without census figures: the breakdowns, and no rate columns;
    with no areas table at all, rurality comes from the packages' own rows."""
    areas = _areas().assign(pop_65plus=pd.array([None] * 4, dtype="Int64"))
    table = equity_table(_assignments(), areas)
    assert list(table.columns) == list(EQUITY_COLUMNS)
    bare = equity_table(_assignments(), None)
    assert list(bare.columns) == list(EQUITY_COLUMNS)
    assert _row(bare, "rurality", "rural")["people"] == 3
    assert _row(bare, "imd_decile", "unknown")["people"] == 5


def test_need_labels_name_language_needs() -> None:
    """Language needs read as language and cultural needs; unknown needs keep their words."""
    assert need_label("language_british_sign_language") == (
        "language and cultural: british sign language"
    )
    assert need_label("hearing_loss") == "hearing loss"

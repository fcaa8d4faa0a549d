"""Tests of the rounds benchmarks' aggregation: infeasible instances counted, never dropped."""

from __future__ import annotations

import math

from benchmarks.bench_table import BenchRow, class_table, result_line, summarise

# A hand-made table: two R1 instances (one feasible, one with a missed visit), one C1 with a
# validator violation, one RC1 with no solution, and PyVRP infeasible on one of them.
ROWS = (
    BenchRow("R101", "R1", 2.0, 0, 0, 0.5, 20, 19),
    BenchRow("R102", "R1", -1.0, 1, 0, 0.1, 18, 17),
    BenchRow("C101", "C1", 4.0, 0, 2, math.nan, 10, 10),
    BenchRow("RC101", "RC1", math.nan, 100, 0, 0.4, 0, 15),
    BenchRow("R103", "R1", 6.0, 0, 0, 0.2, 14, 13),
)


def _keys(line: str) -> dict[str, str]:
    assert line.startswith("RESULT ")
    return dict(kv.split("=", 1) for kv in line.split()[1:])


def test_infeasible_rows_are_counted_and_kept_out_of_the_feasible_mean():
    """A missed visit, a violation or no solution each makes a row infeasible; means say which."""
    s = summarise(ROWS)
    assert s.instances == 5
    assert s.infeasible == 3
    assert s.feasible == 2
    assert s.missed == 101
    assert s.violations == 2
    assert s.mean_gap_pct == 4.0  # R101 and R103 only
    assert s.max_gap_pct == 6.0
    assert s.mean_gap_all_pct == (2.0 - 1.0 + 4.0 + 6.0) / 4  # every row with a solution
    assert s.peer_rows == 5
    assert s.peer_infeasible == 1
    assert math.isclose(s.peer_mean_gap_pct, (0.5 + 0.1 + 0.4 + 0.2) / 4)


def test_result_line_carries_the_counts_in_the_agreed_keys():
    """The RESULT line names missed, violations, infeasible and both mean gaps, then extras."""
    line = result_line(ROWS, time_limit_s="30")
    k = _keys(line)
    assert list(k)[:6] == [
        "instances",
        "missed",
        "violations",
        "infeasible",
        "mean_gap_pct",
        "pyvrp_mean_gap_pct",
    ]
    assert k["instances"] == "5"
    assert k["missed"] == "101"
    assert k["violations"] == "2"
    assert k["infeasible"] == "3"
    assert k["mean_gap_pct"] == "4.00"
    assert k["pyvrp_mean_gap_pct"] == "0.30"
    assert k["pyvrp_infeasible"] == "1"
    assert k["feasible"] == "2/5"
    assert k["time_limit_s"] == "30"


def test_without_a_peer_the_peer_figures_are_not_available():
    """Rows where no peer ran (home care) give nan / n/a for PyVRP, not a zero gap."""
    rows = [BenchRow("E1", "E", 16.0), BenchRow("E2", "E", 0.0)]
    k = _keys(result_line(rows))
    assert k["pyvrp_mean_gap_pct"] == "nan"
    assert k["pyvrp_infeasible"] == "n/a"
    assert k["mean_gap_pct"] == "8.00"
    assert "n/a" in class_table(rows).splitlines()[1]


def test_class_table_has_one_line_per_class_and_one_for_all():
    """Per-class lines in name order, each counting its own infeasible rows, then 'all'."""
    lines = class_table(ROWS).splitlines()
    assert [ln.split()[0] for ln in lines[1:]] == ["C1", "R1", "RC1", "all"]
    r1 = lines[2].split()
    assert r1[1:3] == ["3", "1"]  # 3 instances, 1 infeasible
    assert r1[3] == "4.00"  # mean over R101 and R103
    rc1 = lines[3].split()
    assert rc1[2] == "1" and rc1[3] == "nan"  # no feasible RC1 row: no mean

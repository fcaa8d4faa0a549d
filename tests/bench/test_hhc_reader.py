"""Tests of the Mankowska home health care reader, evaluator and rounds mapping (real files)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from benchmarks.instances.hhc import (
    best_known,
    evaluate,
    family_name,
    read_hhc,
    read_hhc_solution,
    routes_from_result,
    to_rounds_instance,
)
from optimiser.models.rounds import RoundsSettings, solve_rounds
from optimiser.models.validate_rounds import validate_rounds


@pytest.fixture(scope="module")
def hhc_dir(shared_path: Callable[[str, str], Path]) -> Path:
    """The benchmark folder; skip if absent (fail in CI)."""
    return shared_path("hhc/mankowska2014", "HHC benchmark instances")


def _instance_for(solution: Path, folder: Path) -> Path:
    m = re.search(r"solution-(\d+)-(\d+)-", solution.name)
    prefix = "InstanzVNS" if m.group(1) == "100" else "InstanzCPLEX"
    return folder / f"{prefix}_HCSRP_{m.group(1)}_{m.group(2)}.txt"


def test_ds_block_is_one_based(hhc_dir):
    """A1's DS line '11 10 9' means nodes 10, 9 and 8, the rows of r with two services."""
    hhc = read_hhc(hhc_dir / "InstanzCPLEX_HCSRP_10_1.txt")
    assert hhc.name == "A1"
    assert hhc.double == {8, 9, 10}
    assert all(len(hhc.services(i)) == 2 for i in hhc.double)
    assert all(len(hhc.services(i)) == 1 for i in hhc.patients if i not in hhc.double)


def test_evaluator_reproduces_every_published_solution(hhc_dir):
    """For all 50 BRKGA route files the evaluator gives the stated Dist and Cost, feasibly."""
    files = sorted((hhc_dir / "brkga2020_best_solutions").glob("solution-*.txt"))
    assert len(files) == 50
    for f in files:
        hhc = read_hhc(_instance_for(f, hhc_dir))
        stated, routes = read_hhc_solution(f)
        score = evaluate(hhc, routes)
        assert score.travel == pytest.approx(stated["Dist"], abs=0.01), f.name
        assert score.cost == pytest.approx(stated["Cost"], abs=0.01), f.name
        assert score.feasible, (f.name, score.violations)


def test_evaluator_flags_a_broken_solution(hhc_dir):
    """Dropping a patient and giving a service to an unqualified carer are violations."""
    hhc = read_hhc(hhc_dir / "InstanzCPLEX_HCSRP_10_1.txt")
    _, routes = read_hhc_solution(hhc_dir / "brkga2020_best_solutions" / "solution-10-1-1.txt")
    broken = [list(r) for r in routes]
    broken[0] = broken[0][1:]
    assert not evaluate(hhc, broken).feasible
    swapped = [broken[1], broken[0], *broken[2:]]
    assert any("not qualified" in v for v in evaluate(hhc, swapped).violations)


def test_best_known_takes_the_lower_of_both_sources(hhc_dir):
    """A1 keeps bks.csv's 218.2; C1 takes the better published run 965.2."""
    best = best_known(hhc_dir)
    assert best["A1"] == pytest.approx(218.2)
    assert best["C1"] == pytest.approx(965.2)


def test_rounds_mapping_and_solve_on_a1(hhc_dir):
    """A1 as a rounds instance: one visit per service, sync pairs, and a valid solution."""
    hhc = read_hhc(hhc_dir / "InstanzCPLEX_HCSRP_10_1.txt")
    inst, keys = to_rounds_instance(hhc)
    assert len(inst.visits) == 13 and len(inst.syncs) == 3
    assert family_name("InstanzVNS_HCSRP_100_7.txt") == "E7"
    res = solve_rounds(inst, RoundsSettings(time_limit_s=2.0, solution_limit=300))
    assert validate_rounds(inst, res) == []
    assert res.missed == ()
    score = evaluate(hhc, routes_from_result(res, keys, hhc.n_vehicles))
    assert score.feasible
    # never below the proven optimum, which bks.csv gives to one decimal (218.2: 218.1986 here)
    assert score.cost >= 218.2 - 0.05

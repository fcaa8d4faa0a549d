"""VRPTW benchmark of the rounds model (the product's code path) against best-known and PyVRP.

Usage: python benchmarks/bench_rounds.py [--instances DIR] [--time-limit S] [--limit K]
       [--classes C1,R1,...] [--vehicle-cost X] [--warm-start auto|none] [--seed N]

Each instance is read with DIMACS rounding (distances truncated to one decimal), solved by
``solve_rounds`` (the same function the product calls), checked by the independent validator,
and solved again by PyVRP directly (its own reader, same rounding) for the same time. With
``--warm-start auto`` (the default) PyVRP's routes are handed to ``solve_rounds`` as its initial
routes (``benchmarks/pyvrp_start.py``); ``--warm-start none`` is the product's path with
nothing handed in from outside. Prints per instance and per class: vehicles, distance,
best-known vehicles and distance, gaps [%].
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pyvrp
from pyvrp.stop import MaxRuntime

from benchmarks.instances.solomon import instance_paths, read_best_known, read_vrptw
from benchmarks.pyvrp_start import solve_with_pyvrp_start
from optimiser.data import locations
from optimiser.models.rounds import RoundsSettings, solve_rounds
from optimiser.models.validate_rounds import validate_rounds

DEFAULT_DIR = locations.national_data_dir() / "vrptw" / "solomon"


def _class_of(name: str) -> str:
    """Instance class: C1, C2, R1, R2, RC1, RC2 (Solomon ``R101``, GH ``R1_2_1``)."""
    m = re.match(r"([A-Z]+)(\d)", name)
    return f"{m.group(1)}{m.group(2)}" if m else name


def _pyvrp(path: Path, time_limit_s: float, seed: int) -> tuple[int, float, bool]:
    """PyVRP alone: (vehicles, distance, feasible) with DIMACS rounding."""
    data = pyvrp.read(path, round_func="dimacs")
    res = pyvrp.solve(data, MaxRuntime(time_limit_s), seed=seed, display=False)
    return res.best.num_routes(), res.best.distance() / 10.0, res.best.is_feasible()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--instances", type=Path, default=DEFAULT_DIR)
    ap.add_argument("--time-limit", type=float, default=30.0)
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--classes", default="", help="comma-separated classes, e.g. C1,R1")
    ap.add_argument("--vehicle-cost", type=int, default=0, help="fixed cost per vehicle [0.1]")
    ap.add_argument("--warm-start", choices=["auto", "none"], default="auto")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-pyvrp", action="store_true", help="skip the PyVRP comparison")
    args = ap.parse_args(argv)
    if not args.instances.is_dir():
        print(
            f"benchmark instances not found: {args.instances} (put the benchmark data in "
            f"$HOMECARE_DATA_DIR or ../shared/data, or pass --instances)"
        )
        return 2

    paths = instance_paths(args.instances)
    if args.classes:
        wanted = set(args.classes.split(","))
        paths = [p for p in paths if _class_of(p.stem) in wanted]
    if args.limit is not None:
        paths = paths[: args.limit]
    settings = RoundsSettings(time_limit_s=args.time_limit, seed=args.seed)
    solve = solve_with_pyvrp_start if args.warm_start == "auto" else solve_rounds
    print(
        f"# {len(paths)} instances from {args.instances}; {settings}; "
        f"start handed in: {'pyvrp' if args.warm_start == 'auto' else 'none'}"
    )
    head = (
        f"{'instance':10} {'veh':>4} {'dist':>9} {'bk_veh':>6} {'bk_dist':>9} {'gap%':>7} "
        f"{'missed':>6} {'viol':>4} {'warm':>6} {'py_veh':>6} {'py_dist':>9} {'py_gap%':>7}"
    )
    print(head)
    rows = []
    for path in paths:
        inst = read_vrptw(path, vehicle_fixed_cost=args.vehicle_cost)
        bk = read_best_known(path.with_suffix(".sol"))
        res = solve(inst, settings)
        violations = validate_rounds(inst, res)
        dist = res.distance / 10.0
        gap = 100.0 * (dist - bk.cost) / bk.cost
        if args.no_pyvrp:
            py_veh, py_dist, py_gap = 0, float("nan"), float("nan")
        else:
            py_veh, py_dist, py_ok = _pyvrp(path, args.time_limit, args.seed)
            py_gap = 100.0 * (py_dist - bk.cost) / bk.cost if py_ok else float("nan")
        rows.append((path.stem, res, bk, gap, py_veh, py_gap, len(violations)))
        print(
            f"{path.stem:10} {res.vehicles_used:>4} {dist:>9.1f} {bk.vehicles:>6} "
            f"{bk.cost:>9.1f} {gap:>7.2f} {len(res.missed):>6} {len(violations):>4} "
            f"{res.warm_start[:6]:>6} {py_veh:>6} {py_dist:>9.1f} {py_gap:>7.2f}",
            flush=True,
        )
    print()
    print(
        f"{'class':6} {'n':>3} {'mean_gap%':>9} {'max_gap%':>8} {'veh':>5} {'bk_veh':>6} "
        f"{'py_gap%':>7} {'missed':>6}"
    )
    classes = sorted({_class_of(r[0]) for r in rows})
    for c in classes:
        rs = [r for r in rows if _class_of(r[0]) == c]
        print(
            f"{c:6} {len(rs):>3} {sum(r[3] for r in rs) / len(rs):>9.2f} "
            f"{max(r[3] for r in rs):>8.2f} {sum(r[1].vehicles_used for r in rs):>5} "
            f"{sum(r[2].vehicles for r in rs):>6} {sum(r[5] for r in rs) / len(rs):>7.2f} "
            f"{sum(len(r[1].missed) for r in rs):>6}"
        )
    n = len(rows)
    mean_gap = sum(r[3] for r in rows) / n if n else float("nan")
    py_mean = sum(r[5] for r in rows) / n if n else float("nan")
    missed = sum(len(r[1].missed) for r in rows)
    viol = sum(r[6] for r in rows)
    print(f"# missed visits in total: {missed}; validator violations in total: {viol}")
    print(
        f"RESULT instances={n} mean_gap_pct={mean_gap:.2f} pyvrp_mean_gap_pct={py_mean:.2f} "
        f"time_limit_s={args.time_limit:g}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""VRPTW benchmark of the product's rounds path against best-known, with PyVRP as a peer.

Usage: python benchmarks/bench_rounds.py [--instances DIR] [--time-limit S] [--limit K]
       [--classes C1,R1,...] [--names C101,R201,...] [--shard K/N] [--vehicle-cost X]
       [--warm-start none] [--start auto|pyvrp|greedy|none] [--seed N] [--solution-limit N]
       [--pyvrp-iterations N] [--no-pyvrp]

Each instance is read with DIMACS rounding (distances truncated to one decimal), solved by
``solve_rounds`` with the product's default settings (the function and path the product runs:
the engine's PyVRP stage for ``pyvrp_share`` of the time limit, then OR-Tools), checked by the
independent validator, and solved by PyVRP directly (its own reader, same rounding) for the same
time limit in the same run, as a peer. ``--warm-start none`` (the only value, kept for old
command lines) means nothing is handed in from outside. ``--start`` other than "auto" and
``--pyvrp-iterations`` change the engine's settings for a measurement and are printed in the
header and RESULT line (``start=``). ``--shard K/N`` runs every N-th instance from the K-th
(0-based), so N processes can share the list.

Every instance counts: one with a missed visit, a validator violation or no solution is
infeasible (``benchmarks/bench_table.py``). Prints per instance and per class, then the
RESULT line: instances, missed, violations, infeasible, mean_gap_pct (over the feasible
instances), pyvrp_mean_gap_pct (over PyVRP's feasible ones), and the rest.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pyvrp
from pyvrp.stop import MaxRuntime

from benchmarks.bench_table import BenchRow, class_table, result_line
from benchmarks.instances.solomon import instance_paths, read_best_known, read_vrptw
from optimiser.data import locations
from optimiser.errors import SolverError
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


def _load() -> str:
    """The 1-minute load average (the figures' context on a shared machine)."""
    return Path("/proc/loadavg").read_text().split()[0] if Path("/proc/loadavg").exists() else "na"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--instances", type=Path, default=DEFAULT_DIR)
    ap.add_argument("--time-limit", type=float, default=30.0)
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--classes", default="", help="comma-separated classes, e.g. C1,R1")
    ap.add_argument("--names", default="", help="comma-separated instances, e.g. C101,R201")
    ap.add_argument("--vehicle-cost", type=int, default=0, help="fixed cost per vehicle [0.1]")
    ap.add_argument("--shard", default="", help="K/N: every N-th instance from the K-th")
    ap.add_argument(
        "--warm-start",
        choices=["none"],
        default="none",
        help="none: nothing handed in from outside (the product's path)",
    )
    ap.add_argument(
        "--start",
        choices=["auto", "pyvrp", "greedy", "none"],
        default="auto",
        help="the engine's start method (auto: the product default)",
    )
    ap.add_argument(
        "--pyvrp-iterations",
        type=int,
        default=None,
        help="bound the engine's PyVRP stage by iterations instead of its time share",
    )
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--solution-limit",
        type=int,
        default=None,
        help="stop OR-Tools after N solutions (a budget that load cannot change; the time "
        "limit stays a cap)",
    )
    ap.add_argument("--no-pyvrp", action="store_true", help="skip the PyVRP peer")
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
    if args.names:
        names = set(args.names.split(","))
        paths = [p for p in paths if p.stem in names]
    if args.limit is not None:
        paths = paths[: args.limit]
    if args.shard:
        k, n = (int(x) for x in args.shard.split("/"))
        paths = paths[k::n]
    settings = RoundsSettings(
        time_limit_s=args.time_limit,
        seed=args.seed,
        solution_limit=args.solution_limit,
        warm_start=args.start,
        pyvrp_iterations=args.pyvrp_iterations,
    )
    product = args.start == "auto"
    path_label = (
        "the product's path (product defaults, nothing handed in)"
        if product
        else f"the product's engine with start={args.start} (not the default)"
    )
    print(f"# {len(paths)} instances from {args.instances}; {settings}")
    print(f"# path: {path_label}; peer: {'none' if args.no_pyvrp else 'PyVRP, same time limit'}")
    print(f"# load average at start: {_load()}")
    head = (
        f"{'instance':10} {'veh':>4} {'dist':>9} {'bk_veh':>6} {'bk_dist':>9} {'gap%':>7} "
        f"{'missed':>6} {'viol':>4} {'feas':>4} {'warm':>6} {'py_veh':>6} {'py_dist':>9} "
        f"{'py_gap%':>7}"
    )
    print(head)
    rows: list[BenchRow] = []
    for path in paths:
        inst = read_vrptw(path, vehicle_fixed_cost=args.vehicle_cost)
        bk = read_best_known(path.with_suffix(".sol"))
        try:
            res = solve_rounds(inst, settings)
        except SolverError as exc:
            print(f"{path.stem:10} no solution: {exc}", flush=True)
            rows.append(BenchRow(path.stem, _class_of(path.stem), math.nan, len(inst.visits)))
            continue
        violations = validate_rounds(inst, res)
        dist = res.distance / 10.0
        gap = 100.0 * (dist - bk.cost) / bk.cost
        py_gap: float | None = None
        py_veh, py_dist = 0, math.nan
        if not args.no_pyvrp:
            py_veh, py_dist, py_ok = _pyvrp(path, args.time_limit, args.seed)
            py_gap = 100.0 * (py_dist - bk.cost) / bk.cost if py_ok else math.nan
        row = BenchRow(
            path.stem,
            _class_of(path.stem),
            gap,
            len(res.missed),
            len(violations),
            py_gap,
            res.vehicles_used,
            bk.vehicles,
        )
        rows.append(row)
        print(
            f"{path.stem:10} {res.vehicles_used:>4} {dist:>9.1f} {bk.vehicles:>6} "
            f"{bk.cost:>9.1f} {gap:>7.2f} {len(res.missed):>6} {len(violations):>4} "
            f"{'yes' if row.feasible else 'NO':>4} {res.warm_start[:6]:>6} {py_veh:>6} "
            f"{py_dist:>9.1f} {py_gap if py_gap is not None else math.nan:>7.2f}",
            flush=True,
        )
        for note in res.notes:
            if any(w in note for w in ("rejected", "infeasible", "cap fired", "optional")):
                print(f"#   {path.stem}: {note}", flush=True)
    print()
    print(class_table(rows))
    print(
        "# mean_gap% and max_gap% are over the feasible instances (infeas counts the others); "
        "all_gap% over every instance with a solution, as returned"
    )
    print(
        result_line(
            rows,
            time_limit_s=f"{args.time_limit:g}",
            path="product",
            start=args.start,
            load_avg=_load(),
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

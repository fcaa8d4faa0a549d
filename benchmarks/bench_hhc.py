"""Home health care benchmark (Mankowska et al. 2014) through the product's rounds model.

Usage: python benchmarks/bench_hhc.py [--instances DIR] [--time-limit S] [--limit K]
       [--families A,B,C] [--names C1,E1] [--start auto|pyvrp|greedy|none] [--seed N]
       [--solution-limit N] [--greedy-steps N] [--no-max-tardiness-term]

Each instance is read (``DS`` block 1-based), turned into a ``RoundsInstance`` (services as
visits with soft window ends, qualifications as skills, double services as sync groups) and
solved by ``solve_rounds`` with the product's default settings, the function and path the
product runs: nothing is handed in from outside; the engine's own starts (the constructive
start, and PyVRP's routes with each double service pinned to the constructive start's times)
seed the search. Every solution is checked twice: by the rounds validator (integer model)
and by the benchmark's own evaluator, which rescores it with real values: (travel + total
tardiness + maximum tardiness) / 3. Best known is min(bks.csv, best published BRKGA-MP-IPR
run). There is no peer in the run: PyVRP alone cannot express double services (two carers at
once, or a gap window) or soft window ends, so ``pyvrp_mean_gap_pct`` is "nan" and the tables
say "n/a".

Every instance counts: one with a missed visit, a violation (validator or evaluator) or no
solution is infeasible (``benchmarks/bench_table.py``); the RESULT line has instances,
missed, violations, infeasible, mean_gap_pct (over the feasible instances), and the rest.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_table import BenchRow, class_table, result_line
from benchmarks.instances.hhc import (
    best_known,
    evaluate,
    family_name,
    read_hhc,
    routes_from_result,
    to_rounds_instance,
)
from optimiser.data import locations
from optimiser.errors import SolverError
from optimiser.models.rounds import RoundsSettings, solve_rounds
from optimiser.models.validate_rounds import validate_rounds

DEFAULT_DIR = locations.national_data_dir() / "hhc" / "mankowska2014"


def _sort_key(path: Path) -> tuple[str, int]:
    name = family_name(path)
    return name[0], int(name[1:])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--instances", type=Path, default=DEFAULT_DIR)
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--families", default="", help="comma-separated families, e.g. A,B,C")
    ap.add_argument("--names", default="", help="comma-separated instances, e.g. C1,E1")
    ap.add_argument(
        "--start",
        choices=["auto", "pyvrp", "greedy", "none"],
        default="auto",
        help="the engine's start method (auto: the product default)",
    )
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--solution-limit",
        type=int,
        default=None,
        help="stop OR-Tools after N solutions (a budget that load cannot change; the time "
        "limit stays a cap)",
    )
    ap.add_argument(
        "--greedy-steps",
        type=int,
        default=None,
        help="stop the constructive start after N steps (with --solution-limit: repeatable)",
    )
    ap.add_argument(
        "--no-max-tardiness-term",
        action="store_true",
        help="leave the maximum tardiness out of OR-Tools' objective (the engine's "
        "price_max_tardiness setting; the start and the final choice still see it)",
    )
    args = ap.parse_args(argv)
    if not args.instances.is_dir():
        print(
            f"benchmark instances not found: {args.instances} (put the benchmark data in "
            f"$HOMECARE_DATA_DIR or ../shared/data, or pass --instances)"
        )
        return 2

    paths = [p for p in args.instances.glob("Instanz*.txt") if re.search(r"_\d+_\d+\.txt$", p.name)]
    paths.sort(key=_sort_key)
    if args.families:
        wanted = set(args.families.split(","))
        paths = [p for p in paths if family_name(p)[0] in wanted]
    if args.names:
        names = set(args.names.split(","))
        paths = [p for p in paths if family_name(p) in names]
    if args.limit is not None:
        paths = paths[: args.limit]
    best = best_known(args.instances)
    settings = RoundsSettings(
        time_limit_s=args.time_limit,
        seed=args.seed,
        solution_limit=args.solution_limit,
        greedy_steps=args.greedy_steps,
        warm_start=args.start,
        price_max_tardiness=not args.no_max_tardiness_term,
    )
    print(f"# {len(paths)} instances from {args.instances}; {settings}")
    path = (
        "the product's (nothing handed in)"
        if args.start == "auto"
        else (f"the product's engine with start={args.start} (not the default)")
    )
    print(f"# path: {path}; peer: none (PyVRP alone cannot express these)")
    print(f"# load average at start: {_load()}")
    print(
        f"{'inst':5} {'cost':>9} {'best':>9} {'gap%':>7} {'travel':>9} {'tard':>8} "
        f"{'tmax':>7} {'feas':>4} {'viol':>4} {'missed':>6} {'warm':>8}"
    )
    rows: list[BenchRow] = []
    for path in paths:
        hhc = read_hhc(path)
        inst, keys = to_rounds_instance(hhc)
        bk = best[hhc.name]
        try:
            res = solve_rounds(inst, settings)
        except SolverError as exc:
            print(f"{hhc.name:5} no solution: {exc}", flush=True)
            rows.append(BenchRow(hhc.name, hhc.name[0], math.nan, len(inst.visits)))
            continue
        model_viol = validate_rounds(inst, res)
        score = evaluate(hhc, routes_from_result(res, keys, hhc.n_vehicles))
        n_viol = len(model_viol) + len(score.violations)
        gap = 100.0 * (score.cost - bk) / bk
        row = BenchRow(hhc.name, hhc.name[0], gap, len(res.missed), n_viol, None, res.vehicles_used)
        rows.append(row)
        print(
            f"{hhc.name:5} {score.cost:>9.2f} {bk:>9.2f} {gap:>7.2f} {score.travel:>9.2f} "
            f"{score.total_tardiness:>8.2f} {score.max_tardiness:>7.2f} "
            f"{'yes' if row.feasible else 'NO':>4} {n_viol:>4} {len(res.missed):>6} "
            f"{res.warm_start:>8}",
            flush=True,
        )
        for note in res.notes:
            if any(w in note for w in ("rejected", "infeasible", "cap fired", "optional")):
                print(f"#   {hhc.name}: {note}", flush=True)
    print()
    print(class_table(rows))
    print(
        "# mean_gap% and max_gap% are over the feasible instances (infeas counts the others); "
        "all_gap% over every instance with a solution; no peer: PyVRP cannot express "
        "double services or soft windows"
    )
    print(
        result_line(rows, time_limit_s=f"{args.time_limit:g}", start=args.start, load_avg=_load())
    )
    return 0


def _load() -> str:
    """The 1-minute load average (the figures' context on a shared machine)."""
    return Path("/proc/loadavg").read_text().split()[0] if Path("/proc/loadavg").exists() else "na"


if __name__ == "__main__":
    raise SystemExit(main())

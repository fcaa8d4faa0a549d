"""The `homecare` command line: thin argument parsing over optimiser.service."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from optimiser.errors import HomecareError


def _seed(text: str) -> int:
    """A seed from the command line: a whole number from 0 to 2**31 - 1 (CP-SAT's range)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 0 <= value <= 2**31 - 1:
        raise argparse.ArgumentTypeError(f"must be from 0 to 2147483647, got {value}")
    return value


def _progress(enabled: bool):
    """A progress callback printing one line per step to stderr (long runs show progress)."""
    start = time.perf_counter()

    def report(fraction: float, message: str) -> None:
        if enabled:
            elapsed = time.perf_counter() - start
            print(f"[{elapsed:6.1f}s {fraction:4.0%}] {message}", file=sys.stderr, flush=True)

    return report


def _cmd_network(args: argparse.Namespace) -> int:
    from optimiser import service

    summary = service.network_summary(args.source, progress=_progress(not args.quiet))
    for key, value in summary.items():
        print(f"{key:<16} {value}")
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from optimiser import parallel, service

    out = Path(args.out)
    service.check_result_dir(out)  # refuse a folder that is not ours before any work
    # Carer rounds' provider-days run inline unless a cluster is asked for (--workers N > 1
    # starts a local Dask cluster; --scheduler uses a running one); the figures are the same.
    inline = args.scheduler is None and (args.workers or 1) <= 1
    with parallel.make_runner(
        scheduler=args.scheduler, workers=args.workers, inline=inline
    ) as runner:
        result = service.run_config(
            Path(args.config), progress=_progress(not args.quiet), runner=runner
        )
    service.write_result(result, out)
    print(result.summary_text())
    for warning in result.summary.get("warnings", []):
        print(f"warning: {warning}", file=sys.stderr)
    print(f"\nResults written to {out}")
    return 0


def _cmd_compare(args: argparse.Namespace) -> int:
    from optimiser import service

    dirs = [Path(d) for d in args.dirs]
    table = service.compare_folders(dirs)
    print(service.format_comparison(table))
    views = service.compare_view_folders(dirs)
    titles = {
        "equity": "Who goes without (equity.csv; small-area rows in the file)",
        "market": "Market shape per zone (market.csv; small areas and shares in the files)",
    }
    for view, side in views.items():
        print(f"\n{titles[view]}\n")
        print(service.format_side_by_side(side))
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from optimiser import service

    out = Path(args.out)
    service.check_demo_out(out)  # refuse folders that are not ours before any work
    progress = _progress(not args.quiet)
    results = service.run_demo(out, seed=args.seed, progress=progress)
    for name, result in results.items():
        print(result.summary_text())
        print(f"  -> {out / name}\n")
    print(service.format_comparison(service.compare(results)))
    print(f"\nMap data © OpenStreetMap contributors (ODbL). Results in {out}")
    return 0


def _lat_lon(text: str) -> tuple[float, float]:
    """'LAT,LON' in degrees -> (lat, lon); argparse reports anything else."""
    try:
        lat, lon = (float(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected LAT,LON in degrees, got {text!r}") from None
    if not (abs(lat) <= 90 and abs(lon) <= 180):
        raise argparse.ArgumentTypeError(f"LAT,LON out of range: {text!r}")
    return lat, lon


def _cmd_travel(args: argparse.Namespace) -> int:
    from optimiser import service

    (from_lat, from_lon), (to_lat, to_lon) = args.from_point, args.to_point
    trip = service.travel_between(
        from_lat,
        from_lon,
        to_lat,
        to_lon,
        network=args.network,
        progress=_progress(not args.quiet),
    )
    print(f"from {from_lat:.6f},{from_lon:.6f} to {to_lat:.6f},{to_lon:.6f}")
    print(
        f"door to door: {trip.minutes:.1f} min, {trip.km:.2f} km "
        f"(roads {trip.network_min:.1f} min; access legs {trip.access_m[0]:.0f} m + "
        f"{trip.access_m[1]:.0f} m; kerb to door {trip.kerb_to_door_min:.1f} min)"
    )
    print(f"RESULT minutes={trip.minutes:.2f} km={trip.km:.3f}")
    return 0


def _cmd_sweep(args: argparse.Namespace) -> int:
    from optimiser import parallel, sweep
    from optimiser.sweep.report import summary_table

    spec = sweep.read_sweep(Path(args.sweep))
    out = Path(args.out) if args.out else spec.out or Path("results") / "sweep" / spec.name
    with parallel.make_runner(
        scheduler=args.scheduler, workers=args.workers, inline=args.inline
    ) as runner:
        run = sweep.run_sweep(spec, runner, out, quiet=args.quiet)
    print(
        f"Sweep {spec.name}: {run.total} tasks, {run.computed} computed now, "
        f"{run.skipped} already done, {run.failed} failed ({run.wall_s:.1f} s)"
    )
    if not run.table.empty:
        import pandas as pd

        with pd.option_context("display.width", 200, "display.max_columns", 30):
            print(summary_table(run.table, spec.parameters).to_string(index=False))
    print(f"\nResults in {out} (results.parquet, summary.csv, charts/)")
    return 1 if run.failed else 0


def _cmd_design(args: argparse.Namespace) -> int:
    from optimiser import service

    rules = service.DesignRules(
        n_zones=args.zones,
        headroom_pct=args.headroom,
        min_volume_h=args.min_volume,
        max_leads=args.max_leads,
    )
    settings = service.DesignSettings(
        method=args.method,
        exact_model=args.exact_model,
        time_limit_s=args.time_limit,
        node_limit=args.node_limit,
        seed=args.seed,
    )
    proposal, area = service.design_config(
        Path(args.config), rules, settings, progress=_progress(not args.quiet)
    )
    paths = service.write_design(proposal, area, Path(args.out))
    print(proposal.summary_text())
    print(f"\nWritten: {', '.join(str(p) for p in paths)}")
    print(f'Run it with: set [inputs] zones = "{paths[0]}" in a copy of {args.config}')
    return 0


def _cmd_stress(args: argparse.Namespace) -> int:
    from optimiser import parallel, service, stress
    from optimiser.stress.report import format_table

    cfg = service.load_config(Path(args.config))
    if args.draws is not None and args.draws < 1:
        print("error: --draws must be at least 1", file=sys.stderr)
        return 2
    out = Path(args.out) if args.out else Path("results") / "stress" / cfg.scenario.name
    stress.check_stress_dir(out)  # before any work: never replace a user's folder
    report = _progress(not args.quiet)
    with parallel.make_runner(
        scheduler=args.scheduler, workers=args.workers, inline=args.inline
    ) as runner:
        run = stress.run_stress(cfg, runner, draws=args.draws, progress=report)
    stress.write_stress(run, out)
    print(
        f"Stress test of {cfg.scenario.name}: {len(run.options)} options, "
        f"{run.tasks} cases ({len(run.shocks) - 1} shocks), {run.failed} failed rows "
        f"({run.wall_s:.1f} s)"
    )
    pct = run.percentiles
    print("\nOver the demand draws (P10 / P50 / P90, numpy's linear method):")
    print(format_table(pct, ["option", "measure", "draws", "p10", "p50", "p90"]))
    print("\nAfter each shock (the config's own week):")
    print(
        format_table(
            run.recovery,
            [
                "shock",
                "option",
                "unmet_hours",
                "extra_unmet_hours",
                "displaced_packages",
                "packages_changing_provider",
            ],
        )
    )
    print(f"\nResults in {out} (results.csv, options/, shocks/, charts/, stress.xlsx)")
    return 1 if run.failed else 0


def _cmd_screen(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from optimiser import parallel, screening

    councils = [c.strip() for c in args.councils.split(",") if c.strip()] if args.councils else None
    settings = replace(screening.ScreenSettings(), budget=args.budget)
    from optimiser.service.areas import travel_estimate_params

    settings = replace(settings, travel_params=travel_estimate_params())
    out = Path(args.out)
    with parallel.make_runner(
        scheduler=args.scheduler, workers=args.workers, inline=args.inline
    ) as runner:
        done = screening.screen(runner, out, councils=councils, settings=settings, quiet=args.quiet)
    run = done.run
    print(
        f"National screening (screening estimate): {done.councils} councils, {run.total} tasks "
        f"({run.computed} run, {run.skipped} done before, {run.failed} failed) "
        f"in {run.wall_s:.1f} s"
    )
    for kind, path in done.paths.items():
        print(f"  {kind}: {path}")
    return 1 if run.failed else 0


def _cmd_ui(args: argparse.Namespace) -> int:
    from ui.launch import main as launch

    return launch(["--port", str(args.port), *([args.config] if args.config else [])])


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and documentation)."""
    parser = argparse.ArgumentParser(
        prog="homecare",
        description="Test zone-based homecare commissioning on your own road network.",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="run spot and zoned scenarios on the Rutland demo area")
    demo.add_argument("--out", default="results/demo", help="output folder [results/demo]")
    demo.add_argument("--seed", type=_seed, default=None, help="override the demo's seed")
    demo.set_defaults(func=_cmd_demo)

    run = sub.add_parser("run", help="run one scenario config (TOML)")
    run.add_argument("config", help="scenario TOML file, e.g. configs/demo_zoned.toml")
    run.add_argument("--out", required=True, help="output folder")
    run.add_argument(
        "--workers",
        type=int,
        default=None,
        help="carer rounds on a local Dask cluster of N processes (N > 1) [inline]",
    )
    run.add_argument(
        "--scheduler", default=None, help="carer rounds on a running Dask scheduler (tcp://...)"
    )
    run.set_defaults(func=_cmd_run)

    compare = sub.add_parser("compare", help="print two or more result folders side by side")
    compare.add_argument("dirs", nargs="+", help="result folders written by 'homecare run'")
    compare.set_defaults(func=_cmd_compare)

    network = sub.add_parser("network", help="build (and cache) a road network, print its size")
    network.add_argument(
        "source", nargs="?", default=None, help="extract path or place name [demo extract]"
    )
    network.set_defaults(func=_cmd_network)

    travel = sub.add_parser(
        "travel", help="door-to-door minutes and km of one trip, as the optimiser counts them"
    )
    travel.add_argument(
        "--from", dest="from_point", type=_lat_lon, required=True, metavar="LAT,LON"
    )
    travel.add_argument("--to", dest="to_point", type=_lat_lon, required=True, metavar="LAT,LON")
    travel.add_argument("--network", default=None, help="OSM extract or GraphML [demo extract]")
    travel.set_defaults(func=_cmd_travel)

    sweep = sub.add_parser(
        "sweep", help="run many variants of a scenario (a grid or a list) as parallel tasks"
    )
    sweep.add_argument("sweep", help="sweep TOML file, e.g. configs/sweep_demo.toml")
    sweep.add_argument(
        "--scheduler", default=None, help="address of a running Dask scheduler (tcp://HOST:8786)"
    )
    sweep.add_argument(
        "--workers", type=int, default=None, help="local worker processes [one per CPU]"
    )
    sweep.add_argument("--inline", action="store_true", help="run in this process, no Dask")
    sweep.add_argument("--out", default=None, help="output folder [results/sweep/<name>]")
    sweep.set_defaults(func=_cmd_sweep)

    design = sub.add_parser(
        "design", help="propose K zones with lead providers and compare them with the current"
    )
    design.add_argument("config", help="scenario TOML file (its area and scenario are used)")
    design.add_argument("--zones", type=int, required=True, help="number of zones K")
    design.add_argument("--out", default="results/design", help="output folder [results/design]")
    design.add_argument(
        "--headroom", type=float, default=-10.0, help="%% of lead capacity kept free [-10]"
    )
    design.add_argument(
        "--min-volume", type=float, default=150.0, help="least carer-h/week of a zone [150]"
    )
    design.add_argument("--max-leads", type=int, default=2, help="lead providers per zone [2]")
    design.add_argument(
        "--method", choices=["auto", "exact", "heuristic"], default="auto", help="[auto]"
    )
    design.add_argument(
        "--exact-model",
        choices=["units", "columns"],
        default="units",
        help="exact model: units (fast where it proves) or columns (proves more, slower) [units]",
    )
    design.add_argument(
        "--node-limit",
        type=int,
        default=200,
        help="the exact method's deterministic budget, HiGHS branch-and-bound nodes [200]",
    )
    design.add_argument(
        "--time-limit", type=float, default=300.0, help="safety cap, seconds (reported) [300]"
    )
    design.add_argument("--seed", type=int, default=7, help="search seed [7]")
    design.set_defaults(func=_cmd_design)

    stress = sub.add_parser(
        "stress", help="stress-test the commissioning options: demand draws and shocks"
    )
    stress.add_argument("config", help="scenario TOML with a [stress] table")
    stress.add_argument("--draws", type=int, default=None, help="demand draws [[stress] draws]")
    where = stress.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, default=None, help="local worker processes")
    where.add_argument("--scheduler", default=None, help="a running Dask scheduler (tcp://...)")
    where.add_argument("--inline", action="store_true", help="run in this process, no Dask")
    stress.add_argument("--out", default=None, help="output folder [results/stress/<name>]")
    stress.set_defaults(func=_cmd_stress)

    screen = sub.add_parser(
        "screen", help="national screening: every council x option, synthetic demand, proxy travel"
    )
    screen.add_argument("--councils", default=None, help="council codes, CODE,CODE,... [all]")
    where = screen.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, default=None, help="local worker processes")
    where.add_argument("--scheduler", default=None, help="a running Dask scheduler (tcp://...)")
    where.add_argument("--inline", action="store_true", help="run in this process, no Dask")
    screen.add_argument(
        "--budget",
        type=float,
        default=0.5,
        help="CP-SAT work units per task (~s of one core) [0.5]",
    )
    screen.add_argument("--out", default="results/screening", help="[results/screening]")
    screen.set_defaults(func=_cmd_screen)

    app = sub.add_parser(
        "ui", help="start the Streamlit app on 127.0.0.1 (the demo area, or CONFIG's area)"
    )
    app.add_argument(
        "config",
        nargs="?",
        default=None,
        help="scenario config whose area the app opens (own data: docs/own-council.md) [demo]",
    )
    app.add_argument("--port", type=int, default=8501)
    app.set_defaults(func=_cmd_ui)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `homecare` console script."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except HomecareError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

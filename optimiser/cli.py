"""The `homecare` command line: thin argument parsing over optimiser.service."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from optimiser.errors import HomecareError


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
    from optimiser import service

    out = Path(args.out)
    result = service.run_config(Path(args.config), progress=_progress(not args.quiet))
    service.write_result(result, out)
    print(result.summary_text())
    print(f"\nResults written to {out}")
    return 0


def _cmd_compare(args: argparse.Namespace) -> int:
    from optimiser import service

    table = service.compare_folders([Path(d) for d in args.dirs])
    print(service.format_comparison(table))
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from optimiser import service

    out = Path(args.out)
    progress = _progress(not args.quiet)
    results = service.run_demo(out, seed=args.seed, progress=progress)
    for name, result in results.items():
        print(result.summary_text())
        print(f"  -> {out / name}\n")
    print(service.format_comparison(service.compare(results)))
    print(f"\nMap data © OpenStreetMap contributors (ODbL). Results in {out}")
    return 0


def _cmd_design(args: argparse.Namespace) -> int:
    from optimiser import service

    rules = service.DesignRules(
        n_zones=args.zones,
        headroom_pct=args.headroom,
        min_volume_h=args.min_volume,
        max_leads=args.max_leads,
    )
    settings = service.DesignSettings(
        method=args.method, time_limit_s=args.time_limit, seed=args.seed
    )
    proposal, area = service.design_config(
        Path(args.config), rules, settings, progress=_progress(not args.quiet)
    )
    paths = service.write_design(proposal, area, Path(args.out))
    print(proposal.summary_text())
    print(f"\nWritten: {', '.join(str(p) for p in paths)}")
    print(f'Run it with: set [inputs] zones = "{paths[0]}" in a copy of {args.config}')
    return 0


def _cmd_ui(args: argparse.Namespace) -> int:
    from ui.launch import main as launch

    return launch(["--port", str(args.port)])


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
    demo.add_argument("--seed", type=int, default=None, help="override the demo's seed")
    demo.set_defaults(func=_cmd_demo)

    run = sub.add_parser("run", help="run one scenario config (TOML)")
    run.add_argument("config", help="scenario TOML file, e.g. configs/demo_zoned.toml")
    run.add_argument("--out", required=True, help="output folder")
    run.set_defaults(func=_cmd_run)

    compare = sub.add_parser("compare", help="print two or more result folders side by side")
    compare.add_argument("dirs", nargs="+", help="result folders written by 'homecare run'")
    compare.set_defaults(func=_cmd_compare)

    network = sub.add_parser("network", help="build (and cache) a road network, print its size")
    network.add_argument(
        "source", nargs="?", default=None, help="extract path or place name [demo extract]"
    )
    network.set_defaults(func=_cmd_network)

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
    design.add_argument("--time-limit", type=float, default=120.0, help="seconds [120]")
    design.add_argument("--seed", type=int, default=7, help="search seed [7]")
    design.set_defaults(func=_cmd_design)

    app = sub.add_parser("ui", help="start the Streamlit app on 127.0.0.1 (the demo area)")
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

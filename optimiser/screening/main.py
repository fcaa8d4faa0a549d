"""The national screening end to end: read the data, run the tasks, write the outputs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TextIO

from optimiser.data.locations import national_data_dir
from optimiser.demo.params import DemandParams, default_params
from optimiser.errors import InputError
from optimiser.parallel import Runner
from optimiser.screening.calibrate import PROXY_CONFIG
from optimiser.screening.councils import read_councils
from optimiser.screening.lsoas import read_lsoas
from optimiser.screening.proxy import read_proxy
from optimiser.screening.report import write_outputs
from optimiser.screening.run import ScreenSettings, run_screening
from optimiser.service.areas import travel_estimate_params
from optimiser.sweep.run import SweepRun

__all__ = ["ScreenRun", "screen"]


@dataclass(frozen=True)
class ScreenRun:
    """What a screening did: the sweep run (tasks, skipped, failed, rows) and the files."""

    councils: int
    run: SweepRun
    paths: dict[str, Path]


def screen(
    runner: Runner,
    out_dir: str | Path,
    *,
    councils: Sequence[str] | None = None,
    settings: ScreenSettings | None = None,
    params: DemandParams | None = None,
    data_dir: str | Path | None = None,
    proxy_path: str | Path = PROXY_CONFIG,
    stream: TextIO | None = None,
    quiet: bool = False,
) -> ScreenRun:
    """Screen ``councils`` (codes; default all) and write the outputs into ``out_dir``."""
    data_dir = Path(data_dir) if data_dir else national_data_dir()
    settings = settings or replace(ScreenSettings(), travel_params=travel_estimate_params())
    table = read_councils(data_dir)
    if councils:
        unknown = sorted(set(councils) - set(table["council_code"]))
        if unknown:
            raise InputError(
                f"unknown council codes {unknown}; use upper-tier codes such as E06000017",
                source="--councils",
            )
        table = table[table["council_code"].isin(councils)]
    lsoas = read_lsoas(data_dir)
    run = run_screening(
        lsoas,
        table,
        params or default_params(),
        read_proxy(proxy_path),
        settings,
        runner,
        out_dir,
        stream=stream,
        quiet=quiet,
    )
    paths = write_outputs(run.table, [w.name for w in settings.wages], out_dir, data_dir=data_dir)
    return ScreenRun(len(table), run, paths)

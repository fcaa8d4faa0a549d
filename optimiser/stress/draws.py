"""Demand draws: other weeks of demand on the same area, for the spread of every measure.

- The demo: the demo generator with another seed on the same geography and roads (draw ``i``
  uses seed ``seed + i``); homes are snapped and travel computed as for the demo itself.
- A council's own data: a bootstrap of its package list. The number of packages is drawn from
  a Poisson distribution with the list's length as mean (week-to-week volume), then that many
  packages are drawn with replacement; a copy keeps everything of its original (visits, needs,
  priority, status, current provider, days waiting, home) under a new id ``<id>~b<n>``, so the
  travel matrices are the originals' rows and columns (a copy is 0 min from its original).

Draw 0 is always the area itself.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import networkx as nx
import numpy as np

from optimiser import service
from optimiser.demo.area import build_demo
from optimiser.demo.inputs import DemoInputs
from optimiser.demo.params import DemandParams
from optimiser.stress.shocks import StressRecords

__all__ = ["DemoDraws", "bootstrap_records", "demo_draw_area", "records_of", "with_records"]


@dataclass(frozen=True, eq=False)
class DemoDraws:
    """What a worker needs to draw the demo again: the generator's inputs and parameters, and
    the road graph the homes are snapped to."""

    inputs: DemoInputs
    params: DemandParams
    graph: nx.MultiDiGraph


def records_of(area: service.AreaData) -> StressRecords:
    """The records of an area that shocks and draws change."""
    return StressRecords(
        packages=area.packages,
        providers=area.providers,
        zone_table=area.zone_table,
        office_min=area.office_min,
        office_km=area.office_km,
        home_min=area.home_min,
        home_km=area.home_km,
    )


def with_records(area: service.AreaData, records: StressRecords) -> service.AreaData:
    """The area with its records replaced (the zones follow the new zone table)."""
    return dataclasses.replace(
        area,
        packages=records.packages,
        providers=records.providers,
        zone_table=records.zone_table.reset_index(drop=True),
        office_min=records.office_min,
        office_km=records.office_km,
        home_min=records.home_min,
        home_km=records.home_km,
    )


def demo_draw_area(base: service.AreaData, draws: DemoDraws, seed: int) -> service.AreaData:
    """The demo area drawn again with ``seed`` (same geography, roads, zones and settings);
    the travel matrices are computed without the disk cache (each draw is used once)."""
    demo = build_demo(draws.inputs, draws.params, seed=seed, scale=base.scale)
    area = service.build_area(
        name=base.name,
        graph=draws.graph,
        packages=demo.packages,
        providers=demo.providers,
        zone_table=base.zone_table,
        areas=base.areas,
        travel_settings=base.travel_settings,
        synthetic=base.synthetic,
        seed=seed,
        scale=base.scale,
    )
    return dataclasses.replace(area, graph=nx.MultiDiGraph())


def bootstrap_records(records: StressRecords, rng: np.random.Generator) -> StressRecords:
    """A bootstrap draw of the package list (see the module docstring)."""
    n = len(records.packages)
    size = max(int(rng.poisson(n)), 1)
    index = rng.integers(0, n, size=size)
    packages = tuple(
        dataclasses.replace(
            records.packages[i], package_id=f"{records.packages[i].package_id}~b{k + 1}"
        )
        for k, i in enumerate(index)
    )
    grid = np.ix_(index, index)
    return dataclasses.replace(
        records,
        packages=packages,
        office_min=records.office_min[:, index],
        office_km=records.office_km[:, index],
        home_min=records.home_min[grid],
        home_km=records.home_km[grid],
    )

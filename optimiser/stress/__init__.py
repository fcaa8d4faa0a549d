"""Stress tests: how each commissioning option copes with exits, demand shifts and shortages.

- ``shocks``: the shocks, pure functions of an area's records
- ``options``: spot, zoned, two leads per zone, zoned with rural uplift
- ``draws``: other weeks of demand (demo generator seeds, or a bootstrap of own data)
- ``measures``: P10/P50/P90 and regret over draws
- ``run``: cases as tasks on the parallel seam (``optimiser.parallel``)
- ``report``: CSV tables, charts and the workbook of a stress folder
"""

from __future__ import annotations

from optimiser.data.stress_options import (
    EACH_PROVIDER,
    LARGEST_RURAL_LEAD,
    OPTION_NAMES,
    DemandRise,
    DischargeSurge,
    SlowerRoads,
    StressSettings,
    WorkforceShortage,
)
from optimiser.stress.measures import MEASURES
from optimiser.stress.report import check_stress_dir, draw_chart, shock_chart, write_stress
from optimiser.stress.run import StressRun, run_stress, stress_config

__all__ = [
    "EACH_PROVIDER",
    "LARGEST_RURAL_LEAD",
    "MEASURES",
    "OPTION_NAMES",
    "DemandRise",
    "DischargeSurge",
    "SlowerRoads",
    "StressRun",
    "StressSettings",
    "WorkforceShortage",
    "check_stress_dir",
    "draw_chart",
    "run_stress",
    "shock_chart",
    "stress_config",
    "write_stress",
]

"""Stress tests: how each commissioning option copes with exits, demand shifts and shortages.

- ``shocks``: the shocks, pure functions of an area's records
- ``options``: spot, zoned, two leads per zone, zoned with rural uplift
- ``draws``: other weeks of demand (demo generator seeds, or a bootstrap of own data)
- ``measures``: P10/P50/P90 and regret over draws
- ``run``: cases as tasks on the parallel seam (``optimiser.parallel``)
- ``report``: CSV tables, charts and the workbook of a stress folder
"""

from __future__ import annotations

from optimiser.data.stress_options import StressSettings
from optimiser.stress.report import check_stress_dir, write_stress
from optimiser.stress.run import StressRun, run_stress

__all__ = ["StressRun", "StressSettings", "check_stress_dir", "run_stress", "write_stress"]

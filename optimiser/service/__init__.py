"""The one orchestrator the CLI and the UI both call: load an area, run scenarios, report.

Reading files, loading networks, caches and configs happen here, at the edge; the solving is
done by the pure core (``optimiser.models``, ``optimiser.costing``) and the tables are built by
``optimiser.report``. Nothing here keeps global mutable state: every function takes what it
needs and returns immutable records or tables. One module per job:

- ``areas``: the demo area and a user's own area, networks, snapping and travel matrices
- ``zone_table``: the zone-to-area table, its checks and edits
- ``zones``: packages re-zoned, zone polygons, downloads and uploads
- ``scenarios``: scenario runs, the baseline, configs, the demo, comparing result folders
- ``brokerage``: providers suggested for new packages, package uploads
- ``design``: zone design proposals (units, design, the pipeline's figures side by side)
- ``finance``: costing options for a result
- ``provenance``: input digests and versions recorded with every result
- ``progress``: the progress callback type

This package keeps the public names of the former single module.
"""

from __future__ import annotations

from optimiser.data.config import CONFIG_DIR, network_settings
from optimiser.data.config import load_scenario as load_config
from optimiser.report import (
    BASELINE_NAME,
    compare,
    finance_workbook,
    format_comparison,
    write_result,
)
from optimiser.service.areas import (
    ONS_ATTRIBUTION,
    AreaData,
    area_for_config,
    build_area,
    default_network_path,
    load_demo_area,
    load_network_for,
    load_user_area,
    network_summary,
    travel_estimate_params,
)
from optimiser.service.brokerage import read_packages_upload, suggest_providers
from optimiser.service.design import (
    DesignProposal,
    DesignRules,
    DesignSettings,
    design_config,
    design_instance,
    evaluate_zone_tables,
    propose_zones,
    write_design,
)
from optimiser.service.finance import cost_options
from optimiser.service.progress import Progress
from optimiser.service.scenarios import (
    INTERACTIVE_DETERMINISTIC_TIME,
    INTERACTIVE_TIME_LIMIT_S,
    baseline_scenario,
    compare_folders,
    demo_scenario,
    run_config,
    run_demo,
    run_scenario,
)
from optimiser.service.zone_table import move_area, zones_from_table
from optimiser.service.zones import read_zones_upload, zone_polygons, zones_download

__all__ = [
    "BASELINE_NAME",
    "CONFIG_DIR",
    "INTERACTIVE_DETERMINISTIC_TIME",
    "INTERACTIVE_TIME_LIMIT_S",
    "ONS_ATTRIBUTION",
    "AreaData",
    "DesignProposal",
    "DesignRules",
    "DesignSettings",
    "Progress",
    "area_for_config",
    "baseline_scenario",
    "build_area",
    "compare",
    "compare_folders",
    "cost_options",
    "default_network_path",
    "demo_scenario",
    "design_config",
    "design_instance",
    "evaluate_zone_tables",
    "finance_workbook",
    "format_comparison",
    "load_config",
    "load_demo_area",
    "load_network_for",
    "load_user_area",
    "move_area",
    "network_settings",
    "network_summary",
    "propose_zones",
    "read_packages_upload",
    "read_zones_upload",
    "run_config",
    "run_demo",
    "run_scenario",
    "suggest_providers",
    "travel_estimate_params",
    "write_design",
    "write_result",
    "zone_polygons",
    "zones_download",
    "zones_from_table",
]

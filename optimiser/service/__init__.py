"""The one orchestrator the CLI and the UI both call: load an area, run scenarios, report.

Reading files, loading networks, caches and configs happen here, at the edge; the solving is
done by the pure core (``optimiser.models``, ``optimiser.costing``) and the tables are built by
``optimiser.report``. Nothing here keeps global mutable state: every function takes what it
needs and returns immutable records or tables. One module per job:

- ``areas``: the demo area and a user's own area (files or uploads), networks, snapping and
  travel matrices
- ``own_tables``: a council's own files or uploads read and checked, every problem at once
- ``zone_table``: the zone-to-area table, its checks and edits
- ``zones``: packages re-zoned, zone polygons, downloads and uploads
- ``scenarios``: scenario runs, the baseline, configs, the demo, comparing result folders
- ``equity``: the small-area facts of the equity and market views, those views read back
- ``zone_edit``: a zone edit re-evaluated incrementally (only the touched zones re-solved)
- ``brokerage``: providers suggested for new packages, package uploads
- ``design``: zone design proposals (units, design, the pipeline's figures side by side)
- ``finance``: costing options for a result, their arithmetic, contracted spend, pay
- ``solve_quality``: whether a run's figures are a quick estimate, and its solver gap
- ``provenance``: input digests and versions recorded with every result
- ``progress``: the progress callback type

This package keeps the public names of the former single module.
"""

from __future__ import annotations

from optimiser.data.config import CONFIG_DIR, network_settings
from optimiser.data.config import load_scenario as load_config
from optimiser.report import (
    BASELINE_NAME,
    check_result_dir,
    compare,
    compare_equity,
    compare_market,
    finance_workbook,
    format_comparison,
    format_side_by_side,
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
    load_uploaded_area,
    load_user_area,
    network_file_problems,
    network_summary,
    travel_between,
    travel_estimate_params,
)
from optimiser.service.brokerage import (
    broker_packages,
    capacity_after,
    matches_download,
    read_packages_upload,
)
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
from optimiser.service.equity import MAP_MEASURES, area_facts, area_values, compare_view_folders
from optimiser.service.finance import (
    NATIONAL_LIVING_WAGE_GBP_PER_HOUR,
    OptionArithmetic,
    contracted_spend,
    cost_options,
    option_arithmetic,
    provider_pay,
)
from optimiser.service.own_tables import UploadedFile
from optimiser.service.progress import Progress
from optimiser.service.scenarios import (
    INTERACTIVE_DETERMINISTIC_TIME,
    INTERACTIVE_TIME_LIMIT_S,
    add_views,
    baseline_scenario,
    check_demo_out,
    compare_folders,
    demo_scenario,
    run_config,
    run_demo,
    run_scenario,
)
from optimiser.service.solve_quality import SolveQuality, solve_quality
from optimiser.service.zone_edit import run_zone_edit, touched_zones
from optimiser.service.zone_table import move_area, zones_from_table
from optimiser.service.zones import read_zones_upload, zone_polygons, zones_download

__all__ = [
    "BASELINE_NAME",
    "CONFIG_DIR",
    "INTERACTIVE_DETERMINISTIC_TIME",
    "INTERACTIVE_TIME_LIMIT_S",
    "MAP_MEASURES",
    "NATIONAL_LIVING_WAGE_GBP_PER_HOUR",
    "ONS_ATTRIBUTION",
    "AreaData",
    "DesignProposal",
    "DesignRules",
    "DesignSettings",
    "OptionArithmetic",
    "Progress",
    "SolveQuality",
    "UploadedFile",
    "add_views",
    "area_facts",
    "area_for_config",
    "area_values",
    "baseline_scenario",
    "broker_packages",
    "build_area",
    "capacity_after",
    "check_demo_out",
    "check_result_dir",
    "compare",
    "compare_equity",
    "compare_folders",
    "compare_market",
    "compare_view_folders",
    "contracted_spend",
    "cost_options",
    "default_network_path",
    "demo_scenario",
    "design_config",
    "design_instance",
    "evaluate_zone_tables",
    "finance_workbook",
    "format_comparison",
    "format_side_by_side",
    "load_config",
    "load_demo_area",
    "load_network_for",
    "load_uploaded_area",
    "load_user_area",
    "matches_download",
    "move_area",
    "network_file_problems",
    "network_settings",
    "network_summary",
    "option_arithmetic",
    "propose_zones",
    "provider_pay",
    "read_packages_upload",
    "read_zones_upload",
    "run_config",
    "run_demo",
    "run_scenario",
    "run_zone_edit",
    "solve_quality",
    "touched_zones",
    "travel_between",
    "travel_estimate_params",
    "write_design",
    "write_result",
    "zone_polygons",
    "zones_download",
    "zones_from_table",
]

"""Running the national screening: one task per council x option on the parallel seam.

A task draws its council's screening area (``optimiser.screening.synthetic``; same seed, same
area in every process), assigns it under its option with CP-SAT on a small deterministic
budget (one worker, so inline and Dask give identical rows), measures travel with the fast
estimate, and costs pay headroom against today's practice (greedy brokerage on the spot
market) at each wage. The wage does not enter the assignment (the solver sees providers'
prices, not their pay), so one solve serves every wage: the row carries the wage figures as
``<wage>_<figure>`` columns, and ``optimiser.screening.report`` spreads them to one row per
council x option x wage. Tasks go through the sweep's runner loop and Parquet store
(``optimiser.sweep.run.run_planned``): rows stream to ``parts/`` as tasks finish and a rerun
skips every task done, keyed by a hash of its inputs.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import pandas as pd

from optimiser import costing
from optimiser.data.domain import (
    AssignmentRules,
    CostModel,
    Priority,
    Scenario,
    SolverSettings,
    ZonePolicy,
    ZoneRule,
)
from optimiser.demo.params import DemandParams
from optimiser.models.assign import solve_assignment
from optimiser.models.greedy import greedy_assignment
from optimiser.models.instance import build_instance
from optimiser.models.travel_estimate import estimate_travel
from optimiser.models.travel_formula import TravelEstimateParams
from optimiser.parallel import Runner, Task
from optimiser.screening.proxy import TravelProxy
from optimiser.screening.synthetic import CouncilArea, build_council_area
from optimiser.sweep.run import (
    PlannedTask,
    SweepRun,
    code_versions,
    input_digest,
    run_planned,
)

__all__ = [
    "OPTIONS",
    "WAGES",
    "Option",
    "ScreenSettings",
    "Wage",
    "plan_screening",
    "run_screening",
    "screen_council",
]

LABEL = "screening estimate"


@dataclass(frozen=True)
class Option:
    """A commissioning option: ``rule``, lead providers per zone, and whether current
    clients may move (``release``) to a zone's leads."""

    name: str
    rule: ZoneRule
    leads: int
    release: bool


#: spot: any provider, current clients stay (the demo's spot scenario); zoned: one lead per
#: zone; two_leads: two per zone (Merton's model); zoned options release current clients to
#: the leads, with non-leads as a penalised fallback (the demo's zoned scenario).
OPTIONS: tuple[Option, ...] = (
    Option("spot", ZoneRule.SPOT, 0, False),
    Option("zoned", ZoneRule.ZONED, 1, True),
    Option("two_leads", ZoneRule.ZONED, 2, True),
)
#: assumption (as configs/demo_zoned.toml): 2 objective units per carer-hour for a non-lead.
NON_LEAD_PENALTY = 2.0


@dataclass(frozen=True)
class Wage:
    """A wage level [GBP/h]; London councils pay ``london_gbp_per_hour``."""

    name: str
    gbp_per_hour: float
    london_gbp_per_hour: float

    def for_region(self, region: str) -> float:
        """The wage in a council of ``region`` [GBP/h]."""
        return self.london_gbp_per_hour if region == "London" else self.gbp_per_hour


#: National Living Wage 21+ from April 2026 (configs/costs_2026.toml); Real Living Wage from
#: the Oct 2025 announcement, GBP 13.45 UK and GBP 14.80 London (Living Wage Foundation).
WAGES: tuple[Wage, ...] = (
    Wage("nlw", 12.71, 12.71),
    Wage("rlw", costing.REAL_LIVING_WAGE_GBP_PER_HOUR, 14.80),
)


@dataclass(frozen=True)
class ScreenSettings:
    """What every task shares: ``seed`` (of each council's draw, mixed with its code, and of
    CP-SAT), ``budget`` [CP-SAT deterministic work units per task, about seconds of one core],
    ``time_cap_s`` [s] (a safety cap only), the options and wages, the travel formula's
    parameters (``configs/travel_estimate.toml``), candidates per package and the warm start."""

    seed: int = 7
    budget: float = 0.5
    time_cap_s: float = 600.0
    options: tuple[Option, ...] = OPTIONS
    wages: tuple[Wage, ...] = WAGES
    travel_params: TravelEstimateParams = field(default_factory=TravelEstimateParams)
    #: Nearest allowed providers kept per package (the product's default is 25).
    max_candidates: int = 10
    #: The LP warm start and local search before each stage: off by default here, because on
    #: the largest councils (7,700 people) they take minutes a stage, beyond a screening's
    #: budget; the greedy brokerage start and CP-SAT's budget remain.
    warm_start: bool = False

    def __post_init__(self) -> None:
        if not self.budget > 0:
            raise ValueError(f"ScreenSettings: field 'budget' must be > 0, got {self.budget}")


def council_seed(seed: int, council_code: str) -> int:
    """The seed of one council's draw: the settings' seed mixed with the council's code."""
    digest = hashlib.sha256(f"{seed}:{council_code}".encode()).digest()
    return int.from_bytes(digest[:4], "little") & 0x7FFFFFFF


def _scenario(option: Option, settings: ScreenSettings) -> Scenario:
    rules = AssignmentRules(
        travel_limit_min=45.0,
        release_continuity=option.release,
        priority_weight={Priority.HOSPITAL_DISCHARGE: 3.0, Priority.COMMUNITY: 1.0},
        wait_weight_per_day=0.01,
        keep_current_clients="hard",
    )
    policy = (
        ZonePolicy(rule=ZoneRule.SPOT)
        if option.rule is ZoneRule.SPOT
        else ZonePolicy(rule=ZoneRule.ZONED, non_lead_penalty=NON_LEAD_PENALTY)
    )
    solver = SolverSettings(
        time_limit_s=settings.time_cap_s,
        workers=1,
        seed=settings.seed,
        max_deterministic_time=settings.budget,
    )
    return Scenario(name=option.name, zone_policy=policy, rules=rules, solver=solver)


def _instance(area: CouncilArea, option: Option, scenario: Scenario, settings: ScreenSettings):
    return build_instance(
        area.packages,
        area.providers,
        area.zones(option.leads),
        scenario,
        area.office_min,
        area.office_km,
        area.nearest_min,
        area.nearest_km,
        travel_params=settings.travel_params,
        max_candidates=settings.max_candidates,
    )


def screen_council(
    lsoas: pd.DataFrame,
    council: tuple[str, str, str],
    option: Option,
    params: DemandParams,
    proxy: TravelProxy,
    settings: ScreenSettings,
) -> dict[str, Any]:
    """The task: one council (code, name, region) under one option; its row of figures."""
    code, name, region = council
    area = build_council_area(
        code,
        lsoas[lsoas["council_code"] == code],
        params,
        proxy,
        seed=council_seed(settings.seed, code),
    )
    scenario = _scenario(option, settings)
    instance = _instance(area, option, scenario, settings)
    solution = solve_assignment(instance, scenario.solver, warm_start=settings.warm_start)
    base_instance = _instance(area, OPTIONS[0], _scenario(OPTIONS[0], settings), settings)
    baseline = greedy_assignment(base_instance)
    now = estimate_travel(instance, solution.provider_of).total
    before = estimate_travel(base_instance, baseline.provider_of).total
    t1, m1 = float(now["travel_min_per_carer_hour"]), float(now["miles_per_carer_hour"])
    t0, m0 = float(before["travel_min_per_carer_hour"]), float(before["miles_per_carer_hour"])
    placed = np.asarray(solution.provider_of) >= 0
    row: dict[str, Any] = {
        "label": LABEL,
        "council_name": name,
        "region": region,
        "people": len(area.packages),
        "lsoas": int((lsoas["council_code"] == code).sum()),
        "providers": len(area.providers),
        "zones": len(set(area.zone_of_lsoa.values())),
        "leads_per_zone": option.leads,
        "urban_share": round(area.class_share["urban"], 4),
        "rural_share": round(area.class_share["rural"], 4),
        "demand_carer_hours": float(instance.carer_min.sum() / 60.0),
        "placed_carer_hours": float(instance.carer_min[placed].sum() / 60.0),
        "unmet_hours": float(solution.values.unmet_min / 60.0),
        "baseline_unmet_hours": float(baseline.values.unmet_min / 60.0),
        "continuity_breaks": int(solution.values.continuity_breaks),
        "baseline_travel_min_per_carer_hour": t0,
        "travel_min_per_carer_hour": t1,
        "travel_saved_min_per_carer_hour": t0 - t1,
        "travel_saved_hours_per_week": (t0 - t1) * float(now["carer_hours"]) / 60.0,
        "baseline_miles_per_carer_hour": m0,
        "miles_per_carer_hour": m1,
        "solver_status": solution.status,
        "solver_gap": solution.optimality_gap,
        "fell_back_to_greedy": bool(solution.fell_back_to_greedy),
        "seed": settings.seed,
        "budget": settings.budget,
    }
    for wage in settings.wages:
        pay = wage.for_region(region)
        headroom = costing.pay_headroom(CostModel(pay_gbp_per_hour=pay), t0, m0, t1, m1)
        row[f"{wage.name}_pay_gbp_per_hour"] = pay
        row[f"{wage.name}_affordable_pay_gbp_per_hour"] = headroom.affordable_pay_gbp_per_hour
        row[f"{wage.name}_pay_headroom_gbp_per_hour"] = headroom.rise_gbp_per_hour
        row[f"{wage.name}_pay_headroom_pct"] = headroom.rise_pct
    return row


def plan_screening(
    lsoas: pd.DataFrame,
    councils: pd.DataFrame,
    params: DemandParams,
    proxy: TravelProxy,
    settings: ScreenSettings,
    runner: Runner,
) -> list[PlannedTask]:
    """One task per council (rows of ``read_councils``) x option, the LSOA table shipped once.

    A task's key hashes its council's LSOA rows, the option, the settings, the demand
    parameters, the proxy and the versions of this project and OR-Tools. Tasks are listed
    largest council first (residents aged 65+, the demand's driver), so a cluster starts the
    longest solves first and the small ones fill in around them (longest processing time
    first: the last task to finish is a small one, not a county); ``variant`` keeps the
    councils' table order, so rows and keys do not depend on it.
    """
    wanted = lsoas[lsoas["council_code"].isin(councils["council_code"])]
    handle = runner.share(wanted)
    common = input_digest(
        {
            "settings": settings,
            "params": {k: v for k, v in asdict(params).items() if k != "config_dir"},
            "proxy": {k: v for k, v in asdict(proxy).items() if k != "errors"},
            "versions": code_versions(),
        }
    )
    size = wanted.groupby("council_code")["pop_65plus"].sum()
    rows_of = list(councils.itertuples(index=False))
    order = sorted(
        range(len(rows_of)), key=lambda n: (-int(size.get(rows_of[n].council_code, 0)), n)
    )
    planned = []
    for n in order:
        c = rows_of[n]
        rows = pd.util.hash_pandas_object(wanted[wanted["council_code"] == c.council_code])
        area_digest = hashlib.sha256(rows.to_numpy().tobytes()).hexdigest()
        council = (str(c.council_code), str(c.council_name), str(c.region))
        for m, option in enumerate(settings.options):
            key = input_digest(
                {"common": common, "area": area_digest, "council": council, "option": option}
            )[:24]
            planned.append(
                PlannedTask(
                    key=key,
                    variant=n * len(settings.options) + m,
                    params={"council_code": council[0], "option": option.name},
                    task=Task(
                        key, screen_council, (handle, council, option, params, proxy, settings)
                    ),
                )
            )
    return planned


def run_screening(
    lsoas: pd.DataFrame,
    councils: pd.DataFrame,
    params: DemandParams,
    proxy: TravelProxy,
    settings: ScreenSettings,
    runner: Runner,
    out_dir: str | Path,
    *,
    stream: TextIO | None = None,
    quiet: bool = False,
) -> SweepRun:
    """Plan and run every task not done yet; rows stream to ``out_dir/parts``."""
    planned = plan_screening(lsoas, councils, params, proxy, settings, runner)
    return run_planned(planned, runner, out_dir, stream=stream, quiet=quiet)

"""The demo's travel beside public national figures: miles per visit, travel per carer-hour.

Runs the demo's spot and zoned scenarios the way ``homecare demo`` does (the same configs,
area and service calls), then reads the placed packages' weekly travel from the result
tables. Basis (the product's own): per carer-hour of contact and per carer visit, so a
double-handed call is two carer visits and two carer-hours an hour, and both carers' travel
counts; the summary's ``travel_min_per_carer_hour`` is the same figure.

National figures (UKHCA, quoted in DOMAIN.md; not re-checked offline): 2.9-3.06 miles per
visit and about 11.7 paid travel minutes per contact hour (one carer's hour in that breakdown).
What may explain a difference is printed with the figures: the demo's visit lengths (long
visits dilute travel per hour), its rural share (longer legs), and where it places people (on
buildings, clustered in villages).

    python benchmarks/bench_plausibility.py

Last line: RESULT miles_per_visit_spot=<x> miles_per_visit_zoned=<x>
travel_min_per_carer_hour_spot=<x> travel_min_per_carer_hour_zoned=<x>
national_miles_per_visit=2.9 national_travel_min_per_carer_hour=11.7
"""

from __future__ import annotations

import collections

from optimiser import service

MILES_PER_KM = 1 / 1.609344
NATIONAL_MILES_PER_VISIT = (2.9, 3.06)
NATIONAL_TRAVEL_MIN_PER_CARER_HOUR = 11.7


def main() -> None:
    configs = {
        n: service.load_config(service.CONFIG_DIR / f"demo_{n}.toml") for n in ("spot", "zoned")
    }
    area = service.area_for_config(configs["spot"])
    packages = {p.package_id: p for p in area.packages}
    figures: dict[str, float] = {}
    for name, cfg in configs.items():
        result = service.run_scenario(area, cfg.scenario, rounds_options=cfg.rounds)
        placed = result.assignments[~result.assignments["unmet"].astype(bool)]
        visits = [v for pid in placed["package_id"] for v in packages[pid].visits]
        carer_visits = sum(v.carers for v in visits)
        carer_h = float(placed["carer_hours"].sum())
        travel_min = float(placed["travel_min_per_week"].sum())
        miles = float(placed["travel_km_per_week"].sum()) * MILES_PER_KM
        lengths = collections.Counter(v.duration_min for v in visits)
        mean_len = sum(v.duration_min for v in visits) / len(visits)
        rural = float((placed["rural"].astype(bool) * placed["carer_hours"]).sum()) / carer_h
        figures[f"miles_per_visit_{name}"] = miles / carer_visits
        figures[f"travel_min_per_carer_hour_{name}"] = travel_min / carer_h
        print(f"\n== {name} ({result.summary['travel_method']} travel)")
        print(f"placed: {len(placed)} people, {len(visits)} calls, {carer_visits} carer visits,")
        print(f"        {carer_h:,.1f} carer-hours of contact a week, {rural:.0%} of them rural")
        print(
            f"miles per carer visit:            {miles / carer_visits:6.2f}   "
            f"(national {NATIONAL_MILES_PER_VISIT[0]}-{NATIONAL_MILES_PER_VISIT[1]})"
        )
        print(
            f"travel min per carer-hour:        {travel_min / carer_h:6.2f}   "
            f"(national about {NATIONAL_TRAVEL_MIN_PER_CARER_HOUR}, paid; summary figure "
            f"{result.summary['travel_min_per_carer_hour']:.2f})"
        )
        print(f"mean call length: {mean_len:.1f} min; share of calls by length:")
        for minutes in (15, 30, 45, 60):
            print(f"  {minutes:>3} min: {lengths.get(minutes, 0) / len(visits):6.1%}")
        other = sum(c for m, c in lengths.items() if m not in (15, 30, 45, 60))
        print(f"  other: {other / len(visits):6.1%}")
        kinds = [v.call_type.value for v in visits if v.call_type is not None]
        kerb = area.travel_settings.kerb_min(kinds)
        kerb_min = sum(kerb) / len(kerb) if kerb else area.travel_settings.kerb_to_door_default_min
        per_visit = travel_min / carer_visits
        driving_mph = (miles / carer_visits) / max(per_visit - kerb_min, 1e-9) * 60
        print(
            f"travel per carer visit: {per_visit:.1f} min, of which kerb to door about "
            f"{kerb_min:.1f} min (parking, walking: in minutes, not in miles); "
            f"driving {driving_mph:.0f} mph"
        )
    print(
        "\nWhy the demo differs from the national figures:\n"
        "- miles per visit are lower: the demo places people on buildings, so most legs join "
        "homes in\n  the same town or village, and Rutland is small (about 27 km across) with "
        "half its offices\n  in Oakham; a national mean includes counties with longer rural "
        "legs.\n"
        "- travel minutes per carer-hour are a little above national (the national figure "
        "counts paid\n  travel only): realistic road speeds and the kerb-to-door allowance "
        "(about 2.6 min a visit) add\n  minutes that the short legs do not add in miles, and "
        "calls average about 35 min (mostly\n  30 min), so one leg per call weighs more per "
        "hour than with longer calls."
    )
    print(
        "RESULT "
        + " ".join(f"{k}={figures[k]:.2f}" for k in sorted(figures))
        + f" national_miles_per_visit={NATIONAL_MILES_PER_VISIT[0]}"
        + f" national_travel_min_per_carer_hour={NATIONAL_TRAVEL_MIN_PER_CARER_HOUR}"
    )


if __name__ == "__main__":
    main()

"""Cross-table checks: every link between packages, providers and zones points at a real record."""

from __future__ import annotations

import re
from collections.abc import Sequence

import shapely

from optimiser.data.domain import Package, Provider, Zone
from optimiser.data.tables.cells import did_you_mean
from optimiser.errors import InputError, Problem


def unknown_lead(zone_id: str, lead: str, provider_ids: Sequence[str]) -> str | None:
    """Why ``lead`` is not a known provider of zone ``zone_id`` (None when it is one).

    A cell like ``PR1,PR2`` or ``PR1 PR2`` whose parts are all known is a list written with the
    wrong separator: the message says so.
    """
    known = set(provider_ids)
    if lead in known:
        return None
    parts = [t for t in re.split(r"[,\s/|]+", lead) if t]
    if len(parts) > 1 and all(t in known for t in parts):
        return (
            f"zone '{zone_id}': lead providers {lead!r} is not one provider id: separate ids "
            f"with ';' (write {';'.join(parts)!r})"
        )
    return (
        f"zone '{zone_id}': lead provider '{lead}' is not in the providers table"
        f"{did_you_mean(lead, provider_ids)}"
    )


def reference_problems(
    packages: Sequence[Package],
    providers: Sequence[Provider],
    zones: Sequence[Zone],
    *,
    sources: tuple[str, str, str] = ("packages", "providers", "zones"),
    locations: bool = True,
) -> list[Problem]:
    """Every broken link between the three tables (row is None: records carry no row numbers).

    Checks: packages' current_provider and zone_id exist; zones' lead providers exist (a list
    written with ',' is named as such); with ``locations``, each package lies inside some zone
    (only when zones have geometries; the own-area loader places packages itself and reports
    a home outside every zone as a warning instead).
    """
    src_pk, _src_pr, src_z = sources
    provider_ids = [p.provider_id for p in providers]
    zone_ids = [z.zone_id for z in zones]
    pset, zset = set(provider_ids), set(zone_ids)
    problems: list[Problem] = []
    for p in packages:
        if p.current_provider is not None and p.current_provider not in pset:
            problems.append(
                Problem(
                    src_pk,
                    None,
                    "current_provider",
                    f"package '{p.package_id}': current provider '{p.current_provider}' is not in "
                    f"the providers table{did_you_mean(p.current_provider, provider_ids)}",
                )
            )
        if p.zone_id is not None and p.zone_id not in zset:
            problems.append(
                Problem(
                    src_pk,
                    None,
                    "zone_id",
                    f"package '{p.package_id}': zone '{p.zone_id}' is not in the zones table"
                    f"{did_you_mean(p.zone_id, zone_ids)}",
                )
            )
    for z in zones:
        for lead in z.lead_providers:
            why = unknown_lead(z.zone_id, lead, provider_ids)
            if why is not None:
                problems.append(Problem(src_z, None, "lead_providers", why))
    shapes = [z.geometry for z in zones if z.geometry is not None and not z.geometry.is_empty]
    if locations and shapes and packages:
        tree = shapely.STRtree(shapes)
        points = shapely.points([p.lon for p in packages], [p.lat for p in packages])
        inside = tree.query(points, predicate="covered_by")[0]
        hit = set(inside.tolist())
        for i, p in enumerate(packages):
            if i not in hit:
                problems.append(
                    Problem(
                        src_pk,
                        None,
                        "lat",
                        f"package '{p.package_id}' at ({p.lat:.5f}, {p.lon:.5f}) lies outside "
                        f"every zone",
                    )
                )
    return problems


def validate_references(
    packages: Sequence[Package],
    providers: Sequence[Provider],
    zones: Sequence[Zone],
    *,
    sources: tuple[str, str, str] = ("packages", "providers", "zones"),
    locations: bool = True,
) -> None:
    """Raise one ``InputError`` listing every problem :func:`reference_problems` finds."""
    problems = reference_problems(packages, providers, zones, sources=sources, locations=locations)
    if problems:
        raise InputError(problems)

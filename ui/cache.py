"""Cached wrappers around optimiser.service: the startup area loaded once, results in memory.

``st.cache_resource`` holds the demo area and the area of the config the app was started with
(``$HOMECARE_UI_CONFIG``; their road graphs cannot be serialised), and the
scenario results by zone table (so that a zone edit re-solves
only what it changes, from the result of the table it was made on). Every other call is
``st.cache_data`` keyed by hashable values: the zone table's CSV text, the scenario's repr,
an upload's digest. Unhashable arguments carry a leading underscore. Nothing
is ever persisted to disk (uploads are personal data).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from optimiser import service
from optimiser.service.places import place_names
from ui import map_layers
from ui.map_layers import road_layer_json, road_paths, road_rows_json, simplified_roads
from ui.state import zone_table_key

Progress = Callable[[float, str], None]

#: Seed of the demo area (the CLI's default too).
DEMO_SEED = 7

#: The environment variable naming the scenario config whose area the app opens at start
#: (``homecare ui CONFIG`` sets it for the Streamlit process); unset: the demo area.
CONFIG_ENV_VAR = "HOMECARE_UI_CONFIG"


@dataclass
class _AreaSlot:
    """A shared box for an area from shipped or named files (the demo, the startup config):
    loaded once per process, under a lock."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    area: Any = None


@st.cache_resource(show_spinner=False)
def _area_slot(key: str) -> _AreaSlot:
    return _AreaSlot()


def _shared_area(key: str, title: str, load: Callable[[Progress], Any]) -> service.AreaData:
    """The area under ``key``, loaded on first use with a progress bar, then shared by every
    session (it is read from files on this machine, never from an upload)."""
    slot = _area_slot(key)
    if slot.area is None:
        with slot.lock:
            if slot.area is None:
                holder = st.empty()
                with holder.container(), st.status(title, expanded=True):
                    bar = st.progress(0.0, text="Reading the road network")

                    def report(fraction: float, message: str) -> None:
                        bar.progress(min(max(float(fraction), 0.0), 1.0), text=message)

                    slot.area = load(report)
                holder.empty()
    return slot.area


def demo_area(*, seed: int = DEMO_SEED) -> service.AreaData:
    """The demo area, loaded on first use with a progress bar, then shared by every session."""
    return _shared_area(
        f"demo|{seed}",
        "Loading the demo area (first time only)...",
        lambda report: service.load_demo_area(seed=seed, progress=report),
    )


def config_area(path: str | Path) -> service.AreaData:
    """The area a scenario config names (``service.area_for_config``: own data or the demo),
    loaded once per process and config file (``InputError`` listing every problem)."""
    resolved = Path(path).expanduser().resolve()

    def load(report: Progress) -> Any:
        return service.area_for_config(service.load_config(resolved), progress=report)

    return _shared_area(f"config|{resolved}", f"Loading the area of {resolved.name}...", load)


def startup_config() -> Path | None:
    """The config the app was started with (``$HOMECARE_UI_CONFIG``), or None for the demo."""
    value = os.environ.get(CONFIG_ENV_VAR, "").strip()
    return Path(value).expanduser() if value else None


def startup_area() -> service.AreaData:
    """The area the app opens first: the startup config's, else the demo area."""
    config = startup_config()
    return config_area(config) if config is not None else demo_area()


def startup_source() -> str:
    """Where the startup area comes from, in words ("the demo", or the config's path)."""
    config = startup_config()
    return "the demo" if config is None else f"the config {config}"


def area_key(area: service.AreaData) -> str:
    """A short, stable text naming an area within this process (for cache keys)."""
    # the content digest too: an id can be reused once an opened area is let go
    return f"{area.name}|{len(area.packages)}|{len(area.providers)}|{area.digest}|{id(area)}"


@st.cache_data(show_spinner=False, max_entries=8)
def _scenario(rule: str, interactive: bool) -> Any:
    return service.demo_scenario(rule, interactive=interactive)


def scenario(rule: str, *, interactive: bool = True) -> Any:
    """The demo scenario for a zone rule ("spot" or "zoned"), from the project's configs.

    ``interactive`` (the default in the app) keeps the rules but uses the service's short
    solver budget, so an edit re-evaluates in about a second; the slow actions (full carer
    rounds) pass ``interactive=False`` for the configured budget.
    """
    return _scenario(rule, interactive)


@dataclass
class _Results:
    """Scenario results of this process by (area, scenario, zone table), newest last, under a
    lock: a zone edit finds the result of the table it was edited from here."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    by_key: OrderedDict[tuple[str, str, str], Any] = field(default_factory=OrderedDict)
    #: Keys whose result was made without the equity and market views (added on first need).
    no_views: set[tuple[str, str, str]] = field(default_factory=set)
    #: Results being made ahead of a click (``run_ahead``), by key.
    pending: dict[tuple[str, str, str], Future[Any]] = field(default_factory=dict)


#: Results kept in memory (never on disk), oldest dropped first.
MAX_RESULTS = 64


@st.cache_resource(show_spinner=False)
def _results() -> _Results:
    return _Results()


#: The environment variable that turns the look-ahead off ("0"); on by default.
LOOKAHEAD_ENV_VAR = "HOMECARE_UI_LOOKAHEAD"


@st.cache_resource(show_spinner=False)
def _ahead_pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="homecare-lookahead")


def lookahead_enabled() -> bool:
    """Whether picked moves are solved ahead of the click (``$HOMECARE_UI_LOOKAHEAD`` not 0)."""
    return os.environ.get(LOOKAHEAD_ENV_VAR, "1").strip() not in ("0", "false", "no", "off")


def _keep(store: _Results, key: tuple[str, str, str], result: Any, *, views: bool) -> None:
    """Keep ``result`` under ``key`` (the caller holds ``store.lock``), oldest dropped."""
    store.by_key[key] = result
    store.by_key.move_to_end(key)
    if views:
        store.no_views.discard(key)
    else:
        store.no_views.add(key)
    while len(store.by_key) > MAX_RESULTS:
        dropped, _ = store.by_key.popitem(last=False)
        store.no_views.discard(dropped)


def _solve_ahead(
    store: _Results,
    key: tuple[str, str, str],
    area: service.AreaData,
    scenario: Any,
    previous: Any,
    before: pd.DataFrame,
    after: pd.DataFrame,
) -> None:
    try:
        result = service.run_zone_edit(area, scenario, previous, before, after, views=False)
    except Exception:  # the click's own run reports the error on the page
        result = None
    with store.lock:
        if result is not None and key not in store.by_key:
            _keep(store, key, result, views=False)
        store.pending.pop(key, None)


def run_ahead(
    area: service.AreaData, scenario: Any, table: pd.DataFrame, *, edited_from: pd.DataFrame
) -> bool:
    """Start, in the background, the result of a zone edit that is picked but not applied yet
    (``table``, edited from ``edited_from`` whose result is kept): the very call ``run``
    makes after the click (``service.run_zone_edit``, its fixed deterministic budget, so the
    same figures), started earlier. One at a time; a newer pick replaces one not yet started.
    Off when ``$HOMECARE_UI_LOOKAHEAD`` is 0. Returns whether a run was started."""
    if not lookahead_enabled():
        return False
    store = _results()
    key = (area_key(area), repr(scenario), zone_table_key(table))
    parent = (area_key(area), repr(scenario), zone_table_key(edited_from))
    with store.lock:
        previous = store.by_key.get(parent)
        if key in store.by_key or key in store.pending or previous is None or key == parent:
            return False
        for other, future in list(store.pending.items()):
            if future.cancel():
                del store.pending[other]
        store.pending[key] = _ahead_pool().submit(
            _solve_ahead, store, key, area, scenario, previous, edited_from, table
        )
    return True


def run(
    area: service.AreaData,
    scenario: Any,
    table: pd.DataFrame,
    *,
    edited_from: pd.DataFrame | None = None,
    views: bool = True,
) -> Any:
    """The scenario's result on ``table`` (kept by the table's content and the scenario).

    With ``edited_from`` (the table an edit was made on) whose result is kept, only the
    packages of the zones the edit touches are re-solved (``service.run_zone_edit``, the
    scenario's fixed deterministic budget); otherwise the whole scenario runs. ``views``
    False (the Zones page) leaves the equity and market views out until a page asks for them
    (``service.add_views``: the same tables, built from the kept result), which spares a zone
    edit about a quarter of its time.
    """
    store = _results()
    key = (area_key(area), repr(scenario), zone_table_key(table))
    parent = None
    if edited_from is not None:
        parent = (area_key(area), repr(scenario), zone_table_key(edited_from))
    with store.lock:
        ahead = store.pending.get(key) if key not in store.by_key else None
    if ahead is not None:  # solved ahead of the click (``run_ahead``): wait for it
        with st.spinner("Assigning packages to providers..."):
            wait([ahead])
    with store.lock:
        found = store.by_key.get(key)
        if found is not None:
            store.by_key.move_to_end(key)
            if not views or key not in store.no_views:
                return found
        previous = store.by_key.get(parent) if parent is not None else None
    if found is not None:
        result = service.add_views(area, scenario, table, found)
    else:
        with st.spinner("Assigning packages to providers..."):
            if previous is not None and edited_from is not None:
                result = service.run_zone_edit(
                    area, scenario, previous, edited_from, table, views=views
                )
            else:
                result = service.run_scenario(area, scenario, zone_table=table, views=views)
    with store.lock:
        _keep(store, key, result, views=views)
    return result


@st.cache_data(show_spinner=False, max_entries=8)
def _propose(
    area_id: str,
    zone_csv: str,
    rules_repr: str,
    _area: Any,
    _table: Any,
    _rules: Any,
    _progress: Any,
) -> Any:
    area = _area if _table is _area.zone_table else dataclasses.replace(_area, zone_table=_table)
    scenario = service.demo_scenario("zoned", interactive=True)
    return service.propose_zones(area, _rules, scenario=scenario, progress=_progress)


def propose(area: service.AreaData, table: pd.DataFrame, rules: Any, progress: Progress) -> Any:
    """A zone design for ``rules`` beside the working zones ``table`` (cached by both)."""
    return _propose(
        area_key(area), zone_table_key(table), repr(rules), area, table, rules, progress
    )


@st.cache_data(show_spinner=False, max_entries=32)
def _zone_polygons(area_id: str, zone_csv: str, _area: Any, _table: Any) -> Any:
    return service.zone_polygons(_area, _table)


def zone_polygons(area: service.AreaData, table: pd.DataFrame) -> Any:
    """Zone outlines (GeoDataFrame: zone_id, name, kind, geometry) for ``table``."""
    return _zone_polygons(area_key(area), zone_table_key(table), area, table)


@st.cache_data(show_spinner=False, max_entries=16)
def _zones_download(area_id: str, zone_csv: str, fmt: str, _area: Any, _table: Any) -> bytes:
    return service.zones_download(_area, _table, fmt=fmt)


def zones_download(area: service.AreaData, table: pd.DataFrame, fmt: str) -> bytes:
    """The zones as a GeoJSON or GeoPackage file's bytes."""
    return _zones_download(area_key(area), zone_table_key(table), fmt, area, table)


@st.cache_data(show_spinner="Matching the packages to providers in turn...", max_entries=16)
def _broker(
    area_id: str,
    scenario_repr: str,
    zone_csv: str,
    packages_digest: str,
    _area: Any,
    _scenario: Any,
    _packages: Any,
    _table: Any,
    _result: Any,
) -> Any:
    return service.broker_packages(_area, _scenario, _packages, result=_result, zone_table=_table)


def broker(
    area: service.AreaData,
    scenario: Any,
    packages: Sequence[Any],
    table: pd.DataFrame,
    *,
    packages_digest: str,
) -> Any:
    """The batch brokered in order within spare capacity (cached by the upload's digest).

    Spare capacity is what the scenario's current assignment on ``table`` leaves.
    """
    result = run(area, scenario, table)
    return _broker(
        area_key(area),
        repr(scenario),
        zone_table_key(table),
        packages_digest,
        area,
        scenario,
        tuple(packages),
        table,
        result,
    )


@st.cache_data(show_spinner=False, max_entries=64)
def _cost_options(result_id: str, options_repr: str, _result: Any, _options: Any) -> pd.DataFrame:
    return service.cost_options(_result, dict(_options))


def cost_options(result: Any, result_id: str, options: Mapping[str, Any]) -> pd.DataFrame:
    """Cost per carer-hour of contact, budget and pay headroom for each named cost option."""
    return _cost_options(result_id, repr(sorted(options.items())), result, dict(options))


@st.cache_data(show_spinner=False, max_entries=16)
def _finance_workbook(
    result_id: str, options_repr: str, _result: Any, _options_table: Any, _extra: Any
) -> bytes:
    return service.finance_workbook(_result, _options_table, _extra)


def finance_workbook(
    result: Any,
    result_id: str,
    options: Mapping[str, Any],
    extra: Mapping[str, pd.DataFrame] | None = None,
) -> bytes:
    """The finance workbook (xlsx bytes): the run's costing, the options table and ``extra``
    sheets (their content is part of the cache key, with the result id and the options)."""
    table = cost_options(result, result_id, options)
    sheets = {name: frame.to_csv(index=False) for name, frame in (extra or {}).items()}
    key = repr((sorted(options.items()), sorted(sheets.items())))
    return _finance_workbook(result_id, key, result, table, dict(extra or {}))


def digest(data: bytes) -> str:
    """A content hash of an upload (the cache key; the bytes themselves are never stored)."""
    return hashlib.sha256(data).hexdigest()


@st.cache_data(show_spinner=False, max_entries=4)
def _road_layer(area_id: str, _area: Any) -> str:
    return road_layer_json(road_paths(simplified_roads(_area.network_lines)))


@st.cache_data(show_spinner=False, max_entries=4)
def _road_rows(area_id: str, _area: Any) -> bytes:
    return road_rows_json(road_paths(simplified_roads(_area.network_lines)))


@st.cache_data(show_spinner=False, max_entries=16)
def _road_layer_at(url: str) -> str:
    return road_layer_json(url)


def _media_url(data: bytes, mimetype: str, coordinates: str) -> str | None:
    """A URL (relative to the app) at which this session's browser can fetch ``data``, from
    Streamlit's in-memory media store (never a file on disk); None without a server."""
    try:
        from streamlit.runtime import exists, get_instance

        if not exists():
            return None
        url = get_instance().media_file_mgr.add(data, mimetype, coordinates)
    except Exception:  # no runtime, or a Streamlit without this store: draw inline
        return None
    return url.lstrip("/") or None


def road_layer(area: service.AreaData) -> str:
    """The area's road layer as deck.gl JSON, the same text on every map of the area.

    Under a server the roads themselves are served once from memory (``_media_url``) and the
    layer names them by URL, so a rerun sends about 0.5 MB less to the browser and deck.gl
    does not rebuild the 3,000 paths; otherwise (AppTest) they are inline."""
    key = area_key(area)
    url = _media_url(_road_rows(key, area), "application/json", f"roads|{key}")
    return _road_layer_at(url) if url else _road_layer(key, area)


@st.cache_data(show_spinner=False, max_entries=32)
def _area_shapes(area_id: str, zone_csv: str, names: str, _area: Any, _table: Any) -> Any:
    return map_layers.area_shapes(_area.areas, _table, dict(json.loads(names)))


def area_shapes(area: service.AreaData, table: pd.DataFrame, zone_names: Mapping[str, str]) -> Any:
    """The small areas coloured by zone for ``table`` (cached by the table's content)."""
    names = json.dumps(sorted(zone_names.items()))
    return _area_shapes(area_key(area), zone_table_key(table), names, area, table)


@st.cache_data(show_spinner=False, max_entries=4)
def _places(area_id: str, _area: Any) -> pd.DataFrame:
    return place_names(_area)


def places(area: service.AreaData) -> pd.DataFrame:
    """Towns and villages of the area (name, kind, lon, lat) from the offline OSM extract."""
    return _places(area_key(area), area)

"""Typed access to the app's session state: one place that knows every key and its type."""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from optimiser.service.comparison import unique_name
from optimiser.service.workspace import SavedRun, Workspace

#: Every key this module keeps in the session state, with what it holds.
_ZONE_TABLE = "hc_zone_table"  # pd.DataFrame: the working zone table (one row per small area)
_ZONE_SOURCE = "hc_zone_source"  # str: where the working zone table came from
_ZONE_PARENT = "hc_zone_parent"  # pd.DataFrame | None: the table an edit was made on
_RULE = "hc_rule"  # str: "zoned" or "spot", the rule the Zones page runs
_LAST_RUN = "hc_last_run"  # _RunRecord | None: the run shown now
_PREVIOUS_RUN = "hc_previous_run"  # _RunRecord | None: the run before it (for metric deltas)
_SAVED = "hc_saved"  # dict[str, SavedScenario]: scenarios saved for the Scenarios page
_PROPOSAL = "hc_proposal"  # DesignProposal | None: the last zone design proposed (Zones page)
_MESSAGE = "hc_message"  # str: one-shot notice shown after a rerun (e.g. "moved E01...")
_FULL = "hc_full_solves"  # dict[str, ScenarioResult]: full solves by "rule|zone table CSV"

#: How many full solves a session keeps (the latest ones; each is one zone table and rule).
FULL_SOLVES_KEPT = 4

_OPTIONS = "hc_options"  # dict[str, Any]: page options kept in a workspace file
_AREA = "hc_area"  # OpenedArea | None: an area opened on the Your area page (else the startup's)
_ZONE_AREA = "hc_zone_area"  # str: the key of the area the working zone table belongs to

#: What belongs to one area and is forgotten when another area is opened.
_PER_AREA = (_ZONE_PARENT, _LAST_RUN, _PREVIOUS_RUN, _SAVED, _PROPOSAL, _FULL, _OPTIONS)


#: A scenario saved for comparison (its name, rule, travel method, zones and summary).
SavedScenario = SavedRun


@dataclass(frozen=True)
class OpenedArea:
    """An area this session opened (an ``AreaData``, kept in memory only) and where it came
    from ("uploads: packages.csv, ...", a config's path)."""

    area: Any
    source: str


@dataclass(frozen=True)
class _RunRecord:
    key: str
    summary: Mapping[str, Any]


class AppState:
    """The session state behind typed properties (pass ``st.session_state`` or any dict)."""

    def __init__(self, store: MutableMapping[str, Any]) -> None:
        self._store = store

    # --- the working zone table -------------------------------------------------------------
    def has_zone_table(self) -> bool:
        """True once a zone table has been set this session."""
        return isinstance(self._store.get(_ZONE_TABLE), pd.DataFrame)

    @property
    def zone_table(self) -> pd.DataFrame:
        """The zone table the commissioner is editing (a copy; set it to change it)."""
        table = self._store.get(_ZONE_TABLE)
        if not isinstance(table, pd.DataFrame):
            raise LookupError("no zone table yet: call ensure_zone_table first")
        return table.copy()

    def set_zone_table(self, table: pd.DataFrame, *, source: str) -> None:
        """Replace the working zone table; ``source`` says where it came from (shown in the UI).

        An ``"edited"`` table remembers the table it was edited from (``zone_parent``), so the
        edit can be re-evaluated incrementally; any other source forgets it.
        """
        parent = self._store.get(_ZONE_TABLE) if source == "edited" else None
        self._store[_ZONE_PARENT] = parent if isinstance(parent, pd.DataFrame) else None
        self._store[_ZONE_TABLE] = table.reset_index(drop=True).copy()
        self._store[_ZONE_SOURCE] = source

    @property
    def zone_parent(self) -> pd.DataFrame | None:
        """The zone table the working one was edited from (None unless the last change was an
        edit on the map)."""
        parent = self._store.get(_ZONE_PARENT)
        return parent.copy() if isinstance(parent, pd.DataFrame) else None

    def ensure_zone_table(self, default: pd.DataFrame, *, source: str) -> pd.DataFrame:
        """The working zone table, set to ``default`` first if the session has none."""
        if not self.has_zone_table():
            self.set_zone_table(default, source=source)
        return self.zone_table

    def zone_table_for(self, area_id: str, default: pd.DataFrame, *, source: str) -> pd.DataFrame:
        """The working zone table of the area ``area_id``: the session's own while it works on
        that area; on the first page of another area, that area's ``default`` zones, and the
        last area's runs, saved scenarios, design and full solves are forgotten (their figures
        are of other people and roads)."""
        if self._store.get(_ZONE_AREA) != area_id:
            if _ZONE_AREA in self._store:  # an area before this one: forget its work
                for key in _PER_AREA:
                    self._store.pop(key, None)
                self._store.pop("zones_rule", None)
            self.set_zone_table(default, source=source)
            self._store[_ZONE_AREA] = area_id
        return self.zone_table

    # --- the area -----------------------------------------------------------------------------
    @property
    def opened_area(self) -> OpenedArea | None:
        """The area this session opened on the Your area page, or None (the startup area)."""
        opened = self._store.get(_AREA)
        return opened if isinstance(opened, OpenedArea) else None

    def open_area(self, area: Any, *, source: str) -> None:
        """Work on ``area`` from now on (every page); the next page starts on its zones."""
        self._store[_AREA] = OpenedArea(area, source)

    def close_area(self) -> None:
        """Go back to the startup area (the demo, or the config ``homecare ui`` was given)."""
        self._store.pop(_AREA, None)

    @property
    def zone_source(self) -> str:
        """Where the working zone table came from ("demo zones", an upload's name, "edited")."""
        return str(self._store.get(_ZONE_SOURCE, ""))

    @property
    def zone_csv(self) -> str:
        """The working zone table as CSV text: the hashable key for cached runs."""
        return zone_table_key(self.zone_table)

    # --- the zone rule -----------------------------------------------------------------------
    @property
    def rule(self) -> str:
        """The zone rule the Zones page runs: "zoned" (default) or "spot"."""
        return str(self._store.get(_RULE, "zoned"))

    @rule.setter
    def rule(self, value: str) -> None:
        if value not in ("zoned", "spot"):
            raise ValueError(f"rule must be 'zoned' or 'spot', got {value!r}")
        self._store[_RULE] = value

    # --- runs, for metric deltas --------------------------------------------------------------
    def record_run(self, key: str, summary: Mapping[str, Any]) -> Mapping[str, Any] | None:
        """Note that the run ``key`` is on screen; return the summary of the run before it.

        Re-showing the same run (a rerun for any other widget) keeps the earlier comparison, so
        the deltas always read "this run against the last different run".
        """
        last: _RunRecord | None = self._store.get(_LAST_RUN)
        if last is None or last.key != key:
            self._store[_PREVIOUS_RUN] = last
            self._store[_LAST_RUN] = _RunRecord(key, dict(summary))
        previous: _RunRecord | None = self._store.get(_PREVIOUS_RUN)
        return None if previous is None else previous.summary

    # --- saved scenarios ----------------------------------------------------------------------
    @property
    def saved(self) -> dict[str, SavedScenario]:
        """Saved scenarios by name, in the order they were saved (a copy)."""
        return dict(self._store.get(_SAVED, {}))

    def save(self, scenario: SavedScenario) -> str:
        """Save a scenario under a name no other saved scenario has: its own name, else the
        name with " (2)", " (3)"... added. Returns the name it was saved under."""
        saved = dict(self._store.get(_SAVED, {}))
        name = unique_name(scenario.name, saved)
        saved[name] = replace(scenario, name=name)
        self._store[_SAVED] = saved
        return name

    def forget(self, name: str) -> None:
        """Remove a saved scenario (no error if it is not there)."""
        saved = dict(self._store.get(_SAVED, {}))
        saved.pop(name, None)
        self._store[_SAVED] = saved

    # --- the proposed zone design -------------------------------------------------------------
    @property
    def proposal(self) -> Any:
        """The last zone design proposed on the Zones page (a ``DesignProposal``), or None."""
        return self._store.get(_PROPOSAL)

    @proposal.setter
    def proposal(self, value: Any) -> None:
        self._store[_PROPOSAL] = value

    # --- full solves (the CLI's budget), confirming the quick figures ---------------------------
    def full_solve(self, key: str) -> Any:
        """The full solve's result for ``key`` ("rule|zone table CSV"), or ``None``."""
        return dict(self._store.get(_FULL, {})).get(key)

    def keep_full_solve(self, key: str, result: Any) -> None:
        """Keep a full solve's result (the latest ``FULL_SOLVES_KEPT`` are kept)."""
        kept = dict(self._store.get(_FULL, {}))
        kept.pop(key, None)
        kept[key] = result
        self._store[_FULL] = dict(list(kept.items())[-FULL_SOLVES_KEPT:])

    # --- options and workspaces ---------------------------------------------------------------
    @property
    def options(self) -> dict[str, Any]:
        """Page options saved with a workspace (a copy), e.g. ``{"rule": "zoned"}``."""
        return {"rule": self.rule, **dict(self._store.get(_OPTIONS, {}))}

    def workspace(self, area_name: str) -> Workspace:
        """Everything a reload would lose: zones, saved scenarios, options."""
        return Workspace(
            area_name, self.zone_table, self.zone_source, tuple(self.saved.values()), self.options
        )

    def load_workspace(self, workspace: Workspace, *, source: str) -> None:
        """Replace zones, saved scenarios and options with a workspace's (read from ``source``)."""
        self.set_zone_table(workspace.zone_table, source=workspace.zone_source or source)
        self._store[_SAVED] = {s.name: s for s in workspace.scenarios}
        options = dict(workspace.options)
        rule = options.pop("rule", "zoned")
        self.rule = rule if rule in ("zoned", "spot") else "zoned"
        self._store.pop("zones_rule", None)  # the Zones page's radio then shows the loaded rule
        self._store[_OPTIONS] = options

    # --- one-shot messages --------------------------------------------------------------------
    def flash(self, message: str) -> None:
        """Keep a message to show once after the next rerun."""
        self._store[_MESSAGE] = message

    def pop_flash(self) -> str:
        """The pending one-shot message ("" if none), cleared."""
        return str(self._store.pop(_MESSAGE, "") or "")


def zone_table_key(table: pd.DataFrame) -> str:
    """A zone table as CSV text (rows in area order), used as a cache key and a saved value."""
    ordered = table.sort_values("area_code") if "area_code" in table.columns else table
    return ordered.to_csv(index=False)


def get_state() -> AppState:
    """The current session's state (import streamlit lazily so this module tests without it)."""
    import streamlit as st

    return AppState(st.session_state)

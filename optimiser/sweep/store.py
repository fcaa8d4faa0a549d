"""A sweep's result rows on disk: one small Parquet part per task, written atomically.

Each finished task is one file ``parts/<task_key>.parquet`` (written to a temporary name in the
same folder, then renamed: a killed sweep leaves whole parts or none). The parts present are
the tasks done, so a rerun skips them; ``combine`` gathers them into one table at the end.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["PartStore"]


class PartStore:
    """The ``parts/`` folder of a sweep's output folder."""

    def __init__(self, out_dir: str | os.PathLike[str]) -> None:
        self.folder = Path(out_dir) / "parts"
        self.folder.mkdir(parents=True, exist_ok=True)

    def _part(self, key: str) -> Path:
        return self.folder / f"{key}.parquet"

    def status_of(self) -> dict[str, str]:
        """Task key -> recorded status ("ok" or "failed") of every part on disk."""
        out: dict[str, str] = {}
        for path in sorted(self.folder.glob("*.parquet")):
            status = pd.read_parquet(path, columns=["status"])["status"]
            out[path.stem] = str(status.iloc[0]) if len(status) else "failed"
        return out

    def write(self, row: Mapping[str, Any]) -> Path:
        """Write one task's row as its own part (atomic: temporary file, then rename)."""
        key = str(row["task_key"])
        frame = pd.DataFrame([_plain(row)])
        tmp = self.folder / f".{key}.{uuid.uuid4().hex[:8]}.tmp"
        try:
            frame.to_parquet(tmp, index=False)
            os.replace(tmp, self._part(key))
        finally:
            tmp.unlink(missing_ok=True)
        return self._part(key)

    def combine(self) -> pd.DataFrame:
        """Every part as one table, in variant order (columns: the union of the parts')."""
        frames = [pd.read_parquet(p) for p in sorted(self.folder.glob("*.parquet"))]
        frames = [f for f in frames if not f.empty]
        if not frames:
            return pd.DataFrame()
        table = pd.concat(frames, ignore_index=True)
        if "variant" in table:
            table = table.sort_values(["variant", "task_key"], kind="stable")
        return table.reset_index(drop=True)


def _plain(row: Mapping[str, Any]) -> dict[str, Any]:
    """Values Parquet stores in one typed column: lists and tables as their text."""
    return {
        k: (repr(v) if isinstance(v, list | tuple | dict | set | frozenset) else v)
        for k, v in row.items()
    }

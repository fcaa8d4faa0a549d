"""Result folders on disk: written atomically, marked as ours, never replacing a user's folder.

A result folder holds the files :func:`optimiser.report.write_result` writes plus the marker
file ``.homecare-results`` (the tool and its version). An existing folder is replaced only when
nothing in it would be lost: it is empty, or it carries the marker (or, from versions before
the marker, ``summary.json``) and holds nothing but result files. Anything else (a file, a
folder of the user's own, a results folder with a notes file added) is refused with an
``OutputError`` naming the folder and why, before any work starts and again before writing.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

import optimiser
from optimiser.errors import OutputError

#: The marker file written into every result folder.
MARKER = ".homecare-results"


def _refuse(out_dir: Path, why: str) -> OutputError:
    return OutputError(
        f"will not write results to {out_dir}: {why}. Nothing was changed; "
        "choose a new folder name for --out (or move those files away)."
    )


def check_result_dir(out_dir: Path, own_files: Iterable[str]) -> None:
    """Raise ``OutputError`` unless ``out_dir`` is absent, empty, or a result folder of ours.

    ``own_files``: the names a result folder may hold (the marker is always allowed).
    """
    out_dir = Path(out_dir)
    if not out_dir.exists() and not out_dir.is_symlink():
        parent = next((p for p in out_dir.parents if p.exists()), None)
        if parent is not None and not parent.is_dir():
            raise _refuse(out_dir, f"{parent} is a file, not a folder")
        return
    if out_dir.is_symlink() or not out_dir.is_dir():
        raise _refuse(out_dir, "it is a file, not a folder")
    entries = sorted(p.name for p in out_dir.iterdir())
    if not entries:
        return
    if MARKER not in entries and "summary.json" not in entries:
        shown = ", ".join(entries[:5]) + (", ..." if len(entries) > 5 else "")
        raise _refuse(
            out_dir,
            f"the folder exists and is not a results folder of this tool (it holds {shown})",
        )
    allowed = {*own_files, MARKER}
    foreign = [name for name in entries if name not in allowed]
    if foreign:
        shown = ", ".join(foreign[:5]) + (", ..." if len(foreign) > 5 else "")
        raise _refuse(out_dir, f"it holds files this tool did not write ({shown})")


def check_parent_dir(out_dir: Path) -> None:
    """Raise ``OutputError`` if ``out_dir`` (a folder of result folders) is a file."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise _refuse(out_dir, "it is a file, not a folder")
    parent = next((p for p in out_dir.parents if p.exists()), None)
    if parent is not None and not parent.is_dir():
        raise _refuse(out_dir, f"{parent} is a file, not a folder")


def marker_text() -> str:
    """The marker file's content: the tool and its version (JSON)."""
    return json.dumps({"tool": "homecare", "version": optimiser.__version__}) + "\n"


def replace_result_dir(
    out_dir: Path, write: Callable[[Path], None], own_files: Iterable[str]
) -> Path:
    """Write a result folder through a temporary sibling, then put it in place of ``out_dir``.

    ``write(tmp)`` writes the files into the temporary folder; the marker is added after it.
    A failure (or an interrupt) before the swap leaves the previous folder as it was and no
    temporary folder behind. The previous folder is replaced only if :func:`check_result_dir`
    allows it (checked again here, just before the swap).
    """
    out_dir = Path(out_dir)
    own = tuple(own_files)
    check_result_dir(out_dir, own)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.new-", dir=out_dir.parent))
    old: Path | None = None
    try:
        write(tmp)
        (tmp / MARKER).write_text(marker_text(), encoding="utf-8")
        check_result_dir(out_dir, own)
        if out_dir.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
            os.replace(out_dir, old / out_dir.name)
        os.replace(tmp, out_dir)
    except BaseException:
        if old is not None and not out_dir.exists():
            os.replace(old / out_dir.name, out_dir)  # put the previous results back
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    return out_dir

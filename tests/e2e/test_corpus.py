"""The end-to-end bad-input corpus: each case runs the command line, and the web app's upload.

Every folder ``tests/data/e2e/<defect_name>/`` holding a ``case.toml`` is one case, named by
its defect, with the expected outcome written beside the inputs (``what``). The runner calls
``optimiser.cli.main`` in-process with ``-q <command> <config> --out <tmp>`` and checks the exit
code, the messages, that no traceback escaped, and what was written. A case's ``[upload]`` table
reads one of its files the way the web app does (``ui.uploads``). Cases use the tiny hand-made
own-data area in ``tests/data/e2e/_area/`` (a 5 x 5 street grid in OSM XML, two small areas),
so the corpus needs no national data.

``case.toml`` keys (all optional but ``what``, ``command`` and ``exit_code``)::

    what = "the defect and the expected outcome"
    command = "run"                # run | demo | compare
    config = "scenario.toml"       # run: in the case folder; paths in it relative to it
    args = []                      # extra arguments (demo: ["--seed", "-5"]; compare: folders)
    exit_code = 2
    stderr_contains = ["packages.csv", "row 3"]   # every string must appear
    stdout_contains = []
    no_traceback = true            # stderr must not contain "Traceback"
    outputs = []                   # files that must exist in the out folder afterwards
    out_from = "existing"          # copied (file or folder) to the out path before the run
    out_kept = true                # the out path is unchanged afterwards (nothing lost)
    repeat = 1                     # run the command this many times to the same out path
    no_spreadsheet_formulas = true # no output CSV cell or workbook cell is a live formula
    [output_contains]              # out-folder file -> strings it must contain
    "assignments.csv" = ["'=HYPERLINK"]
    [upload]
    table = "packages"             # packages | providers | zones
    file = "packages.csv"
    expect_problem_contains = ["row 3"]   # empty: the upload is accepted
"""

from __future__ import annotations

import csv
import filecmp
import io
import shutil
import tomllib
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from optimiser import cli, service
from optimiser.data import tables
from optimiser.data.tables import safe_text
from optimiser.errors import InputError
from ui import uploads

CORPUS = Path(__file__).resolve().parents[1] / "data" / "e2e"
CASES = sorted(p.parent for p in CORPUS.glob("*/case.toml"))
KNOWN_KEYS = {
    "what",
    "command",
    "config",
    "args",
    "exit_code",
    "stderr_contains",
    "stdout_contains",
    "no_traceback",
    "outputs",
    "out_from",
    "out_kept",
    "repeat",
    "no_spreadsheet_formulas",
    "output_contains",
    "upload",
}
UPLOAD_KEYS = {"table", "file", "expect_problem_contains"}


@dataclass(frozen=True)
class Outcome:
    """What one command-line run gave: exit code and the text on stdout and stderr."""

    code: int
    stdout: str
    stderr: str


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> Outcome:
    """``homecare <argv>`` in-process; an escaped exception counts as a traceback (exit 1)."""
    capsys.readouterr()
    tb = ""
    try:
        code = cli.main(argv)
    except SystemExit as exc:  # argparse rejects arguments this way
        code = exc.code if isinstance(exc.code, int) else 1
    except Exception:
        code, tb = 1, traceback.format_exc()
    captured = capsys.readouterr()
    return Outcome(int(code), captured.out, captured.err + tb)


def _argv(case_dir: Path, spec: dict[str, Any], out: Path) -> list[str]:
    command = spec["command"]
    args = [str(a) for a in spec.get("args", [])]
    if command == "run":
        return ["-q", "run", str(case_dir / spec.get("config", "scenario.toml")), "--out", str(out)]
    if command == "demo":
        return ["-q", "demo", "--out", str(out), *args]
    if command == "compare":
        return ["compare", *(str(case_dir / a) for a in args)]
    raise AssertionError(f"unknown command {command!r}")


def _same(a: Path, b: Path) -> bool:
    """True when file or folder ``b`` holds exactly what ``a`` holds."""
    if a.is_file() or b.is_file():
        return a.is_file() and b.is_file() and a.read_bytes() == b.read_bytes()
    cmp = filecmp.dircmp(a, b)
    if cmp.left_only or cmp.right_only or cmp.funny_files:
        return False
    _, mismatch, errors = filecmp.cmpfiles(a, b, cmp.common_files, shallow=False)
    return not mismatch and not errors and all(_same(a / d, b / d) for d in cmp.common_dirs)


def _live_formulas(out: Path) -> list[str]:
    """Cells in the out folder's CSVs and workbooks that a spreadsheet would run."""
    found = []
    for path in out.rglob("*.csv"):
        for row in csv.reader(io.StringIO(path.read_text(encoding="utf-8"))):
            found += [f"{path.name}: {c!r}" for c in row if safe_text(c) != c]
    for path in out.rglob("*.xlsx"):
        for ws in load_workbook(path).worksheets:
            for row in ws.iter_rows():
                for c in row:
                    text_formula = isinstance(c.value, str) and safe_text(c.value) != c.value
                    if c.data_type == "f" or text_formula:
                        found.append(f"{path.name}!{ws.title}: {c.value!r}")
    return found


@pytest.fixture(scope="module")
def tiny_area() -> service.AreaData:
    """The corpus's own-data area (what the web app has loaded when a zone file is uploaded)."""
    cfg = service.load_config(CORPUS / "good_zoned_run" / "scenario.toml")
    return service.area_for_config(cfg)


def _upload(spec: dict[str, Any], case_dir: Path, request: pytest.FixtureRequest) -> list[str]:
    """Read the case's upload as the web app does; the problems shown, as text."""
    table, name = spec["table"], spec["file"]
    data = (case_dir / name).read_bytes()
    if table == "packages":
        result = uploads.read_packages(name, data)
    elif table == "zones":
        result = uploads.read_zones(name, data, request.getfixturevalue("tiny_area"))
    elif table == "providers":  # the app has no providers upload: the reader the CLI uses
        buffer = io.BytesIO(data)
        buffer.name = name
        try:
            tables.read_providers(buffer, source_name=name)
            return []
        except InputError as err:
            return [str(p) for p in err.problems]
    else:
        raise AssertionError(f"unknown upload table {table!r}")
    assert result.ok or result.problems, "an upload is either accepted or shows problems"
    return [str(p) for p in result.problems]


def test_corpus_is_not_empty_and_every_case_names_its_defect() -> None:
    """At least 20 cases; each says in one sentence what the defect is and what should happen."""
    assert len(CASES) >= 20
    for case_dir in CASES:
        spec = tomllib.loads((case_dir / "case.toml").read_text(encoding="utf-8"))
        assert set(spec) <= KNOWN_KEYS, f"{case_dir.name}: unknown keys {set(spec) - KNOWN_KEYS}"
        assert set(spec.get("upload", {})) <= UPLOAD_KEYS, case_dir.name
        assert len(str(spec.get("what", ""))) > 20, f"{case_dir.name}: say what the case shows"


@pytest.mark.parametrize("case_dir", CASES, ids=[c.name for c in CASES])
def test_case(
    case_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    request: pytest.FixtureRequest,
) -> None:
    """The command exits as the case expects, with the messages it names and no traceback;
    outputs exist (or a user's files are untouched); the upload path shows the same defect."""
    spec = tomllib.loads((case_dir / "case.toml").read_text(encoding="utf-8"))
    out = tmp_path / "out"
    if "out_from" in spec:
        source = case_dir / spec["out_from"]
        if source.is_dir():
            shutil.copytree(source, out)
        else:
            shutil.copy2(source, out)
    for _ in range(int(spec.get("repeat", 1))):
        got = _run(_argv(case_dir, spec, out), capsys)
        shown = f"exit {got.code}\n--- stdout\n{got.stdout[-2000:]}\n--- stderr\n{got.stderr}"
        assert got.code == spec["exit_code"], shown
        if spec.get("no_traceback", True):
            assert "Traceback" not in got.stderr, shown
        for text in spec.get("stderr_contains", []):
            assert text in got.stderr, f"{text!r} not in stderr\n{shown}"
        for text in spec.get("stdout_contains", []):
            assert text in got.stdout, f"{text!r} not in stdout\n{shown}"
    for name in spec.get("outputs", []):
        assert (out / name).exists(), f"{name} not written\n{shown}"
    if spec.get("out_kept"):
        assert _same(case_dir / spec["out_from"], out), "the out path was changed"
    for name, texts in spec.get("output_contains", {}).items():
        content = (out / name).read_text(encoding="utf-8")
        for text in texts:
            assert text in content, f"{text!r} not in {name}"
    if spec.get("no_spreadsheet_formulas"):
        assert _live_formulas(out) == []
    if "upload" in spec:
        problems = _upload(spec["upload"], case_dir, request)
        expected = spec["upload"].get("expect_problem_contains", [])
        if not expected:
            assert problems == [], "the upload should be accepted"
        joined = "\n".join(problems)
        for text in expected:
            assert text in joined, f"{text!r} not in the upload's problems:\n{joined}"

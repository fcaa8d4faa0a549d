"""Stress runs on the hand-made area: known unmet hours after an exit, determinism, Dask,
the stress folder, and ``homecare stress`` on the corpus's tiny own-data area."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from optimiser import cli
from optimiser.data.config import ScenarioConfig
from optimiser.data.stress_options import StressSettings
from optimiser.errors import InputError, OutputError
from optimiser.parallel import InlineRunner
from optimiser.stress import run_stress, write_stress
from tests.stress.areas import hand_area, hard_zoned_scenario

REPO = Path(__file__).resolve().parents[2]
#: Columns that time the run rather than describe its result.
TIMINGS = ["wall_s", "cpu_s"]
SETTINGS = StressSettings(draws=2, exit_providers=("A",), seed=11)
#: Two options, two draws: enough to compare engines and reruns, cheap enough to run thrice.
SMALL = StressSettings(draws=2, options=("spot", "zoned"), seed=11)


def _run(runner=None, settings=SETTINGS):
    cfg = ScenarioConfig(scenario=hard_zoned_scenario(), seed=3)
    return run_stress(cfg, runner or InlineRunner(), settings=settings, area=hand_area())


@pytest.fixture(scope="module")
def inline_run():
    """Two draws (the area and one bootstrap) and A's exit, four options, inline."""
    return _run()


@pytest.fixture(scope="module")
def small_run():
    """Two draws of spot and zoned, inline: the reference for reruns and engines."""
    return _run(settings=SMALL)


def test_an_exit_leaves_more_unmet_under_zones_than_under_spot(inline_run) -> None:
    """A exits: under hard zones Z1 has no lead, so both its 7 h packages go unmet (14 h);
    spot lets B take one (7 h unmet); two leads per zone gives Z1 B as a second lead (7 h)."""
    rec = inline_run.recovery.set_index(["shock", "option"])
    assert rec.loc[("exit A", "zoned"), "unmet_hours"] == pytest.approx(14.0)
    assert rec.loc[("exit A", "spot"), "unmet_hours"] == pytest.approx(7.0)
    assert rec.loc[("exit A", "two_leads"), "unmet_hours"] == pytest.approx(7.0)
    assert rec.loc[("exit A", "zoned"), "extra_unmet_hours"] == pytest.approx(14.0)
    # recovery: A's two clients must change provider under every option
    for option in inline_run.options:
        assert rec.loc[("exit A", option), "displaced_packages"] == 2
        assert rec.loc[("exit A", option), "packages_changing_provider"] >= 2
    assert rec.loc[("exit A", "zoned"), "displaced_unmet_hours"] == pytest.approx(14.0)


def test_every_case_and_option_has_a_row(inline_run) -> None:
    """2 draws + 1 exit, x 4 options, all solved; percentiles over the two draws."""
    table = inline_run.table
    assert len(table) == (2 + 1) * 4 and (table["status"] == "ok").all(), table["error"]
    assert inline_run.shocks == ("none", "exit A")
    pct = inline_run.percentiles
    assert set(pct["draws"]) == {2}
    assert (pct["p10"] <= pct["p50"]).all() and (pct["p50"] <= pct["p90"]).all()
    assert len(inline_run.regret) == 2 * 4


def test_the_same_seed_gives_the_same_figures(small_run) -> None:
    """A rerun with the same seed repeats every figure (the bootstrap draw and solver too)."""
    again = _run(settings=SMALL)
    pd.testing.assert_frame_equal(
        small_run.table.drop(columns=TIMINGS), again.table.drop(columns=TIMINGS)
    )


def test_dask_gives_the_rows_inline_gives(small_run, dask_runner) -> None:
    """Two worker processes, tasks finishing in any order: the same table as inline."""
    on_dask = _run(dask_runner, settings=SMALL)
    pd.testing.assert_frame_equal(
        small_run.table.drop(columns=TIMINGS), on_dask.table.drop(columns=TIMINGS)
    )


def test_options_sharing_one_mip_memo_give_the_rows_of_solving_alone(monkeypatch) -> None:
    """A exits: the four options of one case share a MIP memo (zoned and rural uplift have
    the same unmet stage, so the memo is hit) and give exactly the rows each option gives
    when it solves every stage MIP itself."""
    from optimiser.data.stress_options import ProviderExit
    from optimiser.models.mip_stage import MipMemo
    from optimiser.stress import run as stress_run
    from optimiser.stress.options import build_options

    area = hand_area()
    options = build_options(
        hard_zoned_scenario(),
        area.zone_table,
        area.packages,
        area.providers,
        area.office_min,
        SETTINGS,
    )
    source = stress_run.StressSource(area, None, {})
    case = stress_run.StressCase(0, ProviderExit("A"), 1)
    memos: list[MipMemo] = []

    class Recorded(MipMemo):
        def __init__(self) -> None:
            super().__init__()
            memos.append(self)

    monkeypatch.setattr(stress_run, "MipMemo", Recorded)
    shared = stress_run.stress_rows(source, case, options, 11)
    alone = stress_run.stress_rows(source, case, options, 11, share_mip=False)
    assert len(memos) == 1 and memos[0].hits >= 1
    drop = [*TIMINGS]
    assert pd.DataFrame(shared).drop(columns=drop).equals(pd.DataFrame(alone).drop(columns=drop))
    assert [r["status"] for r in shared] == ["ok"] * len(options)


def test_an_unknown_provider_to_exit_is_named_with_the_closest_id() -> None:
    """An exit of 'a' (lower case) is refused before any work, suggesting 'A'."""
    with pytest.raises(InputError, match=r"unknown provider 'a'") as err:
        _run(settings=StressSettings(draws=1, exit_providers=("a",)))
    assert "did you mean 'A'" in str(err.value)


def test_the_stress_folder_holds_tables_charts_and_a_safe_workbook(inline_run, tmp_path) -> None:
    """Tables per option and per shock, charts, and a workbook with one sheet per table; a
    folder of the user's own is never replaced."""
    out = write_stress(inline_run, tmp_path / "stress")
    assert {p.name for p in (out / "options").iterdir()} == {f"{o}.csv" for o in inline_run.options}
    assert {p.name for p in (out / "shocks").iterdir()} == {"none.csv", "exit_a.csv"}
    assert (out / "charts" / "draws_unmet.png").stat().st_size > 1000
    assert (out / "charts" / "shocks_unmet.png").is_file()
    sheets = load_workbook(out / "stress.xlsx").sheetnames
    assert sheets == ["results", "percentiles", "regret", "regret_summary", "recovery"]
    write_stress(inline_run, out)  # our own folder may be replaced
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(OutputError):
        write_stress(inline_run, mine)
    assert (mine / "notes.txt").read_text(encoding="utf-8") == "keep me"


@pytest.fixture()
def tiny_case(tmp_path) -> Path:
    """The e2e corpus's tiny own-data area (a 5 x 5 street grid, two providers) with a
    [stress] table: exits of each provider and slower roads."""
    shutil.copytree(REPO / "tests" / "data" / "e2e" / "_area", tmp_path / "_area")
    case = tmp_path / "case"
    case.mkdir()
    path = case / "stress.toml"
    path.write_text(
        """[scenario]
name = "tiny_stress"
[inputs]
include = "../_area/inputs.toml"
[zones]
rule = "zoned"
[solver]
time_limit_s = 5.0
workers = 1
[stress]
draws = 2
options = ["spot", "zoned"]
max_deterministic_time = 0.02
[stress.provider_exit]
providers = "each"
[stress.slower_roads]
factor = 1.5
""",
        encoding="utf-8",
    )
    return path


def test_the_stress_command_writes_its_folder(tiny_case, tmp_path, capsys) -> None:
    """``homecare stress CONFIG --inline``: exit 0, the percentiles and recovery printed, the
    folder written; a rerun into a user's folder is refused before any work."""
    out = tmp_path / "out"
    code = cli.main(["-q", "stress", str(tiny_case), "--inline", "--out", str(out)])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "P10 / P50 / P90" in printed and "exit R1" in printed and "roads x1.5" in printed
    table = pd.read_csv(out / "results.csv")
    assert len(table) == (2 + 3) * 2 and (table["status"] == "ok").all()
    user = tmp_path / "user"
    user.mkdir()
    (user / "mine.xlsx").write_bytes(b"x")
    assert cli.main(["-q", "stress", str(tiny_case), "--inline", "--out", str(user)]) == 2
    assert "will not write results" in capsys.readouterr().err


def test_a_typo_in_the_stress_table_is_named(tiny_case, capsys) -> None:
    """A misspelt shock key stops the command with the closest known key."""
    tiny_case.write_text(
        tiny_case.read_text(encoding="utf-8").replace("factor = 1.5", "facter = 1.5"),
        encoding="utf-8",
    )
    assert cli.main(["-q", "stress", str(tiny_case), "--inline"]) == 2
    assert "did you mean 'factor'" in capsys.readouterr().err

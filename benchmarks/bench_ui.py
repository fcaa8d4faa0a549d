"""Click-to-settled times of zone moves in the real app, driven in headless Chromium.

Serves the app (``streamlit run ui/app.py``) on a free local port, opens the Zones page in a
system Chromium through Playwright (``--chromium``, default ``/usr/bin/chromium``; never
``playwright install``), and applies several zone moves that each give a new zone table (so
no run is served from the cache). For each move it measures, from the click on "Apply move":

- ``click_to_kpi_s``: until the new run's figures are on screen: the "Moved <area>" notice
  (drawn with the figures, in the same rerun) and all five figure values, none stale. A move
  may leave a rounded figure's text as it was, so the text changing alone is not waited for;
  whether the values' text changed is printed per move;
- ``click_to_settled_s``: until the page is settled: Streamlit's status widget no longer says
  it is running and no element is marked stale.

Prints one line per move and ends with ``RESULT click_to_kpi_s=<median>
click_to_settled_s=<median>``. The machine's load (``os.getloadavg``) is printed before and
after, since a shared machine changes the figures. ``--screens DIR --tag NAME`` also saves
``zones_NAME.png`` and ``scenarios_NAME.png`` (the pages as a commissioner sees them).
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from ui.cache import LOOKAHEAD_ENV_VAR, lookahead_enabled
from ui.launch import streamlit_command

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SERVER_START_S = 90.0
PAGE_TIMEOUT_MS = 180_000

#: Cumulative moves on the demo (small area, target zone): each gives a zone table not seen
#: before in the run, so every move re-solves.
MOVES: tuple[tuple[str, str], ...] = (
    ("E01013803", "Z-UPP"),
    ("E01013787", "Z-UPP"),
    ("E01013798", "Z-OAK-S"),
    ("E01013788", "Z-RUR-C"),
    ("E01013791", "Z-RUR-C"),
    ("E01013806", "Z-RUR-SW"),
)

#: True when Streamlit is idle: no "running" status and no stale element on the page.
SETTLED_JS = """() => {
  const running = document.querySelector('[data-testid="stStatusWidgetRunningIcon"]')
    || document.querySelector('[data-testid="stStatusWidgetRunningManIcon"]')
    || [...document.querySelectorAll('[data-testid="stStatusWidget"]')]
         .some(e => /running/i.test(e.innerText));
  const stale = document.querySelector('[data-stale="true"]');
  return !running && !stale;
}"""
KPI_JS = """() => [...document.querySelectorAll('[data-testid="stMetricValue"]')]
  .map(e => e.innerText).join('|')"""
#: True when the move's notice for ``code`` and five fresh figure values are on the page.
SHOWN_JS = """(code) => {
  const moved = [...document.querySelectorAll('[data-testid="stAlertContentSuccess"]')]
    .some(e => e.innerText.startsWith('Moved ') && e.innerText.includes('(' + code + ')')
         && !e.closest('[data-stale="true"]'));
  const values = [...document.querySelectorAll('[data-testid="stMetricValue"]')]
    .filter(e => !e.closest('[data-stale="true"]'));
  return moved && values.length === 5;
}"""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as response:
            return response.read().strip() == b"ok"
    except OSError:
        return False


@contextmanager
def served_app(log_path: Path, *, start_s: float = SERVER_START_S) -> Iterator[str]:
    """The app served headless on a free local port (its URL), its output in ``log_path``;
    always stopped after. RuntimeError (with the log's tail) if it is not healthy in
    ``start_s`` [s]. The browser test serves the app through this too."""
    port = _free_port()
    with log_path.open("w") as log:
        process = subprocess.Popen(
            streamlit_command(port=port),
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + start_s
            while not _healthy(url):
                if process.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    raise RuntimeError(
                        "the Streamlit server did not become healthy:\n"
                        + log_path.read_text()[-2000:]
                    )
                time.sleep(0.25)
            yield url
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait(timeout=10)


def wait_settled(page, *, quiet_s: float = 0.3, timeout_s: float = 180.0) -> float:
    """Wait until the page stays settled for ``quiet_s`` [s]; the time it first settled for
    good (``time.perf_counter``)."""
    deadline = time.perf_counter() + timeout_s
    since: float | None = None
    while time.perf_counter() < deadline:
        now = time.perf_counter()
        if page.evaluate(SETTLED_JS):
            since = now if since is None else since
            if now - since >= quiet_s:
                return since
        else:
            since = None
        time.sleep(0.03)
    raise TimeoutError("the page did not settle")


def pick(page, label: str, text: str) -> None:
    """Choose the option containing ``text`` in the selectbox ``label`` and let it settle."""
    box = page.get_by_role("combobox", name=label, exact=True).last
    box.click()
    box.fill(text)
    page.get_by_role("option").filter(has_text=text).first.click()
    page.wait_for_timeout(200)
    wait_settled(page)


def timed_move(page, area_code: str, zone_id: str) -> tuple[float, float, bool]:
    """Apply one move; seconds from the click to (new figures shown, page settled), and
    whether the figures' text changed."""
    pick(page, "Small area", area_code)
    pick(page, "Move to zone", zone_id)
    before = page.evaluate(KPI_JS)
    button = page.get_by_role("button", name="Apply move")
    start = time.perf_counter()
    button.click()
    kpi_at = None
    deadline = start + 180.0
    while time.perf_counter() < deadline:
        if page.evaluate(SHOWN_JS, area_code):
            kpi_at = time.perf_counter()
            break
        time.sleep(0.02)
    settled_at = wait_settled(page)
    kpi = float("nan") if kpi_at is None else kpi_at - start
    return kpi, max(settled_at, kpi_at or start) - start, page.evaluate(KPI_JS) != before


def open_zones(page, url: str) -> None:
    """Open the Zones page and wait for the map, the figures and a settled page."""
    page.goto(url)
    page.locator('[data-testid="stMetricValue"]').nth(4).wait_for()
    page.locator('[data-testid="stDeckGlJsonChart"]').first.wait_for()
    page.get_by_role("button", name="Apply move").wait_for()
    wait_settled(page, quiet_s=1.0)


def screenshots(page, url: str, out_dir: Path, tag: str) -> None:
    """Save the Zones page and the Scenarios page (with spot and zoned added) as PNGs."""
    out_dir.mkdir(parents=True, exist_ok=True)
    open_zones(page, url)
    page.wait_for_timeout(1500)  # deck.gl draws after Streamlit settles
    page.screenshot(path=str(out_dir / f"zones_{tag}.png"), full_page=True)
    page.goto(url + "/scenarios")
    page.get_by_role("button", name="Add spot purchasing (current zones)").wait_for()
    wait_settled(page, quiet_s=1.0)
    for name in ("Add spot purchasing (current zones)", "Add zoned (current zones)"):
        page.get_by_role("button", name=name).click()
        page.wait_for_timeout(300)
        wait_settled(page, quiet_s=1.0)
    page.wait_for_timeout(1000)
    page.screenshot(path=str(out_dir / f"scenarios_{tag}.png"), full_page=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--chromium", default=os.environ.get("HOMECARE_CHROMIUM", "/usr/bin/chromium")
    )
    parser.add_argument("--moves", type=int, default=len(MOVES), help="moves to time [6]")
    parser.add_argument("--screens", type=Path, help="also save page screenshots here")
    parser.add_argument("--tag", default="now", help="screenshot name suffix [now]")
    parser.add_argument("--log", type=Path, default=Path("/tmp/bench_ui_streamlit.log"))
    parser.add_argument(
        "--no-lookahead",
        action="store_true",
        help="serve the app with the look-ahead off (a picked move is solved only on the click)",
    )
    args = parser.parse_args(list(argv) if argv is not None else None)
    if args.no_lookahead:
        os.environ[LOOKAHEAD_ENV_VAR] = "0"

    from playwright.sync_api import sync_playwright

    print(f"load average before: {os.getloadavg()} on {os.cpu_count()} cores", flush=True)
    print(f"look-ahead (a picked move solved before the click): {lookahead_enabled()}")
    kpis: list[float] = []
    settled: list[float] = []
    with served_app(args.log) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(PAGE_TIMEOUT_MS)
            if args.screens is not None:
                screenshots(page, url, args.screens, args.tag)
            open_zones(page, url)
            for i, (code, zone) in enumerate(MOVES[: args.moves], start=1):
                kpi, done, changed = timed_move(page, code, zone)
                kpis.append(kpi)
                settled.append(done)
                print(
                    f"move {i}: {code} -> {zone}: click_to_kpi_s={kpi:.2f} "
                    f"click_to_settled_s={done:.2f} figures_text_changed={changed}",
                    flush=True,
                )
        finally:
            browser.close()
    print(f"load average after: {os.getloadavg()}", flush=True)
    print(
        f"RESULT click_to_kpi_s={statistics.median(kpis):.2f} "
        f"click_to_settled_s={statistics.median(settled):.2f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

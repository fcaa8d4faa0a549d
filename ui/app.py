"""The Streamlit app's entrypoint: page set-up and the router between the seven pages."""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st
from PIL import Image

# `streamlit run ui/app.py` puts ui/ on the path, not the project root: add the root so the
# `ui` and `optimiser` packages import the same way with or without `pip install -e .`.
_ROOT = str(Path(__file__).resolve().parents[1])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

# The favicon is drawn here (a plain tile in the map's first zone colour): Material icons and
# emoji as favicons are fetched from the internet, and the app must work offline.
_ICON = Image.new("RGB", (32, 32), (0, 114, 178))
_ICON.paste((255, 255, 255), (8, 10, 24, 26))
st.set_page_config(page_title="Homecare zones", page_icon=_ICON, layout="wide")

# The pages live in ui/views/, not ui/pages/: a folder named "pages" beside the entrypoint
# switches Streamlit to its old multipage mode whenever a session opens a page URL first
# (e.g. /finance after a restart), which skips this router, its sections and page config.
_PAGES_DIR = Path(__file__).resolve().parent / "views"


def _page(name: str, title: str, icon: str, *, default: bool = False) -> st.Page:
    return st.Page(
        _PAGES_DIR / f"{name}.py", title=title, icon=icon, url_path=name, default=default
    )


PAGES = {
    "Commissioning": [
        _page("zones", "Zones", ":material/map:", default=True),
        _page("scenarios", "Scenarios", ":material/compare:"),
        _page("equity", "Equity and market", ":material/diversity_3:"),
        _page("resilience", "Resilience", ":material/shield:"),
    ],
    "Operations": [
        _page("brokerage", "Brokerage", ":material/handshake:"),
        _page("finance", "Finance", ":material/currency_pound:"),
    ],
    "Area": [
        _page("area", "Your area", ":material/upload_file:"),
    ],
}

st.navigation(PAGES).run()

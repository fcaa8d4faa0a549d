"""Start the Streamlit app (`homecare ui`): `streamlit run ui/app.py` on the local machine."""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

#: The app's entrypoint script.
APP_PATH = Path(__file__).resolve().parent / "app.py"


def streamlit_command(*, port: int = 8501, address: str = "127.0.0.1") -> list[str]:
    """The command line that serves the app headless on ``address:port`` (local only)."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP_PATH),
        "--server.headless",
        "true",
        "--server.address",
        address,
        "--server.port",
        str(port),
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "viewer",
    ]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the app until interrupted; returns Streamlit's exit code."""
    parser = argparse.ArgumentParser(prog="homecare ui", description=__doc__)
    parser.add_argument("--port", type=int, default=8501, help="port to serve on [8501]")
    parser.add_argument(
        "--address", default="127.0.0.1", help="address to bind (default: this machine only)"
    )
    args = parser.parse_args(list(argv) if argv is not None else None)
    command = streamlit_command(port=args.port, address=args.address)
    print(f"Serving the app on http://{args.address}:{args.port} (Ctrl+C to stop)", flush=True)
    try:
        return subprocess.call(command)
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())

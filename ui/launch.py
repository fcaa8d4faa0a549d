"""Start the Streamlit app (`homecare ui [CONFIG]`): `streamlit run ui/app.py` on this machine.

A scenario config given is checked first (every problem printed, nothing started), then passed
to the app as an absolute path in the environment variable ``HOMECARE_UI_CONFIG`` (not as a
script argument: the variable reaches every session's script run, and tests set it the same
way); the app opens that config's area instead of the demo.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

#: The app's entrypoint script.
APP_PATH = Path(__file__).resolve().parent / "app.py"
#: The variable naming the startup config (the same name as ``ui.cache.CONFIG_ENV_VAR``; not
#: imported from there, so starting the app does not import Streamlit in this process).
CONFIG_ENV_VAR = "HOMECARE_UI_CONFIG"


def app_environment(config: Path | None, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment the app runs in: ``base`` (default this process's) with the startup
    config's absolute path, or without any inherited one when ``config`` is None (the demo)."""
    env = dict(os.environ if base is None else base)
    env.pop(CONFIG_ENV_VAR, None)
    if config is not None:
        env[CONFIG_ENV_VAR] = str(Path(config).expanduser().resolve())
    return env


def check_config(config: Path) -> str | None:
    """Every problem of a scenario config as text (None when it loads): the same loader as
    ``homecare run``, before the server starts."""
    from optimiser import service
    from optimiser.errors import HomecareError

    try:
        service.load_config(Path(config))
    except HomecareError as err:
        return str(err)
    return None


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
    parser.add_argument(
        "config", nargs="?", default=None, help="scenario config whose area to open [the demo]"
    )
    parser.add_argument("--port", type=int, default=8501, help="port to serve on [8501]")
    parser.add_argument(
        "--address", default="127.0.0.1", help="address to bind (default: this machine only)"
    )
    args = parser.parse_args(list(argv) if argv is not None else None)
    config = Path(args.config) if args.config else None
    if config is not None:
        problems = check_config(config)
        if problems is not None:
            print(f"homecare ui: {problems}", file=sys.stderr)
            return 2
    command = streamlit_command(port=args.port, address=args.address)
    area = "the demo area" if config is None else f"the area of {config}"
    print(
        f"Serving the app on http://{args.address}:{args.port} with {area} (Ctrl+C to stop)",
        flush=True,
    )
    try:
        return subprocess.call(command, env=app_environment(config))
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())

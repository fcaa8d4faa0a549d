"""Reading a packages table: rows per second of ``read_packages`` (the product's reader).

Writes generated packages CSVs of 1,000, 10,000 and 100,000 rows into a temporary folder
(synthetic rows, a few visit patterns repeated as a council's book repeats them, no real
people) and times ``optimiser.data.tables.read_packages`` on each: the path ``homecare run``
and the web app's upload take. Prints one line per size and ends with
``RESULT rows=100000 read_s=<seconds>``.

    python -m benchmarks.bench_read [--sizes 1000 10000 100000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from optimiser.data.tables import read_packages

#: Visit patterns with their weekly hours, cycled over the rows (typical council patterns).
PATTERNS = (
    ("mon-sun morning 45", 5.25),
    ("mon-sun morning 30x2; mon-sun lunch 30; mon-sun tea 30; mon-sun bed 30", 14.0),
    ("mon,wed,fri 09:00-10:30 60", 3.0),
    ("sat-sun morning 07:30-08:30 45; mon-fri bed 15", 2.75),
    ("mon-sun morning 45; mon-sun bed 20:00-21:00 30", 8.75),
    ("daily lunch 30; daily tea 30", 7.0),
)
HEADER = (
    "package_id,lat,lon,weekly_hours,visits,needs,status,days_waiting,priority,"
    "current_provider,zone_id,area_code,placement"
)


def write_packages_csv(path: Path, rows: int) -> Path:
    """A packages CSV of ``rows`` generated rows (waiting and active, every column filled)."""
    lines = [HEADER]
    for i in range(rows):
        visits, hours = PATTERNS[i % len(PATTERNS)]
        lat = 52.55 + (i % 997) * 0.0002
        lon = -0.80 + (i % 991) * 0.0002
        active = i % 3 == 0
        lines.append(
            f'P{i:06d},{lat:.5f},{lon:.5f},{hours},"{visits}",'
            f"{'dementia' if i % 2 else ''},{'active' if active else 'waiting'},"
            f"{0 if active else i % 90},{'hospital_discharge' if i % 7 == 0 else 'community'},"
            f"{'R1' if active else ''},Z{i % 7},A{i % 26},road"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    """Time the reader on each size; print rows/s and the RESULT line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    args = parser.parse_args(argv)
    last: tuple[int, float] | None = None
    with tempfile.TemporaryDirectory() as tmp:
        for rows in args.sizes:
            path = write_packages_csv(Path(tmp) / f"packages_{rows}.csv", rows)
            start = time.perf_counter()
            packages = read_packages(path)
            seconds = time.perf_counter() - start
            assert len(packages) == rows
            print(f"rows={rows:>7,}  read_s={seconds:7.2f}  rows_per_s={rows / seconds:>10,.0f}")
            last = (rows, seconds)
    assert last is not None
    print(f"RESULT rows={last[0]} read_s={last[1]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

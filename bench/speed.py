"""The speed dashboard at 1x and 100x history.

    .venv/bin/python bench/speed.py               # 30 requests per size
    .venv/bin/python bench/speed.py --repeats 10  # a quick look

1x is the demo's past: 12 loops (48 scorecards) over four weeks. 100x is the same pace kept
up for 100 times as long (1,200 loops over about eight years). The dashboard shows the last
eight weeks; requested through the app as an admin. Target: within 2x of each other.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
from pathlib import Path

from calibration import build
from harness import percentile, timed_get

from app.demo import DEMO_PASSWORD
from tests.conftest import csrf_from

SIZES = {"1x": (48, 28), "100x": (4_800, 2_800)}  # scorecards, days
RATIO_TARGET = 2.0


def timings(app, repeats: int) -> list[float]:
    client = app.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    client.post(
        "/login",
        data={"email": "admin@example.com", "password": DEMO_PASSWORD, "csrf_token": token},
    )
    return timed_get(client, "/speed/", repeats)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    results = {}
    for label, (scorecards, days) in SIZES.items():
        workdir = Path(tempfile.mkdtemp(prefix="loopkit-bench-speed-"))
        try:
            app, _, seeded = build(workdir, scorecards, days)
            results[label] = timings(app, args.repeats)
            print(f"{label:>5}: {scorecards} scorecards over {days} days, seeded in {seeded:.1f} s")
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"\n{'history':<10}{'p50 ms':>10}{'p95 ms':>10}")
    for label, values in results.items():
        print(f"{label:<10}{statistics.median(values):>10.1f}{percentile(values, 95):>10.1f}")
    ratio = statistics.median(results["100x"]) / statistics.median(results["1x"])
    verdict = "meets" if ratio <= RATIO_TARGET else "misses"
    print(f"\nratio {ratio:.2f}x: {verdict} the target of {RATIO_TARGET:g}x")


if __name__ == "__main__":
    main()

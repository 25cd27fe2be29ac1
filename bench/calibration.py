"""Calibration pages at 100 and at 10,000 submitted scorecards.

    .venv/bin/python bench/calibration.py               # 30 requests per page and size
    .venv/bin/python bench/calibration.py --repeats 10  # a quick look

Each size is a fresh SQLite file on disk with the demo team and its past month grown to
that many scorecards (four per loop), refreshed once as the scheduler does. Then each
calibration page is requested through the app, signed in as the hiring manager (the team's
and the opening's page) and as an interviewer (their own). Target: a page at 10,000
scorecards within 2x its time at 100.

Also printed: the scheduler's refresh at each size, and what computing on the request would
cost (the one read of every scorecard and the figures from it), the plain way this design
keeps off the page.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from flask_migrate import upgrade
from harness import ROOT, percentile, timed_get

from app import create_app
from app.calibration.refresh import compute, refresh_calibration, submitted_scorecards
from app.demo import DEMO_PASSWORD, seed_demo
from app.demo.history import seed_history
from app.extensions import db
from app.library.store import load_library
from tests.conftest import csrf_from
from tests.interviews.gunicorn_server import TEST_SECRET_KEY, sqlite_url

SIZES = (100, 10_000)
RATIO_TARGET = 2.0


def build(workdir: Path, scorecards: int, days: int = 90):
    """A fresh instance with the demo team and `scorecards` past ones (four per loop) spread
    over the last `days` days."""
    directory = workdir / "instance"
    directory.mkdir(parents=True)
    for key in [k for k in os.environ if k.startswith("LOOPKIT_")]:
        del os.environ[key]
    os.environ.update(
        LOOPKIT_INSTANCE_PATH=str(directory),
        LOOPKIT_SECRET_KEY=TEST_SECRET_KEY,
        DATABASE_URL=sqlite_url(workdir / "bench.sqlite3"),
    )
    app = create_app({"PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        load_library(app.config["RUBRICS_DIR"])
        now = datetime.now(UTC)
        team = seed_demo(now)
        began = time.perf_counter()
        seed_history(team.users, team.opening, now, candidates=scorecards // 4, days=days)
        db.session.commit()
        seeded = time.perf_counter() - began
        opening_id = team.opening.id
        db.session.remove()
    return app, opening_id, seeded


def plain_and_refresh(app, repeats: int) -> dict[str, float]:
    with app.app_context():
        plain = []
        for _ in range(max(3, repeats // 10)):
            began = time.perf_counter()
            compute(submitted_scorecards(), datetime.now(UTC))
            plain.append(time.perf_counter() - began)
            db.session.rollback()
        report = refresh_calibration()
    return {"plain_ms": statistics.median(plain) * 1000, "refresh_s": report.seconds}


def pages(app, opening_id: int, repeats: int) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {}
    for email, urls in (
        ("manager@example.com", ["/calibration/", f"/openings/{opening_id}/calibration"]),
        ("tomas@example.com", ["/calibration/me"]),
    ):
        client = app.test_client()
        token = csrf_from(client.get("/login").get_data(as_text=True))
        client.post("/login", data={"email": email, "password": DEMO_PASSWORD, "csrf_token": token})
        for url in urls:
            timings[url.replace(str(opening_id), "<id>")] = timed_get(client, url, repeats)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    results = {}
    for size in SIZES:
        workdir = Path(tempfile.mkdtemp(prefix="loopkit-bench-calibration-"))
        try:
            app, opening_id, seeded = build(workdir, size)
            costs = plain_and_refresh(app, args.repeats)
            results[size] = (pages(app, opening_id, args.repeats), costs)
            print(
                f"{size:>6} scorecards: seeded in {seeded:.1f} s; "
                f"refresh {costs['refresh_s']:.2f} s; "
                f"computing on the request would cost {costs['plain_ms']:.0f} ms"
            )
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    small, large = (results[size][0] for size in SIZES)
    print(f"\n{'page':<28}{'100: p50 / p95 ms':>20}{'10,000: p50 / p95 ms':>24}{'ratio p50':>11}")
    worst = 0.0
    for label in small:
        a, b = small[label], large[label]
        ratio = statistics.median(b) / statistics.median(a)
        worst = max(worst, ratio)
        print(
            f"{label:<28}{statistics.median(a):>10.1f} / {percentile(a, 95):<7.1f}"
            f"{statistics.median(b):>14.1f} / {percentile(b, 95):<7.1f}{ratio:>9.2f}x"
        )
    verdict = "meets" if worst <= RATIO_TARGET else "misses"
    print(f"\nworst ratio {worst:.2f}x: {verdict} the target of {RATIO_TARGET:g}x")


if __name__ == "__main__":
    main()

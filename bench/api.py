"""API list latency at 1x and 100x data.

    .venv/bin/python bench/api.py               # 30 requests per list and size
    .venv/bin/python bench/api.py --repeats 10  # a quick look

1x is the demo with its past month: 12 loops, 48 scorecards. 100x is 100 times that (1,200
loops, 4,800 scorecards). Each list is requested through the app with an admin's token
(every scope), a page of 10 (1x has a dozen of each, so both sizes answer the same number of
items): the first page, and a later one (by its cursor). Target: each list's
median at 100x within 2x of its median at 1x.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
from pathlib import Path

from calibration import build
from harness import percentile, timed_get

from app.api.paging import cursor_after
from app.auth.tokens import issue_token
from app.extensions import db
from app.models import ApiScope, Candidate, Debrief, Loop, Scorecard, User

SIZES = {"1x": (48, 28), "100x": (4_800, 2_800)}  # scorecards, days
RATIO_TARGET = 2.0
PAGE = 10
LISTS = {
    "candidates": Candidate,
    "loops": Loop,
    "scorecards": Scorecard,
    "decisions": Debrief,
}


def _middle_cursor(model) -> str:
    ids = db.session.execute(db.select(model.id).order_by(model.id)).scalars().all()
    return cursor_after(ids[len(ids) // 4])  # a full page still follows at 1x


def timings(app, repeats: int) -> dict[str, list[float]]:
    with app.app_context():
        admin = db.session.execute(db.select(User).where(User.role == "admin")).scalars().first()
        secret, _ = issue_token(admin, admin, "bench", list(ApiScope))
        db.session.commit()
        urls = {}
        for name, model in LISTS.items():
            urls[name] = f"/api/v1/{name}?limit={PAGE}"
            later = _middle_cursor(model)
            urls[f"{name}, later page"] = f"/api/v1/{name}?limit={PAGE}&cursor={later}"
    client = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    out: dict[str, list[float]] = {}
    for label, url in urls.items():
        out[label] = timed_get(client, url, repeats, headers)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    results = {}
    for size, (scorecards, days) in SIZES.items():
        workdir = Path(tempfile.mkdtemp(prefix="loopkit-bench-api-"))
        try:
            app, _, seeded = build(workdir, scorecards, days)
            results[size] = timings(app, args.repeats)
            print(f"{size:>5}: {scorecards} scorecards over {days} days, seeded in {seeded:.1f} s")
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    heading = f"list (page of {PAGE})"
    print(f"\n{heading:<24}{'1x p50':>9}{'100x p50':>10}{'100x p95':>10}{'ratio':>8}")
    worst = 0.0
    for label, small in results["1x"].items():
        large = results["100x"][label]
        ratio = statistics.median(large) / statistics.median(small)
        worst = max(worst, ratio)
        print(
            f"{label:<24}{statistics.median(small):>9.1f}{statistics.median(large):>10.1f}"
            f"{percentile(large, 95):>10.1f}{ratio:>7.2f}x"
        )
    verdict = "meets" if worst <= RATIO_TARGET else "misses"
    print(f"\nworst ratio {worst:.2f}x: {verdict} the target of {RATIO_TARGET:g}x")


if __name__ == "__main__":
    main()

"""Autosave saturation side by side: the same load against servers run from different
checkouts (git worktrees), taking turns window by window in one run.

Why: on a shared 2-core VM, two servers of the same code differ by 5-10% within one run, and
the figures of one run differ from the next. A change worth a few percent only shows when its
servers and the baseline's take turns, and when each checkout gets more than one server
(`bench/autosave.py` pools several servers for the same reason).

Usage, from the repository root (the baseline first; the checkouts must share the schema):

    git worktree add ../loopkit-base <commit>
    .venv/bin/python bench/compare_autosave.py ../loopkit-base .

Each checkout is served by --servers gunicorn servers, each with its own SQLite database set
up as `bench/autosave.py` does. Each round runs every server's saves and its health checks for
--window seconds each, in a shuffled order. Printed per checkout: saves/s, health checks/s,
its own ratio, the ratio against all servers' health checks pooled (the health check is the
same code everywhere, so pooling cuts its noise), and saves/s against the first checkout.
"""

from __future__ import annotations

import argparse
import shutil
import signal
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from autosave import STOP, Served, _interrupt, saturate, serve  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkouts", nargs="+", type=Path, help="baseline first")
    parser.add_argument("--servers", type=int, default=2, help="servers per checkout")
    parser.add_argument("--rounds", type=int, default=16)
    parser.add_argument("--window", type=float, default=1.0, help="seconds per window")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=5, help="gunicorn workers per server")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)

    workdirs: list[Path] = []
    served: list[Served] = []
    try:
        for checkout in args.checkouts:
            for _ in range(args.servers):
                workdirs.append(Path(tempfile.mkdtemp(prefix="loopkit-compare-")))
                served.append(serve(checkout.resolve(), workdirs[-1], args.clients, args.workers))
        print(
            f"== {len(served)} servers ({args.servers} per checkout, {args.workers} workers each), "
            f"{args.rounds} rounds of {args.window:g}-second windows, {args.clients} clients"
        )
        saturate(served, args.rounds, args.window)

        pooled = sum(s.health[1].per_second() for s in served) / len(served)
        baseline = None
        for checkout in args.checkouts:
            mine = [s for s in served if s.checkout == checkout.resolve()]
            saves = sum(s.saves[1].per_second() for s in mine) / len(mine)
            health = sum(s.health[1].per_second() for s in mine) / len(mine)
            errors = sum(len(s.saves[1].tally.errors) + len(s.health[1].tally.errors) for s in mine)
            baseline = baseline or saves
            print(
                f"   {checkout}: {saves:.0f} saves/s ({100 * (saves / baseline - 1):+.1f}%), "
                f"{health:.0f} health/s, ratio {saves / health:.3f}, against pooled health "
                f"{saves / pooled:.3f}; {errors} errors"
            )
        return 0
    except KeyboardInterrupt:
        print("\ninterrupted: stopping", file=sys.stderr)
        return 130
    finally:
        STOP.set()
        for one in served:
            one.server.stop()
        for workdir in workdirs:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

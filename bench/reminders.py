"""Reminder delivery under load: 10,000 reminders due within one minute, delivered by the real
scheduler process (`flask scheduler run`) to a local SMTP server (aiosmtpd on loopback).

Prints throughput, lateness (due time -> accepted by the SMTP server: p50, p99, max) and the
number of duplicates, judged against the target: p99 lateness under the polling interval
plus 5 seconds, and no duplicate.

    .venv/bin/python bench/reminders.py                 # SQLite in a temporary folder
    .venv/bin/python bench/reminders.py --count 2000    # a quicker run
    DATABASE_URL=postgresql://... .venv/bin/python bench/reminders.py   # PostgreSQL
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


class Receiver:
    def __init__(self):
        self.accepted: list[tuple[str, float]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        now = time.time()
        message_id = ""
        for line in envelope.content.split(b"\r\n"):
            if line.lower().startswith(b"message-id:"):
                message_id = line.split(b":", 1)[1].strip().decode()
                break
            if not line:
                break
        with self.lock:
            self.accepted.append((message_id, now))
        return "250 OK"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--spread", type=float, default=60.0, help="seconds the due times span")
    parser.add_argument("--interval", type=float, default=5.0, help="dispatcher polling interval")
    parser.add_argument("--timeout", type=float, default=300.0)
    args = parser.parse_args()

    from aiosmtpd.controller import Controller

    workdir = Path(tempfile.mkdtemp(prefix="loopkit-bench-"))
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ.update(
        LOOPKIT_INSTANCE_PATH=str(workdir),
        LOOPKIT_SECRET_KEY="bench-only",
        DATABASE_URL=database_url,
    )

    from flask_migrate import upgrade

    from app import create_app
    from app.demo import seed_demo
    from app.extensions import db
    from app.library.store import load_library
    from app.models import Reminder

    app = create_app({"PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    receiver = Receiver()
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        load_library(app.config["RUBRICS_DIR"])
        team = seed_demo()
        db.session.commit()
        loop = team.opening.candidates[0].loops[0]
        people = list(team.users.values())
        start = datetime.now(UTC) + timedelta(seconds=5)
        rows = [
            {
                "kind": "ready_for_debrief",
                "slot": f"bench.{n}",
                "dedupe_key": f"bench.{n}",
                "recipient_id": people[n % len(people)].id,
                "recipient_email": people[n % len(people)].email,
                "loop_id": loop.id,
                "due_at": start + timedelta(seconds=args.spread * n / args.count),
                "status": "pending",
                "attempts": 0,
                "payload": {},
                "created_at": datetime.now(UTC),
            }
            for n in range(args.count)
        ]
        db.session.execute(Reminder.__table__.insert(), rows)
        db.session.commit()
        due_by_key = {r["dedupe_key"]: r["due_at"].timestamp() for r in rows}

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(receiver, hostname="127.0.0.1", port=port)
    controller.start()
    env = {
        **os.environ,
        "FLASK_APP": "app",
        "LOOPKIT_SMTP_HOST": "127.0.0.1",
        "LOOPKIT_SMTP_PORT": str(port),
        "LOOPKIT_SMTP_STARTTLS": "false",
    }
    scheduler = subprocess.Popen(
        [sys.executable, "-m", "flask", "scheduler", "run", "--interval", str(args.interval)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    print(
        f"{args.count} reminders due from {start:%H:%M:%S} over {args.spread:.0f} s; "
        f"dispatcher polls every {args.interval:g} s; database {database_url.split(':')[0]}"
    )
    try:
        deadline = time.time() + args.timeout
        while time.time() < deadline:
            with receiver.lock:
                if len(receiver.accepted) >= args.count:
                    break
            time.sleep(0.2)
        time.sleep(1.0)  # let any duplicate arrive
    finally:
        scheduler.send_signal(signal.SIGTERM)
        try:
            scheduler.wait(timeout=30)
        except subprocess.TimeoutExpired:
            scheduler.kill()
        controller.stop()

    with receiver.lock:
        accepted = list(receiver.accepted)
    ids = Counter(message_id for message_id, _ in accepted)
    duplicates = sum(count - 1 for count in ids.values() if count > 1)
    lateness = []
    for message_id, when in accepted:
        key = message_id.strip("<>").split("@", 1)[0]
        if key in due_by_key:
            lateness.append(max(0.0, when - due_by_key[key]))
    first = min(t for _, t in accepted) if accepted else 0
    last = max(t for _, t in accepted) if accepted else 0
    missing = args.count - len(ids)
    p99 = percentile(lateness, 0.99) if lateness else float("inf")
    target = args.interval + 5
    print(f"delivered:   {len(ids)} of {args.count} (missing {missing})")
    print(f"duplicates:  {duplicates} (target 0)")
    print(
        f"throughput:  {len(accepted) / max(last - first, 1e-9):.0f} mails/s over "
        f"{last - first:.1f} s"
    )
    if lateness:
        print(
            f"lateness:    p50 {percentile(lateness, 0.5):.2f} s, p99 {p99:.2f} s, "
            f"max {max(lateness):.2f} s"
        )
    print(
        f"target:      p99 lateness < interval + 5 s = {target:g} s -> "
        f"{'met' if p99 < target and duplicates == 0 and missing == 0 else 'NOT met'} "
        f"(ratio p99/target {p99 / target:.2f})"
    )
    if scheduler.returncode not in (0, None):
        print(scheduler.stderr.read()[-2000:])


if __name__ == "__main__":
    main()

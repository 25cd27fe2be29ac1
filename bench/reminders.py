"""Reminder delivery under load and faults: 10,000 reminders due within one minute, delivered
by two real scheduler processes (`flask scheduler run`) at once, one of them killed with
SIGKILL mid-batch (mid-send: right after the SMTP server took one of its mails, before it could
mark it) and restarted after a pause, to a local SMTP server (aiosmtpd on loopback, one port
per scheduler, so each mail's sender is known).

Prints lost mail, duplicates (and how many were mails the killed process had handed over
before dying: the one duplicate no outbox can prevent), throughput and lateness (due time ->
accepted by the SMTP server: p50, p99, max) with the time no scheduler was running taken out,
judged against the targets: 0 lost, 0 duplicates without a kill, p99 lateness <= polling
interval + 1 s.

    .venv/bin/python bench/reminders.py                     # SQLite in a temporary folder
    .venv/bin/python bench/reminders.py --count 2000        # a quicker run
    .venv/bin/python bench/reminders.py --schedulers 1      # one scheduler, killed, restarted
    .venv/bin/python bench/reminders.py --kill-at 0         # no kill: not one duplicate
    .venv/bin/python bench/reminders.py --count 3000 --smtp-delay 0.05   # a slow SMTP server
    DATABASE_URL=postgresql://... .venv/bin/python bench/reminders.py   # PostgreSQL
"""

from __future__ import annotations

import argparse
import asyncio
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
    """Every mail accepted, with the port (the scheduler) it came through and when. Arms a
    kill: the first mail through the victim's port once `kill_after` mails are in triggers
    SIGKILL of the victim before the server answers 250, so that mail is accepted but never
    marked sent."""

    def __init__(self):
        self.accepted: list[tuple[str, float, int]] = []
        self.lock = threading.Lock()
        self.kill_after: int | None = None
        self.victim_port = 0
        self.victim: subprocess.Popen | None = None
        self.killed_at: float | None = None
        self.delay = 0.0

    def handler(self, port: int):
        receiver = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                if receiver.delay:
                    # A slow server: each conversation waits, others go on meanwhile.
                    await asyncio.sleep(receiver.delay)
                return receiver.take(port, envelope)

        return Handler()

    def take(self, port: int, envelope) -> str:
        now = time.time()
        message_id = ""
        for line in envelope.content.split(b"\r\n"):
            if line.lower().startswith(b"message-id:"):
                message_id = line.split(b":", 1)[1].strip().decode()
                break
            if not line:
                break
        with self.lock:
            self.accepted.append((message_id, now, port))
            if (
                self.kill_after is not None
                and port == self.victim_port
                and len(self.accepted) >= self.kill_after
                and self.victim is not None
            ):
                os.kill(self.victim.pid, signal.SIGKILL)
                self.killed_at = time.time()
                self.kill_after = None
        return "250 OK"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def overlap(start: float, end: float, spans: list[tuple[float, float]]) -> float:
    return sum(max(0.0, min(end, b) - max(start, a)) for a, b in spans)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--spread", type=float, default=60.0, help="seconds the due times span")
    parser.add_argument("--interval", type=float, default=5.0, help="dispatcher polling interval")
    parser.add_argument("--schedulers", type=int, default=2, choices=(1, 2))
    parser.add_argument(
        "--kill-at", type=float, default=0.3, help="share delivered at the kill (0: no kill)"
    )
    parser.add_argument("--downtime", type=float, default=3.0, help="seconds before the restart")
    parser.add_argument("--smtp-delay", type=float, default=0.0, help="seconds per mail")
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
    receiver.delay = args.smtp_delay
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

    ports = [free_port() for _ in range(args.schedulers)]
    controllers = [Controller(receiver.handler(p), hostname="127.0.0.1", port=p) for p in ports]
    for controller in controllers:
        controller.start()

    logs: list[Path] = []

    def scheduler(port: int) -> subprocess.Popen:
        env = {
            **os.environ,
            "FLASK_APP": "app",
            "LOOPKIT_SMTP_HOST": "127.0.0.1",
            "LOOPKIT_SMTP_PORT": str(port),
            "LOOPKIT_SMTP_STARTTLS": "false",
        }
        command = [sys.executable, "-m", "flask", "scheduler", "run"]
        logs.append(workdir / f"scheduler-{len(logs)}.log")  # a file: a full pipe would stall it
        with logs[-1].open("w") as log:
            return subprocess.Popen(
                [*command, "--interval", str(args.interval)],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )

    running = [scheduler(port) for port in ports]
    victim = running[0]
    receiver.victim, receiver.victim_port = victim, ports[0]
    kill = args.kill_at > 0
    receiver.kill_after = max(1, int(args.kill_at * args.count)) if kill else None
    killing = (
        f"the first killed (SIGKILL) mid-send after {receiver.kill_after} mails and restarted "
        f"{args.downtime:g} s later"
        if kill
        else "none killed"
    )
    print(
        f"{args.count} reminders due from {start:%H:%M:%S} over {args.spread:.0f} s; "
        f"{args.schedulers} scheduler process(es) polling every {args.interval:g} s, {killing}; "
        f"SMTP takes {args.smtp_delay:g} s a mail; database {database_url.split(':')[0]}"
    )
    outages: list[tuple[float, float]] = []  # no scheduler running at all
    restarted = None
    try:
        deadline = time.time() + args.timeout
        while time.time() < deadline:
            if receiver.killed_at and restarted is None:
                victim.wait(timeout=10)
                time.sleep(max(0.0, receiver.killed_at + args.downtime - time.time()))
                restarted = scheduler(ports[0])
                running.append(restarted)
                if args.schedulers == 1:
                    outages.append((receiver.killed_at, time.time()))
            with receiver.lock:
                if len({m for m, _, _ in receiver.accepted}) >= args.count:
                    break
            time.sleep(0.1)
        time.sleep(2.0)  # let any duplicate arrive
    finally:
        for process in running:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in running:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        for controller in controllers:
            controller.stop()

    with receiver.lock:
        accepted = list(receiver.accepted)
    first_seen: dict[str, tuple[float, int]] = {}
    for message_id, when, port in accepted:
        first_seen.setdefault(message_id, (when, port))
    ids = Counter(message_id for message_id, _, _ in accepted)
    duplicates = sum(count - 1 for count in ids.values() if count > 1)
    # A duplicate the kill explains: its first copy went through the victim before it died,
    # or in the moment after, while the server finished taking the mails the victim had
    # handed over in full on its other connections.
    handed_over_by = (receiver.killed_at or float("inf")) + args.smtp_delay + 0.5
    from_kill = sum(
        count - 1
        for message_id, count in ids.items()
        if count > 1
        and first_seen[message_id][1] == ports[0]
        and first_seen[message_id][0] <= handed_over_by
    )
    lateness = []
    for message_id, (when, _port) in first_seen.items():
        key = message_id.strip("<>").split("@", 1)[0]
        if key in due_by_key:
            due = due_by_key[key]
            lateness.append(max(0.0, when - due - overlap(due, when, outages)))
    first = min(t for _, t, _ in accepted) if accepted else 0
    last = max(t for _, t, _ in accepted) if accepted else 0
    lost = args.count - len(ids)
    p99 = percentile(lateness, 0.99) if lateness else float("inf")
    target = args.interval + 1
    met = p99 <= target and lost == 0 and duplicates - from_kill == 0
    if kill:
        print(f"killed:      {'yes' if receiver.killed_at else 'NO (not reached)'}")
    print(f"lost:        {lost} of {args.count} (target 0)")
    print(
        f"duplicates:  {duplicates} ({from_kill} for the kill mid-send, "
        f"{duplicates - from_kill} without a kill: target 0)"
    )
    print(
        f"throughput:  {len(accepted) / max(last - first, 1e-9):.0f} mails/s over "
        f"{last - first:.1f} s"
    )
    if lateness:
        print(
            f"lateness:    p50 {percentile(lateness, 0.5):.2f} s, p99 {p99:.2f} s, "
            f"max {max(lateness):.2f} s (excluding {sum(b - a for a, b in outages):.1f} s "
            "with no scheduler running)"
        )
    print(
        f"target:      0 lost, 0 duplicates without a kill, p99 lateness <= interval + 1 s = "
        f"{target:g} s -> {'met' if met else 'NOT met'} (ratio p99/target {p99 / target:.2f})"
    )
    for process, log in zip(running, logs, strict=True):
        if process.returncode not in (0, None, -signal.SIGKILL):
            print(log.read_text()[-2000:])


if __name__ == "__main__":
    main()

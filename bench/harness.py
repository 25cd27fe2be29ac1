"""What the benches share: a throwaway instance (SQLite file on disk, migrated, the rubric
library, the demo team, N interviewers with draft scorecards, two loops of six submitted
scorecards for packets), signed-in HTTP clients, the interview load, and render pressure
from the real scheduler process."""

from __future__ import annotations

import http.client
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402

from app import create_app  # noqa: E402
from app.auth.accounts import create_user  # noqa: E402
from app.demo import seed_demo  # noqa: E402
from app.extensions import db  # noqa: E402
from app.library.store import load_library  # noqa: E402
from app.loops.planning import add_session, start_loop  # noqa: E402
from app.models import Candidate, Loop  # noqa: E402
from app.packets import request_packet, store  # noqa: E402
from tests.interviews.gunicorn_server import (  # noqa: E402
    HOST,
    TEST_SECRET_KEY,
    server_environment,
    sqlite_url,
)

PASSWORD = "bench-password-not-secret"  # noqa: S105
WORDS = [
    *("design", "pagination", "cursor", "retries", "idempotency", "ledger", "migration"),
    *("rollback", "pager", "incident", "capacity", "latency", "schema", "index", "queue"),
    *("ownership", "deadline", "release", "runbook", "trade-off"),
]


def text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)) + "."


@dataclass
class Instance:
    app: object
    database_url: str
    directory: Path
    interviewers: list[tuple[str, int]]  # (email, scorecard id)
    packet_loops: list[int] = field(default_factory=list)
    versions: dict[int, int] = field(default_factory=dict)  # scorecard id -> latest version


def build_instance(workdir: Path, interviewers: int) -> Instance:
    directory = workdir / "instance"
    directory.mkdir(parents=True)
    url = sqlite_url(workdir / "bench.sqlite3")  # on disk: fsync is real
    for key in [k for k in os.environ if k.startswith("LOOPKIT_")]:
        del os.environ[key]
    os.environ.update(
        LOOPKIT_INSTANCE_PATH=str(directory), LOOPKIT_SECRET_KEY=TEST_SECRET_KEY, DATABASE_URL=url
    )
    app = create_app({"PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})  # sign-in is set-up
    rng = random.Random(42)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        if problems := load_library(app.config["RUBRICS_DIR"]).problems:
            raise SystemExit(f"rubric library problems: {problems}")
        team = seed_demo(datetime.now(UTC))
        loop = team.opening.candidates[0].loops[0]
        first = loop.sessions[0]
        kit, focus = (first.script, first.rubric), list(first.focus_competencies)
        now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        people = []
        for n in range(interviewers):
            user = create_user(
                f"bench-{n:03d}@example.com", f"Bench {n:03d}", "interviewer", PASSWORD
            )
            people.append((user.email, add_session(loop, user, *kit, now, focus).scorecard.id))
        panel = [
            create_user(f"panel-{n}@example.com", f"Panel {n}", "interviewer", PASSWORD)
            for n in range(6)
        ]
        packet_loops = []
        for label in ("A", "B"):
            candidate = Candidate(
                opening=team.opening, name=f"Packet {label}", email="p@example.org"
            )
            db.session.add(candidate)
            db.session.flush()
            packet_loop = start_loop(candidate, team.users["coordinator"])
            for n, person in enumerate(panel):
                when = now - timedelta(days=2, hours=-n)
                card = add_session(packet_loop, person, *kit, when, focus).scorecard
                card.stage_notes = {s["key"]: text(rng, 300) for s in first.script.stages}
                card.ratings = {
                    key: {
                        "level": rng.randint(1, 4),
                        "evidence": text(rng, 45),
                        "not_assessed": False,
                        "reason": "",
                    }
                    for key in focus
                }
                card.recommendation = rng.choice(["strong_no", "no", "yes", "strong_yes"])
                card.summary, card.status, card.submitted_at = text(rng, 90), "submitted", when
            packet_loops.append(packet_loop.id)
        db.session.commit()
        db.session.remove()
    return Instance(app, url, directory, people, packet_loops)


class Client:
    """One keep-alive connection with its own cookies, speaking JSON as the interview page."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection(HOST, port, timeout=30)
        self.cookies: dict[str, str] = {}
        self.token = ""

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
        headers = {"Accept": "application/json", "X-CSRFToken": self.token}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None if body is None else json.dumps(body).encode()
        if data is not None:
            headers["Content-Type"] = "application/json"
        try:
            self.conn.request(method, path, body=data, headers=headers)
            response = self.conn.getresponse()
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            # The server closed an idle keep-alive connection as we sent: never read, so safe
            # to send again on a fresh connection.
            self.conn.close()
            self.conn.request(method, path, body=data, headers=headers)
            response = self.conn.getresponse()
        payload = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            self.cookies.update({k: m.value for k, m in SimpleCookie(header).items()})
        return response.status, payload

    def sign_in(self, email: str, password: str = PASSWORD) -> Client:
        self.token = json.loads(self.request("GET", "/auth/csrf-token")[1])["csrf_token"]
        status, body = self.request("POST", "/login", {"email": email, "password": password})
        if status != 200:
            raise RuntimeError(f"sign-in of {email}: {status} {body[:200]!r}")
        self.token = json.loads(self.request("GET", "/auth/csrf-token")[1])["csrf_token"]
        return self


def timed_get(client, url: str, repeats: int, headers: dict[str, str] | None = None) -> list[float]:
    """Milliseconds of `repeats` GETs of `url` through a Flask test client, after one warm-up
    (templates compiled, caches filled); each must answer 200."""
    client.get(url, headers=headers)
    out = []
    for _ in range(repeats):
        began = time.perf_counter()
        response = client.get(url, headers=headers)
        out.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return out


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))]


def interview_load(
    port: int, instance: Instance, level: int, seconds: float, every: float = 2.0
) -> tuple[list[float], list[str]]:
    """The first `level` interviewers, each signed in on a connection of their own, save a
    changed field every `every` seconds (from a random offset, ±20 % jitter) for `seconds`."""
    people = instance.interviewers[:level]
    clients = [Client(port).sign_in(email) for email, _ in people]
    latencies: list[float] = []
    errors: list[str] = []
    start = time.monotonic() + 0.5
    end = start + seconds

    def interviewer(n: int, client: Client, card_id: int) -> None:
        rng = random.Random(n)
        notes, due = text(rng, 60), start + rng.uniform(0, every)
        version = instance.versions.get(card_id, 1)
        while due < end:
            time.sleep(max(0.0, due - time.monotonic()))
            notes += " " + text(rng, 8)
            changes = {"notes.experience": notes[-3000:]}
            began = time.perf_counter()
            status, body = client.request(
                "POST",
                f"/scorecards/{card_id}/autosave",
                {"base_version": version, "changes": changes},
            )
            if status == 200:
                latencies.append((time.perf_counter() - began) * 1000)
                version = instance.versions[card_id] = json.loads(body)["version"]
            else:
                errors.append(f"HTTP {status}: {body[:120]!r}")
            due += every * rng.uniform(0.8, 1.2)

    threads = [
        threading.Thread(target=interviewer, args=(n, c, card), daemon=True)
        for n, (c, (_, card)) in enumerate(zip(clients, people, strict=True))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors


class RenderPressure:
    """The real scheduler process, kept rendering both packet loops back to back: each cycle
    drops their cached PDFs and requests them again (two loops, each two variants)."""

    def __init__(self, instance: Instance) -> None:
        self.instance = instance
        self.stop = threading.Event()
        self.cycles = 0
        env = server_environment(instance.database_url, instance.directory)
        env.update(LOOPKIT_PACKET_POLL_SECONDS="0.2", FLASK_APP="app")
        log = open(instance.directory / "scheduler.log", "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "flask", "scheduler", "run"],
            cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
            start_new_session=True,
        )  # fmt: skip
        self.thread = threading.Thread(target=self._run, daemon=True)

    def cycle(self, timeout: float = 120.0) -> bool:
        with self.instance.app.app_context():
            loops = [db.session.get(Loop, i) for i in self.instance.packet_loops]
            candidates = [loop.candidate_id for loop in loops]
            for candidate_id in candidates:
                store.delete_candidate(candidate_id)
            for loop in loops:
                request_packet(loop, "bench")
            db.session.commit()
            deadline = time.monotonic() + timeout
            while sum(len(list(store.candidate_dir(c).glob("*.pdf"))) for c in candidates) < 4:
                if self.stop.is_set() or time.monotonic() > deadline:
                    return False
                time.sleep(0.05)
        return True

    def _run(self) -> None:
        while not self.stop.is_set():
            self.cycles += self.cycle()

    def __enter__(self) -> RenderPressure:
        if not self.cycle():  # warm-up: the worker imports WeasyPrint once
            raise RuntimeError("the scheduler rendered nothing; see scheduler.log")
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join(timeout=130)
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)

"""Autosave benchmark: latency under a realistic interview load, and saturation throughput.

Usage, from the repository root:

    .venv/bin/python bench/autosave.py                                     # full run (~2 min)
    .venv/bin/python bench/autosave.py --duration 5 --saturation-seconds 3  # quick smoke run

It builds a throwaway instance (temporary directory, SQLite file in WAL mode, schema by the
Alembic migrations, the rubric library, the demo team plus N interviewers each with a draft
scorecard in the demo loop), counts the SQL statements and commits of one save in-process,
then serves the app with gunicorn on 127.0.0.1 and measures:

  1. N interviewers (threads, each signed in with its own cookies) saving every 2 s for
     --duration seconds: latency p50 / p99 / max (target: p99 < 50 ms);
  2. saturation: --clients clients saving as fast as they can, and the same number of clients
     hammering GET /health, on --servers servers (this one and fresh ones, each with its own
     database) in --rounds rounds of shuffled windows, so a drift in the machine's speed
     during the run affects all alike; saves/s against requests/s, per server and pooled
     (target: pooled ratio >= 0.7), with the CPU share each kept busy and the CPU cost per
     request. Why several servers: two servers of the same code, measured in turns, differ
     by 5-10% in saves/s and in health checks/s (memory layout and the like), so the ratio of
     one server moves by up to 0.08 from run to run (0.63 to 0.80 in eight runs of one commit
     on 2026-11-26). Pooling servers measures the code rather than one server's luck.

Everything it starts (gunicorn) is stopped on exit, Ctrl-C included; it talks to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.interviews.gunicorn_server import (  # noqa: E402
    HOST,
    TEST_SECRET_KEY,
    GunicornServer,
    sqlite_url,
)

PASSWORD = "bench-password-not-secret"  # noqa: S105
P99_TARGET_MS = 50.0
RATIO_TARGET = 0.7

SENTENCES = [
    "Walked through the payment retry design and named idempotency keys without prompting.",
    "Explained how they would split the ledger table once it passed a billion rows.",
    "Asked who owns the pager and how often incidents wake people at night.",
    "Described a migration that went wrong and what the rollback plan looked like.",
    "Chose optimistic locking for scorecards and said why a row lock was enough.",
    "Was vague about capacity numbers; could not say how many requests per second.",
    "Gave a clear example of pushing back on a deadline with data from the last release.",
    "Wants to know about on-site weeks and whether relocation within Europe is supported.",
    "Spent most of the time on API versioning; skipped pagination entirely.",
    "Mentioned writing the runbook after the outage and teaching it to two juniors.",
]


# -- in-process setup ----------------------------------------------------------------------


@dataclass
class Interviewer:
    email: str
    scorecard_id: int
    focus: list[str]


def build_instance(workdir: Path, interviewers: int) -> tuple[str, list[Interviewer], dict]:
    """Schema, library, demo team and the bench interviewers; returns the DB URL, the
    interviewers and the SQL cost of one save."""
    instance = workdir / "instance"
    instance.mkdir(parents=True)
    database_url = sqlite_url(workdir / "bench.sqlite3")
    for key in [k for k in os.environ if k.startswith("LOOPKIT_")]:
        del os.environ[key]
    os.environ.update(
        LOOPKIT_INSTANCE_PATH=str(instance),
        LOOPKIT_SECRET_KEY=TEST_SECRET_KEY,
        DATABASE_URL=database_url,
    )

    from flask_migrate import upgrade

    from app import create_app
    from app.auth.accounts import create_user
    from app.demo import seed_demo
    from app.extensions import db
    from app.library.store import load_library
    from app.loops.planning import add_session

    # A cheap password hash: sign-ins are set-up, not what is measured.
    app = create_app({"PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        report = load_library(app.config["RUBRICS_DIR"])
        if report.problems:
            raise SystemExit(f"rubric library problems: {report.problems}")
        team = seed_demo(datetime.now(UTC))
        loop = team.opening.candidates[0].loops[0]
        first = loop.sessions[0]
        script, rubric, focus = first.script, first.rubric, list(first.focus_competencies)
        starts_at = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        people = []
        for n in range(interviewers):
            email = f"bench-{n:02d}@example.com"
            user = create_user(email, f"Bench Interviewer {n:02d}", "interviewer", PASSWORD)
            session = add_session(loop, user, script, rubric, starts_at, focus)
            people.append(Interviewer(email, session.scorecard.id, focus))
        db.session.commit()
        db.session.remove()
    # Outside the set-up's app context: each request gets its own, as under gunicorn (inside
    # it, `g` would carry the signed-in user from one request to the next).
    sql_cost = measure_sql_per_save(app, people[0])
    with app.app_context():
        db.engine.dispose()
    return database_url, people, sql_cost


def measure_sql_per_save(app, who: Interviewer) -> dict:
    """Statements (not BEGIN/COMMIT/ROLLBACK) and commits of one autosave request, as the
    driver saw them, through the test client; the first save of a process also loads the
    script once."""
    from app.extensions import db
    from tests.driver_statements import watching_driver

    with app.app_context():
        engine = db.engine
    client = app.test_client()
    token = client.get("/auth/csrf-token").get_json()["csrf_token"]
    signed_in = client.post(
        "/login",
        json={"email": who.email, "password": PASSWORD},
        headers={"X-CSRFToken": token, "Accept": "application/json"},
    )
    assert signed_in.status_code == 200, signed_in.get_data(as_text=True)
    token = client.get("/auth/csrf-token").get_json()["csrf_token"]

    results = {}
    version = 1
    for label, text in (("first", "first save"), ("steady", "first save, then more")):
        with watching_driver(engine) as counter:
            response = client.post(
                f"/scorecards/{who.scorecard_id}/autosave",
                json={"base_version": version, "changes": {"notes.pitch": text}},
                headers={"X-CSRFToken": token, "Accept": "application/json"},
            )
        assert response.status_code == 200, response.get_data(as_text=True)
        version = response.get_json()["version"]
        results[label] = {"statements": len(counter.statements), "commits": counter.commits}
        results[label + "_sql"] = [" ".join(s.split())[:110] for s in counter.statements]
    return results


# -- HTTP client ---------------------------------------------------------------------------


class Client:
    """One keep-alive connection with its own cookies (http.client reconnects by itself when
    the server closes the connection, as gunicorn's sync workers do after each response)."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection(HOST, port, timeout=30)
        self.cookies: dict[str, str] = {}
        self.token = ""
        self.retries = 0

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
        headers = {"Accept": "application/json"}
        if self.token:
            headers["X-CSRFToken"] = self.token
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=data, headers=headers)
                response = self.conn.getresponse()
                payload = response.read()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # The server closed an idle keep-alive connection just as we sent: the request
                # was never read, so sending it again on a new connection is safe.
                self.conn.close()
                if attempt == 2:
                    raise
                self.retries += 1
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        if response.headers.get("Connection", "").lower() == "close":
            self.conn.close()
        return response.status, payload

    def sign_in(self, email: str, password: str) -> None:
        self.token = self._fresh_token()
        status, body = self.request("POST", "/login", {"email": email, "password": password})
        if status != 200:
            raise RuntimeError(f"sign-in of {email} failed: {status} {body[:200]!r}")
        self.token = self._fresh_token()

    def _fresh_token(self) -> str:
        status, body = self.request("GET", "/auth/csrf-token")
        if status != 200:
            raise RuntimeError(f"/auth/csrf-token answered {status}")
        return json.loads(body)["csrf_token"]

    def close(self) -> None:
        self.conn.close()


@dataclass
class Tally:
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, latency_ms: float | None, error: str | None = None) -> None:
        with self.lock:
            if error is None:
                self.latencies_ms.append(latency_ms)
            else:
                self.errors.append(error)


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


class Notes:
    """Realistic notes: each field starts at a few hundred characters and grows per save."""

    def __init__(self, who: Interviewer, seed: int, bounded: bool = False) -> None:
        self.rng = random.Random(seed)
        self.bounded = bounded
        self.fields = ["notes.pitch", "notes.experience"] + [
            f"rating.{key}.evidence" for key in who.focus
        ]
        self.texts = {path: self._sentences(3) for path in self.fields}
        self.count = 0

    def _sentences(self, n: int) -> str:
        return " ".join(self.rng.choice(SENTENCES) for _ in range(n))

    def next_change(self) -> dict[str, str]:
        path = self.fields[self.count % len(self.fields)]
        self.count += 1
        text = f"{self.texts[path]} {self._sentences(1)}"
        if self.bounded and len(text) > 600:  # saturation: keep the size realistic, not huge
            text = self._sentences(3) + f" ({self.count})"
        self.texts[path] = text
        return {path: text}


class Saver:
    """One signed-in interviewer saving their scorecard."""

    def __init__(self, port: int, who: Interviewer, seed: int, bounded: bool = False) -> None:
        self.who = who
        self.client = Client(port)
        self.client.sign_in(who.email, PASSWORD)
        self.version: int | None = None
        self.notes = Notes(who, seed, bounded)

    def save(self, tally: Tally) -> None:
        if self.version is None:
            self.version = self._current_version()
        changes = self.notes.next_change()
        started = time.perf_counter()
        try:
            status, body = self.client.request(
                "POST",
                f"/scorecards/{self.who.scorecard_id}/autosave",
                {"base_version": self.version, "changes": changes},
            )
        except (OSError, http.client.HTTPException) as error:
            tally.add(None, f"{type(error).__name__}: {error}")
            return
        elapsed_ms = (time.perf_counter() - started) * 1000
        if status != 200:
            tally.add(None, f"HTTP {status}: {body[:160]!r}")
            return
        self.version = json.loads(body)["version"]
        tally.add(elapsed_ms)

    def _current_version(self) -> int:
        # A save of nothing answers with the current version (no write, no conflict).
        status, body = self.client.request(
            "POST",
            f"/scorecards/{self.who.scorecard_id}/autosave",
            {"base_version": 1, "changes": {}},
        )
        if status != 200:
            raise RuntimeError(f"cannot read the version: {status} {body[:200]!r}")
        return json.loads(body)["version"]


# -- the runs ------------------------------------------------------------------------------

STOP = threading.Event()


def run_threads(calls: list[tuple]) -> None:
    """Run each (function, *args) in its own thread and wait for all of them."""
    threads = [threading.Thread(target=f, args=a, daemon=True) for f, *a in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        while thread.is_alive():  # join in slices so Ctrl-C gets through
            thread.join(timeout=0.2)


def interview_load(savers: list[Saver], duration: float, interval: float) -> tuple[Tally, float]:
    """Each interviewer saves every `interval` seconds, starting at a random offset."""
    tally = Tally()
    start = time.monotonic() + 0.5
    end = start + duration

    def interviewer(saver: Saver, offset: float) -> None:
        due = start + offset
        while not STOP.is_set():
            now = time.monotonic()
            if due >= end:
                return
            if due > now:
                time.sleep(due - now)
            saver.save(tally)
            due += interval

    rng = random.Random(7)
    run_threads([(interviewer, saver, rng.uniform(0, interval)) for saver in savers])
    return tally, duration


def hammer(workers: list, seconds: float) -> tuple[Tally, float]:
    """Each worker (a callable taking the tally) runs back to back until time is up."""
    tally = Tally()
    barrier = threading.Barrier(len(workers) + 1)
    window: dict[str, float] = {}

    def loop(work) -> None:
        barrier.wait()
        while not STOP.is_set() and time.monotonic() < window["end"]:
            work(tally)

    threads = [threading.Thread(target=loop, args=(w,), daemon=True) for w in workers]
    for thread in threads:
        thread.start()
    window["start"] = time.monotonic()
    window["end"] = window["start"] + seconds
    barrier.wait()
    for thread in threads:
        while thread.is_alive():
            thread.join(timeout=0.2)
    return tally, time.monotonic() - window["start"]


def machine_cpu() -> tuple[int, int]:
    """(busy, all) clock ticks of this machine so far, from /proc/stat (idle and I/O wait
    count as not busy)."""
    with open("/proc/stat") as stat:
        ticks = [int(v) for v in stat.readline().split()[1:]]
    return sum(ticks) - ticks[3] - ticks[4], sum(ticks)


@dataclass
class Phase:
    """One kind of saturation traffic, summed over its windows."""

    tally: Tally = field(default_factory=Tally)
    seconds: float = 0.0
    busy_ticks: int = 0
    all_ticks: int = 0

    def run(self, work: list, seconds: float) -> None:
        busy, total = machine_cpu()
        tally, elapsed = hammer(work, seconds)
        busy_after, total_after = machine_cpu()
        self.tally.latencies_ms += tally.latencies_ms
        self.tally.errors += tally.errors
        self.seconds += elapsed
        self.busy_ticks += busy_after - busy
        self.all_ticks += total_after - total

    def per_second(self) -> float:
        return len(self.tally.latencies_ms) / self.seconds if self.seconds else float("nan")

    @classmethod
    def pooled(cls, phases: list[Phase]) -> Phase:
        """The phases as one: their requests, seconds and CPU ticks added up."""
        pooled = cls()
        for phase in phases:
            pooled.tally.latencies_ms += phase.tally.latencies_ms
            pooled.tally.errors += phase.tally.errors
            pooled.seconds += phase.seconds
            pooled.busy_ticks += phase.busy_ticks
            pooled.all_ticks += phase.all_ticks
        return pooled

    def cpu_line(self) -> str:
        """CPU busy share, and busy CPU milliseconds per answered request (server, client
        threads and kernel alike: they share the machine)."""
        if not self.all_ticks:
            return "CPU not measured"
        share = self.busy_ticks / self.all_ticks
        cores = os.cpu_count() or 1
        per_request = (
            1000 * share * cores * self.seconds / len(self.tally.latencies_ms)
            if self.tally.latencies_ms
            else float("nan")
        )
        return f"CPU {100 * share:.0f}% busy, {per_request:.2f} CPU-ms per request"


def health_worker(port: int):
    client = Client(port)

    def work(tally: Tally) -> None:
        started = time.perf_counter()
        try:
            status, body = client.request("GET", "/health")
        except (OSError, http.client.HTTPException) as error:
            tally.add(None, f"{type(error).__name__}: {error}")
            return
        if status != 200:
            tally.add(None, f"HTTP {status}: {body[:160]!r}")
        else:
            tally.add((time.perf_counter() - started) * 1000)

    return work


@dataclass
class Served:
    """A server under saturation, with its saving clients and its health-check clients."""

    checkout: Path
    server: GunicornServer
    saves: tuple[list, Phase]
    health: tuple[list, Phase]


def serve(checkout: Path, workdir: Path, clients: int, workers: int, **server_options) -> Served:
    """A fresh server of `checkout` on its own database, set up as for the main run, with
    `clients` signed-in savers that have each saved once (the first save of a process loads
    the script)."""
    database_url, people, _ = build_instance(workdir, clients)
    server = GunicornServer(
        database_url, workdir / "instance", workers=workers, checkout=checkout, **server_options
    )
    server.start()
    savers = [Saver(server.port, who, seed=n, bounded=True) for n, who in enumerate(people)]
    for saver in savers:
        saver.save(Tally())
    return served_by(checkout, server, savers, clients)


def served_by(checkout: Path, server: GunicornServer, savers: list, clients: int) -> Served:
    return Served(
        checkout,
        server,
        ([saver.save for saver in savers], Phase()),
        ([health_worker(server.port) for _ in range(clients)], Phase()),
    )


def saturate(served: list[Served], rounds: int, window: float) -> None:
    """Each round runs every server's saves and its health checks for `window` seconds each,
    in a shuffled order."""
    windows = [(one, kind) for one in served for kind in ("saves", "health")]
    for _ in range(rounds):
        random.shuffle(windows)
        for one, kind in windows:
            work, phase = getattr(one, kind)
            phase.run(work, window)


def describe(tally: Tally) -> str:
    lat = tally.latencies_ms
    if not lat:
        return f"0 ok, {len(tally.errors)} errors"
    return (
        f"{len(lat)} ok, {len(tally.errors)} errors; latency ms p50 {percentile(lat, 50):.1f}, "
        f"p99 {percentile(lat, 99):.1f}, max {max(lat):.1f}, mean {statistics.fmean(lat):.1f}"
    )


def show_errors(tally: Tally) -> None:
    for error in sorted(set(tally.errors))[:5]:
        print(f"    error ({tally.errors.count(error)}x): {error}")


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    cpus = os.cpu_count() or 1
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--interviewers", type=int, default=32, help="simulated interviewers")
    parser.add_argument("--duration", type=float, default=60, help="seconds of interview load")
    parser.add_argument("--interval", type=float, default=2.0, help="seconds between saves")
    parser.add_argument(
        "--saturation-seconds", type=float, default=15, help="seconds of saves, and of health"
    )
    parser.add_argument(
        "--rounds", type=int, default=5, help="rounds of windows the saturation is split into"
    )
    parser.add_argument(
        "--servers", type=int, default=3, help="servers the saturation is measured on, pooled"
    )
    parser.add_argument("--clients", type=int, default=16, help="concurrent hammering clients")
    parser.add_argument(
        "--workers", type=int, default=2 * cpus + 1, help="gunicorn workers (default 2*CPUs+1)"
    )
    parser.add_argument("--worker-class", default="sync", help="gunicorn worker class")
    parser.add_argument("--threads", type=int, default=None, help="threads per gthread worker")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)
    if args.clients > args.interviewers:
        parser.error("--clients cannot exceed --interviewers (each client saves its own card)")

    # Ctrl-C and SIGTERM stop the run, so the finally below always runs (SIGINT explicitly:
    # a shell starts background jobs with it ignored).
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)

    load_before = os.getloadavg()[0]
    workdir = Path(tempfile.mkdtemp(prefix="loopkit-bench-"))
    server: GunicornServer | None = None
    served: list[Served] = []
    summary: list[str] = []
    try:
        print(f"== setup in {workdir}")
        started = time.monotonic()
        database_url, people, sql = build_instance(workdir, args.interviewers)
        print(
            f"   schema, library, demo team and {len(people)} interviewers with draft scorecards "
            f"in {time.monotonic() - started:.1f} s ({database_url})"
        )

        steady, first = sql["steady"], sql["first"]
        sql_line = (
            f"statements per save: {steady['statements']} (target <= 3), "
            f"commits per save: {steady['commits']} (target 1)"
        )
        print("== SQL per save (in-process, test client)")
        print(f"   {sql_line}")
        for statement in sql["steady_sql"]:
            print(f"     - {statement}")
        print(
            f"   first save of a process: {first['statements']} statements, "
            f"{first['commits']} commit(s)"
        )
        summary.append(sql_line)

        server_options = {
            "worker_class": None if args.worker_class == "sync" else args.worker_class,
            "threads": args.threads,
        }
        server = GunicornServer(
            database_url, workdir / "instance", workers=args.workers, **server_options
        )
        server.start()
        threads = f", {args.threads} threads each" if args.threads else ""
        server_line = (
            f"gunicorn {args.workers} {args.worker_class} workers{threads} "
            f"on {cpus} CPU(s), SQLite WAL"
        )
        print(f"== server: {server_line}")
        print(f"   {' '.join(server.command()[1:])}")
        summary.append(f"server: {server_line}")

        print(f"== signing in {len(people)} interviewers")
        savers = [Saver(server.port, who, seed=n) for n, who in enumerate(people)]

        print(
            f"== interview load: {len(savers)} interviewers, a save every {args.interval:g} s "
            f"for {args.duration:g} s"
        )
        load, _ = interview_load(savers, args.duration, args.interval)
        p99 = percentile(load.latencies_ms, 99)
        verdict = "met" if p99 < P99_TARGET_MS and not load.errors else "MISSED"
        print(f"   {describe(load)}")
        show_errors(load)
        summary.append(
            f"interview load: {len(load.latencies_ms)} saves, {len(load.errors)} errors, "
            f"p50 {percentile(load.latencies_ms, 50):.1f} ms, p99 {p99:.1f} ms, "
            f"max {max(load.latencies_ms, default=float('nan')):.1f} ms "
            f"(target p99 < {P99_TARGET_MS:.0f} ms: {verdict})"
        )

        hammering = savers[: args.clients]
        for n, saver in enumerate(hammering):  # notes of a realistic, bounded size from now on
            saver.notes = Notes(saver.who, seed=1000 + n, bounded=True)
        served.append(served_by(ROOT, server, hammering, args.clients))
        for k in range(1, args.servers):
            served.append(
                serve(ROOT, workdir / f"server-{k}", args.clients, args.workers, **server_options)
            )
        window = args.saturation_seconds / args.rounds
        print(
            f"== saturation on {len(served)} servers: {args.clients} clients saving back to "
            f"back, and {args.clients} on GET /health; {args.rounds} rounds of {window:g} s "
            "windows, each server's saves and health checks in a shuffled order"
        )
        saturate(served, args.rounds, window)
        ratios = []
        for k, one in enumerate(served, start=1):
            one_saves, one_health = one.saves[1].per_second(), one.health[1].per_second()
            ratios.append(one_saves / one_health if one_health else float("nan"))
            print(
                f"   server {k}: {one_saves:.0f} saves/s, {one_health:.0f} health/s, "
                f"ratio {ratios[-1]:.2f}"
            )
        saves = Phase.pooled([one.saves[1] for one in served])
        health = Phase.pooled([one.health[1] for one in served])
        # Each server ran for its own seconds: the pooled rate is the mean of the servers'.
        saves_per_s, health_per_s = saves.per_second(), health.per_second()
        print(f"   saves:  {saves_per_s:.0f}/s; {describe(saves.tally)}; {saves.cpu_line()}")
        show_errors(saves.tally)
        print(f"   health: {health_per_s:.0f}/s; {describe(health.tally)}; {health.cpu_line()}")
        show_errors(health.tally)

        ratio = saves_per_s / health_per_s if health_per_s else float("nan")
        verdict = "met" if ratio >= RATIO_TARGET else "MISSED"
        summary.append(
            f"saturation, {len(served)} servers pooled: {saves_per_s:.0f} saves/s vs "
            f"{health_per_s:.0f} health requests/s (errors {len(saves.tally.errors)} / "
            f"{len(health.tally.errors)}); ratio {ratio:.2f} (target >= {RATIO_TARGET}: {verdict})"
        )
        summary.append("saturation per server: ratio " + ", ".join(f"{r:.2f}" for r in ratios))
        summary.append(f"saves: {saves.cpu_line()}; health: {health.cpu_line()}")
        retries = sum(s.client.retries for s in savers)
        if retries:
            summary.append(f"requests resent after the server closed an idle connection: {retries}")

        summary.append(
            f"machine: {cpus} CPU(s), 1-minute load average {load_before:.2f} before the run, "
            f"{os.getloadavg()[0]:.2f} after (the client threads share these CPUs)"
        )
        print("\n== summary")
        for line in summary:
            print(f"   {line}")
        return 0
    except KeyboardInterrupt:
        print("\ninterrupted: stopping", file=sys.stderr)
        return 130
    finally:
        STOP.set()
        for one in served[1:]:
            one.server.stop()
        if server is not None:
            server.stop()
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

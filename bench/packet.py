"""PDF debrief packet benchmark: render cost against WeasyPrint's floor, cached downloads, and
autosave latency while packets render.

Usage, from the repository root:

    .venv/bin/python bench/packet.py                                  # full run (~3 min)
    .venv/bin/python bench/packet.py --duration 8 --repeats 1         # quick smoke run

It builds a throwaway instance (temporary directory, SQLite in WAL mode, schema by the Alembic
migrations, the rubric library, the demo team; the autosave bench's interviewers with draft
scorecards) plus loops of 4, 6 and 8 submitted scorecards with realistic notes (about 300 words
per stage), then measures:

  1. in this process, the long-lived renderer (the code the scheduler runs, with its render
     worker: WeasyPrint imported once, niced): the time of a six-scorecard packet (read, template,
     render, store) and the time WeasyPrint itself takes for the same final HTML handed to it
     directly (the floor); their ratio (target <= 1.2); the page count; a four- and an
     eight-scorecard packet (target: eight <= 2.2 x four);
  2. through gunicorn: a cached download (target < 20 ms, median);
  3. autosave latency under interview load, idle and while the scheduler process renders two
     packets back to back for the whole window (target: p99 while rendering <= 2 x idle p99).

Everything it starts (gunicorn, the scheduler process) is stopped on exit, Ctrl-C included; it
talks to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.autosave import (  # noqa: E402
    Client,
    Saver,
    build_instance,
    describe,
    interview_load,
    percentile,
    show_errors,
)
from tests.interviews.gunicorn_server import GunicornServer, server_environment  # noqa: E402

RATIO_TARGET = 1.2
DOWNLOAD_TARGET_MS = 20.0
AUTOSAVE_TARGET = 2.0
SCALING_TARGET = 2.2

PROSE = (
    "The candidate walked through the payment retry design and named idempotency keys without "
    "prompting. They explained how the ledger table would be split once it passed a billion "
    "rows and why they chose range partitioning by month over hashing by merchant. When "
    "challenged on the claim that the migration had no downtime, they conceded that two "
    "merchants saw failed refunds for eleven minutes, described how they found out from "
    "support rather than from alerts, and what they changed afterwards: a synthetic refund "
    "check every minute and a runbook entry that two juniors have since used. They were vague "
    "about capacity numbers and could not say how many requests per second the service "
    "handled at peak, which matters for this role. Asked why the work mattered to the "
    "business, they linked it to chargeback costs and to the finance team's month-end close, "
    "and named the person in finance who cared most. They asked who owns the pager, how often "
    "incidents wake people at night, and whether the monolith will still be there in two "
    "years. On pairing they were calm, thought aloud, wrote a failing test first and kept the "
    "diff small; they missed one edge case around time zones and found it themselves when the "
    "second test failed."
)
WORDS = PROSE.split()


def words(rng: random.Random, count: int) -> str:
    start = rng.randrange(len(WORDS))
    picked = [WORDS[(start + i) % len(WORDS)] for i in range(count)]
    return " ".join(picked).capitalize().rstrip(",") + "."


def notes(rng: random.Random, count: int) -> str:
    """About `count` words in paragraphs of 60 to 100."""
    paragraphs, left = [], count
    while left > 0:
        size = min(left, rng.randint(60, 100))
        paragraphs.append(words(rng, size))
        left -= size
    return "\n\n".join(paragraphs)


def build_packet_loops(app, sizes: dict[str, int]) -> dict[str, int]:
    """Loops with `size` submitted scorecards each, notes of about 300 words per stage."""
    from sqlalchemy import select

    from app.auth.accounts import create_user
    from app.extensions import db
    from app.loops.planning import add_session, start_loop
    from app.models import Candidate, Opening, RubricVersion, ScriptVersion, User

    def latest(model, key):
        return db.session.execute(
            select(model).where(model.key == key).order_by(model.version.desc()).limit(1)
        ).scalar_one()

    kinds = [
        (latest(ScriptVersion, "staged-45"), latest(RubricVersion, "backend-engineer")),
        (latest(ScriptVersion, "system-design"), latest(RubricVersion, "system-design")),
    ]
    rng = random.Random(42)
    opening = db.session.execute(select(Opening).limit(1)).scalar_one()
    coordinator = db.session.execute(select(User).where(User.role == "coordinator")).scalar_one()
    panel = [
        create_user(f"panel-{n}@example.com", f"Panel Interviewer {n}", "interviewer", "x" * 12)
        for n in range(max(sizes.values()))
    ]
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=2)
    loops = {}
    for label, size in sizes.items():
        candidate = Candidate(
            opening=opening, name=f"Bench Candidate {label}", email="c@example.org"
        )
        db.session.add(candidate)
        db.session.flush()
        loop = start_loop(candidate, coordinator)
        for n in range(size):
            script, rubric = kinds[n % 2]
            focus = [c["key"] for c in rubric.competencies[:3]]
            session = add_session(loop, panel[n], script, rubric, start + timedelta(hours=n), focus)
            card = session.scorecard
            card.stage_notes = {stage["key"]: notes(rng, 300) for stage in script.stages}
            card.ratings = {
                key: {
                    "level": rng.randint(1, 4),
                    "evidence": words(rng, rng.randint(30, 60)),
                    "not_assessed": False,
                    "reason": "",
                }
                for key in focus
            }
            card.recommendation = rng.choice(["strong_no", "no", "yes", "strong_yes"])
            card.summary = notes(rng, 90)
            card.candidate_questions = "\n".join(words(rng, 12) + "?" for _ in range(4))
            card.field_answers = {
                "compensation_expectation": "95k EUR base, flexible on equity",
                "risk_tolerance": "Comfortable with some change",
                "notice_period": "8 weeks, negotiable",
                "candidate_question_themes": words(rng, 40),
            }
            card.status = "submitted"
            card.submitted_at = session.ends_at
        db.session.flush()
        loops[label] = loop.id
    db.session.commit()
    return loops


def measure_renders(app, loops: dict[str, int], repeats: int) -> dict:
    """In this process: the renderer's packet time against WeasyPrint's own time for the same
    final HTML. Packet and floor renders alternate (as do the four- and eight-scorecard ones),
    so a noisy neighbour on the machine weighs on both sides of each ratio alike."""
    from app.debriefs.summary import load_loop
    from app.extensions import db
    from app.models import Loop
    from app.packets import store
    from app.packets.content import FULL, competency_names, packet_data
    from app.packets.renderer import (
        RenderReport,
        lower_thread_priority,
        packet_html,
        render_loop,
        shared_worker,
    )

    with app.app_context():
        lower_thread_priority()  # as the scheduler's render thread
        worker = shared_worker()
        started = time.perf_counter()
        worker.start()
        results = {"worker_start": time.perf_counter() - started}
        names = competency_names()
        candidates = {label: db.session.get(Loop, i).candidate_id for label, i in loops.items()}
        db.session.rollback()

        def packet(label):
            """The whole packet, as the scheduler renders it: read, template, render, store."""
            store.delete_candidate(candidates[label])  # not cached: a real render each time
            report = RenderReport()
            started = time.perf_counter()
            render_loop(loops[label], names, worker, report, variants=(FULL,))
            return time.perf_counter() - started, report.rendered[0]

        def final_html(label):
            loop = load_loop(loops[label])
            html = packet_html(packet_data(loop, FULL, names), datetime.now(UTC).isoformat())
            db.session.rollback()
            return html

        packet("four")  # warm-up: fonts, templates, the first packet of the process
        html = final_html("six")
        six, floor, trips, outside = [], [], [], []
        sizes = {"four": [], "eight": []}
        for n in range(repeats):
            for step in ("packet", "floor") if n % 2 == 0 else ("floor", "packet"):
                if step == "packet":
                    seconds, rendered = packet("six")
                    six.append(seconds)
                    outside.append(seconds - rendered.weasyprint_seconds)
                else:  # the floor: the same final HTML straight to WeasyPrint in the worker
                    started = time.perf_counter()
                    direct = worker.render(html)
                    trips.append(time.perf_counter() - started)
                    floor.append(direct.seconds)
            for label in sizes if n % 2 == 0 else reversed(sizes):
                seconds, other = packet(label)
                sizes[label].append(seconds)
                results[f"{label}_pages"] = other.pages
        results.update(
            six=statistics.median(six),
            six_pages=rendered.pages,
            floor=statistics.median(floor),
            round_trip=statistics.median(trips),
            outside=statistics.median(outside),
            four=statistics.median(sizes["four"]),
            eight=statistics.median(sizes["eight"]),
            html_kb=len(html.encode()) / 1024,
            pdf_kb=len(direct.pdf) / 1024,
        )
        packet("six")  # leave the six-scorecard packet cached for the download test
    return results


def cached_downloads(port: int, loop_id: int, count: int, workers: int) -> tuple[list, list]:
    """Warm-up requests first (each gunicorn worker's first request loads what it imports
    lazily; sync workers take connections in any order), then the timed downloads."""
    cold: list[float] = []

    def warm() -> None:  # concurrent, so that every worker gets some
        own = Client(port)
        own.sign_in("manager@example.com", "loopkit-demo")
        for _ in range(3):
            started = time.perf_counter()
            own.request("GET", f"/loops/{loop_id}/packet.pdf")
            cold.append((time.perf_counter() - started) * 1000)
        own.close()

    warmers = [threading.Thread(target=warm) for _ in range(2 * workers)]
    for thread in warmers:
        thread.start()
    for thread in warmers:
        thread.join()
    client = Client(port)
    client.sign_in("manager@example.com", "loopkit-demo")
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        status, body = client.request("GET", f"/loops/{loop_id}/packet.pdf")
        timings.append((time.perf_counter() - started) * 1000)
        if status != 200 or not body.startswith(b"%PDF-"):
            raise RuntimeError(f"cached download answered {status} ({len(body)} bytes)")
    client.close()
    return cold, timings


class RenderPressure:
    """Keeps the scheduler process rendering two packets, back to back, until stopped: each
    cycle drops both loops' cached packets and requests them again (4 renders: 2 variants)."""

    def __init__(self, app, loop_ids: list[int]) -> None:
        self.app = app
        self.loop_ids = loop_ids
        self.stop = threading.Event()
        self.cycles = 0
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _pdfs(self, candidate_ids) -> int:
        from app.packets import store

        return sum(len(list(store.candidate_dir(c).glob("*.pdf"))) for c in candidate_ids)

    def cycle(self, timeout: float = 120.0) -> bool:
        from app.extensions import db
        from app.models import Loop
        from app.packets import request_packet, store

        with self.app.app_context():
            loops = [db.session.get(Loop, i) for i in self.loop_ids]
            candidates = [loop.candidate_id for loop in loops]
            for candidate_id in candidates:
                store.delete_candidate(candidate_id)
            for loop in loops:
                request_packet(loop, "bench")
            db.session.commit()
            deadline = time.monotonic() + timeout
            while self._pdfs(candidates) < 2 * len(loops):
                if self.stop.is_set() or time.monotonic() > deadline:
                    return False
                time.sleep(0.05)
        return True

    def _run(self) -> None:
        while not self.stop.is_set():
            if self.cycle():
                self.cycles += 1

    def start(self) -> None:
        self.thread.start()

    def finish(self) -> None:
        self.stop.set()
        self.thread.join(timeout=130)


def start_scheduler(database_url: str, instance: Path) -> subprocess.Popen:
    env = server_environment(database_url, instance)
    env["LOOPKIT_PACKET_POLL_SECONDS"] = "0.2"
    env["FLASK_APP"] = "app"
    return subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "flask", "scheduler", "run"],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=open(instance / "scheduler.log", "wb"),  # noqa: SIM115
        start_new_session=True,
    )


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    cpus = os.cpu_count() or 1
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="renders per measured packet")
    parser.add_argument("--interviewers", type=int, default=24, help="autosaving interviewers")
    parser.add_argument("--duration", type=float, default=30, help="seconds per autosave phase")
    parser.add_argument("--interval", type=float, default=2.0, help="seconds between saves")
    parser.add_argument("--downloads", type=int, default=50, help="cached downloads to time")
    parser.add_argument("--workers", type=int, default=2 * cpus + 1, help="gunicorn workers")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)

    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    workdir = Path(tempfile.mkdtemp(prefix="loopkit-packet-bench-"))
    server: GunicornServer | None = None
    scheduler: subprocess.Popen | None = None
    pressure: RenderPressure | None = None
    summary: list[str] = []
    try:
        print(f"== setup in {workdir}")
        started = time.monotonic()
        database_url, people, _ = build_instance(workdir, args.interviewers)
        from app import create_app
        from app.extensions import db

        app = create_app({"PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
        with app.app_context():
            loops = build_packet_loops(
                app, {"four": 4, "six": 6, "eight": 8, "busy-a": 6, "busy-b": 6}
            )
            db.session.remove()
        print(
            f"   demo team, {len(people)} autosaving interviewers, loops of 4/6/8 submitted "
            f"scorecards (~300 words per stage) in {time.monotonic() - started:.1f} s"
        )

        print("== renders, in this process (the long-lived renderer and its render worker)")
        r = measure_renders(app, loops, args.repeats)
        ratio = r["six"] / r["floor"]
        scaling = r["eight"] / r["four"]
        print(
            f"   render worker start (python, import weasyprint, warm-up): "
            f"{r['worker_start']:.2f} s"
        )
        print(
            f"   six scorecards: packet {r['six'] * 1000:.0f} ms, "
            f"{r['six_pages']} pages; WeasyPrint on the same HTML "
            f"({r['html_kb']:.0f} KB -> {r['pdf_kb']:.0f} KB PDF) {r['floor'] * 1000:.0f} ms "
            f"(round trip to the worker {r['round_trip'] * 1000:.0f} ms); the packet's own time "
            f"outside WeasyPrint (read, template, hand-over, store) {r['outside'] * 1000:.0f} ms"
        )
        print(
            f"   four scorecards {r['four'] * 1000:.0f} ms ({r['four_pages']} pages), "
            f"eight {r['eight'] * 1000:.0f} ms ({r['eight_pages']} pages) "
            f"(medians of {args.repeats})"
        )
        summary.append(
            f"packet / floor: {r['six'] * 1000:.0f} ms / {r['floor'] * 1000:.0f} ms "
            f"= {ratio:.2f} "
            f"(target <= {RATIO_TARGET}: {'met' if ratio <= RATIO_TARGET else 'MISSED'})"
            f"; {r['six_pages']} pages"
        )
        summary.append(
            f"eight / four scorecards: {scaling:.2f} "
            f"(target <= {SCALING_TARGET}: {'met' if scaling <= SCALING_TARGET else 'MISSED'})"
        )

        server = GunicornServer(database_url, workdir / "instance", workers=args.workers)
        server.start()
        print(f"== server: gunicorn {args.workers} sync workers on {cpus} CPU(s), SQLite WAL")
        cold, timings = cached_downloads(server.port, loops["six"], args.downloads, args.workers)
        median = statistics.median(timings)
        print(
            f"   warm-up: {len(cold)} concurrent downloads, slowest {max(cold):.0f} ms "
            "(a worker's first request)"
        )
        print(
            f"   cached download ({r['pdf_kb']:.0f} KB) x{len(timings)}: median {median:.1f} ms, "
            f"p95 {percentile(timings, 95):.1f} ms, max {max(timings):.1f} ms"
        )
        summary.append(
            f"cached download: median {median:.1f} ms, p95 {percentile(timings, 95):.1f} ms "
            f"(target < {DOWNLOAD_TARGET_MS:.0f} ms: "
            f"{'met' if median < DOWNLOAD_TARGET_MS else 'MISSED'})"
        )

        print(f"== signing in {len(people)} interviewers")
        savers = [Saver(server.port, who, seed=n) for n, who in enumerate(people)]
        print(f"== autosave, idle: a save every {args.interval:g} s for {args.duration:g} s")
        idle, _ = interview_load(savers, args.duration, args.interval)
        print(f"   {describe(idle)}")
        show_errors(idle)

        scheduler = start_scheduler(database_url, workdir / "instance")
        pressure = RenderPressure(app, [loops["busy-a"], loops["busy-b"]])
        print("== the scheduler process renders two packets (warm-up cycle first)")
        if not pressure.cycle(timeout=180):
            raise RuntimeError("the scheduler process rendered nothing; see scheduler.log")
        pressure.start()
        print(f"== autosave while rendering: the same load for {args.duration:g} s")
        busy, _ = interview_load(savers, args.duration, args.interval)
        pressure.finish()
        print(f"   {describe(busy)}")
        print(f"   packets rendered meanwhile: {pressure.cycles} cycles of 2 loops x 2 variants")
        show_errors(busy)
        idle_p99 = percentile(idle.latencies_ms, 99)
        busy_p99 = percentile(busy.latencies_ms, 99)
        load_ratio = busy_p99 / idle_p99 if idle_p99 else float("nan")
        summary.append(
            f"autosave p99: idle {idle_p99:.1f} ms, while rendering {busy_p99:.1f} ms "
            f"= {load_ratio:.2f}x (target <= {AUTOSAVE_TARGET:g}x: "
            f"{'met' if load_ratio <= AUTOSAVE_TARGET and not busy.errors else 'MISSED'}); "
            f"{pressure.cycles * 4} packet renders during the window, errors "
            f"{len(idle.errors)} / {len(busy.errors)}"
        )
        summary.append(f"machine: {cpus} CPU(s); load average now {os.getloadavg()[0]:.2f}")
        print("\n== summary")
        for line in summary:
            print(f"   {line}")
        return 0
    except KeyboardInterrupt:
        print("\ninterrupted: stopping", file=sys.stderr)
        return 130
    finally:
        if pressure is not None:
            pressure.finish()
        if scheduler is not None and scheduler.poll() is None:
            scheduler.send_signal(signal.SIGTERM)
            try:
                scheduler.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(scheduler.pid, signal.SIGKILL)
                scheduler.wait()
        if server is not None:
            server.stop()
        from app.packets.renderer import _worker

        if _worker is not None:
            _worker.close()
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

"""PDF debrief packet: what a render costs against WeasyPrint's own time for the same HTML, and
what a cached download costs through gunicorn.

    .venv/bin/python bench/packet.py                # 5 renders per figure
    .venv/bin/python bench/packet.py --repeats 2    # a quick look

Measured with the code the scheduler runs (the long-lived renderer and its niced render
worker) on a loop of six submitted scorecards with about 300 words per stage. Targets: a packet
within 1.2x WeasyPrint's own time; a cached download under 20 ms (median).

The pathological case: the same loop with one scorecard holding everything the input limits
allow, as one-character paragraphs (what once hit the 60 s timeout three times). Target: it
renders within 10x the normal packet, or fails visibly (given up) within the render timeout.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from harness import Client, build_instance

from app.debriefs.summary import load_loop
from app.demo import DEMO_PASSWORD
from app.extensions import db
from app.interviews.fields import MAX_SCORECARD_TEXT, MAX_TEXT
from app.models import Loop
from app.packets import store
from app.packets.content import FULL, competency_names, packet_data
from app.packets.renderer import (
    RenderError,
    RenderReport,
    lower_thread_priority,
    packet_html,
    render_loop,
    shared_worker,
)
from tests.interviews.gunicorn_server import GunicornServer

RATIO_TARGET, DOWNLOAD_TARGET_MS, PATHOLOGICAL_TARGET = 1.2, 20.0, 10.0


def pathological(instance, repeats: int) -> dict[str, float]:
    """The second packet loop, its first scorecard filled to the scorecard's limit with
    one-character paragraphs, rendered as the scheduler renders it."""
    loop_id = instance.packet_loops[1]
    with instance.app.app_context():
        loop = db.session.get(Loop, loop_id)
        card = loop.sessions[0].scorecard
        stages = [stage["key"] for stage in loop.sessions[0].script.definition["stages"]]
        others = len(card.summary or "") + sum(len(r["evidence"]) for r in card.ratings.values())
        budget, notes = MAX_SCORECARD_TEXT - others, {}
        for key in stages:
            notes[key] = ("a\n\n" * MAX_TEXT)[: min(MAX_TEXT, budget)].strip()
            budget -= len(notes[key])
        card.stage_notes = notes
        db.session.commit()
        candidate_id, names = loop.candidate_id, competency_names()
        db.session.rollback()
        worker = shared_worker()
        timings, pages, failed = [], 0, ""
        for _ in range(repeats):
            store.delete_candidate(candidate_id)
            report = RenderReport()
            began = time.perf_counter()
            try:
                render_loop(loop_id, names, worker, report, variants=(FULL,))
            except RenderError as error:
                failed = str(error)
            timings.append(time.perf_counter() - began)
            if report.rendered:
                pages = report.rendered[0].pages
        chars = sum(len(text) for text in notes.values())
    return {"seconds": statistics.median(timings), "pages": pages, "chars": chars, "failed": failed}


def renders(instance, repeats: int) -> dict[str, float]:
    """Packet and floor renders alternate, so a noisy neighbour weighs on both alike."""
    loop_id = instance.packet_loops[0]
    with instance.app.app_context():
        lower_thread_priority()  # as the scheduler's render thread
        worker = shared_worker()
        started = time.perf_counter()
        worker.start()
        worker_start = time.perf_counter() - started
        names = competency_names()
        candidate_id = db.session.get(Loop, loop_id).candidate_id
        html = packet_html(
            packet_data(load_loop(loop_id), FULL, names), datetime.now(UTC).isoformat()
        )
        db.session.rollback()

        def packet() -> tuple[float, int]:
            store.delete_candidate(candidate_id)  # never cached: a real render each time
            report = RenderReport()
            began = time.perf_counter()
            render_loop(loop_id, names, worker, report, variants=(FULL,))
            return time.perf_counter() - began, report.rendered[0].pages

        packet()  # warm-up: fonts, templates, the first packet of the process
        packets, floors = [], []
        for n in range(repeats):
            for step in ("packet", "floor") if n % 2 == 0 else ("floor", "packet"):
                if step == "packet":
                    seconds, pages = packet()
                    packets.append(seconds)
                else:
                    floors.append(worker.render(html).seconds)
        packet()  # leave it cached for the downloads
    return {
        "worker_start": worker_start,
        "packet": statistics.median(packets),
        "floor": statistics.median(floors),
        "pages": pages,
        "html_kb": len(html.encode()) / 1024,
    }


def downloads(port: int, loop_id: int, count: int) -> list[float]:
    client = Client(port).sign_in("manager@example.com", DEMO_PASSWORD)
    for _ in range(6):  # each sync worker's first request loads what it imports lazily
        client.request("GET", f"/loops/{loop_id}/packet.pdf")
    timings = []
    for _ in range(count):
        began = time.perf_counter()
        status, body = client.request("GET", f"/loops/{loop_id}/packet.pdf")
        timings.append((time.perf_counter() - began) * 1000)
        if status != 200 or not body.startswith(b"%PDF-"):
            raise RuntimeError(f"a cached download answered {status} ({len(body)} bytes)")
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="renders per figure")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="loopkit-bench-"))
    try:
        instance = build_instance(workdir, 0)
        r = renders(instance, args.repeats)
        ratio = r["packet"] / r["floor"]
        print(f"== render worker start (python, WeasyPrint, warm-up): {r['worker_start']:.2f} s")
        print(
            f"== six-scorecard packet ({r['pages']} pages, {r['html_kb']:.0f} KB of HTML): "
            f"{r['packet']:.2f} s; WeasyPrint alone {r['floor']:.2f} s; ratio {ratio:.2f} "
            f"[{'ok' if ratio <= RATIO_TARGET else 'MISSED'}: <= {RATIO_TARGET}]"
        )
        bad = pathological(instance, args.repeats)
        bad_ratio = bad["seconds"] / r["packet"]
        timeout = instance.app.config["PACKET_RENDER_TIMEOUT_SECONDS"]
        if bad["failed"]:
            bad_ok = bad["seconds"] <= timeout + 5
            outcome = f"failed visibly after {bad['seconds']:.2f} s ({bad['failed']})"
        else:
            bad_ok = bad_ratio <= PATHOLOGICAL_TARGET
            outcome = f"{bad['pages']} pages in {bad['seconds']:.2f} s; {bad_ratio:.1f}x the normal"
        print(
            f"== pathological scorecard ({bad['chars']:,} characters of one-character "
            f"paragraphs): {outcome} "
            f"[{'ok' if bad_ok else 'MISSED'}: <= {PATHOLOGICAL_TARGET:g}x, or a visible "
            f"failure within {timeout:g} s]"
        )
        with GunicornServer(instance.database_url, instance.directory, workers=3) as server:
            port = int(server.base_url.rsplit(":", 1)[1])
            timings = downloads(port, instance.packet_loops[0], 200)
        median = statistics.median(timings)
        print(
            f"== cached download: median {median:.1f} ms, max {max(timings):.1f} ms "
            f"[{'ok' if median < DOWNLOAD_TARGET_MS else 'MISSED'}: < {DOWNLOAD_TARGET_MS:g} ms]"
        )
        return 0 if ratio <= RATIO_TARGET and median < DOWNLOAD_TARGET_MS and bad_ok else 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())

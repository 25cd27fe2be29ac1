"""Downloads: served from the cache with an ETag, audited, never rendered in the web process;
a whole opening as a zip; the renderer off the request path."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.interviews.scorecards import amend_scorecard
from app.loops.planning import cancel_loop, start_loop
from app.models import AuditEvent, PacketRequest
from app.packets import outbox, store

from .conftest import client_for, run_renderer, submit

# Renders real PDFs: run once, on SQLite (see the Makefile).
pytestmark = pytest.mark.pdf

ROOT = Path(__file__).resolve().parent.parent.parent


def _requests(loop_id: int) -> int:
    db.session.commit()  # a fresh snapshot: requests made since may have written
    return db.session.execute(
        select(func.count()).select_from(PacketRequest).where(PacketRequest.loop_id == loop_id)
    ).scalar_one()


def _audits() -> list[AuditEvent]:
    db.session.commit()
    return list(
        db.session.execute(
            select(AuditEvent)
            .where(AuditEvent.action == "packet.downloaded")
            .order_by(AuditEvent.id)
        ).scalars()
    )


def test_submitting_requests_a_packet_in_the_same_transaction(demo, priya_card) -> None:
    loop_id = priya_card.session.loop_id
    assert _requests(loop_id) == 0
    submit(priya_card)
    assert _requests(loop_id) == 1


def test_no_fresh_packet_means_preparing_not_rendering_then_the_renderer_serves_it(
    app, demo, priya_card
) -> None:
    submit(priya_card)
    loop_id = priya_card.session.loop_id
    client = client_for(app, "manager@example.com")

    waiting = client.get(f"/loops/{loop_id}/packet.pdf")
    assert waiting.status_code == 202
    page = waiting.get_data(as_text=True)
    assert "Preparing the packet" in page
    # It asks again from a script, never by a timed reload (WCAG 2.2.1).
    assert "js/packet-wait.js" in page and 'http-equiv="refresh"' not in page
    assert (
        "<script>" not in page and "unsafe-inline" not in waiting.headers["Content-Security-Policy"]
    )
    assert waiting.headers["Cache-Control"] == "no-store"
    assert client.get(f"/loops/{loop_id}/packet.pdf").status_code == 202, "still not rendered"
    assert _requests(loop_id) == 1, "waiting does not pile up requests"
    assert not list(store.root().glob("*/*.pdf")), "the web process rendered nothing"

    report = run_renderer(app)
    assert sorted(r.variant for r in report.rendered) == ["full", "panel"]
    assert _requests(loop_id) == 0, "rendered requests are gone"
    ready = client.get(f"/loops/{loop_id}/packet.pdf")
    assert ready.status_code == 200
    assert ready.data.startswith(b"%PDF-")
    assert ready.headers["Cache-Control"] == "private, no-cache"
    assert ready.headers["ETag"].strip('"') in {r.key for r in report.rendered}
    assert "attachment" in ready.headers["Content-Disposition"]


def test_preparing_asks_for_a_render_when_nothing_asked_yet(app, demo, priya_card) -> None:
    """A packet that nobody requested (say, the templates changed) is requested on download."""
    submit(priya_card)
    db.session.execute(PacketRequest.__table__.delete())
    db.session.commit()
    loop_id = priya_card.session.loop_id
    assert (
        client_for(app, "admin@example.com").get(f"/loops/{loop_id}/packet.pdf").status_code == 202
    )
    assert _requests(loop_id) == 1


def test_cached_packet_revalidates_with_304_and_each_download_is_audited(
    app, demo, priya_card
) -> None:
    submit(priya_card)
    run_renderer(app)
    loop_id = priya_card.session.loop_id
    client = client_for(app, "manager@example.com")
    first = client.get(f"/loops/{loop_id}/packet.pdf")
    etag = first.headers["ETag"]
    again = client.get(f"/loops/{loop_id}/packet.pdf", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag
    assert again.headers["Cache-Control"] == "private, no-cache"
    second = client.get(f"/loops/{loop_id}/packet.pdf")
    assert second.status_code == 200 and second.headers["ETag"] == etag

    audits = _audits()
    assert len(audits) == 2, "two downloads, the revalidation sent nothing"
    event = audits[0]
    assert event.actor_id == demo.users["manager"].id
    assert (event.object_type, event.object_id) == ("loops", loop_id)
    assert event.details == {"key": etag.strip('"'), "variant": "full"}
    assert event.at is not None


def test_an_amended_scorecard_makes_the_cached_packet_stale(app, demo, priya_card) -> None:
    submit(priya_card)
    run_renderer(app)
    loop_id = priya_card.session.loop_id
    client = client_for(app, "manager@example.com")
    old = client.get(f"/loops/{loop_id}/packet.pdf").headers["ETag"]

    db.session.rollback()
    errors = amend_scorecard(
        demo.users["priya"],
        priya_card,
        {"summary": "Amended-canary: second thoughts after the debrief."},
        "Typo in the summary",
        min_evidence=40,
    )
    assert errors == {}
    db.session.commit()
    assert _requests(loop_id) == 1
    stale = client.get(f"/loops/{loop_id}/packet.pdf", headers={"If-None-Match": old})
    assert stale.status_code == 202, "no 304 for a stale packet, and no render in the request"
    run_renderer(app)
    fresh = client.get(f"/loops/{loop_id}/packet.pdf", headers={"If-None-Match": old})
    assert fresh.status_code == 200 and fresh.headers["ETag"] != old
    assert not store.exists(priya_card.session.loop.candidate_id, old.strip('"')), "old pruned"


def test_the_renderer_skips_packets_that_are_already_fresh(app, demo, priya_card) -> None:
    submit(priya_card)
    run_renderer(app)
    outbox.request_packet(priya_card.session.loop, "again")
    db.session.commit()
    report = run_renderer(app)
    assert report.rendered == [] and len(report.fresh) == 2


@pytest.mark.committed  # the fresh interpreter reads what this test set up
def test_the_web_process_never_imports_weasyprint(app, demo, priya_card, database_url) -> None:
    """A real download in a fresh interpreter, as a web worker would serve it."""
    submit(priya_card)
    run_renderer(app)
    script = f"""
import json, sys
from tests.conftest import make_app, sign_in
from pathlib import Path
app = make_app({database_url!r}, Path({app.instance_path!r}))
client = app.test_client()
assert sign_in(client, "manager@example.com").status_code == 302
response = client.get("/loops/{priya_card.session.loop_id}/packet.pdf")
zipped = client.get("/openings/{demo.opening.id}/packets.zip")
print(json.dumps({{"status": response.status_code, "zip": zipped.status_code,
                   "weasyprint": "weasyprint" in sys.modules}}))
"""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOOPKIT_")}
    if "LOOPKIT_TEST_DATABASE_URL" in os.environ:
        env["LOOPKIT_TEST_DATABASE_URL"] = os.environ["LOOPKIT_TEST_DATABASE_URL"]
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen == {"status": 200, "zip": 200, "weasyprint": False}


def test_an_opening_zip_holds_the_ready_packets_and_names_the_rest(app, demo, priya_card) -> None:
    submit(priya_card)
    run_renderer(app)
    arjun = next(c for c in demo.opening.candidates if c.name == "Arjun Mehta")
    other = start_loop(arjun, demo.users["coordinator"])
    db.session.commit()
    other_id = other.id

    client = client_for(app, "manager@example.com")
    response = client.get(f"/openings/{demo.opening.id}/packets.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.data)) as bundle:
        names = bundle.namelist()
        readme = bundle.read("README.txt").decode()
        pdfs = [n for n in names if n.endswith(".pdf")]
        assert len(pdfs) == 1 and pdfs[0].startswith("debrief-packet-lena-fischer")
        assert bundle.read(pdfs[0]).startswith(b"%PDF-")
    assert "included: Lena Fischer" in readme
    assert f"left out, still being prepared: Arjun Mehta (loop {other_id})" in readme
    assert _requests(other_id) == 1, "the missing packet was requested"
    audits = _audits()
    assert [(a.object_id, a.details["via"]) for a in audits] == [
        (priya_card.session.loop_id, "opening_zip")
    ]


def test_the_opening_links_its_packets_page_which_names_what_the_zip_leaves_out(
    app, demo, priya_card
) -> None:
    submit(priya_card)
    run_renderer(app)
    arjun = next(c for c in demo.opening.candidates if c.name == "Arjun Mehta")
    cancelled = start_loop(arjun, demo.users["coordinator"])
    cancel_loop(cancelled, demo.users["coordinator"])
    waiting = start_loop(arjun, demo.users["coordinator"])
    db.session.commit()
    cancelled_id, waiting_id = cancelled.id, waiting.id

    manager = client_for(app, "manager@example.com")
    opening_page = manager.get(f"/openings/{demo.opening.id}").get_data(as_text=True)
    assert f'href="/openings/{demo.opening.id}/packets"' in opening_page
    page = manager.get(f"/openings/{demo.opening.id}/packets").get_data(as_text=True)
    assert "Download the zip (1 packet ready)" in page
    assert "Arjun Mehta: still being prepared" in page
    assert f"Loop {cancelled_id} (Arjun Mehta): the loop was cancelled." in page

    with zipfile.ZipFile(
        io.BytesIO(manager.get(f"/openings/{demo.opening.id}/packets.zip").data)
    ) as bundle:
        readme = bundle.read("README.txt").decode()
    assert f"left out: loop {cancelled_id}: the loop was cancelled" in readme
    assert f"left out, still being prepared: Arjun Mehta (loop {waiting_id})" in readme

    coordinator = client_for(app, "coordinator@example.com")
    assert '/packets"' not in coordinator.get(f"/openings/{demo.opening.id}").get_data(as_text=True)
    assert coordinator.get(f"/openings/{demo.opening.id}/packets").status_code == 403


@pytest.mark.parametrize("extra_loops", [1, 6])
def test_the_packets_page_costs_the_same_statements_however_many_loops(
    app, demo, priya_card, count_statements, extra_loops
) -> None:
    submit(priya_card)
    arjun = next(c for c in demo.opening.candidates if c.name == "Arjun Mehta")
    for _ in range(extra_loops):
        start_loop(arjun, demo.users["coordinator"])
    db.session.commit()
    manager = client_for(app, "manager@example.com")
    manager.get(f"/openings/{demo.opening.id}/packets")  # fills the library's name cache
    with count_statements() as counter:
        response = manager.get(f"/openings/{demo.opening.id}/packets")
    assert response.status_code == 200
    assert counter.count == PACKETS_PAGE_STATEMENTS, "\n\n".join(
        s[:150] for s in counter.statements
    )


# The signed-in user, the opening (for the permission check, and again for the page), the
# library's newest version (names are remembered per version), the loops with all a packet
# shows (every session's scorecards and who sits in) and their debriefs' verdicts, the given-up
# renders, the viewer's own scorecards in them.
PACKETS_PAGE_STATEMENTS = 10


def test_an_opening_zip_with_nothing_ready_says_preparing(app, demo, priya_card) -> None:
    submit(priya_card)
    response = client_for(app, "admin@example.com").get(f"/openings/{demo.opening.id}/packets.zip")
    assert response.status_code == 202
    assert "None of the debrief packets for" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "who", ["priya@example.com", "coordinator@example.com", "kwame@example.com"]
)
def test_people_who_may_not_read_the_debrief_get_no_packet(app, demo, priya_card, who) -> None:
    """Priya only until she submits; coordinators and outsiders never."""
    from app.models import ScorecardStatus

    tomas = priya_card.session.loop.sessions[1].scorecard
    submit(tomas)
    run_renderer(app)
    assert priya_card.status == ScorecardStatus.DRAFT
    client = client_for(app, who)
    assert client.get(f"/loops/{priya_card.session.loop_id}/packet.pdf").status_code == 403
    assert client.get(f"/openings/{demo.opening.id}/packets.zip").status_code == 403
    assert _audits() == []


def test_a_render_past_its_time_limit_is_stopped_and_the_next_one_works(app) -> None:
    from app.packets.renderer import RenderTimeout, RenderWorker

    worker = RenderWorker(app.static_folder, timeout=0.3, memory_mb=1024)
    try:
        worker.start()
        first_pid = worker.pid
        slow = "<table>" + "<tr><td>cell</td><td>cell</td></tr>" * 20000 + "</table>"
        started = time.monotonic()
        with pytest.raises(RenderTimeout):
            worker.render(slow)
        assert time.monotonic() - started < 5
        assert worker.pid is None
        with pytest.raises(ProcessLookupError):
            os.kill(first_pid, 0)
        worker.timeout = 30
        assert worker.render("<p>after</p>").pages == 1
        assert worker.pid != first_pid
    finally:
        worker.close()


def test_erasure_can_delete_a_candidates_packets(app, demo, priya_card) -> None:
    submit(priya_card)
    run_renderer(app)
    candidate_id = priya_card.session.loop.candidate_id
    folder = store.candidate_dir(candidate_id)
    assert len(list(folder.glob("*.pdf"))) == 2 and len(list(folder.glob("*.json"))) == 2
    store.delete_candidate(candidate_id)
    assert not folder.exists()

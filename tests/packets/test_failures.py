"""Packets that cannot be rendered end in a visible failure, never in "Preparing" forever:
retries are bounded, the reader is told why and what can be done, the download never asks
again by itself, and the hiring manager or an admin can have it prepared again."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from app.extensions import db
from app.loops.planning import add_session, start_loop
from app.models import AuditEvent, PacketRequest
from app.packets import outbox
from app.packets.renderer import RenderWorker, render_requested
from app.storage.types import utcnow

from ..conftest import csrf_from
from .conftest import client_for, run_renderer, submit

pytestmark = pytest.mark.pdf  # a real render worker, really timed out


def _request_rows(loop_id: int) -> list[tuple[int, int]]:
    db.session.commit()
    return db.session.execute(
        select(PacketRequest.id, PacketRequest.attempts)
        .where(PacketRequest.loop_id == loop_id)
        .order_by(PacketRequest.id)
    ).all()


def _render_with(app, worker: RenderWorker):
    db.session.commit()
    with app.app_context():
        report = render_requested(worker=worker)
    db.session.commit()
    return report


def _time_passes() -> None:
    """As if each backoff had run out (the renderer takes a request again only after it)."""
    db.session.execute(update(PacketRequest).values(lease_until=utcnow() - timedelta(seconds=1)))
    db.session.commit()


@pytest.fixture
def given_up(app, demo, priya_card):
    """Priya's submitted scorecard, whose packet timed out on every attempt."""
    submit(priya_card, summary="Priya-summary-canary.")
    loop_id = priya_card.session.loop_id
    too_slow = RenderWorker(app.static_folder, timeout=0.01, memory_mb=1024)
    try:
        for attempt in range(1, outbox.MAX_ATTEMPTS + 1):
            report = _render_with(app, too_slow)
            assert [loop for loop, _ in report.failed] == [loop_id], attempt
            assert "longer than" in report.failed[0][1]
            _time_passes()
        assert _render_with(app, too_slow).failed == [], "given up: not tried a fourth time"
    finally:
        too_slow.close()
    return loop_id


def test_a_packet_that_keeps_failing_is_given_up_and_says_why(
    app, demo, priya_card, given_up
) -> None:
    rows = _request_rows(given_up)
    manager = client_for(app, "manager@example.com")
    for _ in range(3):
        response = manager.get(f"/loops/{given_up}/packet.pdf")
        assert response.status_code == 503
        page = response.get_data(as_text=True)
        assert "The packet could not be prepared" in page
        assert "took longer than the renderer allows" in page
        assert "Prepare the packet again" in page
    assert _request_rows(given_up) == rows, "a download never asks for the packet again"
    assert all(attempts == outbox.MAX_ATTEMPTS for _, attempts in rows)

    panel = client_for(app, "priya@example.com").get(f"/loops/{given_up}/packet.pdf")
    assert panel.status_code == 503
    text = panel.get_data(as_text=True)
    assert "The hiring manager and admins see this too" in text
    assert "Prepare the packet again" not in text

    debrief = manager.get(f"/loops/{given_up}/debrief").get_data(as_text=True)
    assert "The PDF packet could not be prepared." in debrief

    zipped = manager.get(f"/openings/{demo.opening.id}/packets.zip")
    assert zipped.status_code == 503, "nothing ready and nothing coming: not 'preparing'"


def test_admins_see_given_up_packets_and_prepare_them_again(
    app, demo, priya_card, given_up
) -> None:
    admin = client_for(app, "admin@example.com")
    home = admin.get("/").get_data(as_text=True)
    assert "1 debrief packet could not be prepared" in home
    outbox_page = admin.get("/admin/outbox").get_data(as_text=True)
    assert "Debrief packets not prepared" in outbox_page
    assert f"/loops/{given_up}/packet/retry" in outbox_page
    assert "took longer than the renderer allows" in outbox_page

    answer = admin.post(
        f"/loops/{given_up}/packet/retry", data={"csrf_token": csrf_from(outbox_page)}
    )
    assert answer.status_code == 302
    assert answer.location.endswith(f"/loops/{given_up}/debrief")
    assert [attempts for _, attempts in _request_rows(given_up)] == [0], "failures forgotten"
    assert admin.get(f"/loops/{given_up}/packet.pdf").status_code == 202
    db.session.commit()
    retried = db.session.execute(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "packet.retried")
    ).scalar_one()
    assert retried == 1

    run_renderer(app)  # a passing problem: this time it renders
    response = admin.get(f"/loops/{given_up}/packet.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")
    assert _request_rows(given_up) == []
    assert "could not be prepared" not in admin.get("/").get_data(as_text=True)


def test_the_opening_zip_readme_says_which_failed_and_which_are_not_yours(
    app, demo, priya_card, given_up
) -> None:
    """Beside a ready packet: Lena's, given up, with its reason and what to do; and a loop on
    which the hiring manager still owes her own scorecard, left out without a name."""
    kit = priya_card.session
    arjun = next(c for c in demo.opening.candidates if c.name == "Arjun Mehta")
    ready = start_loop(arjun, demo.users["coordinator"])
    card = add_session(
        ready, demo.users["kwame"], kit.script, kit.rubric, kit.starts_at, kit.focus_competencies
    ).scorecard
    judging = start_loop(arjun, demo.users["coordinator"])
    add_session(
        judging,
        demo.users["manager"],
        kit.script,
        kit.rubric,
        kit.starts_at,
        kit.focus_competencies,
    )
    db.session.commit()
    ready_id, judging_id = ready.id, judging.id
    submit(card)
    run_renderer(app)

    response = client_for(app, "manager@example.com").get(
        f"/openings/{demo.opening.id}/packets.zip"
    )
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.data)) as bundle:
        readme = bundle.read("README.txt").decode()
        assert [n for n in bundle.namelist() if n.endswith(".pdf")] == [
            f"debrief-packet-arjun-mehta-loop-{ready_id}.pdf"
        ]
    lines = readme.splitlines()
    assert f"included: Arjun Mehta (loop {ready_id})" in lines
    failed = next(line for line in lines if line.startswith("left out, could not be prepared"))
    assert failed.startswith(f"left out, could not be prepared: Lena Fischer (loop {given_up}): ")
    assert "longer than" in failed and failed.endswith("to see what can be done.")
    assert f"left out: loop {judging_id}: you may not read this loop's debrief" in lines
    assert "Priya-summary-canary." not in readme

"""Role dashboards: loops a coordinator is planning, loops a hiring manager waits on, and
failed deliveries on both."""

from __future__ import annotations

from app.extensions import db
from app.notify.outbox import queue_mail


def test_coordinator_and_manager_dashboards_show_loops_and_failed_mail(demo, sign_in_as, app):
    loop = demo.opening.candidates[0].loops[0]
    failed = queue_mail("scorecard_due", demo.users["priya"], "dash.failed", loop=loop)
    failed.status = "failed"
    db.session.commit()

    coordinator = sign_in_as("coordinator@example.com").get("/").get_data(as_text=True)
    assert "Loops I am planning" in coordinator and "Lena Fischer" in coordinator
    assert "1 mail failed to send" in coordinator

    manager = app.test_client()
    from ..conftest import sign_in

    sign_in(manager, "manager@example.com")
    page = manager.get("/").get_data(as_text=True)
    assert "Loops waiting for feedback" in page
    assert "0 submitted, 2 still drafts" in page and "1 mail failed to send" in page

    interviewer = app.test_client()
    sign_in(interviewer, "kwame@example.com")
    assert "Loops I am planning" not in interviewer.get("/").get_data(as_text=True)

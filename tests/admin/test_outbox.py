"""The admins' outbox page: failed deliveries and those retrying after a failure, with what
each was, to whom, the last error, the attempts and the next try; a retry that is a
CSRF-protected, audited post; a count on the admin's home page; a fixed cost per page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Reminder
from app.notify.outbox import queue_mail
from app.storage.types import utcnow

from ..conftest import csrf_from


def _mail(demo, key: str, status: str, error: str | None = None, **values) -> Reminder:
    loop = demo.opening.candidates[0].loops[0]
    reminder = queue_mail("scorecard_due", demo.users["priya"], key, loop=loop)
    reminder.status = status
    reminder.last_error = error
    for name, value in values.items():
        setattr(reminder, name, value)
    db.session.flush()
    return reminder


@pytest.fixture
def troubled(demo):
    later = utcnow() + timedelta(minutes=5)
    rows = {
        "failed": _mail(
            demo,
            "o.failed",
            "failed",
            "The mail server refused this mail for good, not retried: recipient refused "
            "(priya@example.com: 550 5.1.1 no such user)",
            attempts=1,
        ),
        "retrying": _mail(
            demo,
            "o.retrying",
            "pending",
            "ConnectionRefusedError: [Errno 111] Connection refused",
            attempts=2,
            retry_at=later,
        ),
        "pending": _mail(demo, "o.pending", "pending"),
        "sent": _mail(demo, "o.sent", "sent", sent_at=utcnow()),
    }
    db.session.commit()
    return rows


def test_the_outbox_lists_failed_and_retrying_mail_with_why_and_when(
    demo, troubled, sign_in_as
) -> None:
    client = sign_in_as("admin@example.com")
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert "550 5.1.1 no such user" in page
    assert "Connection refused" in page
    assert "priya@example.com" in page and "Scorecard due" in page
    assert "2 deliveries needing attention" in page
    assert "Not tried again: failed" in page
    assert troubled["retrying"].retry_at.isoformat() in page  # when it is next tried
    assert (
        page.count("Retry now") == 2
    )  # the pending one without an error and the sent one: not listed


def test_retry_is_a_csrf_protected_audited_post(app, demo, troubled, sign_in_as) -> None:
    client = sign_in_as("admin@example.com")
    failed = troubled["failed"]
    url = f"/admin/outbox/{failed.id}/retry"
    assert client.post(url).status_code == 400  # no CSRF token
    db.session.refresh(failed)
    assert failed.status == "failed"

    token = csrf_from(client.get("/admin/outbox").get_data(as_text=True))
    response = client.post(url, data={"csrf_token": token})
    assert response.status_code == 302 and response.location.endswith("/admin/outbox")
    db.session.expire_all()
    failed = db.session.get(Reminder, failed.id)
    assert failed.status == "pending" and failed.attempts == 0 and failed.retry_at is None
    retrying = db.session.get(Reminder, troubled["retrying"].id)
    client.post(f"/admin/outbox/{retrying.id}/retry", data={"csrf_token": token})
    db.session.expire_all()
    assert db.session.get(Reminder, retrying.id).retry_at is None  # goes at the next run
    events = (
        db.session.execute(select(AuditEvent).where(AuditEvent.action == "reminder.retried"))
        .scalars()
        .all()
    )
    assert [(e.object_type, e.object_id) for e in events] == [
        ("reminders", failed.id),
        ("reminders", retrying.id),
    ]
    trail = client.get("/admin/audit").get_data(as_text=True)
    assert "retried a mail delivery" in trail and "scorecard due mail to priya@example.com" in trail

    # Something that needs no retry (sent) is refused with a message, not a 500.
    sent = troubled["sent"]
    page = client.post(
        f"/admin/outbox/{sent.id}/retry", data={"csrf_token": token}, follow_redirects=True
    ).get_data(as_text=True)
    assert "can be retried" in page


def test_the_admin_home_page_counts_them_and_links_to_the_outbox(demo, troubled, app) -> None:
    from ..conftest import sign_in

    admin = app.test_client()
    sign_in(admin, "admin@example.com")
    home = admin.get("/").get_data(as_text=True)
    assert 'href="/admin/outbox"' in home
    assert "2 mail deliveries failed or waiting to be retried" in home
    coordinator = app.test_client()
    sign_in(coordinator, "coordinator@example.com")
    assert "/admin/outbox" not in coordinator.get("/").get_data(as_text=True)


@pytest.mark.parametrize("count", [3, 60])
def test_a_page_costs_the_same_statements_however_many_there_are(
    demo, sign_in_as, count_statements, count
) -> None:
    for n in range(count):
        _mail(demo, f"many.{n}", "failed" if n % 2 else "pending", f"error {n}", attempts=n % 5)
    db.session.commit()
    client = sign_in_as("admin@example.com")
    client.get("/admin/outbox")  # warm: sign-in bookkeeping, caches
    with count_statements() as counter:
        assert client.get("/admin/outbox").status_code == 200
    assert counter.count == EXPECTED_STATEMENTS, counter.statements


# The signed-in user (with its session), the page (recipients and loops joined in), the count,
# and the given-up packets (their loops only when there are some).
EXPECTED_STATEMENTS = 4

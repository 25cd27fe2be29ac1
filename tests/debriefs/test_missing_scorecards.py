"""A debrief that waits for the evidence: half an hour before it, the hiring manager hears
which scorecards are still out, and can chase them all or move the debrief in one step."""

from __future__ import annotations

import html
from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.loops.planning import send_invitations
from app.models import Reminder
from app.notify.dispatcher import dispatch_due
from app.notify.outbox import sync_loop_reminders
from app.storage.types import utcnow

from ..conftest import csrf_from, sign_in
from ..notify.conftest import smtp  # noqa: F401  (fixture)
from ..notify.test_dispatch import text_of
from .test_debrief import submit


def missing_notice(loop) -> Reminder:
    return db.session.execute(
        select(Reminder).where(Reminder.loop_id == loop.id, Reminder.kind == "scorecards_missing")
    ).scalar_one()


def test_the_manager_hears_which_scorecards_are_out_before_the_debrief(
    app,
    demo,
    priya_card,
    smtp,  # noqa: F811
) -> None:
    loop = priya_card.session.loop
    sync_loop_reminders(loop)
    assert missing_notice(loop).payload == {"missing": ["Priya Raman", "Tomás Ortega"]}
    submit(priya_card, {"api-design": 3}, "yes")
    sync_loop_reminders(loop)
    db.session.commit()
    assert missing_notice(loop).payload == {"missing": ["Tomás Ortega"]}, "follows submissions"

    dispatch_due(loop.debrief.starts_at - timedelta(minutes=29))
    (mail,) = smtp.inbox.by_subject("scorecards still missing")
    assert mail["To"] == "manager@example.com"
    body = text_of(mail)
    assert "- Tomás Ortega" in body and "Priya Raman" not in body
    assert f"/loops/{loop.id}/debrief#missing" in body


def test_all_in_in_time_means_no_missing_notice(app, demo, priya_card, tomas_card) -> None:
    loop = priya_card.session.loop
    sync_loop_reminders(loop)
    submit(priya_card, {"api-design": 3}, "yes")
    submit(tomas_card, {"architecture-tradeoffs": 3}, "yes")
    sync_loop_reminders(loop)
    assert missing_notice(loop).status == "cancelled"


def test_one_step_to_chase_everyone_or_move_the_debrief(app, demo) -> None:
    loop = demo.opening.candidates[0].loops[0]
    send_invitations(loop)
    dispatch_due(utcnow())  # everyone has the debrief in their calendar: a move is an update
    before = loop.debrief.starts_at
    client = app.test_client()
    sign_in(client, "manager@example.com")
    url = f"/loops/{loop.id}/debrief"

    def press(path: str, **data):
        token = csrf_from(client.get(url).get_data(as_text=True))
        response = client.post(f"/loops/{loop.id}/{path}", data={"csrf_token": token, **data})
        assert response.status_code == 302
        return html.unescape(client.get(url).get_data(as_text=True))

    page = html.unescape(client.get(url).get_data(as_text=True))
    assert "Remind everyone not in" in page and "Move the debrief an hour later" in page
    page = press("chase-all")
    assert "Reminders on their way to Priya Raman, Tomás Ortega." in page
    page = press("chase-all")
    assert "not again: Priya Raman, Tomás Ortega." in page
    chases = db.session.execute(
        select(Reminder.recipient_email).where(Reminder.kind == "scorecard_chase")
    ).scalars()
    assert sorted(chases) == ["priya@example.com", "tomas@example.com"], "each once"

    press("debrief/postpone", by="hour")
    db.session.rollback()
    assert loop.debrief.starts_at == before + timedelta(hours=1) and loop.debrief.pinned
    updates = db.session.execute(
        select(Reminder).where(Reminder.loop_id == loop.id, Reminder.kind == "debrief_update")
    ).scalars()
    assert {r.recipient_email for r in updates} >= {"manager@example.com"}

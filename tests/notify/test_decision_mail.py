"""The "decision made" mail: the outcome and links, never scorecard content, never the PDF."""

from __future__ import annotations

from app.debriefs.decisions import record_decision
from app.extensions import db
from app.notify.dispatcher import dispatch_due

from ..debriefs.test_debrief import EVIDENCE, debrief_ready  # noqa: F401  (fixture)
from .test_dispatch import later, text_of


def test_decision_mail_links_to_the_packet_and_carries_no_content(app, debrief_ready, smtp):  # noqa: F811
    manager = debrief_ready.opening.hiring_manager
    record_decision(debrief_ready, manager, "hire", "Strong on the essentials we need now.")
    db.session.commit()
    dispatch_due(later())
    mails = smtp.inbox.by_subject("Decision made for Lena Fischer")
    assert sorted(m["To"] for m in mails) == [
        "manager@example.com",
        "priya@example.com",
        "tomas@example.com",
    ]
    for mail in mails:
        body = text_of(mail)
        assert "has decided: hire" in body
        assert f"https://hiring.example.com/loops/{debrief_ready.id}/packet.pdf" in body
        assert EVIDENCE not in body and "Not yet senior enough" not in body
        assert not [p for p in mail.walk() if p.get_content_type() == "application/pdf"]

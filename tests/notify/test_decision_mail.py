"""The "decision made" mail: the outcome and links, never scorecard content, never the PDF."""

from __future__ import annotations

from app.debriefs.decisions import record_decision
from app.extensions import db
from app.interviews.scorecards import submit_scorecard
from app.notify.dispatcher import dispatch_due

from ..debriefs.test_debrief import EVIDENCE, debrief_ready, submit  # noqa: F401  (fixture)
from .test_dispatch import later, text_of


def test_decision_mail_links_to_the_packet_and_carries_no_content(app, debrief_ready, smtp):  # noqa: F811
    manager = debrief_ready.opening.hiring_manager
    record_decision(debrief_ready, manager, "no_hire", "Gaps in the essentials we need now.")
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
        assert "has decided: no hire" in body
        assert f"https://hiring.example.com/loops/{debrief_ready.id}/packet.pdf" in body
        assert EVIDENCE not in body and "Not yet senior enough" not in body
        assert not [p for p in mail.walk() if p.get_content_type() == "application/pdf"]


def test_a_panelist_with_a_draft_hears_the_outcome_only_after_submitting(
    app, demo, priya_card, tomas_card, smtp
) -> None:
    """The blind rule in mail: the outcome would tell Tomás how the others judged."""
    submit(priya_card, {"api-design": 1, "data-modelling": 2, "production-operations": 2}, "no")
    tomas_card.ratings = {
        key: {"level": 3, "evidence": EVIDENCE, "not_assessed": False, "reason": ""}
        for key in tomas_card.session.focus_competencies
    }
    tomas_card.recommendation = "yes"  # written, not yet submitted
    db.session.commit()
    loop = priya_card.session.loop
    record_decision(
        loop,
        loop.opening.hiring_manager,
        "no_hire",
        "Gaps in the essentials now.",
        waiver_reason="Tomás is away for a month; the candidate needs an answer.",
    )
    db.session.commit()
    dispatch_due(later())
    subject = "Decision made for Lena Fischer"
    assert sorted(m["To"] for m in smtp.inbox.by_subject(subject)) == [
        "manager@example.com",
        "priya@example.com",
    ]
    to_tomas = [m for m in smtp.inbox.messages if m["To"] == "tomas@example.com"]
    assert not [m for m in to_tomas if "decided" in text_of(m) or "Decision" in m["Subject"]]

    after_it = tomas_card.session.ends_at
    assert submit_scorecard(tomas_card.session.interviewer, tomas_card, 40, now=after_it) == {}
    db.session.commit()
    dispatch_due(later())
    dispatch_due(later())
    decided = [m for m in smtp.inbox.by_subject(subject) if m["To"] == "tomas@example.com"]
    assert len(decided) == 1
    assert "has decided: no hire" in text_of(decided[0])

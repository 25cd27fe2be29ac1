"""The packet parsed back: what it shows, to whom, and how it is built."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from app.extensions import db
from app.models import Decision
from app.storage.types import utcnow

from .conftest import (
    client_for,
    fill,
    outline_titles,
    pdf_text,
    run_renderer,
    squash,
    submit,
    word_boxes,
)

# Renders real PDFs: run once, on SQLite (see the Makefile).
pytestmark = pytest.mark.pdf

CHINESE = "候选人详细解释了数据库分片的权衡"
ARABIC = "شرح المرشح تصميم قاعدة البيانات بوضوح"
HEBREW = "המועמד הסביר את מבנה הנתונים בבהירות"
# Conjuncts and vowel signs. (Not the pre-base vowel sign ि: WeasyPrint 70 maps each glyph to one
# string, and a reordered cluster whose consonant glyph was mapped earlier leaves ि with none,
# so it is drawn but dropped from the extracted text.)
DEVANAGARI = "उम्मीदवार ने डेटाबेस को स्पष्ट रूप से समझाया"
EMOJI = "🎉"
PRIYA_NOTES = {
    "pitch": "Priya-pitch-canary: reacted to the on-call constraint straight away.",
    "experience": (
        f"Priya-experience-canary: led the ledger split.\n\n{CHINESE}\n\n{ARABIC}\n\n{HEBREW}"
    ),
    "candidate-questions": f"{DEVANAGARI} {EMOJI}",
    "logistics": "Priya-logistics-canary: prefers a May start.",
}
SALARY = "Salary-canary: 120k EUR base"
NOTICE = "Notice-canary: 4 weeks"
TOMAS_DRAFT = "Tomas-draft-canary: still thinking about the queue design"


def packet(client, loop_id: int) -> bytes:
    response = client.get(f"/loops/{loop_id}/packet.pdf")
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/pdf"
    return response.data


def test_every_submitted_scorecard_is_in_and_no_draft_ever_is(
    app, demo, priya_card, tomas_card, sign_in_as
) -> None:
    submit(
        priya_card,
        stage_notes=PRIYA_NOTES,
        summary="Priya-summary-canary: strong on data modelling.",
        candidate_questions="How often does the pager go off?\nIs relocation supported?",
    )
    tomas_card.stage_notes = {"pitch": TOMAS_DRAFT}
    tomas_card.summary = TOMAS_DRAFT
    db.session.commit()
    run_renderer(app)
    loop_id = priya_card.session.loop_id

    text = pdf_text(packet(sign_in_as("manager@example.com"), loop_id))
    flat = squash(text)
    for note in PRIYA_NOTES.values():
        for line in note.split("\n\n"):
            assert squash(line) in flat, line
    assert "Priya-summary-canary" in flat
    assert squash(EVIDENCE_SNIPPET) in flat
    assert "Recommendation: Yes" in flat
    assert "How often does the pager go off?" in flat
    assert "Tomas-draft-canary" not in text
    assert "1 submitted, 1 not submitted" in flat


EVIDENCE_SNIPPET = "Walked through the pagination design"


def test_chinese_arabic_devanagari_and_emoji_come_back_as_text(
    app, demo, priya_card, sign_in_as
) -> None:
    submit(priya_card, stage_notes=PRIYA_NOTES)
    run_renderer(app)
    text = pdf_text(packet(sign_in_as("manager@example.com"), priya_card.session.loop_id))
    flat = squash(text)
    assert CHINESE in flat
    assert DEVANAGARI in flat
    assert EMOJI in flat
    # pdftotext gives right-to-left runs back in logical order, word by word.
    for rtl in (ARABIC, HEBREW):
        assert rtl in flat or all(word in flat for word in rtl.split())


def test_right_to_left_paragraphs_start_at_the_right_margin(
    app, demo, priya_card, sign_in_as
) -> None:
    """Each paragraph takes its direction from its own text: the Arabic and the Hebrew ones
    hug the right margin, the English one beside them the left."""
    submit(priya_card, stage_notes=PRIYA_NOTES)
    run_renderer(app)
    pdf = packet(sign_in_as("manager@example.com"), priya_card.session.loop_id)
    words = word_boxes(pdf)
    width = words[0].page_width
    for script in (ARABIC, HEBREW):
        letters = set(script.replace(" ", ""))
        boxes = [w for w in words if set(w.text) <= letters]
        assert boxes, f"no words of {script!r} in the packet"
        assert max(w.x_max for w in boxes) > width * 0.85, script  # ends at the right margin
        assert min(w.x_min for w in boxes) > width * 0.4, script  # a short line: nothing left
    english = [w for w in words if w.text.startswith("Priya-experience-canary")]
    assert english and english[0].x_min < width * 0.15


def test_private_answers_only_in_the_managers_copy(
    app, demo, priya_card, tomas_card, sign_in_as
) -> None:
    answers = {"compensation_expectation": SALARY, "notice_period": NOTICE}
    submit(priya_card, field_answers=answers)
    submit(tomas_card)  # Tomás has submitted: he may read the debrief (without private answers)
    run_renderer(app)
    loop_id = priya_card.session.loop_id

    manager = squash(pdf_text(packet(client_for(app, "manager@example.com"), loop_id)))
    assert SALARY in manager and NOTICE in manager
    assert "are omitted from this copy" not in manager

    panel = squash(pdf_text(packet(client_for(app, "tomas@example.com"), loop_id)))
    assert SALARY not in panel
    assert NOTICE in panel, "answers that are not private stay"
    assert "Private answers (such as compensation expectations) are omitted" in panel


def test_outline_lists_each_scorecard_and_metadata_is_set(
    app, demo, priya_card, tomas_card, sign_in_as
) -> None:
    submit(priya_card)
    submit(tomas_card)
    run_renderer(app)
    pdf = packet(sign_in_as("admin@example.com"), priya_card.session.loop_id)

    titles = outline_titles(pdf)
    assert "Priya Raman: 45-minute staged interview" in titles
    assert any(t.startswith("Tomás Ortega: ") for t in titles), titles
    assert titles[0] == "Cover: Lena Fischer"
    assert {"Summary", "The candidate's questions", "Logistics"} <= set(titles)

    reader = PdfReader(io.BytesIO(pdf))
    meta = reader.metadata
    assert meta.title == "Debrief packet: Lena Fischer, Senior Backend Engineer"
    assert meta.author == "Maya Okafor"
    assert meta.creation_date is not None
    assert abs((meta.creation_date - utcnow()).total_seconds()) < 600
    assert len(reader.pages) >= 4  # cover, summary, a page per scorecard, questions
    # Running header and page numbers.
    page_two = squash(reader.pages[1].extract_text())
    assert "Lena Fischer · Senior Backend Engineer" in page_two
    assert f"Page 2 of {len(reader.pages)}" in page_two


def test_the_decision_is_on_the_cover_and_a_new_decision_makes_a_new_packet(
    app, demo, priya_card, sign_in_as
) -> None:
    from app.packets import request_packet

    submit(priya_card)
    run_renderer(app)
    client = sign_in_as("manager@example.com")
    loop_id = priya_card.session.loop_id
    before = client.get(f"/loops/{loop_id}/packet.pdf")
    assert "No decision yet" in squash(pdf_text(before.data))

    db.session.rollback()  # end the test's read: the download wrote since (its audit row)
    loop = priya_card.session.loop
    loop.debrief.decision = Decision.HIRE
    loop.debrief.rationale = "Rationale-canary: clear signal on every owned competency."
    loop.debrief.decided_by = demo.users["manager"]
    loop.debrief.decided_at = utcnow()
    request_packet(loop, "decision")
    db.session.commit()
    assert client.get(f"/loops/{loop_id}/packet.pdf").status_code == 202, "stale: preparing"
    run_renderer(app)
    after = client.get(f"/loops/{loop_id}/packet.pdf")
    assert after.status_code == 200 and after.headers["ETag"] != before.headers["ETag"]
    flat = squash(pdf_text(after.data))
    assert "Decision: Hire" in flat and "Rationale-canary" in flat


def test_a_scorecard_without_any_submission_renders_an_honest_packet(
    app, demo, priya_card, sign_in_as
) -> None:
    fill(priya_card)  # complete, but still a draft
    db.session.commit()
    from app.packets import request_packet

    request_packet(priya_card.session.loop)
    db.session.commit()
    run_renderer(app)
    flat = squash(pdf_text(packet(sign_in_as("manager@example.com"), priya_card.session.loop_id)))
    assert "No scorecard has been submitted yet." in flat
    assert EVIDENCE_SNIPPET not in flat


def test_the_cover_shows_the_composite_first_and_prints_override_and_waiver(
    app, demo, priya_card, sign_in_as
) -> None:
    from app.debriefs.decisions import record_decision

    submit(priya_card)  # level 3 on each of her competencies: the composite points to hire
    loop = priya_card.session.loop
    record_decision(
        loop,
        demo.users["manager"],
        "no_hire",
        "Rationale-canary: the team needs a different profile now.",
        override_reason="Override-canary: the headcount moved to another team.",
        waiver_reason="Waiver-canary: Tomás is away until next month.",
    )
    db.session.commit()
    run_renderer(app)
    flat = squash(pdf_text(packet(sign_in_as("manager@example.com"), loop.id)))
    assert "Composite of the ratings" in flat and "3.00 points to hire" in flat
    assert flat.index("3.00 points to hire") < flat.index("Rationale-canary")
    assert "Against the composite, because Override-canary" in flat
    assert "Decided without every scorecard, because Waiver-canary" in flat


def test_the_packet_names_each_shift_between_sealed_and_discussed_verdicts(
    app, demo, priya_card, tomas_card, sign_in_as
) -> None:
    from app.debriefs.verdicts import open_discussion, record_verdict

    submit(priya_card, recommendation="no")
    submit(tomas_card, recommendation="strong_yes")
    loop = priya_card.session.loop
    open_discussion(loop.debrief, demo.users["manager"])
    record_verdict(loop, demo.users["tomas"], "yes", "Shift-canary: the queue answer was thin.")
    db.session.commit()
    run_renderer(app)
    flat = squash(pdf_text(packet(sign_in_as("manager@example.com"), loop.id)))
    assert "Verdicts: sealed, then after the discussion" in flat
    assert "Tomás Ortega moved towards no hire: Strong yes → Yes. Shift-canary" in flat

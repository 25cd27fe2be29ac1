"""The scorecard that made packets time out: every field at its limit, in one-character
paragraphs. It is refused past the scorecard's limit at input, and what fits renders into a
packet that keeps every word (run together where the lines are very many)."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.interviews.fields import MAX_SCORECARD_TEXT, MAX_TEXT

from ..interviews.test_autosave import autosave, signed_in_client
from ..packets.conftest import pdf_text, run_renderer, squash, submit

pytestmark = pytest.mark.pdf  # renders a real PDF: once, on SQLite


def one_character_paragraphs(tag: str, limit: int = MAX_TEXT) -> str:
    """`tag` first and last, one-character paragraphs between, `limit` characters in all."""
    head, tail = f"{tag}-first\n\n", f"\n\n{tag}-last"
    middle = ("a\n\n" * limit)[: limit - len(head) - len(tail)]
    return head + middle.strip("\n") + tail


def test_a_scorecard_at_every_limit_renders_a_packet_that_keeps_every_word(
    app, demo, priya_card, tomas_card, sign_in_as
) -> None:
    db.session.commit()
    tab, token = signed_in_client(app, "priya@example.com")
    version, texts = 1, {}
    for stage in ("pitch", "experience", "logistics"):
        texts[stage] = one_character_paragraphs(stage)
        response = autosave(tab, token, priya_card.id, version, {f"notes.{stage}": texts[stage]})
        assert response.status_code == 200, response.get_json()
        version = response.get_json()["version"]
    full = autosave(tab, token, priya_card.id, version, {"summary": "a\n\n" * 100})
    assert full.status_code == 400 and full.get_json()["code"] == "scorecard_full"
    assert 3 * MAX_TEXT == MAX_SCORECARD_TEXT

    db.session.expire_all()
    submit(priya_card, stage_notes=texts, summary="")
    submit(tomas_card, summary="An ordinary scorecard beside it.")
    report = run_renderer(app)
    assert {r.variant for r in report.rendered} == {"full", "panel"}
    pages = max(r.pages for r in report.rendered)
    assert pages < 60, f"{pages} pages: the one-character paragraphs were not run together"

    response = sign_in_as("manager@example.com").get(
        f"/loops/{priya_card.session.loop_id}/packet.pdf"
    )
    assert response.status_code == 200
    flat = squash(pdf_text(response.data))
    for stage in texts:
        assert f"{stage}-first ¶ a ¶ a" in flat
        assert f"a ¶ {stage}-last" in flat
    assert flat.count("Very many short lines, run together") == 3
    assert "An ordinary scorecard beside it." in flat

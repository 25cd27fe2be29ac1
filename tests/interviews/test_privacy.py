"""Independent judgement and private answers, checked on the pages people actually open."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.storage.types import utcnow

from ..conftest import sign_in
from .test_submission import EVIDENCE

CANARY = "Tomas-canary: rated the schema design highly"
SALARY = "Expects 120k EUR"


@pytest.fixture
def priya_submitted(app, demo, priya_card):
    """Priya submitted a scorecard with a distinctive note and a private salary answer."""
    priya_card.stage_notes = {"experience": CANARY}
    priya_card.summary = CANARY
    priya_card.ratings = {
        k: {"level": 4, "evidence": EVIDENCE, "not_assessed": False, "reason": ""}
        for k in priya_card.session.focus_competencies
    }
    priya_card.recommendation = "strong_yes"
    priya_card.field_answers = {"compensation_expectation": SALARY}
    priya_card.status = "submitted"
    priya_card.submitted_at = utcnow()
    db.session.commit()
    return priya_card


def pages_for(client, *urls) -> str:
    return "".join(client.get(url).get_data(as_text=True) for url in urls)


def test_before_submitting_an_interviewer_sees_nothing_of_the_panel(
    priya_submitted, tomas_card, sign_in_as
) -> None:
    client = sign_in_as("tomas@example.com")
    seen = pages_for(client, "/", f"/interviews/{tomas_card.session_id}")
    assert CANARY not in seen
    assert "Recommendation: <strong>" not in seen, "not even how others leaned"
    assert client.get(f"/scorecards/{priya_submitted.id}").status_code == 403
    token = client.get("/auth/csrf-token").get_json()["csrf_token"]
    answer = client.post(
        f"/scorecards/{tomas_card.id}/autosave",
        json={"base_version": 1, "changes": {}},
        headers={"X-CSRFToken": token},
    )
    assert answer.status_code == 200 and CANARY not in answer.get_data(as_text=True)


def test_after_submitting_the_panel_reads_content_but_not_private_answers(
    priya_submitted, tomas_card, sign_in_as
) -> None:
    tomas_card.status = "submitted"
    tomas_card.submitted_at = utcnow()
    db.session.commit()
    client = sign_in_as("tomas@example.com")
    page = client.get(f"/scorecards/{priya_submitted.id}").get_data(as_text=True)
    assert CANARY in page and "Strong yes" in page
    assert SALARY not in page
    assert "Private answers (such as compensation) are shown only to" in page


def test_the_hiring_manager_reads_private_answers_but_never_drafts(
    priya_submitted, tomas_card, sign_in_as
) -> None:
    tomas_card.stage_notes = {"pitch": "Tomas draft thoughts"}
    db.session.commit()
    client = sign_in_as("manager@example.com")
    page = client.get(f"/scorecards/{priya_submitted.id}").get_data(as_text=True)
    assert CANARY in page and SALARY in page
    assert client.get(f"/scorecards/{tomas_card.id}").status_code == 403


def test_coordinators_never_read_content(priya_submitted, sign_in_as) -> None:
    client = sign_in_as("coordinator@example.com")
    assert client.get(f"/scorecards/{priya_submitted.id}").status_code == 403


def test_the_author_sees_their_own_private_answer(priya_card, sign_in_as) -> None:
    priya_card.field_answers = {"compensation_expectation": "Asked for 90k"}
    db.session.commit()
    client = sign_in_as("priya@example.com")
    page = client.get(f"/interviews/{priya_card.session_id}").get_data(as_text=True)
    assert 'value="Asked for 90k"' in page
    assert "private: you, the hiring manager and admins" in page


def test_home_lists_scorecards_owed_with_due_state(
    app, demo, priya_card, tomas_card, sign_in_as
) -> None:
    from datetime import timedelta

    session = priya_card.session
    session.starts_at = utcnow() - timedelta(hours=2)
    session.ends_at = utcnow() - timedelta(hours=1, minutes=15)
    db.session.commit()
    page = sign_in_as("priya@example.com").get("/").get_data(as_text=True)
    assert "Scorecards I owe" in page
    assert "Due now, before the debrief" in page
    tomas = app.test_client()
    sign_in(tomas, "tomas@example.com")
    tomas_page = tomas.get("/").get_data(as_text=True)
    assert "Scorecards I owe" not in tomas_page, "his interview is still to come: upcoming"
    assert "Lena Fischer" in tomas_page

"""Submission rules, one test each; the plain form post; read-only after; amendments audited."""

from __future__ import annotations

import html
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Scorecard
from app.storage.types import utcnow

from ..conftest import csrf_from
from .test_autosave import stored

EVIDENCE = "Walked through the pagination design and its cursor trade-offs."  # > 40 characters
FOCUS = ("api-design", "data-modelling", "production-operations")


def complete_form(**overrides) -> dict:
    """A form post with every rule met."""
    data = {"recommendation": "yes", "summary": "Solid backend engineer.", "action": "submit"}
    for key in FOCUS:
        data[f"rating.{key}.level"] = "3"
        data[f"rating.{key}.evidence"] = EVIDENCE
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def priya(app, priya_card, sign_in_as):
    db.session.commit()
    client = sign_in_as("priya@example.com")
    url = f"/interviews/{priya_card.session_id}"

    def post(data: dict):
        token = csrf_from(client.get(url).get_data(as_text=True))
        return client.post(url, data={"csrf_token": token, "base_version": "1", **data})

    return client, post


def test_a_complete_scorecard_submits(priya, priya_card) -> None:
    client, post = priya
    response = post(complete_form())
    assert response.status_code == 302
    assert response.headers["Location"] == f"/scorecards/{priya_card.id}"
    card = stored(priya_card.id)
    assert card.status == "submitted" and card.submitted_at is not None
    assert card.recommendation == "yes"
    event = db.session.execute(
        select(AuditEvent).where(AuditEvent.action == "scorecard.submitted")
    ).scalar_one()
    assert event.object_id == priya_card.id


def test_recommendation_is_required(priya, priya_card) -> None:
    _, post = priya
    response = post(complete_form(recommendation=None))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Choose a recommendation: strong no, no, yes or strong yes." in page
    assert stored(priya_card.id).status == "draft"


def test_neutral_recommendation_is_refused_even_from_a_hand_made_post(priya, priya_card) -> None:
    _, post = priya
    for neutral in ("maybe", "neutral", "another_interview", "undecided"):
        response = post(complete_form(recommendation=neutral))
        assert response.status_code == 400
        assert "must be one of strong_no, no, yes, strong_yes" in response.get_data(as_text=True)
        card = stored(priya_card.id)
        assert card.status == "draft" and card.recommendation is None


def test_each_focus_competency_needs_a_level(priya, priya_card) -> None:
    _, post = priya
    response = post(complete_form(**{"rating.data-modelling.level": None}))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert (
        "Data modelling and storage (level): Choose a level from 1 to 4, or mark it not assessed."
        in page
    )
    assert 'href="#rating-data-modelling-level-1"' in page


def test_evidence_needs_the_minimum_length(priya, priya_card) -> None:
    _, post = priya
    response = post(complete_form(**{"rating.api-design.evidence": "Good APIs."}))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Write at least 40 characters of evidence" in page and "(10 so far)" in page


def test_minimum_evidence_length_is_configurable(app, priya, priya_card) -> None:
    app.config["MIN_EVIDENCE_CHARS"] = 5
    _, post = priya
    assert post(complete_form(**{"rating.api-design.evidence": "Good APIs."})).status_code == 302


def test_not_assessed_needs_a_reason(priya, priya_card) -> None:
    _, post = priya
    response = post(
        complete_form(
            **{
                "rating.production-operations.level": None,
                "rating.production-operations.evidence": "",
                "rating.production-operations.not_assessed": "on",
            }
        )
    )
    assert response.status_code == 400
    assert "Say why this was not assessed" in response.get_data(as_text=True)


def test_not_assessed_with_a_reason_may_be_submitted(priya, priya_card) -> None:
    _, post = priya
    response = post(
        complete_form(
            **{
                "rating.production-operations.level": None,
                "rating.production-operations.evidence": "",
                "rating.production-operations.not_assessed": "on",
                "rating.production-operations.reason": "Ran out of time after the API dive.",
            }
        )
    )
    assert response.status_code == 302
    ratings = stored(priya_card.id).ratings
    assert ratings["production-operations"]["not_assessed"] is True


def test_errors_keep_everything_typed_and_are_summarised(priya, priya_card) -> None:
    _, post = priya
    notes = "Candidate pushed back on our on-call rota — <b>politely</b>."
    response = post(
        complete_form(
            recommendation=None, **{"notes.pitch": notes, "rating.api-design.evidence": "short"}
        )
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="error-summary"' in page and "Before you submit, please fix these 2" in page
    assert "Candidate pushed back on our on-call rota — &lt;b&gt;politely&lt;/b&gt;." in page
    assert ">short</textarea>" in page
    # The draft was saved on the way, so nothing typed can be lost even if the tab closes now.
    assert stored(priya_card.id).stage_notes["pitch"] == notes


def test_a_submitted_scorecard_is_read_only(priya, priya_card) -> None:
    client, post = priya
    post(complete_form())
    token = client.get("/auth/csrf-token").get_json()["csrf_token"]
    response = client.post(
        f"/scorecards/{priya_card.id}/autosave",
        json={"base_version": 2, "changes": {"summary": "Changed my mind"}},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 409 and response.get_json()["code"] == "submitted"
    page = client.get(f"/interviews/{priya_card.session_id}")
    assert page.status_code == 302 and page.headers["Location"] == f"/scorecards/{priya_card.id}"
    assert stored(priya_card.id).summary == "Solid backend engineer."


def test_amendment_needs_a_reason_and_keeps_the_earlier_text(priya, priya_card) -> None:
    client, post = priya
    post(complete_form())
    url = f"/scorecards/{priya_card.id}/amend"
    token = csrf_from(client.get(url).get_data(as_text=True))
    amended = complete_form(summary="Solid backend engineer; weaker on operations.")
    amended.pop("action")
    without_reason = client.post(url, data={"csrf_token": token, **amended})
    assert without_reason.status_code == 400
    assert "Say why you are amending" in without_reason.get_data(as_text=True)
    assert stored(priya_card.id).summary == "Solid backend engineer."

    response = client.post(
        url, data={"csrf_token": token, "amend_reason": "Re-read my notes.", **amended}
    )
    assert response.status_code == 302
    card = stored(priya_card.id)
    assert card.summary == "Solid backend engineer; weaker on operations."
    assert card.status == "submitted"
    event = db.session.execute(
        select(AuditEvent).where(AuditEvent.action == "scorecard.amended")
    ).scalar_one()
    assert event.details["reason"] == "Re-read my notes."
    assert event.details["before"] == {"summary": "Solid backend engineer."}
    assert event.details["after"] == {"summary": "Solid backend engineer; weaker on operations."}


def test_plain_form_post_reports_a_conflict_without_overwriting(app, priya, priya_card) -> None:
    client, post = priya
    token = client.get("/auth/csrf-token").get_json()["csrf_token"]
    client.post(
        f"/scorecards/{priya_card.id}/autosave",
        json={"base_version": 1, "changes": {"summary": "From the other tab"}},
        headers={"X-CSRFToken": token},
    )
    response = post({"summary": "From the form", "action": "save"})
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Some fields were changed elsewhere" in page
    assert ">From the form</textarea>" in page and "From the other tab" in page
    assert stored(priya_card.id).summary == "From the other tab"


def test_draft_save_without_javascript(priya, priya_card) -> None:
    _, post = priya
    response = post({"notes.experience": "Built a ledger service.", "action": "save"})
    assert response.status_code == 302
    card: Scorecard = stored(priya_card.id)
    assert card.stage_notes["experience"] == "Built a ledger service." and card.status == "draft"


# Found by the hostile-input pass (tests/hostile): the message went to the summary only, linked
# to a field that does not exist; an oversized reason was stored in the audit trail.


def test_amendment_without_a_reason_says_so_beside_the_reason_field(priya, priya_card) -> None:
    client, post = priya
    post(complete_form())
    url = f"/scorecards/{priya_card.id}/amend"
    token = csrf_from(client.get(url).get_data(as_text=True))
    amended = complete_form(summary="Solid backend engineer; weaker on operations.")
    amended.pop("action")
    page = client.post(url, data={"csrf_token": token, **amended}).get_data(as_text=True)
    assert '<a href="#amend-reason">Reason: Say why you are amending' in page
    assert '<p class="error-message" id="amend-reason-error">Say why you are amending' in page


def test_an_amendment_reason_past_the_limit_is_refused(priya, priya_card) -> None:
    client, post = priya
    post(complete_form())
    url = f"/scorecards/{priya_card.id}/amend"
    token = csrf_from(client.get(url).get_data(as_text=True))
    amended = complete_form(summary="Solid backend engineer; weaker on operations.")
    amended.pop("action")
    response = client.post(url, data={"csrf_token": token, "amend_reason": "x" * 2001, **amended})
    assert response.status_code == 400
    assert "Shorten this to 2,000 characters or fewer" in response.get_data(as_text=True)
    assert stored(priya_card.id).summary == "Solid backend engineer."


def test_submitting_before_the_interview_starts_is_refused_and_the_draft_kept(
    priya, priya_card
) -> None:
    """A verdict on an interview that has not happened: the message says when it opens."""
    client, post = priya
    session = priya_card.session
    session.starts_at = (utcnow() + timedelta(days=2)).replace(second=0, microsecond=0)
    session.ends_at = session.starts_at + timedelta(minutes=45)
    starts = session.starts_at
    db.session.commit()
    response = post(complete_form(summary="Written before the call, kept as a draft."))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    local = starts.astimezone(ZoneInfo("Europe/Berlin"))
    assert f"The interview starts {local:%a %d %b %H:%M} (Europe/Berlin)" in page
    assert 'href="#submit-scorecard"' in page, "the summary points at the button"
    card = stored(priya_card.id)
    assert card.status == "draft"
    assert card.summary == "Written before the call, kept as a draft."


def test_what_the_candidate_asked_has_one_place_shown_where_it_was_asked(priya, priya_card):
    """A second "What they asked about" field used to sit beside the questions box and then
    show up under Logistics as "—"."""
    client, _ = priya
    page = client.get(f"/interviews/{priya_card.session_id}").get_data(as_text=True)
    stage = page.split('id="stage-candidate-questions"', 1)[1].split("</section>", 1)[0]
    assert stage.count("<textarea") == 3, "its notes, what they asked, what we owe them"
    assert "Questions the candidate asked" in stage
    assert "Questions nobody could answer yet" in stage
    assert "What they asked about" not in page
    logistics = page.split('id="stage-logistics"', 1)[1].split("</section>", 1)[0]
    assert "Questions the candidate asked" not in logistics


def test_the_kit_shows_every_probe_and_its_competency_tags_in_one_open_fold(priya, priya_card):
    client, _ = priya
    page = client.get(f"/interviews/{priya_card.session_id}").get_data(as_text=True)
    stage = page.split('id="stage-experience"', 1)[1].split("</section>", 1)[0]
    assert stage.count('<details class="question-kit" open>') == 1
    assert '<details class="question">' not in stage, "no fold per question"
    script = priya_card.session.script.definition
    experience = next(s for s in script["stages"] if s["key"] == "experience")
    for question in experience["questions"]:
        for probe in question.get("probes", []):
            assert html.escape(probe) in stage
    assert '<span class="tag">Running software in production</span>' in stage
    assert '<span class="tag">production-operations</span>' not in stage

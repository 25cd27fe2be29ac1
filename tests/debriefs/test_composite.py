"""The mechanical composite: computed from submitted scorecards under the opening's weights,
must-haves and threshold, shown before any text, and a decision against it (or without every
scorecard) only with a reason that is audited and printed."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from app.debriefs.composite import composite_facts
from app.debriefs.summary import summarise
from app.extensions import db
from app.loops.planning import competency_names
from app.models import AuditEvent

from ..conftest import csrf_from, sign_in
from .test_debrief import debrief_ready, submit  # noqa: F401  (fixture)


def composite_of(loop):
    return summarise(loop, competency_names(), include_private=False).composite


def test_the_composite_is_the_weighted_mean_of_each_competencys_raters(
    debrief_ready,  # noqa: F811
) -> None:
    # Priya: api-design 1, data-modelling 2, production-operations 2; Tomás: api-design 4,
    # architecture-tradeoffs 3. Means 2.5, 2, 2, 3; equal weights.
    composite = composite_of(debrief_ready)
    means = {s.key: (s.mean, s.raters) for s in composite.scores if s.mean is not None}
    assert means["api-design"] == (2.5, 2) and means["architecture-tradeoffs"] == (3, 1)
    assert composite.value == pytest.approx(2.375)
    assert composite.threshold == 2.5 and composite.threshold_is_default
    assert composite.direction == "no_hire"

    opening = debrief_ready.opening
    opening.competency_weights = {"architecture-tradeoffs": 5, "production-operations": 0}
    composite = composite_of(debrief_ready)
    # (2.5 + 2 + 5 * 3) / 7: production operations left out by its weight of 0.
    assert composite.value == pytest.approx(19.5 / 7) and composite.direction == "hire"

    opening.must_have_keys = ["api-design"]
    composite = composite_of(debrief_ready)
    (api,) = composite.unmet_must_haves
    assert api.name == "API and interface design" and not api.met, (
        "2.5 is on the line, not above it"
    )
    assert "a must-have is not met (API and interface design)" in composite.override_needed("hire")
    assert composite.override_needed("no_hire").startswith("the composite points to hire")

    opening.hire_threshold = 2.0
    composite = composite_of(debrief_ready)
    assert api.name in {s.name for s in composite.must_haves if s.met}
    assert composite.override_needed("hire") == ""
    assert composite_facts(composite, {})["threshold"] == "2, as this opening sets it"


def test_the_composite_comes_first_on_the_page_with_its_line_explained(
    app,
    debrief_ready,  # noqa: F811
) -> None:
    client = app.test_client()
    sign_in(client, "manager@example.com")
    page = html.unescape(client.get(f"/loops/{debrief_ready.id}/debrief").get_data(as_text=True))
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert "2.38 points to no hire" in text
    assert "the line is 2.5, midway between levels 2 (Below the bar) and 3 (At the bar)" in text
    assert "Recommendations: 0 strong no, 1 no, 0 yes, 1 strong yes" in text
    first_text = min(page.index("Not yet senior enough."), page.index('id="heatmap"'))
    assert page.index('id="composite"') < first_text, "the composite before any written text"


@pytest.fixture
def decide(app, debrief_ready):  # noqa: F811
    client = app.test_client()
    sign_in(client, "manager@example.com")

    def post(**data):
        url = f"/loops/{debrief_ready.id}/debrief"
        token = csrf_from(client.get(url).get_data(as_text=True))
        return client.post(
            f"/loops/{debrief_ready.id}/decision", data={"csrf_token": token, **data}
        )

    return post


RATIONALE = "Design depth outweighs the modelling gaps for this team."


def test_hiring_against_the_composite_needs_a_reason_kept_audited_and_shown(
    app,
    decide,
    debrief_ready,  # noqa: F811
) -> None:
    def show_debrief():
        client = app.test_client()
        sign_in(client, "tomas@example.com")
        return client.get(f"/loops/{debrief_ready.id}/debrief")

    refused = decide(decision="hire", rationale=RATIONALE, override_reason="")
    page = html.unescape(refused.get_data(as_text=True))
    assert refused.status_code == 400
    assert "the composite points to no hire (2.38 against 2.5). Say why" in page
    assert RATIONALE in page, "what was typed stays"
    db.session.rollback()
    assert debrief_ready.debrief.decision is None

    reason = "The API design depth is what this team lacks most."
    assert decide(decision="hire", rationale=RATIONALE, override_reason=reason).status_code == 302
    db.session.rollback()
    assert debrief_ready.debrief.override_reason == reason
    (event,) = db.session.execute(
        select(AuditEvent).where(AuditEvent.action == "debrief.overridden")
    ).scalars()
    assert event.details["reason"] == reason and "no hire (2.38" in event.details["against"]
    decided = db.session.execute(
        select(AuditEvent).where(AuditEvent.action == "debrief.decided")
    ).scalar_one()
    assert decided.details["composite"] == 2.38 and decided.details["threshold"] == 2.5
    shown = html.unescape(show_debrief().get_data(as_text=True))
    assert "Against the composite, because" in shown and reason in shown


def test_a_decision_that_follows_the_composite_needs_no_override(
    decide,
    debrief_ready,  # noqa: F811
) -> None:
    assert decide(decision="no_hire", rationale=RATIONALE).status_code == 302
    db.session.rollback()
    assert debrief_ready.debrief.override_reason is None
    overridden = db.session.execute(
        select(AuditEvent).where(AuditEvent.action == "debrief.overridden")
    ).first()
    assert overridden is None


def test_a_missing_scorecard_holds_the_decision_until_waived_with_a_reason(
    app, demo, priya_card
) -> None:
    """Tomás's scorecard is still a draft: the decision waits, or is waived on the record."""
    submit(priya_card, {"api-design": 3, "data-modelling": 3, "production-operations": 3}, "yes")
    db.session.commit()
    loop = priya_card.session.loop
    client = app.test_client()
    sign_in(client, "manager@example.com")
    url = f"/loops/{loop.id}/debrief"
    page = client.get(url).get_data(as_text=True)
    assert "Reason not to wait for every scorecard" in page

    def post(**data):
        token = csrf_from(client.get(url).get_data(as_text=True))
        return client.post(f"/loops/{loop.id}/decision", data={"csrf_token": token, **data})

    refused = post(decision="hire", rationale=RATIONALE)
    text = html.unescape(refused.get_data(as_text=True))
    assert refused.status_code == 400
    assert "The scorecard of Tomás Ortega is not in: wait for it, remind them" in text
    waiver = "The candidate has another offer expiring tomorrow."
    assert post(decision="hire", rationale=RATIONALE, waiver_reason=waiver).status_code == 302
    db.session.rollback()
    assert loop.debrief.waiver_reason == waiver
    (event,) = db.session.execute(
        select(AuditEvent).where(AuditEvent.action == "debrief.waived")
    ).scalars()
    assert event.details == {"missing": ["Tomás Ortega"], "reason": waiver}
    shown = html.unescape(client.get(url).get_data(as_text=True))
    assert "Decided without every scorecard, because" in shown and waiver in shown

"""An opening's decision rules: weights and must-haves by competency name, the composite's
line, raters and interviews; refused input keeps what was typed and says what to fix."""

from __future__ import annotations

import html

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent

from ..conftest import csrf_from


def rules_url(demo) -> str:
    return f"/openings/{demo.opening.id}/decision-rules"


def post_rules(client, demo, **data):
    token = csrf_from(client.get(rules_url(demo)).get_data(as_text=True))
    keys = demo.opening.competency_keys
    body = {"csrf_token": token, "min_raters": "2", "max_interviews": "4"}
    body |= {f"weight-{key}": "1" for key in keys}
    return client.post(rules_url(demo), data={**body, **data})


def test_the_form_names_each_competency_and_saves_weights_and_must_haves(demo, sign_in_as) -> None:
    client = sign_in_as("manager@example.com")
    page = client.get(rules_url(demo)).get_data(as_text=True)
    assert "Weight of API and interface design" in page
    assert "API and interface design is a must-have" in page
    response = post_rules(
        client,
        demo,
        **{"weight-api-design": "2", "must-api-design": "y", "hire_threshold": "2.75"},
    )
    assert response.status_code == 302
    db.session.rollback()
    opening = demo.opening
    assert opening.competency_weights == {"api-design": 2.0}
    assert opening.must_have_keys == ["api-design"] and opening.hire_threshold == 2.75
    (event,) = db.session.execute(
        select(AuditEvent).where(AuditEvent.action == "opening.rules_changed")
    ).scalars()
    assert event.details["changed"]["hire_threshold"] == [None, 2.75]
    detail = html.unescape(client.get(f"/openings/{opening.id}").get_data(as_text=True))
    assert "API and interface design (must-have) · weight 2" in detail
    assert "points to hire above 2.75" in detail


def test_refused_rules_keep_the_typing_and_say_what_to_fix(demo, sign_in_as) -> None:
    client = sign_in_as("manager@example.com")
    response = post_rules(
        client,
        demo,
        **{"weight-api-design": "heavy", "max_interviews": "6", "hire_threshold": "9"},
    )
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400
    assert "Enter the weight of API and interface design as a number" in page
    assert 'value="heavy"' in page and 'value="6"' in page
    assert "why this opening needs more than four interviews" in page
    assert "Enter a level from 1 to 4" in page

    zeroes = {f"weight-{key}": "0" for key in demo.opening.competency_keys}
    nothing = post_rules(client, demo, **zeroes)
    assert nothing.status_code == 400
    assert "Give at least one competency a weight above 0." in nothing.get_data(as_text=True)

    reason = "Two teams share this hire and each runs its own design interview."
    raised = post_rules(client, demo, max_interviews="6", max_interviews_reason=reason)
    assert raised.status_code == 302
    db.session.rollback()
    assert (demo.opening.max_interviews, demo.opening.max_interviews_reason) == (6, reason)


def test_only_the_decider_sets_the_rules(demo, sign_in_as) -> None:
    client = sign_in_as("coordinator@example.com")
    assert client.get(rules_url(demo)).status_code == 403
    page = client.get(f"/openings/{demo.opening.id}").get_data(as_text=True)
    assert "Decision rules" not in page

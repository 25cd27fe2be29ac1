"""Sealed verdicts, then discussion: verdicts after it open when the debrief begins (or the
hiring manager opens it), a changed one says why, every shift is named and audited, and the
panel speaks least senior first."""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from app.debriefs.verdicts import verdict_rows
from app.extensions import db
from app.models import AuditEvent

from ..conftest import csrf_from, sign_in
from .test_debrief import debrief_ready  # noqa: F401  (fixture)


def client_of(app, email: str):
    client = app.test_client()
    sign_in(client, email)
    return client


def post(client, loop, path: str, **data):
    token = csrf_from(client.get(f"/loops/{loop.id}/debrief").get_data(as_text=True))
    return client.post(f"/loops/{loop.id}/{path}", data={"csrf_token": token, **data})


def text_of(response) -> str:
    page = html.unescape(response.get_data(as_text=True))
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def test_a_changed_verdict_waits_for_the_discussion_says_why_and_is_named(
    app,
    debrief_ready,  # noqa: F811
) -> None:
    loop = debrief_ready
    tomas = client_of(app, "tomas@example.com")
    early = post(tomas, loop, "verdict", verdict="no", why="")
    assert early.status_code == 400
    assert "Verdicts after discussion open when the debrief begins, at" in text_of(early)

    manager = client_of(app, "manager@example.com")
    assert "Open the discussion now" in text_of(manager.get(f"/loops/{loop.id}/debrief"))
    assert post(manager, loop, "discussion").status_code == 302
    db.session.rollback()
    assert loop.debrief.discussion_opened_at is not None

    unexplained = post(tomas, loop, "verdict", verdict="no", why="")
    page = text_of(unexplained)
    assert unexplained.status_code == 400
    assert "Your scorecard said strong yes: say in a line what changed your mind." in page
    why = "Priya's modelling evidence outweighs my design read."
    assert post(tomas, loop, "verdict", verdict="no", why=why).status_code == 302
    assert (
        post(client_of(app, "priya@example.com"), loop, "verdict", verdict="no").status_code == 302
    )

    db.session.rollback()
    events = db.session.execute(
        select(AuditEvent).where(AuditEvent.action == "verdict.recorded").order_by(AuditEvent.id)
    ).scalars()
    assert [(e.details["sealed"], e.details["after"]) for e in events] == [
        ("strong_yes", "no"),
        ("no", "no"),
    ]
    seen = text_of(manager.get(f"/loops/{loop.id}/debrief"))
    assert f"Tomás Ortega moved towards no hire: Strong yes → No. {why}" in seen
    assert "Priya Raman No No held" in seen, "a verdict that held is shown as held"


def test_the_least_senior_speak_first_and_the_manager_last(
    app,
    demo,
    debrief_ready,  # noqa: F811
) -> None:
    demo.users["priya"].seniority = 5
    demo.users["tomas"].seniority = 1
    assert [r.panelist.name for r in verdict_rows(debrief_ready)] == ["Tomás Ortega", "Priya Raman"]
    demo.users["priya"].seniority = 1
    demo.users["tomas"].seniority = 1
    order = [r.panelist.name for r in verdict_rows(debrief_ready)]
    assert order == ["Priya Raman", "Tomás Ortega"], "equal seniority: by name"


def test_verdicts_close_with_the_decision(
    app,
    debrief_ready,  # noqa: F811
) -> None:
    loop = debrief_ready
    manager = client_of(app, "manager@example.com")
    post(manager, loop, "discussion")
    decided = post(
        manager, loop, "decision", decision="no_hire", rationale="Gaps in modelling for now."
    )
    assert decided.status_code == 302
    late = post(client_of(app, "tomas@example.com"), loop, "verdict", verdict="no", why="x" * 20)
    assert late.status_code == 400
    assert "The debrief is decided: verdicts are closed." in text_of(late)


def test_an_admin_sets_seniority_and_the_order_follows(
    app,
    demo,
    debrief_ready,  # noqa: F811
) -> None:
    admin = client_of(app, "admin@example.com")
    priya = demo.users["priya"]
    url = f"/admin/users/{priya.id}"
    token = csrf_from(admin.get(url).get_data(as_text=True))
    refused = admin.post(f"{url}/seniority", data={"csrf_token": token, "seniority": "9"})
    assert refused.status_code == 400 and "Choose a seniority from 1 to 5." in text_of(refused)
    done = admin.post(f"{url}/seniority", data={"csrf_token": token, "seniority": "5"})
    assert done.status_code == 302
    db.session.rollback()
    assert priya.seniority == 5
    assert [r.panelist.name for r in verdict_rows(debrief_ready)][-1] == "Priya Raman"
    seen = text_of(client_of(app, "manager@example.com").get(f"/loops/{debrief_ready.id}/debrief"))
    assert seen.index("1 Tomás Ortega") < seen.index("2 Priya Raman")

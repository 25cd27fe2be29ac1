"""In real Chromium: the composite comes first, the manager opens the discussion, a panelist
moves their verdict with a line of why, and a hire against the composite while a scorecard is
still out takes an override and a waiver, each asked for by name and kept with the typed text."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.extensions import db
from app.loops.planning import add_session
from app.models import AuditEvent

from .test_interview_journey import sign_in


def test_a_hire_against_the_composite_with_a_scorecard_out_takes_both_reasons(
    live_server, page: Page, demo, debrief_ready
) -> None:
    loop = debrief_ready
    tomas = next(s for s in loop.sessions if s.interviewer.email.startswith("tomas"))
    add_session(
        loop,
        demo.users["kwame"],
        tomas.script,
        tomas.rubric,
        tomas.starts_at,
        ["reliability-failure-modes"],
    )
    db.session.commit()

    sign_in(page, live_server, "manager@example.com")
    page.goto(f"{live_server}/loops/{loop.id}/debrief")
    composite = page.locator("#composite")
    expect(composite).to_contain_text("2.38 points to no hire")
    order = page.evaluate("() => [...document.querySelectorAll('main section[id]')].map(s => s.id)")
    assert order.index("composite") < order.index("heatmap"), order
    page.get_by_role("button", name="Open the discussion now").click()
    expect(page.get_by_text("The discussion is open")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, live_server, "tomas@example.com")
    page.goto(f"{live_server}/loops/{loop.id}/debrief")
    page.locator(".verdict-form").get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Record my verdict").click()
    expect(page.locator("#why-error")).to_be_visible()
    page.get_by_label("Why it changed").fill("Priya's production questions showed the gaps.")
    page.get_by_role("button", name="Record my verdict").click()
    expect(page.get_by_text("Your verdict after the discussion is recorded.")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, live_server, "manager@example.com")
    page.goto(f"{live_server}/loops/{loop.id}/debrief")
    expect(page.locator("#verdicts")).to_contain_text("moved towards no hire")
    rationale = "Strong on design; we will pair them with a senior on production work."
    page.get_by_label("Hire", exact=True).check()
    page.get_by_label("Rationale (goes on the record and into the packet)").fill(rationale)
    page.get_by_role("button", name="Record the decision").click()
    # Both reasons are asked for, each at its field, and nothing typed is lost.
    expect(page.locator("#override_reason-error")).to_be_visible()
    expect(page.locator("#waiver_reason-error")).to_be_visible()
    expect(page.get_by_label("Rationale (goes on the record and into the packet)")).to_have_value(
        rationale
    )
    expect(page.get_by_label("Hire", exact=True)).to_be_checked()
    page.get_by_label("Reason to decide against the composite").fill(
        "The design interview is the best predictor for this role; its evidence was strong."
    )
    page.get_by_label("Reason not to wait for every scorecard").fill(
        "Kwame is on leave for two weeks; the candidate has another offer by Friday."
    )
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("Decision recorded; the panel is told by mail.")).to_be_visible()
    expect(page.locator("main")).to_contain_text("the best predictor for this role")
    expect(page.locator("main")).to_contain_text("Kwame is on leave for two weeks")

    db.session.commit()  # a fresh read: the server wrote these
    actions = set(db.session.execute(select(AuditEvent.action)).scalars())
    assert {"debrief.overridden", "debrief.waived", "verdict.recorded"} <= actions

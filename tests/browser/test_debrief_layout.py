"""In real Chromium: the debrief page reads on a phone held upright (360 px) without the page
scrolling sideways, and an interviewer who ran two interviews gets two told-apart columns."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from app.extensions import db
from app.loops.planning import add_session

from ..debriefs.test_debrief import EVIDENCE, submit
from .test_interview_journey import sign_in

WIDER_THAN_THE_PAGE = """() => [...document.querySelectorAll('body *')]
    .filter((e) => !e.closest('.table-scroll')
        && e.getBoundingClientRect().right > document.documentElement.clientWidth)
    .slice(0, 8)
    .map((e) => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`)"""


def test_the_debrief_fits_a_phone_and_tells_two_interviews_apart(
    live_server, page: Page, demo, priya_card, tomas_card
) -> None:
    loop = priya_card.session.loop
    first = priya_card.session
    second = add_session(
        loop,
        first.interviewer,
        tomas_card.session.script,
        tomas_card.session.rubric,
        tomas_card.session.starts_at,
        ["architecture-tradeoffs"],
    )
    db.session.flush()
    submit(priya_card, {"api-design": 2, "data-modelling": 3}, "yes", summary="Good.")
    submit(second.scorecard, {"architecture-tradeoffs": 1}, "no", summary="Weak design.")
    submit(tomas_card, {"architecture-tradeoffs": 4}, "strong_yes", summary=EVIDENCE * 3)
    db.session.commit()

    page.set_viewport_size({"width": 360, "height": 740})
    sign_in(page, live_server, "manager@example.com")
    page.goto(f"{live_server}/loops/{loop.id}/debrief")
    headers = page.locator("table.heatmap thead th").all_inner_texts()[1:]
    assert len(headers) == 3 and len(set(headers)) == 3, headers
    priya_columns = [h for h in headers if h.startswith("Priya Raman")]
    assert len(priya_columns) == 2 and all(" · " in h for h in priya_columns)
    assert [h for h in headers if h.startswith("Tomás")] == ["Tomás Ortega"]
    expect(
        page.get_by_role("heading", name="Ratings by competency and interviewer")
    ).to_be_visible()
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    # What sticks out, outside any scroller of its own: named in the failure message.
    wide = page.evaluate(WIDER_THAN_THE_PAGE)
    assert overflow <= 0, f"the page scrolls sideways by {overflow} px at 360 px: {wide}"

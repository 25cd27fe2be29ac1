"""In real Chromium: the coordinator sees that two interviews share a script's questions; the
later interviewer sees, beside each question, who in the loop asks it first."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from app.extensions import db

from ..loops.test_planning import planned  # noqa: F401  (fixture)
from ..loops.test_questions import PROJECT, same_script_again
from .test_interview_journey import sign_in


def test_a_question_asked_earlier_in_the_loop_is_marked(
    planned,  # noqa: F811
    live_server,
    browser,
) -> None:
    demo, loop, first, second = planned
    third = same_script_again(demo, loop, first)
    db.session.commit()

    coordinator: Page = browser.new_page()
    sign_in(coordinator, live_server, "coordinator@example.com")
    coordinator.goto(f"{live_server}/loops/{loop.id}")
    expect(
        coordinator.get_by_text(
            "The interviews with Priya Raman and Kwame Mensah ask the same questions"
        )
    ).to_be_visible()
    coordinator.close()

    kwame: Page = browser.new_page()
    sign_in(kwame, live_server, "kwame@example.com")
    kwame.goto(f"{live_server}/interviews/{third.id}")
    question = kwame.locator(".question", has_text=PROJECT)
    expect(question.locator(".asked-note")).to_have_text(
        "Already asked in this loop by Priya Raman (Mon 03 Jun): go deeper on what they heard, "
        "or pick another."
    )
    expect(kwame.locator(".question.asked-before")).to_have_count(
        len(first.script.interviewer_questions)
    )
    kwame.close()

"""In real Chromium, mid-call: Priya searches the agreed answers in the candidate-questions
stage, ticks the one the candidate asked, and notes the question nobody could answer; both
autosave. The hiring manager then adds an answer from the opening's page."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.extensions import db
from app.models import CandidateAnswer

from .test_interview_journey import expect_saved, priya_page, sign_in, stored  # noqa: F401


def test_searching_ticking_and_owing_an_answer_mid_call(
    live_server,
    priya_page: Page,  # noqa: F811
    priya_card,
    browser,
) -> None:
    page = priya_page
    page.goto(f"{live_server}/interviews/{priya_card.session_id}")
    stage = page.locator("#stage-candidate-questions")
    answers = stage.locator(".answer")
    expect(answers).to_have_count(5, timeout=5000)  # the demo's, without the pay answer
    expect(stage).not_to_contain_text("salary band")

    stage.get_by_label("Search the answers").fill("remote eu")
    expect(answers.locator("visible=true")).to_have_count(1)
    remote = stage.locator(".answer", has_text="Can I work remotely?")
    expect(remote).to_contain_text("from anywhere in the EU")
    remote.get_by_label("The candidate asked this").check()
    expect_saved(page)

    stage.get_by_label("Search the answers").fill("parking")
    expect(stage.get_by_text("No answer matches: type the question below instead.")).to_be_visible()
    stage.get_by_label("Search the answers").press("Enter")  # does not submit the scorecard
    stage.get_by_label("Questions nobody could answer yet (one per line)").fill(
        "Is there parking at the Berlin office?"
    )
    expect_saved(page)

    card = stored(priya_card.id)
    remote_id = db.session.execute(
        select(CandidateAnswer.id).where(CandidateAnswer.question == "Can I work remotely?")
    ).scalar_one()
    assert card.asked_answers == {str(remote_id): True}
    assert card.owed_answers == "Is there parking at the Berlin office?"
    assert card.status == "draft"

    manager = browser.new_page()
    sign_in(manager, live_server, "manager@example.com")
    manager.goto(f"{live_server}/openings/{priya_card.session.loop.opening_id}")
    manager.get_by_role("link", name="What candidates ask").click()
    expect(manager.locator(".answer-question", has_text="salary band")).to_be_visible()
    manager.get_by_label("Topic").select_option(label="Remote and office")
    manager.get_by_label("What candidates ask").fill("Is there parking at the Berlin office?")
    manager.get_by_label("The agreed answer").fill("Yes, and bicycle racks; ask reception.")
    manager.get_by_role("button", name="Add answer").click()
    expect(manager.get_by_text("Answer added")).to_be_visible()
    expect(manager.locator(".answer", has_text="Is there parking")).to_contain_text("bicycle")
    manager.close()

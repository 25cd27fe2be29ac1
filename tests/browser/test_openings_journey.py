"""In real Chromium: a coordinator creates an opening and a candidate, fixes a typo the form
points out, and finds the candidate again by searching with different case."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from app.demo import DEMO_PASSWORD
from app.extensions import db


def sign_in(page: Page, base: str, email: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=re.compile("^Hello"))).to_be_visible()


def test_coordinator_creates_an_opening_and_a_candidate_then_finds_them(
    demo, live_server, page: Page
) -> None:
    db.session.commit()
    violations: list[str] = []
    page.on(
        "console",
        lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    sign_in(page, live_server, "coordinator@example.com")

    # A new opening, competencies picked from the library.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Openings").click()
    expect(page.get_by_role("heading", name="Openings")).to_be_visible()
    page.get_by_role("link", name="New opening").click()
    page.get_by_label("Title").fill("Data Platform Engineer")
    page.get_by_label("Hiring manager").select_option(label="Maya Okafor")
    page.get_by_label("Pitch").fill("We run the warehouse behind every report. On call: rarely.")
    page.get_by_label("Data modelling and storage").check()
    page.get_by_label("Scalability and performance").check()
    page.get_by_label("Default script").select_option(label="45-minute staged interview")
    page.get_by_label("Default rubric").select_option(label="Backend engineer")
    page.get_by_label("Debrief delay (minutes)").fill("20")
    page.get_by_role("button", name="Create opening").click()

    expect(page.get_by_role("heading", name="Data Platform Engineer")).to_be_visible()
    facts = page.locator(".facts")
    expect(facts).to_contain_text("Maya Okafor")
    expect(facts).to_contain_text("Data modelling and storage")
    expect(facts).to_contain_text("Scalability and performance")
    expect(facts).to_contain_text("20 minutes after the last interview")

    # A candidate, with a time zone typo that the form explains and keeps.
    page.get_by_role("link", name="Add candidate").click()
    page.get_by_label("Name").fill("Zoë Müller")
    page.get_by_label("Email").fill("zoe.mueller@example.org")
    page.get_by_label("Time zone").fill("Europe/Zurch")
    page.get_by_label("Working day starts").fill("08:30")
    page.get_by_label("Working day ends").fill("16:30")
    page.get_by_role("button", name="Add candidate").click()

    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("“Europe/Zurch” is not a time zone we know")
    expect(page.get_by_label("Name")).to_have_value("Zoë Müller")
    expect(page.get_by_label("Working day starts")).to_have_value("08:30")
    expect(page.get_by_label("Time zone")).to_have_value("Europe/Zurch")
    summary.get_by_role("link").click()
    expect(page.get_by_label("Time zone")).to_be_focused()
    page.get_by_label("Time zone").fill("Europe/Zurich")
    page.get_by_role("button", name="Add candidate").click()

    expect(page.get_by_role("heading", name="Zoë Müller")).to_be_visible()
    expect(page.locator(".facts")).to_contain_text("08:30–16:30 their time")
    expect(page.locator(".facts")).to_contain_text("Europe/Zurich")

    # Found again by search: capitals do not matter, accents do.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Candidates").click()
    search = page.get_by_label("Search candidates")
    search.fill("MÜLL")
    search.press("Enter")
    results = page.get_by_role("list", name="Candidates")
    expect(results.get_by_role("listitem")).to_have_count(1)
    expect(results).to_contain_text("Zoë Müller")
    expect(results).to_contain_text("Data Platform Engineer")
    expect(page.get_by_label("Search candidates")).to_have_value("MÜLL")

    page.get_by_label("Search candidates").fill("muller")
    page.get_by_label("Search candidates").press("Enter")
    expect(page.get_by_text("No candidates match “muller”.")).to_be_visible()

    page.get_by_label("Search candidates").fill("zoë")
    page.get_by_label("Search candidates").press("Enter")
    page.get_by_role("link", name="Zoë Müller").click()
    expect(page.get_by_role("heading", name="Zoë Müller")).to_be_visible()
    assert violations == []

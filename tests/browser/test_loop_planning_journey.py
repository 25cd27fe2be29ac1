"""In real Chromium: a coordinator plans a loop, sees the coverage matrix and a warning, fixes
both, confirms, finds the debrief right after the last interview and downloads the invite."""

from __future__ import annotations

from datetime import date, timedelta

import icalendar
from playwright.sync_api import Page, expect

from app.extensions import db
from app.models import Candidate

from .test_interview_journey import sign_in


def choose_person(select, person: str) -> None:
    """Pick a person in an interviewer list, whose options also tell each one's week."""
    option = select.locator("option", has_text=person)
    expect(option).to_have_count(1)
    select.select_option(value=option.get_attribute("value"))


def add_interview(
    page: Page, interviewer: str, script: str, rubric: str, start: str, focus: list[str]
) -> None:
    form = page.locator("#add-session")
    choose_person(form.get_by_label("Interviewer"), interviewer)
    form.get_by_label("Script").select_option(label=script)
    form.get_by_label("Rubric").select_option(label=rubric)
    # Only the chosen rubric's competencies are offered, by name.
    expect(form.locator(".focus-choices:visible .focus-rubric")).to_have_text(rubric)
    expect(form.locator(".focus-choices[hidden] input:not([disabled])")).to_have_count(0)
    form.get_by_label("Starts at (your time)").fill(start)
    for name in focus:
        form.get_by_label(name, exact=True).check()
    form.get_by_role("button", name="Add interview").click()
    expect(page.get_by_text("Interview added.")).to_be_visible()


def a_monday_next_june() -> date:
    """A working day in summer time in both London and New York, always within the form's
    range of dates (a year back to ten years ahead)."""
    first = date(date.today().year + 1, 6, 1)
    return first + timedelta(days=-first.weekday() % 7)


def test_coordinator_plans_fixes_and_confirms_a_loop(demo, live_server, page: Page, tmp_path):
    day = a_monday_next_june()
    shown = day.strftime("%a %d %b")  # as the page writes a day, e.g. "Mon 07 Jun"
    candidate = Candidate(
        opening=demo.opening,
        name="Sam Okoro",
        email="sam@example.org",
        time_zone="America/New_York",
    )
    db.session.add(candidate)
    db.session.commit()

    sign_in(page, live_server, "coordinator@example.com")  # Cole works in Europe/London
    page.goto(f"{live_server}/candidates/{candidate.id}")
    page.get_by_role("button", name="Plan a loop").click()
    expect(page.get_by_role("heading", name="Loop for Sam Okoro")).to_be_visible()

    # 22:00 in London is 17:00 in New York: past the candidate's working day.
    add_interview(
        page,
        "Priya Raman (priya@example.com)",
        "45-minute staged interview (45 min)",
        "Backend engineer",
        f"{day}T22:00",
        [
            "API and interface design",
            "Data modelling and storage",
            "Running software in production",
        ],
    )
    warnings = page.locator(".warnings")
    expect(warnings).to_contain_text(f"{shown} 17:00–17:45 candidate time (America/New_York)")
    expect(page.locator("tr[data-competency=architecture-tradeoffs]")).to_contain_text("No owner")

    # Fix the time: 15:00 London is 10:00 in New York.
    page.locator("#sessions details summary", has_text="Move this interview").first.click()
    page.locator("#sessions input[type=datetime-local]").first.fill(f"{day}T15:00")
    page.get_by_role("button", name="Move", exact=True).first.click()
    expect(page.locator(".warning-outside_working_hours")).to_have_count(0)
    # One interviewer for every weighted competency: the opening asks for two raters each.
    expect(page.locator(".warning-too_few_raters").first).to_contain_text(
        "Only Priya Raman rates API and interface design"
    )
    expect(page.locator("tr[data-competency=api-design]")).to_contain_text("1 rater of 2 wanted")

    add_interview(
        page,
        "Tomás Ortega (tomas@example.com)",
        "60-minute system design interview (60 min)",
        "System design",
        f"{day}T17:00",
        ["Architecture and trade-offs", "Reliability and failure modes"],
    )
    expect(page.locator("tr.uncovered")).to_have_count(0)

    page.get_by_role("button", name="Confirm loop").click()
    expect(page.get_by_text("Loop confirmed: invitations sent, debrief scheduled.")).to_be_visible()
    # Tomás's hour ends at 18:00 London; the debrief follows 30 minutes later.
    expect(page.locator(".debrief-time")).to_contain_text(f"{shown} 18:30–19:00")
    expect(page.locator(".deliveries")).to_contain_text("Session invite")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the debrief invite (.ics)").click()
    path = tmp_path / "debrief.ics"
    download.value.save_as(path)
    calendar = icalendar.Calendar.from_ical(path.read_bytes())
    (event,) = calendar.walk("VEVENT")
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(event["SUMMARY"]) == "Debrief: Sam Okoro (Senior Backend Engineer)"
    start = event.decoded("DTSTART")
    assert str(start.tzinfo) == "Europe/London" and start.strftime("%H:%M") == "18:30"

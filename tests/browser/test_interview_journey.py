"""The live interview in real Chromium: typing, the clock, keyboard rating, offline and back,
an expired sign-in or form token mid-call, two tabs, and submission."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from app.demo import DEMO_PASSWORD
from app.extensions import db
from app.models import Scorecard

from .conftest import serving

EVIDENCE = "Designed cursor pagination and explained why offsets break under concurrent writes."

# Collects every text the status line shows, so a test can prove "Saved" never appeared early.
WATCH_STATUS = """
window.__statuses = [];
const line = document.getElementById('save-status');
new MutationObserver(() => window.__statuses.push(line.textContent))
  .observe(line, {childList: true, characterData: true, subtree: true});
"""


def sign_in(page: Page, base: str, email: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=re.compile("^Hello"))).to_be_visible()


def stored(card_id: int) -> Scorecard:
    db.session.expire_all()
    card = db.session.get(Scorecard, card_id)
    db.session.commit()
    return card


def expect_saved(page: Page) -> None:
    # In the interviewer's zone, named (Priya's is Europe/Berlin; the browser runs in UTC).
    expect(page.locator("#save-status")).to_have_text(re.compile(r"^Saved \d\d:\d\d (CET|CEST)$"))


@pytest.fixture
def priya_page(demo, live_server, page, priya_card):
    db.session.commit()
    sign_in(page, live_server, "priya@example.com")
    return page


def test_whole_interview_offline_and_back_then_submit(
    live_server, priya_page: Page, priya_card, browser
) -> None:
    page = priya_page
    page.get_by_role("link", name="Lena Fischer").first.click()
    expect(page.get_by_role("heading", name="Lena Fischer")).to_be_visible()
    expect(page.locator(".pitch")).to_contain_text("payments platform")

    page.get_by_role("button", name="Start the clock").click()
    expect(page.locator("#notes-pitch")).to_be_focused()
    page.keyboard.type("Asked about on-call before I finished the pitch.")
    page.keyboard.press("Alt+n")
    expect(page.locator("#notes-experience")).to_be_focused()
    expect(page.locator("[data-stage-link=experience]")).to_have_attribute("aria-current", "step")
    page.keyboard.type("Led the ledger migration; owned the rollback plan.")
    expect_saved(page)
    assert stored(priya_card.id).stage_notes == {
        "pitch": "Asked about on-call before I finished the pitch.",
        "experience": "Led the ledger migration; owned the rollback plan.",
    }

    # Rate with the keyboard: focus the level group, press 3.
    page.locator("#rating-api-design-level-1").focus()
    page.keyboard.press("3")
    expect(page.locator("#rating-api-design-level-3")).to_be_checked()
    expect(page.locator("[data-coverage=api-design] .coverage-state")).to_have_text(
        "needs a level and evidence"
    )
    page.locator("#rating-api-design-evidence").fill(EVIDENCE)
    expect(page.locator("[data-coverage=api-design] .coverage-state")).to_have_text(
        "rated with evidence"
    )
    expect_saved(page)

    # The network drops: typing goes on, kept on this device.
    page.context.set_offline(True)
    page.locator("#notes-logistics").fill("Notice period three months; open to relocating.")
    page.locator("#notes-experience").focus()
    expect(page.locator("#save-status")).to_have_text("Offline — kept on this device")
    page.close()

    page.context.set_offline(False)
    page = page.context.new_page()
    page.evaluate("1")  # a fresh page in the same browser profile (local storage kept)
    page.goto(f"{live_server}/interviews/{priya_card.session_id}")
    expect(page.locator("#notes-logistics")).to_have_value(
        "Notice period three months; open to relocating."
    )
    expect_saved(page)
    assert stored(priya_card.id).stage_notes["logistics"].startswith("Notice period three months")
    assert page.evaluate(f"localStorage.getItem('loopkit:scorecard:{priya_card.id}')") is None

    # Submit with fields missing: errors at the top, linked, everything typed intact.
    for key in ("data-modelling", "production-operations"):
        page.locator(f"#rating-{key}-level-2").check()
        page.locator(f"#rating-{key}-evidence").fill(EVIDENCE)
    page.locator("#summary").fill("Strong owner; a little light on data modelling depth.")
    page.get_by_role("button", name="Submit scorecard").click()
    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("Choose a recommendation")
    expect(page.locator("#summary")).to_have_value(
        "Strong owner; a little light on data modelling depth."
    )
    page.get_by_role("link", name=re.compile("Recommendation")).click()
    page.locator("#recommendation-yes").check()
    page.get_by_role("button", name="Submit scorecard").click()
    expect(page.get_by_text("Scorecard submitted.")).to_be_visible()
    assert stored(priya_card.id).status == "submitted"

    # The hiring manager reads it.
    manager = browser.new_context().new_page()
    sign_in(manager, live_server, "manager@example.com")
    manager.goto(f"{live_server}/scorecards/{priya_card.id}")
    expect(manager.locator(".recommendation-badge")).to_contain_text("Yes")
    expect(
        manager.get_by_text("Led the ledger migration; owned the rollback plan.")
    ).to_be_visible()
    manager.context.close()


def test_expired_sign_in_mid_call_keeps_text_until_signed_in_again(
    live_server, priya_page: Page, priya_card
) -> None:
    page = priya_page
    page.goto(f"{live_server}/interviews/{priya_card.session_id}")
    # The page's own first requests (the clock starting with the interview saves its start)
    # finish first: a remembered session's cookie is renewed by every answer, so one in flight
    # would set it again after it is cleared, and its "Saved" would be counted below.
    page.wait_for_load_state("networkidle")
    page.evaluate(WATCH_STATUS)
    page.context.clear_cookies()  # the session ends while the interviewer types
    page.locator("#notes-experience").fill("Typed after the session expired.")
    page.locator("#notes-pitch").focus()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(page.locator("#save-status")).to_have_text(
        "Signed out — kept on this device. Sign in to save."
    )
    assert "experience" not in stored(priya_card.id).stage_notes
    assert not any(s.startswith("Saved") for s in page.evaluate("window.__statuses"))

    # Her email is already there and the password field has the focus: one thing to type.
    expect(dialog.get_by_label("Email")).to_have_value("priya@example.com")
    expect(dialog.get_by_label("Password")).to_be_focused()
    dialog.get_by_label("Password").fill("not her password")
    dialog.get_by_role("button", name="Sign in and save").click()
    expect(dialog.locator("#sign-in-error")).to_be_visible()
    expect(dialog.get_by_label("Email")).to_have_value("priya@example.com")
    dialog.get_by_label("Password").fill(DEMO_PASSWORD)
    dialog.get_by_role("button", name="Sign in and save").click()
    expect(dialog).to_be_hidden()
    expect_saved(page)
    assert stored(priya_card.id).stage_notes["experience"] == "Typed after the session expired."


@pytest.fixture
def short_token_server(app) -> Iterator[str]:
    """A server whose form tokens live five seconds, so one can expire mid-test (and signing
    in, from loading the form to posting it, fits well within that)."""
    app.config["WTF_CSRF_TIME_LIMIT"] = 5
    with serving(app) as base_url:
        yield base_url


def test_expired_form_token_is_renewed_and_the_save_goes_through(
    short_token_server, page: Page, demo, priya_card
) -> None:
    sign_in(page, short_token_server, "priya@example.com")
    page.goto(f"{short_token_server}/interviews/{priya_card.session_id}")
    page.wait_for_load_state("networkidle")  # the clock's own first save is done
    page.evaluate(WATCH_STATUS)
    page.evaluate(
        "window.__oldToken = document.querySelector('#scorecard-form input[name=csrf_token]').value"
    )
    page.wait_for_timeout(6500)  # the page's token is now older than the limit (whole seconds)
    page.locator("#notes-pitch").fill("Typed with a stale form token.")
    page.locator("#notes-experience").focus()
    expect_saved(page)
    assert stored(priya_card.id).stage_notes["pitch"] == "Typed with a stale form token."
    assert not any(s.startswith("Saved") for s in page.evaluate("window.__statuses")[:-1])
    renewed = page.evaluate(
        "document.querySelector('#scorecard-form input[name=csrf_token]').value"
    )
    assert renewed != page.evaluate("window.__oldToken")


def test_two_tabs_different_stages_never_conflict_same_field_asks(
    live_server, priya_page: Page, priya_card
) -> None:
    first = priya_page
    url = f"{live_server}/interviews/{priya_card.session_id}"
    first.goto(url)
    second = first.context.new_page()
    second.goto(url)

    first.locator("#notes-pitch").fill("From the first tab.")
    first.locator("#summary").focus()
    expect_saved(first)
    second.locator("#notes-experience").fill("From the second tab.")
    second.locator("#summary").focus()
    expect_saved(second)
    expect(second.locator("#notes-pitch")).to_have_value("From the first tab.")
    assert stored(priya_card.id).stage_notes == {
        "pitch": "From the first tab.",
        "experience": "From the second tab.",
    }

    first.locator("#notes-logistics").fill("First tab: notice is one month.")
    first.locator("#summary").focus()
    expect_saved(first)
    second.locator("#notes-logistics").fill("Second tab: notice is two months.")
    second.locator("#summary").focus()
    conflict = second.locator(".live-conflict")
    expect(conflict).to_be_visible()
    expect(conflict.locator(".conflict-theirs")).to_have_text("First tab: notice is one month.")
    expect(conflict.locator(".conflict-mine")).to_have_text("Second tab: notice is two months.")
    assert stored(priya_card.id).stage_notes["logistics"] == "First tab: notice is one month."
    conflict.get_by_role("button", name="Merge both").click()
    expect_saved(second)
    merged = stored(priya_card.id).stage_notes["logistics"]
    assert "one month" in merged and "two months" in merged


# (mine, theirs, merged): what "Merge both" keeps when a field was changed in two places.
MERGES = [
    (
        "Notice: one month. Starts May.",
        "Notice: one month. Starts June.",
        "Notice: one month.\n\nStarts May.\n\nStarts June.",
    ),
    (
        "Led the split.\nOwned rollback.",
        "Led the split.\nWrote the runbook.",
        "Led the split.\n\nOwned rollback.\n\nWrote the runbook.",
    ),
    ("Alpha", "Beta", "Alpha\n\nBeta"),
    ("Same words", "Same words and more", "Same words and more"),
    ("", "Only theirs", "Only theirs"),
]


def test_merge_both_keeps_the_shared_start_once(live_server, priya_page: Page, priya_card):
    priya_page.goto(f"{live_server}/interviews/{priya_card.session_id}")
    results = priya_page.evaluate(
        """async (cases) => {
            const { mergeTexts } = await import("/static/js/interview/conflicts.js");
            return cases.map(([mine, theirs]) => mergeTexts(mine, theirs));
        }""",
        [[mine, theirs] for mine, theirs, _ in MERGES],
    )
    assert results == [merged for _, _, merged in MERGES]


@pytest.mark.parametrize("width", [400, 768])
def test_usable_in_a_narrow_side_window(live_server, priya_page: Page, priya_card, width) -> None:
    page = priya_page
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{live_server}/interviews/{priya_card.session_id}")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    expect(page.locator("#notes-pitch")).to_be_visible()
    box = page.locator("#notes-pitch").bounding_box()
    assert box["width"] > width * 0.8


def test_low_time_names_missing_competencies_and_overrun_is_visible(
    live_server, priya_page: Page, priya_card
) -> None:
    from datetime import timedelta

    from app.storage.types import utcnow

    # The clock was started 36 minutes ago (of 45); the pitch stage ran a minute over.
    card = stored(priya_card.id)
    card.clock_started_at = utcnow() - timedelta(minutes=36)
    card.ratings = {
        "api-design": {"level": 3, "evidence": EVIDENCE, "not_assessed": False, "reason": ""}
    }
    db.session.commit()
    page = priya_page
    page.add_init_script(
        f"localStorage.setItem('loopkit:clock:{priya_card.id}', JSON.stringify("
        "{startedAt: Date.now() - 36*60000, current: 'pitch', spent: {pitch: 6*60000},"
        " tick: Date.now()}))"
    )
    page.goto(f"{live_server}/interviews/{priya_card.session_id}")
    warning = page.locator("#coverage-warning")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("9 minutes left")
    expect(warning).to_contain_text("Data modelling and storage, Running software in production")
    expect(warning).not_to_contain_text("API and interface design")
    expect(page.locator("#clock-stage")).to_contain_text("over)")
    expect(page.locator("#clock")).to_have_class(re.compile(r"\bover\b"))


def test_the_clock_starts_with_the_interview_and_the_warning_stays_in_view(
    live_server, priya_page: Page, priya_card
) -> None:
    """Nobody pressed start: the interview began 50 minutes ago (of 45) with the page open.
    At 400 px, scrolled down to the ratings, the low-time warning is still on screen, and the
    clock says how far the whole interview ran over."""
    from datetime import timedelta

    from app.storage.types import utcnow

    session = priya_card.session
    session.starts_at = utcnow() - timedelta(minutes=50)
    session.ends_at = session.starts_at + timedelta(minutes=45)
    db.session.commit()
    page = priya_page
    page.set_viewport_size({"width": 400, "height": 800})
    page.goto(f"{live_server}/interviews/{priya_card.session_id}")
    expect(page.locator("#clock-total")).to_contain_text(re.compile(r"^50:\d\d \(\+5:\d\d over\)"))
    expect(page.locator("#clock")).to_have_class(re.compile(r"\bover-total\b"))
    expect(page.get_by_role("button", name="Restart the clock")).to_be_visible()
    page.locator("#ratings").scroll_into_view_if_needed()
    warning = page.locator(".interview-bar #coverage-warning")
    expect(warning).to_be_in_viewport()
    expect(warning).to_contain_text("API and interface design")
    expect_saved(page)
    assert stored(priya_card.id).clock_started_at is not None, "the start is saved"


def test_typing_starts_the_clock_before_the_interview_time(
    live_server, priya_page: Page, priya_card
) -> None:
    from datetime import timedelta

    from app.storage.types import utcnow

    session = priya_card.session
    session.starts_at = utcnow() + timedelta(minutes=20)
    session.ends_at = session.starts_at + timedelta(minutes=45)
    db.session.commit()
    page = priya_page
    page.goto(f"{live_server}/interviews/{priya_card.session_id}")
    expect(page.get_by_role("button", name="Start the clock now")).to_be_visible()
    expect(page.locator("#clock")).not_to_have_class(re.compile(r"\brunning\b"))
    page.locator("#notes-pitch").press_sequentially("Early start")
    expect(page.locator("#clock")).to_have_class(re.compile(r"\brunning\b"))
    expect(page.get_by_role("button", name="Restart the clock")).to_be_visible()


def test_saved_at_is_in_the_profiles_zone_not_the_devices(live_server, priya_page, priya_card):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    page = priya_page
    page.goto(f"{live_server}/interviews/{priya_card.session_id}")
    assert page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone") != "Europe/Berlin"
    page.locator("#notes-pitch").fill("A note.")
    page.locator("#summary").focus()
    expect_saved(page)
    shown = page.locator("#save-status").inner_text()
    berlin = datetime.now(ZoneInfo("Europe/Berlin"))
    hours, minutes = map(int, shown.split()[1].split(":"))
    drift = abs((berlin.hour * 60 + berlin.minute) - (hours * 60 + minutes)) % (24 * 60)
    assert min(drift, 24 * 60 - drift) <= 2, f"{shown} is not Berlin time ({berlin:%H:%M})"
    expect(page.locator(".interview-title .meta")).to_contain_text("(Europe/Berlin)")


def test_without_javascript_the_form_still_saves_and_submits(
    browser, demo, live_server, priya_card
) -> None:
    db.session.commit()
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server, "priya@example.com")
    page.goto(f"{live_server}/interviews/{priya_card.session_id}")
    expect(page.locator("#clock")).to_be_hidden()
    page.locator("#notes-experience").fill("Plain form, no scripts.")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft saved.")).to_be_visible()
    assert stored(priya_card.id).stage_notes["experience"] == "Plain form, no scripts."
    for key in ("api-design", "data-modelling", "production-operations"):
        page.locator(f"#rating-{key}-level-4").check()
        page.locator(f"#rating-{key}-evidence").fill(EVIDENCE)
    page.locator("#recommendation-strong-yes").check()
    page.get_by_role("button", name="Submit scorecard").click()
    expect(page.get_by_text("Scorecard submitted.")).to_be_visible()
    assert stored(priya_card.id).status == "submitted"
    context.close()

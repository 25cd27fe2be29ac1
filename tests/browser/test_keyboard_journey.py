"""A whole interview with the keyboard alone, in Chromium: sign in, open the interview, start
the clock, take notes stage by stage, rate, recommend and submit. No clicks and no fills: Tab,
Enter, Space, the arrow keys, the interview's shortcuts (Alt+N, keys 1-4) and typed text. Every
stop on the way shows where the focus is."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from app.demo import DEMO_PASSWORD
from app.models import ScorecardStatus

from .test_interview_journey import stored

EVIDENCE = {
    "api-design": "Designed cursor pagination and explained why offsets break under writes.",
    "data-modelling": "Normalised the ledger, then denormalised one read path and said why.",
    "production-operations": "Walked through an incident: paged, rolled back, wrote the review.",
}

IS_FOCUSED = "selector => !!document.activeElement && document.activeElement.matches(selector)"

# What a sighted keyboard user sees: the focused element has a real outline (app.css gives
# :focus-visible a 3px one), and the browser agrees focus should be shown.
FOCUS_STYLE = """() => {
  const element = document.activeElement;
  const style = getComputedStyle(element);
  return {
    element: element.tagName + '#' + element.id,
    focusVisible: element.matches(':focus-visible'),
    outline: style.outlineStyle,
    width: parseFloat(style.outlineWidth),
  };
}"""


def tab_to(page: Page, selector: str, limit: int = 150) -> None:
    """Press Tab until the focus is on `selector`, as a keyboard user would."""
    for _ in range(limit):
        if page.evaluate(IS_FOCUSED, selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{limit} presses of Tab never reached {selector}")


def expect_focus_shown(page: Page) -> None:
    style = page.evaluate(FOCUS_STYLE)
    assert style["focusVisible"], style
    assert style["outline"] not in ("none", "") and style["width"] >= 2, style


def test_a_whole_interview_with_the_keyboard_alone(
    demo, live_server, page: Page, priya_card
) -> None:
    session_id = priya_card.session_id
    page.goto(live_server + "/login")

    # Sign in.
    tab_to(page, "#email")
    expect_focus_shown(page)
    page.keyboard.type("priya@example.com")
    page.keyboard.press("Tab")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Hello, Priya Raman")).to_be_visible()

    # Open today's interview from the home page.
    tab_to(page, f"a[href='/interviews/{session_id}']")
    expect_focus_shown(page)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Lena Fischer")).to_be_visible()

    # Start the clock: focus lands in the first stage's notes.
    tab_to(page, "#clock-start")
    expect_focus_shown(page)
    page.keyboard.press("Enter")
    stages = page.eval_on_selector_all(
        "section.stage[data-stage]", "s => s.map(e => e.dataset.stage)"
    )
    assert len(stages) >= 3, stages
    notes = {}
    for index, stage in enumerate(stages):
        if index:
            page.keyboard.press("Alt+n")  # the next stage, its notes focused
        expect(page.locator(f"#notes-{stage}")).to_be_focused()
        expect(page.locator(f"[data-stage-link={stage}]")).to_have_attribute("aria-current", "step")
        notes[stage] = f"Notes typed during {stage}."
        page.keyboard.type(notes[stage])
    page.keyboard.press("Alt+p")  # and back one, to check the way back too
    expect(page.locator(f"#notes-{stages[-2]}")).to_be_focused()

    # Rate each competency: into its levels with Tab, then a number key or the arrows.
    keys = page.eval_on_selector_all("fieldset.rating", "f => f.map(e => e.dataset.competency)")
    assert sorted(keys) == sorted(EVIDENCE), keys
    levels = {}
    for number, key in enumerate(keys):
        tab_to(page, f"#rating-{key}-level-1")
        expect_focus_shown(page)
        if number == 0:
            page.keyboard.press("3")  # the interview's shortcut
            levels[key] = 3
        else:
            page.keyboard.press("Space")  # the first level, then one down with the arrow key
            page.keyboard.press("ArrowDown")
            levels[key] = 2
        expect(page.locator(f"#rating-{key}-level-{levels[key]}")).to_be_checked()
        tab_to(page, f"#rating-{key}-evidence")
        page.keyboard.type(EVIDENCE[key])
        expect(page.locator(f"[data-coverage={key}] .coverage-state")).to_have_text(
            "rated with evidence"
        )

    tab_to(page, "#summary")
    page.keyboard.type("Owns systems end to end; explains trade-offs plainly.")

    # The recommendation: into the group, then right along it to "Yes".
    tab_to(page, "#recommendation-strong-no")
    expect_focus_shown(page)
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(page.locator("#recommendation-yes")).to_be_checked()

    tab_to(page, "#submit-scorecard")
    expect_focus_shown(page)
    page.keyboard.press("Enter")
    expect(page.get_by_text("Scorecard submitted.")).to_be_visible()

    card = stored(priya_card.id)
    assert card.status == ScorecardStatus.SUBMITTED
    assert card.submitted_at is not None
    assert card.recommendation == "yes"
    assert card.summary == "Owns systems end to end; explains trade-offs plainly."
    assert {k: v["level"] for k, v in card.ratings.items()} == levels
    assert {k: v["evidence"] for k, v in card.ratings.items()} == EVIDENCE
    assert card.stage_notes == notes

"""In real Chromium: a hiring manager reads the panel's calibration from the opening, the dot
plot drawn one dot per interviewer and fitting a phone; an interviewer finds their own figures
from the menu, their dot the one picked out among anonymous others. Both pages pass axe."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from app.extensions import db

from ..calibration.test_calibration import history  # noqa: F401  (fixture)
from .test_accessibility import AXE, format_violations, run_axe
from .test_debrief_layout import WIDER_THAN_THE_PAGE
from .test_interview_journey import sign_in


def test_a_manager_and_an_interviewer_read_calibration_as_pictures(
    live_server,
    browser,
    demo,
    history,  # noqa: F811
) -> None:
    db.session.commit()
    context = browser.new_context(bypass_csp=True, viewport={"width": 360, "height": 740})
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    try:
        sign_in(page, live_server, "manager@example.com")
        page.goto(f"{live_server}/openings/{demo.opening.id}")
        page.get_by_role("link", name="Calibration", exact=True).last.click()
        expect(
            page.get_by_role("heading", name="Calibration: Senior Backend Engineer")
        ).to_be_visible()
        plot = page.get_by_role("img", name="Leniency by interviewer", exact=False)
        expect(plot).to_be_visible()
        assert plot.locator("circle").count() == 6
        # Measured once the stylesheet has laid the page out (a loaded machine can be slow):
        # the chart shrinks to the phone, or this times out.
        page.wait_for_function(
            "el => el.getBoundingClientRect().width <= 360", arg=plot.element_handle()
        )
        first = page.locator("table.calibration tbody th").first
        expect(first).to_have_text("Tomás Ortega")
        expect(
            page.get_by_role("img", name="Agreement (Krippendorff's alpha)", exact=False)
        ).to_be_visible()
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"sideways by {overflow} px: {page.evaluate(WIDER_THAN_THE_PAGE)}"
        assert not run_axe(page), format_violations("opening calibration", run_axe(page))

        page.get_by_role("button", name="Sign out").click()
        sign_in(page, live_server, "kwame@example.com")
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Calibration").click()
        expect(page.get_by_role("heading", name="My calibration")).to_be_visible()
        plot = page.get_by_role("img", name="Your leniency", exact=False)
        assert plot.locator("circle.dot-highlight").count() == 1
        assert plot.locator("circle").count() == 6
        leniency = page.locator("table.mine tr", has_text="Leniency").locator("td").first
        expect(leniency).to_have_text(re.compile(r"^-0\.\d\d$"))  # Kwame rates low
        expect(page.locator("main")).not_to_contain_text("Tomás")
        assert not run_axe(page), format_violations("own calibration", run_axe(page))
    finally:
        context.close()

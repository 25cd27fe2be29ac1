"""The Content-Security-Policy in real Chromium: an inline script that reached a page is blocked.

Templates escape what people type, so no user text becomes a script; the CSP is the second
line, for the day a template forgets. To test that line, markup is injected into a real page
served by the app with the app's own headers (Playwright intercepts the response), the way a
template mistake would put it there.
"""

from __future__ import annotations

from playwright.sync_api import Page, expect

from app.extensions import db

from .test_interview_journey import sign_in

INJECTED = (
    "<script>window.__pwned = true; document.title = 'pwned';</script>"
    '<p id="styled" style="color: rgb(255, 0, 0)">Styled inline</p>'
    '<img id="handler" src="/static/favicon.svg" alt="" onload="window.__handler = true">'
)

# Installed by Playwright before any page script; it records what the CSP refused.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', event => {
  window.__violations.push(event.violatedDirective + ' ' + event.blockedURI);
});
"""


def inject_into(page: Page, path: str, *, keep_csp: bool = True) -> None:
    def handle(route):
        response = route.fetch()
        headers = dict(response.headers)
        if not keep_csp:
            headers.pop("content-security-policy", None)
        body = response.text().replace("</main>", INJECTED + "</main>")
        route.fulfill(response=response, body=body, headers=headers)

    page.route(f"**{path}", handle)


def test_an_inline_script_in_a_page_is_blocked_by_the_csp(demo, live_server, page: Page) -> None:
    candidate = demo.opening.candidates[0]
    db.session.commit()
    sign_in(page, live_server, "coordinator@example.com")
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.add_init_script(RECORD_VIOLATIONS)
    path = f"/candidates/{candidate.id}"
    inject_into(page, path)

    page.goto(live_server + path)
    expect(page.get_by_role("heading", name=candidate.name)).to_be_visible()
    expect(page.locator("#styled")).to_have_text("Styled inline")
    page.wait_for_function("window.__violations.length >= 3")

    assert page.evaluate("window.__pwned") is None, "the inline script ran"
    assert page.title() != "pwned"
    assert page.evaluate("window.__handler") is None, "the inline event handler ran"
    color = page.eval_on_selector("#styled", "e => getComputedStyle(e).color")
    assert color != "rgb(255, 0, 0)", "the inline style applied"
    violations = page.evaluate("window.__violations")
    assert any(v.startswith("script-src-elem inline") for v in violations), violations
    assert any(v.startswith("script-src-attr inline") for v in violations), violations
    assert any(v.startswith("style-src-attr inline") for v in violations), violations
    # Chromium's own report in the console (its wording varies between versions).
    assert any("inline script" in text and "Content Security Policy" in text for text in console), (
        console
    )


def test_without_the_csp_the_same_injection_would_run(demo, live_server, page: Page) -> None:
    """The control: it is the app's CSP header, not the test's markup, that stops the script."""
    candidate = demo.opening.candidates[0]
    db.session.commit()
    sign_in(page, live_server, "coordinator@example.com")
    path = f"/candidates/{candidate.id}"
    inject_into(page, path, keep_csp=False)
    page.goto(live_server + path)
    page.wait_for_function("window.__handler === true")
    assert page.evaluate("window.__pwned") is True
    color = page.eval_on_selector("#styled", "e => getComputedStyle(e).color")
    assert color == "rgb(255, 0, 0)"


def test_a_script_typed_into_a_name_is_shown_as_text(demo, live_server, page: Page) -> None:
    """The first line: what people type is escaped, so it never becomes markup at all."""
    candidate = demo.opening.candidates[0]
    candidate.name = "Lena <script>window.__pwned = true</script> Fischer"
    db.session.commit()
    sign_in(page, live_server, "coordinator@example.com")
    page.add_init_script(RECORD_VIOLATIONS)
    page.goto(f"{live_server}/candidates/{candidate.id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Lena <script>window.__pwned = true</script> Fischer"
    )
    assert page.evaluate("window.__pwned") is None
    assert page.evaluate("window.__violations") == [], "nothing even reached the CSP"

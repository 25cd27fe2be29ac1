"""axe-core on every page, signed in as each role: WCAG 2.0, 2.1 and 2.2, levels A and AA.

The pages come from the route matrix (tests/auth/test_route_matrix.py), which must name every
route the app serves: a new page is crawled here as soon as it has its matrix entry. Every GET
route is visited with the matrix's arguments; every form route the matrix expects to refuse with
400 is posted empty, so each form is also checked with its errors showing, and its error summary
is checked: at the top, focused on arrival, each link leading to its field.

axe-core comes from the npm registry (package.json; `make test` runs `npm ci`). Injecting it needs
a context that bypasses the CSP; the app still sends its CSP, and test_csp.py checks it holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask, url_for
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from app.demo import DEMO_PASSWORD, DemoTeam
from app.extensions import db

from ..auth.test_route_matrix import PRINCIPALS, PRIYA_SESSION, ROUTES, _submit_tomas

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
# axe tags WCAG 2.2's new A criteria under no tag of their own; its AA rules carry wcag22aa.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

# Each role once; "outsider" (an interviewer on no loop) reaches no page the others do not.
ROLES = ["anonymous", "admin", "hiring_manager", "coordinator", "interviewer", "panel_done"]

# Error pages share one template: the first of each status per role is enough.
SHARED_ERROR_PAGES = {401, 403, 404, 405}


@dataclass(frozen=True)
class Visit:
    method: str
    url: str
    expected: int
    name: str
    fields: tuple[tuple[str, str], ...] = ()


# Forms whose errors an empty post does not reach: (endpoint, url arguments, fields, who).
FORMS_WITH_ERRORS = [
    # The live interview submitted with nothing filled in.
    ("interviews.save_interview", PRIYA_SESSION, (("action", "submit"),), "interviewer"),
]


def visits_for(app: Flask, team: DemoTeam, principal: str) -> list[Visit]:
    """Every HTML-bearing request of the matrix for this principal, GETs before POSTs."""
    gets, posts = [], []
    with app.test_request_context():
        for (endpoint, method), cases in sorted(ROUTES.items()):
            if endpoint == "static":
                continue
            for spec in cases:
                expected = spec["expected"][principal]
                name = f"{method} {endpoint} {spec['label']}".strip()
                if method == "GET":
                    gets.append(
                        Visit(method, url_for(endpoint, **spec["args"](team)), expected, name)
                    )
                    continue
                # An empty form refused: the page comes back with its errors. Checked as the
                # first role allowed to post it: for the others it is the same page.
                if (
                    expected != 400
                    or next(r for r in ROLES if spec["expected"][r] == 400) != principal
                ):
                    continue
                if "json" not in spec["body"](team):
                    posts.append(
                        Visit(method, url_for(endpoint, **spec["args"](team)), expected, name)
                    )
        for endpoint, args, fields, who in FORMS_WITH_ERRORS:
            if who == principal:
                url = url_for(endpoint, **args(team))
                posts.append(Visit("POST", url, 400, f"POST {endpoint} {dict(fields)}", fields))
        gets.append(Visit("GET", "/no-such-page", 404, "the 404 page"))
    return gets + posts


def format_violations(where: str, violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{where}: {v['id']} [{v['impact']}] {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:5]:
            target = " ".join(str(t) for t in node["target"])
            summary = node.get("failureSummary", "").replace("\n", " ")
            lines.append(f"    {target}: {summary}")
        if len(v["nodes"]) > 5:
            lines.append(f"    … and {len(v['nodes']) - 5} more")
    return "\n".join(lines)


def run_axe(page) -> list[dict]:
    # Folded sections (probe questions, evidence, the planner's move and reassign forms) are
    # opened first: axe skips what is hidden, and people open them.
    result = page.evaluate(
        """tags => {
          document.querySelectorAll('details').forEach(d => { d.open = true; });
          return axe.run(document, {runOnly: {type: 'tag', values: tags},
                                       resultTypes: ['violations']});
        }""",
        WCAG_TAGS,
    )
    return result["violations"]


POST_FORM = """([url, fields]) => {
  const form = document.createElement('form');
  form.method = 'post';
  form.action = url;
  for (const [name, value] of fields) {
    const input = document.createElement('input');
    input.type = 'hidden';
    input.name = name;
    input.value = value;
    form.append(input);
  }
  document.body.append(form);
  form.submit();
}"""


def signed_in_page(browser, base: str, principal: str, **context_options):
    context = browser.new_context(viewport={"width": 1100, "height": 800}, **context_options)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(base + "/login")
    email = PRINCIPALS[principal]
    if email is not None:
        page.fill("#email", email)
        page.fill("#password", DEMO_PASSWORD)
        with page.expect_navigation():
            page.press("#password", "Enter")
        assert "/login" not in page.url, f"{principal} could not sign in"
    return context, page


def post_form(page, base: str, visit: Visit):
    """Post the visit's fields (with a fresh CSRF token) from the page, as a form would."""
    token = page.context.request.get(base + "/auth/csrf-token").json()["csrf_token"]
    with page.expect_navigation() as navigation:
        page.evaluate(POST_FORM, [base + visit.url, [["csrf_token", token], *visit.fields]])
    return navigation.value


# Run in the page after a form came back with errors: what a person relying on the summary meets.
SUMMARY_PROBLEMS = """() => {
  const problems = [];
  const summary = document.querySelector('.error-summary');
  if (!summary) return ['no error summary'];
  if (document.activeElement !== summary) {
    problems.push('focus is on ' + document.activeElement.tagName + ', not the summary');
  }
  if (!summary.matches('[role=alert]')) problems.push('the summary is not announced (role=alert)');
  for (const message of document.querySelectorAll('.error-message')) {
    if (!message.checkVisibility()) continue;  // a closed dialog's
    if (!(summary.compareDocumentPosition(message) & Node.DOCUMENT_POSITION_FOLLOWING)) {
      problems.push('an error shows above the summary: ' + message.textContent);
    }
    const described = message.id && document.querySelector(
      '[aria-describedby~="' + CSS.escape(message.id) + '"]');
    if (!described) problems.push('no field is described by the error: ' + message.textContent);
  }
  if (!summary.querySelector('li')) problems.push('the summary lists nothing');
  return problems;
}"""


def link_problems(page, visit: Visit) -> list[str]:
    """Each link of the error summary must lead to one field and put the focus there."""
    problems = []
    links = page.locator(".error-summary a[href^='#']")
    for index in range(links.count()):
        link = links.nth(index)
        target = link.get_attribute("href")[1:]
        if page.locator(f"[id='{target}']").count() != 1:
            problems.append(f"{visit.name}: the link to #{target} has no single target")
            continue
        # Following the link with the keyboard puts focus in the field, ready to type.
        link.focus()
        page.keyboard.press("Enter")
        focused = page.evaluate("document.activeElement.id")
        if focused != target:
            problems.append(f"{visit.name}: the link to #{target} left focus on #{focused}")
    return problems


@pytest.mark.parametrize("principal", ROLES)
def test_every_page_passes_axe_and_every_form_summarises_its_errors(
    app: Flask, demo: DemoTeam, live_server: str, browser, principal: str
) -> None:
    assert AXE.exists(), "axe-core is missing: `make test` installs it (npm ci)"
    _submit_tomas(demo)
    visits = visits_for(app, demo, principal)
    db.session.commit()  # end the test's transaction: on SQLite it would block the server's writes

    # bypass_csp lets the injected axe run; the app's CSP header is still sent. Injected into
    # every document the context opens, so each page has it without a separate step.
    context, page = signed_in_page(browser, live_server, principal, bypass_csp=True)
    context.add_init_script(path=str(AXE))
    found: list[str] = []
    summaries: list[str] = []
    checked: list[str] = []
    seen_errors: set[int] = set()
    seen_expected: set[int] = set()
    seen_final: set[str] = set()
    try:
        if PRINCIPALS[principal] is None:
            page.reload()  # the sign-in page, now with axe in it
            checked.append("GET auth.login (signed out)")
            found += [format_violations("GET /login", run_axe(page))]

        for visit in visits:
            # The matrix already says where these end: the sign-in page, home or the shared
            # error page. The first of each is checked, the rest need no visit.
            if visit.expected in SHARED_ERROR_PAGES | {302}:  # (303s go on to a page of their own)
                if visit.expected in seen_expected:
                    continue
                seen_expected.add(visit.expected)
            if visit.method == "GET":
                try:
                    response = page.goto(live_server + visit.url)
                except PlaywrightError as error:
                    if "Download is starting" in str(error):
                        continue  # a calendar file: no page to check
                    raise
            else:
                response = post_form(page, live_server, visit)
            status = response.status
            if "text/html" not in response.headers.get("content-type", ""):
                continue  # JSON for scripts
            # Redirected (a visitor sent to sign in, a signed-in user sent home): one check.
            final = page.url.split("?")[0]
            if visit.method == "GET" and final in seen_final:
                continue
            if status in SHARED_ERROR_PAGES and status in seen_errors:
                continue
            assert status == (200 if visit.expected in (302, 303) else visit.expected), (
                f"{visit.name} as {principal}: {status}"
            )
            seen_errors.add(status)
            seen_final.add(final)
            checked.append(f"{visit.name} ({status})")
            if visit.method == "POST":
                # As it arrived (focus on the summary), before axe opens folded sections.
                arrival = page.evaluate(SUMMARY_PROBLEMS)
                summaries += [f"{visit.name}: {problem}" for problem in arrival]
            violations = run_axe(page)
            if violations:
                found.append(format_violations(f"{visit.name} ({visit.url})", violations))
            if visit.method == "POST":
                summaries += link_problems(page, visit)
    finally:
        context.close()

    found = [f for f in found if f]
    assert not found, f"axe-core found violations as {principal}:\n" + "\n".join(found)
    assert not summaries, f"error summaries as {principal}:\n" + "\n".join(summaries)
    print(f"\n{principal}: {len(checked)} pages checked:", ", ".join(checked))


def test_axe_reports_a_field_without_a_label_and_faint_text(live_server: str, browser) -> None:
    """The crawl above passes only if axe really runs: here it must find what is broken."""
    context, page = signed_in_page(browser, live_server, "anonymous", bypass_csp=True)
    context.add_init_script(path=str(AXE))
    try:
        page.reload()
        page.evaluate(
            """() => {
              const main = document.querySelector('main');
              main.insertAdjacentHTML('beforeend',
                '<input type="text" name="nickname"><p class="faint">Hard to read</p>');
              main.querySelector('.faint').style.color = '#c8c8c8';
            }"""
        )
        found = {v["id"] for v in run_axe(page)}
    finally:
        context.close()
    assert {"label", "color-contrast"} <= found, found


def test_the_open_sign_in_and_conflict_dialogs_pass_axe(
    live_server: str, browser, demo: DemoTeam, priya_card
) -> None:
    """The two dialogs an interviewer meets mid-call, checked while open: axe skips what is
    hidden, so the page-by-page run above never sees them."""
    db.session.commit()
    context, first = signed_in_page(browser, live_server, "interviewer", bypass_csp=True)
    context.add_init_script(path=str(AXE))
    try:
        url = f"{live_server}/interviews/{priya_card.session_id}"
        first.goto(url)
        second = context.new_page()
        second.goto(url)
        first.locator("#notes-logistics").fill("First tab: notice is one month.")
        first.locator("#summary").focus()
        expect(first.locator("#save-status")).to_contain_text("Saved")
        second.locator("#notes-logistics").fill("Second tab: notice is two months.")
        second.locator("#summary").focus()
        expect(second.locator(".live-conflict")).to_be_visible()
        found = format_violations("the conflict dialog", run_axe(second))
        second.close()

        first.wait_for_load_state("networkidle")
        context.clear_cookies()  # the session ends while she types
        first.locator("#notes-experience").fill("Typed after the session expired.")
        first.locator("#notes-pitch").focus()
        expect(first.get_by_role("dialog")).to_be_visible()
        found += format_violations("the sign-in dialog", run_axe(first))
    finally:
        context.close()
    assert not found, found

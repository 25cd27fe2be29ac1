"""axe-core on every page, signed in as each role: WCAG 2.0, 2.1 and 2.2, levels A and AA.

The pages come from the route matrix (tests/auth/test_route_matrix.py), which must name every
route the app serves: a new page is crawled here as soon as it has its matrix entry. Every GET
route is visited with the matrix's arguments; every form route the matrix expects to refuse with
400 is posted empty, so each form is also checked with its errors showing.

axe-core comes from the npm registry (package.json; `make test` runs `npm ci`). Injecting it needs
a context that bypasses the CSP; the app still sends its CSP, and test_csp.py checks it holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask, url_for
from playwright.sync_api import Error as PlaywrightError

from app.demo import DEMO_PASSWORD, DemoTeam
from app.extensions import db

from ..auth.test_route_matrix import PRINCIPALS, ROUTES, _submit_tomas

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


def visits_for(app: Flask, team: DemoTeam, principal: str) -> list[Visit]:
    """Every HTML-bearing request of the matrix for this principal, GETs before POSTs."""
    gets, posts = [], []
    with app.test_request_context():
        for (endpoint, method), cases in sorted(ROUTES.items()):
            if endpoint == "static":
                continue
            for spec in cases:
                expected = spec["expected"][principal]
                url = url_for(endpoint, **spec["args"](team))
                name = f"{method} {endpoint} {spec['label']}".strip()
                if method == "GET":
                    gets.append(Visit(method, url, expected, name))
                elif expected == 400 and "json" not in spec["body"](team):
                    # An empty form refused: the page comes back with its errors. Checked as
                    # the first role allowed to post it: for the others it is the same page.
                    first = next(r for r in ROLES if spec["expected"][r] == 400)
                    if first == principal:
                        posts.append(Visit(method, url, expected, name))
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


POST_EMPTY_FORM = """([url, token]) => {
  const form = document.createElement('form');
  form.method = 'post';
  form.action = url;
  const input = document.createElement('input');
  input.type = 'hidden';
  input.name = 'csrf_token';
  input.value = token;
  form.append(input);
  document.body.append(form);
  form.submit();
}"""


@pytest.mark.parametrize("principal", ROLES)
def test_every_page_has_no_axe_violations(
    app: Flask, demo: DemoTeam, live_server: str, browser, principal: str
) -> None:
    assert AXE.exists(), "axe-core is missing: `make test` installs it (npm ci)"
    _submit_tomas(demo)
    visits = visits_for(app, demo, principal)
    db.session.commit()  # end the test's transaction: on SQLite it would block the server's writes

    # bypass_csp lets the injected axe run; the app's CSP header is still sent. Injected into
    # every document the context opens, so each page has it without a separate step.
    context = browser.new_context(viewport={"width": 1100, "height": 800}, bypass_csp=True)
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    page.set_default_timeout(15_000)
    found: list[str] = []
    checked: list[str] = []
    seen_errors: set[int] = set()
    seen_expected: set[int] = set()
    seen_final: set[str] = set()
    try:
        email = PRINCIPALS[principal]
        page.goto(live_server + "/login")
        if email is None:
            checked.append("GET auth.login (signed out)")
            found += [format_violations("GET /login", run_axe(page))]
        else:
            page.fill("#email", email)
            page.fill("#password", DEMO_PASSWORD)
            with page.expect_navigation():
                page.press("#password", "Enter")
            assert "/login" not in page.url, f"{principal} could not sign in"

        for visit in visits:
            # The matrix already says where these end: the sign-in page, home or the shared
            # error page. The first of each is checked, the rest need no visit.
            if visit.expected in SHARED_ERROR_PAGES | {302}:
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
                token = context.request.get(live_server + "/auth/csrf-token").json()["csrf_token"]
                with page.expect_navigation() as navigation:
                    page.evaluate(POST_EMPTY_FORM, [live_server + visit.url, token])
                response = navigation.value
            status = response.status
            if "text/html" not in response.headers.get("content-type", ""):
                continue  # JSON for scripts
            # Redirected (a visitor sent to sign in, a signed-in user sent home): one check.
            final = page.url.split("?")[0]
            if visit.method == "GET" and final in seen_final:
                continue
            if status in SHARED_ERROR_PAGES and status in seen_errors:
                continue
            assert status == (200 if visit.expected == 302 else visit.expected), (
                f"{visit.name} as {principal}: {status}"
            )
            seen_errors.add(status)
            seen_final.add(final)
            checked.append(f"{visit.name} ({status})")
            violations = run_axe(page)
            if violations:
                found.append(format_violations(f"{visit.name} ({visit.url})", violations))
    finally:
        context.close()

    found = [f for f in found if f]
    assert not found, f"axe-core found violations as {principal}:\n" + "\n".join(found)
    print(f"\n{principal}: {len(checked)} pages checked:", ", ".join(checked))

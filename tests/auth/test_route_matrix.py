"""Every route of the app against every role: the expected status, asserted.

A route missing from ROUTES fails `test_every_route_is_in_the_matrix`: adding a view means
deciding, here, who may reach it.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask
from sqlalchemy import select

from app.demo import DemoTeam
from app.extensions import db
from app.models import RubricVersion, ScorecardStatus, ScriptVersion

from ..conftest import csrf_from, sign_in

# Who asks: None is a visitor who has not signed in. "outsider" is an interviewer with no
# part in the demo loop.
PRINCIPALS = {
    "anonymous": None,
    "admin": "admin@example.com",
    "hiring_manager": "manager@example.com",
    "coordinator": "coordinator@example.com",
    "interviewer": "priya@example.com",  # on the panel, her own scorecard still a draft
    "panel_done": "tomas@example.com",  # on the panel, his own scorecard submitted
    "outsider": "kwame@example.com",
}

SIGNED_IN_PAGE = {"anonymous": 302, **{p: 200 for p in PRINCIPALS if p != "anonymous"}}
EVERYONE = {p: 200 for p in PRINCIPALS}


def _latest_id(model) -> int:
    return db.session.execute(select(model.id).order_by(model.id.desc()).limit(1)).scalar_one()


def _session_of(team: DemoTeam, who: str):
    loop = team.opening.candidates[0].loops[0]
    return next(s for s in loop.sessions if s.interviewer.email.startswith(who))


def _submit_tomas(team: DemoTeam) -> None:
    """Matrix state: Tomás has submitted his scorecard; Priya's is still a draft."""
    card = _session_of(team, "tomas").scorecard
    card.status = ScorecardStatus.SUBMITTED
    card.submitted_at = datetime.now(UTC)
    card.recommendation = "yes"


def case(args, expected, label="", body=None):
    return {"args": args, "expected": expected, "label": label, "body": body or (lambda t: {})}


def only(*allowed: str, refused: int = 403, ok: int = 200, anonymous: int = 302) -> dict:
    expected = {p: (ok if p in allowed else refused) for p in PRINCIPALS}
    expected["anonymous"] = anonymous
    return expected


PRIYA_SESSION = lambda team: {"session_id": _session_of(team, "priya").id}  # noqa: E731
PRIYA_CARD = lambda team: {"scorecard_id": _session_of(team, "priya").scorecard.id}  # noqa: E731
TOMAS_CARD = lambda team: {"scorecard_id": _session_of(team, "tomas").scorecard.id}  # noqa: E731
AUTOSAVE_BODY = lambda team: {"json": {"base_version": 1, "changes": {}}}  # noqa: E731


def _loop(team: DemoTeam):
    return team.opening.candidates[0].loops[0]


def _failed_reminder(team: DemoTeam) -> dict:
    from app.notify.outbox import queue_mail

    reminder = queue_mail("scorecard_due", team.users["priya"], "matrix.failed", loop=_loop(team))
    reminder.status = "failed"
    db.session.flush()
    return {"reminder_id": reminder.id}


CANDIDATE = lambda team: {"candidate_id": team.opening.candidates[0].id}  # noqa: E731
LOOP = lambda team: {"loop_id": _loop(team).id}  # noqa: E731
PRIYA_LOOP_SESSION = lambda team: {  # noqa: E731
    "loop_id": _loop(team).id,
    "session_id": _session_of(team, "priya").id,
}
FAILED_REMINDER = _failed_reminder

MANAGERS = ("admin", "coordinator", "hiring_manager")
DEMO_OPENING = lambda team: {"opening_id": team.opening.id}  # noqa: E731
LENA = lambda team: {"candidate_id": _demo_candidate(team, "Lena Fischer").id}  # noqa: E731
ARJUN = lambda team: {"candidate_id": _demo_candidate(team, "Arjun Mehta").id}  # noqa: E731


def _answer(team: DemoTeam, topic: str) -> dict:
    from app.answers.bank import AnswerDetails, add_answer

    answer = add_answer(
        team.users["manager"], team.opening, AnswerDetails(topic, f"About {topic}?", "Yes.")
    )
    return {"answer_id": answer.id}


REMOTE_ANSWER = lambda team: _answer(team, "remote")  # noqa: E731
PAY_ANSWER = lambda team: _answer(team, "compensation")  # noqa: E731

KWAME = lambda team: {"user_id": team.users["kwame"].id}  # noqa: E731
ADA = lambda team: {"user_id": team.users["admin"].id}  # noqa: E731


def LIVE_PASSWORD_LINK(team: DemoTeam) -> dict:  # noqa: N802  (a case argument, like its peers)
    from app.auth.resets import issue_reset_link

    token, _ = issue_reset_link(team.users["admin"], team.users["kwame"])
    return {"token": token}


def API_TOKEN(team: DemoTeam) -> dict:  # noqa: N802  (a case argument, like its peers)
    from app.auth.tokens import issue_token
    from app.models import ApiScope

    _, token = issue_token(
        team.users["admin"], team.users["coordinator"], "matrix", [ApiScope.READ]
    )
    return {"token_id": token.id}


def WEBHOOK(team: DemoTeam) -> dict:  # noqa: N802  (a case argument, like its peers)
    from app.models import WebhookEndpoint

    endpoint = WebhookEndpoint(
        url="https://hooks.example.com/x", events=["loop.confirmed"], secret="s"
    )
    db.session.add(endpoint)
    db.session.flush()
    return {"endpoint_id": endpoint.id}


def WEBHOOK_DELIVERY(team: DemoTeam) -> dict:  # noqa: N802  (a case argument, like its peers)
    from app.models import WebhookDelivery

    endpoint_id = WEBHOOK(team)["endpoint_id"]
    delivery = WebhookDelivery(
        endpoint_id=endpoint_id, event="loop.confirmed", event_key="k", payload={}, status="failed"
    )
    db.session.add(delivery)
    db.session.flush()
    return {"delivery_id": delivery.id}


def _demo_candidate(team: DemoTeam, name: str):
    return next(c for c in team.opening.candidates if c.name == name)


# (endpoint, method) -> cases: url arguments, request body, expected status per principal.
ROUTES = {
    ("static", "GET"): [case(lambda team: {"filename": "css/app.css"}, EVERYONE)],
    ("main.health", "GET"): [case(lambda team: {}, EVERYONE)],
    ("main.home", "GET"): [case(lambda team: {}, SIGNED_IN_PAGE)],
    ("auth.login", "GET"): [
        case(
            lambda team: {}, {"anonymous": 200, **{p: 302 for p in PRINCIPALS if p != "anonymous"}}
        )
    ],
    # An empty sign-in form: the visitor gets the form back with errors; signed-in users go home.
    ("auth.login", "POST"): [
        case(
            lambda team: {}, {"anonymous": 400, **{p: 302 for p in PRINCIPALS if p != "anonymous"}}
        )
    ],
    ("auth.logout", "POST"): [case(lambda team: {}, {p: 302 for p in PRINCIPALS})],
    ("auth.csrf_token", "GET"): [case(lambda team: {}, EVERYONE)],
    ("library.index", "GET"): [case(lambda team: {}, SIGNED_IN_PAGE)],
    ("library.rubric", "GET"): [
        case(lambda team: {"version_id": _latest_id(RubricVersion)}, SIGNED_IN_PAGE)
    ],
    ("library.script", "GET"): [
        case(lambda team: {"version_id": _latest_id(ScriptVersion)}, SIGNED_IN_PAGE)
    ],
    # The live form is its author's alone, whoever else may read the result.
    ("interviews.interview", "GET"): [case(PRIYA_SESSION, only("interviewer"))],
    # A plain post of an empty form by its author saves (nothing) and comes back.
    ("interviews.save_interview", "POST"): [case(PRIYA_SESSION, only("interviewer", ok=302))],
    # JSON always: 401 for a visitor, never a redirect.
    ("interviews.autosave", "POST"): [
        case(PRIYA_CARD, only("interviewer", anonymous=401), body=AUTOSAVE_BODY)
    ],
    ("interviews.scorecard", "GET"): [
        case(PRIYA_CARD, only("interviewer"), "a draft: its author only"),
        # Priya has not submitted hers, so she may not read his; coordinators never read content.
        case(TOMAS_CARD, only("panel_done", "hiring_manager", "admin"), "submitted"),
    ],
    ("interviews.amend", "GET"): [
        case(PRIYA_CARD, only(), "a draft is not amended"),
        case(TOMAS_CARD, only("panel_done"), "submitted: its author"),
    ],
    # An empty amendment has no reason: the author gets the form back with that error.
    ("interviews.amend", "POST"): [case(TOMAS_CARD, only("panel_done", ok=400))],
    # Loop planning: coordinators and admins plan; the panel and the hiring manager look.
    ("loops.start", "POST"): [case(CANDIDATE, only("admin", "coordinator", ok=302))],
    ("loops.planner", "GET"): [
        case(LOOP, only("admin", "coordinator", "hiring_manager", "interviewer", "panel_done"))
    ],
    ("loops.add", "POST"): [case(LOOP, only("admin", "coordinator", ok=400))],
    ("loops.move", "POST"): [case(PRIYA_LOOP_SESSION, only("admin", "coordinator", ok=400))],
    ("loops.reassign", "POST"): [case(PRIYA_LOOP_SESSION, only("admin", "coordinator", ok=400))],
    ("loops.add_panelist_view", "POST"): [
        case(PRIYA_LOOP_SESSION, only("admin", "coordinator", ok=400))
    ],
    # Taking out someone who does not sit in changes nothing and comes back to the planner.
    ("loops.remove_panelist_view", "POST"): [
        case(
            lambda team: {**PRIYA_LOOP_SESSION(team), "user_id": team.users["kwame"].id},
            only("admin", "coordinator", ok=302),
        )
    ],
    # The demo loop is already confirmed: confirming again is refused with a message.
    ("loops.confirm", "POST"): [case(LOOP, only("admin", "coordinator", ok=400))],
    ("loops.debrief", "POST"): [case(LOOP, only("admin", "coordinator", ok=400))],
    ("loops.cancel", "POST"): [case(LOOP, only("admin", "coordinator", ok=302))],
    ("loops.cancel_confirm", "GET"): [case(LOOP, only("admin", "coordinator"))],
    ("loops.session_ics", "GET"): [
        case(PRIYA_LOOP_SESSION, only("admin", "coordinator", "hiring_manager", "interviewer"))
    ],
    ("loops.debrief_ics", "GET"): [
        case(LOOP, only("admin", "coordinator", "hiring_manager", "interviewer", "panel_done"))
    ],
    ("loops.retry", "POST"): [case(FAILED_REMINDER, only("admin", "coordinator", ok=302))],
    # The debrief: the opening's manager and admins; a panel member once their own is in.
    ("debriefs.debrief", "GET"): [case(LOOP, only("admin", "hiring_manager", "panel_done"))],
    ("debriefs.decide", "POST"): [case(LOOP, only("admin", "hiring_manager", ok=400))],
    # Reopening is for admins alone, and needs a reason (none given here).
    ("debriefs.reopen", "POST"): [case(LOOP, only("admin", ok=400))],
    ("debriefs.chase", "POST"): [case(PRIYA_LOOP_SESSION, only("admin", "hiring_manager", ok=302))],
    # The hiring manager opens the discussion early; a verdict after it is a panelist's whose
    # own scorecard is in (refused with its reason here: the demo debrief has not begun).
    ("debriefs.chase_all", "POST"): [case(LOOP, only("admin", "hiring_manager", ok=302))],
    ("debriefs.postpone", "POST"): [case(LOOP, only("admin", "hiring_manager", ok=302))],
    ("debriefs.start_discussion", "POST"): [case(LOOP, only("admin", "hiring_manager", ok=302))],
    ("debriefs.give_verdict", "POST"): [case(LOOP, only("panel_done", ok=400))],
    # Openings and candidates. The demo opening is Maya's; Lena (on the demo loop) is seen by
    # her panel, Arjun (no loop yet) only by those who manage the opening. An empty form comes
    # back with its errors (400) to those allowed to post it.
    ("openings.index", "GET"): [case(lambda team: {}, SIGNED_IN_PAGE)],
    ("openings.new", "GET"): [case(lambda team: {}, only(*MANAGERS))],
    ("openings.new", "POST"): [case(lambda team: {}, only(*MANAGERS, ok=400))],
    ("openings.detail", "GET"): [
        case(DEMO_OPENING, only(*MANAGERS, "interviewer", "panel_done"), "its panel sees it")
    ],
    ("openings.edit", "GET"): [case(DEMO_OPENING, only(*MANAGERS))],
    # The answer bank: read by whoever sees the opening, kept by those who manage it; pay
    # answers only for admins and the opening's hiring manager (others: not found).
    ("answers.team", "GET"): [case(lambda team: {}, SIGNED_IN_PAGE)],
    ("answers.team", "POST"): [case(lambda team: {}, only(*MANAGERS, ok=400))],
    ("answers.opening", "GET"): [
        case(DEMO_OPENING, only(*MANAGERS, "interviewer", "panel_done"), "its panel reads it")
    ],
    ("answers.opening", "POST"): [case(DEMO_OPENING, only(*MANAGERS, ok=400))],
    ("answers.edit", "GET"): [
        case(REMOTE_ANSWER, only(*MANAGERS)),
        case(PAY_ANSWER, {**only("admin", "hiring_manager"), "coordinator": 404}, "pay"),
    ],
    # A post without fields keeps the answer as it is: "Nothing changed".
    ("answers.edit", "POST"): [case(REMOTE_ANSWER, only(*MANAGERS, ok=302))],
    ("answers.delete", "POST"): [
        case(REMOTE_ANSWER, only(*MANAGERS, ok=302)),
        case(PAY_ANSWER, {**only("admin", "hiring_manager", ok=302), "coordinator": 404}, "pay"),
    ],
    ("openings.edit", "POST"): [case(DEMO_OPENING, only(*MANAGERS, ok=400))],
    # How ratings combine is the decider's: the opening's hiring manager and admins.
    ("openings.decision_rules", "GET"): [case(DEMO_OPENING, only("admin", "hiring_manager"))],
    ("openings.decision_rules", "POST"): [
        case(DEMO_OPENING, only("admin", "hiring_manager", ok=400))
    ],
    # Calibration: the team's and an opening's for admins and the opening's hiring manager;
    # everyone's own figures for everyone signed in.
    ("calibration.team", "GET"): [case(lambda team: {}, only("admin", "hiring_manager"))],
    ("calibration.opening", "GET"): [case(DEMO_OPENING, only("admin", "hiring_manager"))],
    ("calibration.opening_report", "GET"): [case(DEMO_OPENING, only("admin", "hiring_manager"))],
    ("calibration.mine", "GET"): [case(lambda team: {}, SIGNED_IN_PAGE)],
    # How fast feedback and decisions come: admins, and hiring managers for their openings.
    ("speed.dashboard", "GET"): [case(lambda team: {}, only("admin", "hiring_manager"))],
    ("speed.mine", "GET"): [case(lambda team: {}, SIGNED_IN_PAGE)],
    ("openings.candidates", "GET"): [case(lambda team: {}, SIGNED_IN_PAGE)],
    ("openings.new_candidate", "GET"): [case(DEMO_OPENING, only(*MANAGERS))],
    ("openings.new_candidate", "POST"): [case(DEMO_OPENING, only(*MANAGERS, ok=400))],
    ("openings.candidate", "GET"): [
        case(LENA, only(*MANAGERS, "interviewer", "panel_done"), "on a loop: her panel too"),
        case(ARJUN, only(*MANAGERS), "no loop: managers only"),
    ],
    ("openings.edit_candidate", "GET"): [case(LENA, only(*MANAGERS))],
    ("openings.edit_candidate", "POST"): [case(LENA, only(*MANAGERS, ok=400))],
    # Erasing a candidate's personal data: admins alone. An empty confirmation comes back with
    # its errors and erases nothing.
    ("erasure.erase", "GET"): [case(LENA, only("admin"))],
    ("erasure.erase", "POST"): [case(LENA, only("admin", ok=400))],
    # The PDF packet: whoever may read the debrief (Priya is still judging); nothing is rendered
    # yet in the matrix, so those allowed get the 202 "preparing" page. The opening's zip: those
    # who decide (its hiring manager, admins).
    ("packets.download", "GET"): [
        case(LOOP, only("admin", "hiring_manager", "panel_done", ok=202))
    ],
    ("packets.opening_zip", "GET"): [case(DEMO_OPENING, only("admin", "hiring_manager", ok=202))],
    ("packets.opening_page", "GET"): [case(DEMO_OPENING, only("admin", "hiring_manager"))],
    # Preparing a given-up packet again: those who decide (then back to the debrief page).
    ("packets.retry", "POST"): [case(LOOP, only("admin", "hiring_manager", ok=302))],
    # Admin screens: admins alone. Posts without a form come back with their errors (400); an
    # admin may not deactivate themselves (400); reactivating an active account changes nothing.
    ("admin.users", "GET"): [case(lambda team: {}, only("admin"))],
    ("admin.new_user", "GET"): [case(lambda team: {}, only("admin"))],
    ("admin.new_user", "POST"): [case(lambda team: {}, only("admin", ok=400))],
    ("admin.user", "GET"): [case(KWAME, only("admin"))],
    ("admin.change_role", "POST"): [case(KWAME, only("admin", ok=400))],
    ("admin.change_seniority", "POST"): [case(KWAME, only("admin", ok=400))],
    ("admin.change_interviewing_week", "POST"): [case(KWAME, only("admin", ok=302))],
    ("admin.team_settings", "GET"): [case(lambda team: {}, only("admin"))],
    ("admin.team_settings", "POST"): [case(lambda team: {}, only("admin", ok=400))],
    ("admin.deactivate", "POST"): [case(ADA, only("admin", ok=400), "themselves")],
    ("admin.reactivate", "POST"): [case(KWAME, only("admin", ok=302))],
    ("admin.password_link", "POST"): [case(KWAME, only("admin"))],
    ("admin.audit", "GET"): [case(lambda team: {}, only("admin"))],
    # The outbox: admins alone see failing mail and retry it (then back to the list).
    ("admin.outbox", "GET"): [case(lambda team: {}, only("admin"))],
    ("admin.retry_delivery", "POST"): [case(FAILED_REMINDER, only("admin", ok=302))],
    # A password link is for whoever holds it, signed in or not: a live one moves into the
    # session (303 to the form); a dead one, or the form without one, says so (410).
    ("auth.reset_link", "GET"): [
        case(LIVE_PASSWORD_LINK, {p: 303 for p in PRINCIPALS}, "live"),
        case(lambda team: {"token": "not-a-real-token"}, {p: 410 for p in PRINCIPALS}, "dead"),
    ],
    ("admin.single_sign_on", "GET"): [case(lambda team: {}, only("admin"))],
    # An empty form: the admin gets it back with its errors.
    ("admin.single_sign_on", "POST"): [case(lambda team: {}, only("admin", ok=400))],
    # Single sign-on is off here: starting it, or a return nobody started, goes to sign-in.
    ("auth.sso_start", "GET"): [case(lambda team: {}, {p: 302 for p in PRINCIPALS})],
    ("auth.sso_callback", "GET"): [case(lambda team: {}, {p: 302 for p in PRINCIPALS})],
    ("admin.api_tokens", "GET"): [case(lambda team: {}, only("admin"))],
    # An empty form: the admin gets it back with its errors.
    ("admin.api_tokens", "POST"): [case(lambda team: {}, only("admin", ok=400))],
    ("admin.revoke_api_token", "POST"): [case(API_TOKEN, only("admin", ok=302))],
    ("webhooks.index", "GET"): [case(lambda team: {}, only("admin"))],
    ("webhooks.index", "POST"): [case(lambda team: {}, only("admin", ok=400))],
    ("webhooks.endpoint", "GET"): [case(WEBHOOK, only("admin"))],
    ("webhooks.pause", "POST"): [case(WEBHOOK, only("admin", ok=302))],
    ("webhooks.retry", "POST"): [case(WEBHOOK_DELIVERY, only("admin", ok=302))],
    # The API's document and reference are public: they describe, they hold no data.
    ("api-docs.openapi_json", "GET"): [case(lambda team: {}, EVERYONE)],
    ("api_docs.reference", "GET"): [case(lambda team: {}, EVERYONE)],
    # The API itself takes tokens only: a signed-in browser's cookie is no token (401), so no
    # page can be made to write through it. tests/api/test_token_matrix.py holds the matrix
    # of tokens.
    **{
        route: [case(args, {p: 401 for p in PRINCIPALS})]
        for route, args in {
            ("api_openings.list_openings", "GET"): lambda team: {},
            ("api_openings.get_opening", "GET"): DEMO_OPENING,
            ("api_candidates.list_candidates", "GET"): lambda team: {},
            ("api_candidates.get_candidate", "GET"): CANDIDATE,
            ("api_candidates.create_or_update_candidate", "POST"): lambda team: {},
            ("api_candidates.update_candidate_fields", "PATCH"): CANDIDATE,
            ("api_loops.list_loops", "GET"): lambda team: {},
            ("api_loops.get_loop", "GET"): LOOP,
            ("api_loops.plan_loop", "POST"): lambda team: {},
            ("api_scorecards.list_scorecards", "GET"): lambda team: {},
            ("api_scorecards.get_scorecard", "GET"): TOMAS_CARD,
            ("api_decisions.list_decisions", "GET"): lambda team: {},
            ("api_decisions.get_decision", "GET"): LOOP,
        }.items()
    },
    ("auth.reset_password", "GET"): [case(lambda team: {}, {p: 410 for p in PRINCIPALS})],
    ("auth.reset_password", "POST"): [case(lambda team: {}, {p: 410 for p in PRINCIPALS})],
}

CASES = [
    pytest.param(route, index, id=f"{route[1]} {route[0]} {c['label']}".strip())
    for route, cases in sorted(ROUTES.items())
    for index, c in enumerate(cases)
]


def test_every_route_is_in_the_matrix(app: Flask) -> None:
    served = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    missing = served - set(ROUTES)
    stale = set(ROUTES) - served
    assert not missing, f"routes without an entry in the permission matrix: {sorted(missing)}"
    assert not stale, f"matrix entries for routes that no longer exist: {sorted(stale)}"


@pytest.mark.parametrize("route,index", CASES)
def test_route_answers_each_principal_as_expected(app: Flask, demo: DemoTeam, route, index) -> None:
    from flask import url_for

    endpoint, method = route
    spec = ROUTES[route][index]
    expected = spec["expected"]
    assert set(expected) == set(PRINCIPALS), f"{route} must list every principal"
    _submit_tomas(demo)
    with app.test_request_context():
        url = url_for(endpoint, **spec["args"](demo))
    body = spec["body"](demo)
    db.session.commit()  # end the test's transaction: on SQLite it would hold the write lock
    seen = {}
    for principal, email in PRINCIPALS.items():
        client = app.test_client()
        if email:
            assert sign_in(client, email).status_code == 302
            token = csrf_from(client.get("/").get_data(as_text=True))
        else:
            token = csrf_from(client.get("/login").get_data(as_text=True))
        if method == "GET":
            response = client.get(url)
        elif "json" in body:
            response = client.open(
                url, method=method, json=body["json"], headers={"X-CSRFToken": token}
            )
        else:
            response = client.open(url, method=method, data={"csrf_token": token, **body})
        seen[principal] = response.status_code
    assert seen == expected


def test_posts_without_csrf_token_are_refused(app: Flask, demo: DemoTeam) -> None:
    client = app.test_client()
    assert sign_in(client, "priya@example.com").status_code == 302
    response = client.post("/logout")
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)
    assert client.get("/").status_code == 200, "the refused sign-out must not sign out"

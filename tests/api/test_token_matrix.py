"""Every API route against a token for every role: the same rules as the pages, asserted.

A token acts for one person with all three scopes here; "anonymous" sends no token. A route
missing from ROUTES fails `test_every_api_route_is_in_the_token_matrix`."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from flask import Flask

from app.auth.tokens import issue_token
from app.demo import DemoTeam
from app.extensions import db
from app.storage.types import utcnow

from ..auth.test_route_matrix import (
    CANDIDATE,
    DEMO_OPENING,
    LOOP,
    PRINCIPALS,
    TOMAS_CARD,
    _submit_tomas,
    case,
)
from .conftest import ALL_SCOPES

NONE = lambda team: {}  # noqa: E731
FRESH = itertools.count()


def tokens(allowed: tuple[str, ...], ok: int = 200, refused: int = 403) -> dict[str, int]:
    return {p: 401 if p == "anonymous" else ok if p in allowed else refused for p in PRINCIPALS}


EVERY_TOKEN = tokens(tuple(PRINCIPALS))
KNOWS_LENA = ("admin", "hiring_manager", "coordinator", "interviewer", "panel_done")
MANAGERS = ("admin", "hiring_manager", "coordinator")


def _new_candidate(team: DemoTeam) -> dict:
    n = next(FRESH)
    return {"opening_id": team.opening.id, "name": f"Matrix {n}", "email": f"m{n}@example.org"}


def _new_loop(team: DemoTeam) -> dict:
    starts = utcnow() + timedelta(days=20, hours=next(FRESH))
    return {
        "candidate_id": team.opening.candidates[0].id,
        "sessions": [{"interviewer_email": "priya@example.com", "starts_at": starts.isoformat()}],
    }


ROUTES = {
    ("api_openings.list_openings", "GET"): [case(NONE, EVERY_TOKEN)],
    ("api_openings.get_opening", "GET"): [case(DEMO_OPENING, tokens(KNOWS_LENA))],
    ("api_candidates.list_candidates", "GET"): [case(NONE, EVERY_TOKEN)],
    ("api_candidates.get_candidate", "GET"): [case(CANDIDATE, tokens(KNOWS_LENA))],
    ("api_candidates.create_or_update_candidate", "POST"): [
        case(NONE, tokens(MANAGERS, ok=201), body=_new_candidate)
    ],
    ("api_candidates.update_candidate_fields", "PATCH"): [
        case(CANDIDATE, tokens(MANAGERS), body=lambda team: {"time_zone": "Europe/Berlin"})
    ],
    ("api_loops.list_loops", "GET"): [case(NONE, EVERY_TOKEN)],
    ("api_loops.get_loop", "GET"): [case(LOOP, tokens(KNOWS_LENA))],
    ("api_loops.plan_loop", "POST"): [
        case(NONE, tokens(("admin", "coordinator"), ok=201), body=_new_loop)
    ],
    ("api_scorecards.list_scorecards", "GET"): [case(NONE, EVERY_TOKEN)],
    # Tomás's submitted scorecard: his own; the decider's; never a coordinator's, nor Priya's
    # while hers is a draft.
    ("api_scorecards.get_scorecard", "GET"): [
        case(TOMAS_CARD, tokens(("admin", "hiring_manager", "panel_done")))
    ],
    ("api_decisions.list_decisions", "GET"): [case(NONE, EVERY_TOKEN)],
    # Undecided, so the debrief's readers are told so (404 not_decided); the rest are refused.
    ("api_decisions.get_decision", "GET"): [
        case(LOOP, tokens(("admin", "hiring_manager", "panel_done"), ok=404))
    ],
}

CASES = [
    pytest.param(route, index, id=f"{route[1]} {route[0]}")
    for route, cases in sorted(ROUTES.items())
    for index, _ in enumerate(cases)
]


def test_every_api_route_is_in_the_token_matrix(app: Flask) -> None:
    served = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
        and rule.endpoint.startswith("api_")
        and rule.endpoint != "api_docs.reference"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert served == set(ROUTES)


@pytest.mark.parametrize("route,index", CASES)
def test_api_route_answers_each_token_as_expected(app: Flask, demo: DemoTeam, route, index) -> None:
    from flask import url_for

    endpoint, method = route
    spec = ROUTES[route][index]
    _submit_tomas(demo)
    secrets = {
        principal: issue_token(
            demo.users["admin"], demo.users[email.split("@")[0]], principal, ALL_SCOPES
        )[0]
        for principal, email in PRINCIPALS.items()
        if email
    }
    with app.test_request_context():
        url = url_for(endpoint, **spec["args"](demo))
    db.session.commit()
    seen = {}
    for principal in PRINCIPALS:
        headers = {"Authorization": f"Bearer {secrets[principal]}"} if principal in secrets else {}
        body = spec["body"](demo) if method != "GET" else None
        response = app.test_client().open(url, method=method, json=body, headers=headers)
        assert response.is_json, (principal, response.status_code)
        seen[principal] = response.status_code
    assert seen == spec["expected"]

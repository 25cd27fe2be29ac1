"""Every route of the app against every role: the expected status, asserted.

A route missing from ROUTES fails `test_every_route_is_in_the_matrix`: adding a view means
deciding, here, who may reach it.
"""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from app.demo import DemoTeam
from app.extensions import db
from app.models import RubricVersion, ScriptVersion

from ..conftest import csrf_from, sign_in

# Who asks: None is a visitor who has not signed in. "outsider" is an interviewer with no
# part in the demo loop.
PRINCIPALS = {
    "anonymous": None,
    "admin": "admin@example.com",
    "hiring_manager": "manager@example.com",
    "coordinator": "coordinator@example.com",
    "interviewer": "priya@example.com",
    "outsider": "kwame@example.com",
}

SIGNED_IN_PAGE = {"anonymous": 302, **{p: 200 for p in PRINCIPALS if p != "anonymous"}}
EVERYONE = {p: 200 for p in PRINCIPALS}


def _latest_id(model) -> int:
    return db.session.execute(select(model.id).order_by(model.id.desc()).limit(1)).scalar_one()


# (endpoint, method) -> (url arguments from the demo team, expected status per principal)
ROUTES = {
    ("static", "GET"): (lambda team: {"filename": "css/app.css"}, EVERYONE),
    ("main.health", "GET"): (lambda team: {}, EVERYONE),
    ("main.home", "GET"): (lambda team: {}, SIGNED_IN_PAGE),
    ("auth.login", "GET"): (
        lambda team: {},
        {"anonymous": 200, **{p: 302 for p in PRINCIPALS if p != "anonymous"}},
    ),
    # An empty sign-in form: the visitor gets the form back with errors; signed-in users go home.
    ("auth.login", "POST"): (
        lambda team: {},
        {"anonymous": 400, **{p: 302 for p in PRINCIPALS if p != "anonymous"}},
    ),
    ("auth.logout", "POST"): (lambda team: {}, {p: 302 for p in PRINCIPALS}),
    ("library.index", "GET"): (lambda team: {}, SIGNED_IN_PAGE),
    ("library.rubric", "GET"): (
        lambda team: {"version_id": _latest_id(RubricVersion)},
        SIGNED_IN_PAGE,
    ),
    ("library.script", "GET"): (
        lambda team: {"version_id": _latest_id(ScriptVersion)},
        SIGNED_IN_PAGE,
    ),
}


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


@pytest.mark.parametrize("route", sorted(ROUTES), ids=lambda r: f"{r[1]} {r[0]}")
def test_route_answers_each_principal_as_expected(app: Flask, demo: DemoTeam, route) -> None:
    from flask import url_for

    endpoint, method = route
    make_args, expected = ROUTES[route]
    assert set(expected) == set(PRINCIPALS), f"{route} must list every principal"
    with app.test_request_context():
        url = url_for(endpoint, **make_args(demo))
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
        else:
            response = client.open(url, method=method, data={"csrf_token": token})
        seen[principal] = response.status_code
    assert seen == expected


def test_posts_without_csrf_token_are_refused(app: Flask, demo: DemoTeam) -> None:
    client = app.test_client()
    assert sign_in(client, "priya@example.com").status_code == 302
    response = client.post("/logout")
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)
    assert client.get("/").status_code == 200, "the refused sign-out must not sign out"

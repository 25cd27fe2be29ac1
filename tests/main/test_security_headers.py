"""The headers every response carries, on every GET route of the route matrix, for a signed-in
admin and for a visitor; HSTS only over HTTPS, and HTTPS believed only from a trusted proxy."""

from __future__ import annotations

import re

import pytest
from flask import Flask, url_for

from app.config import ConfigError
from app.demo import DEMO_PASSWORD, DemoTeam
from app.extensions import db

from ..auth.test_route_matrix import ROUTES, _submit_tomas
from ..conftest import csrf_from, make_app, sign_in

HSTS = "Strict-Transport-Security"
# What the CSP (no 'unsafe-inline') would block in our own pages, so none may be there.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=", re.I)
INLINE_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)


def get_urls(app: Flask, team: DemoTeam) -> list[tuple[str, str]]:
    """(endpoint, url) for every GET case of the matrix, and a page that does not exist."""
    urls = []
    with app.test_request_context():
        for (endpoint, method), cases in sorted(ROUTES.items()):
            if method == "GET":
                urls += [(endpoint, url_for(endpoint, **c["args"](team))) for c in cases]
    return [*urls, ("(none)", "/no-such-page")]


def header_problems(endpoint: str, url: str, response) -> list[str]:
    where = f"{url} ({endpoint}, {response.status_code})"
    csp = response.headers.get("Content-Security-Policy", "")
    directives = {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}
    problems = []
    if not csp:
        problems.append(f"{where}: no Content-Security-Policy")
    if "'unsafe-inline'" in csp or "'unsafe-eval'" in csp:
        problems.append(f"{where}: the CSP allows inline code: {csp}")
    if directives.get("frame-ancestors") != ["'none'"]:
        problems.append(f"{where}: the CSP lets other sites frame the page: {csp}")
    if directives.get("script-src") != ["'self'"] or directives.get("object-src") != ["'none'"]:
        problems.append(f"{where}: scripts from elsewhere are allowed: {csp}")
    if response.headers.get("X-Content-Type-Options") != "nosniff":
        problems.append(f"{where}: no X-Content-Type-Options: nosniff")
    if response.headers.get("Referrer-Policy") != "strict-origin-when-cross-origin":
        problems.append(f"{where}: Referrer-Policy is {response.headers.get('Referrer-Policy')}")
    if HSTS in response.headers:
        problems.append(f"{where}: HSTS over plain HTTP")
    cache = response.headers.get("Cache-Control", "")
    if endpoint != "static" and "no-store" not in cache:
        problems.append(f"{where}: Cache-Control is {cache!r}, not no-store")
    if "text/html" in response.content_type:
        html = response.get_data(as_text=True)
        for name, pattern in (
            ("inline script", INLINE_SCRIPT),
            ("inline style", INLINE_STYLE),
            ("inline event handler", INLINE_HANDLER),
        ):
            if match := pattern.search(html):
                problems.append(f"{where}: an {name} the CSP would block: {match.group(0)}")
    return problems


@pytest.mark.parametrize("email", ["admin@example.com", None], ids=["admin", "anonymous"])
def test_every_page_carries_the_security_headers(app: Flask, demo: DemoTeam, email) -> None:
    _submit_tomas(demo)
    urls = get_urls(app, demo)
    db.session.commit()
    client = app.test_client()
    if email:
        assert sign_in(client, email).status_code == 302
    problems = []
    statuses = set()
    for endpoint, url in urls:
        response = client.get(url)
        statuses.add(response.status_code)
        problems += header_problems(endpoint, url, response)
    # Pages, redirects to sign in, refusals and errors alike.
    assert statuses >= ({200, 302, 404} if email is None else {200, 202, 403, 404})
    assert not problems, "\n".join(problems)


def test_the_sign_in_page_with_errors_carries_them_too(app: Flask) -> None:
    client = app.test_client()
    response = client.post("/login", data={})
    assert response.status_code == 400
    assert header_problems("auth.login", "/login", response) == []


def test_hsts_only_when_a_trusted_proxy_says_https(
    app: Flask, demo: DemoTeam, database_url, instance_dir
) -> None:
    https = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "hiring.example.com"}
    # No proxy trusted (the default): anyone can send the header, so it means nothing.
    spoofed = app.test_client().get("/login", headers=https)
    assert HSTS not in spoofed.headers

    behind_proxy = make_app(database_url, instance_dir, PROXY_FIX=1)
    client = behind_proxy.test_client()
    secure = client.get("/login", headers=https)
    assert secure.status_code == 200
    assert secure.headers[HSTS] == "max-age=31536000; includeSubDomains"
    assert secure.headers["X-Content-Type-Options"] == "nosniff"
    # Over HTTPS, Flask-WTF also checks that a form comes from this very site (by its Referer,
    # which the Referrer-Policy keeps sending): that works for the host the visitor used.
    page = client.get("/login", headers=https).get_data(as_text=True)
    form = {"email": "admin@example.com", "password": DEMO_PASSWORD, "csrf_token": csrf_from(page)}
    elsewhere = client.post(
        "/login", data=form, headers={**https, "Referer": "https://evil.example.net/login"}
    )
    assert elsewhere.status_code == 400
    assert "This form has expired" in elsewhere.get_data(as_text=True)
    here = client.post(
        "/login", data=form, headers={**https, "Referer": "https://hiring.example.com/login"}
    )
    assert here.status_code == 302, here.get_data(as_text=True)
    # Plain HTTP through the same proxy: no HSTS.
    assert HSTS not in client.get("/login", headers={"X-Forwarded-Proto": "http"}).headers


def test_a_negative_proxy_count_is_refused_with_a_message(database_url, instance_dir) -> None:
    with pytest.raises(ConfigError, match="LOOPKIT_PROXY_FIX is the number of reverse proxies"):
        make_app(database_url, instance_dir, PROXY_FIX=-1)

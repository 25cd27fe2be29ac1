"""Against the real server (gunicorn, two workers, one database file): sign-in throttling holds
whichever worker answers, and no password or password-link token reaches gunicorn's output."""

from __future__ import annotations

import http.cookiejar
import json
import re
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest

from app.demo import DEMO_PASSWORD, DemoTeam
from app.extensions import db

from ..conftest import csrf_from
from ..interviews.gunicorn_server import GunicornServer

# Committed: gunicorn's workers read what the test set up.
pytestmark = pytest.mark.committed

# Which worker (pid) answered which request, on gunicorn's access log (merged into its output).
ACCESS_LOG = ["--access-logfile", "-", "--access-logformat", "ACCESS %(p)s %(r)s %(s)s"]
MESSAGE = re.compile(r"Too many failed sign-ins\. Try again at \d\d:\d\d UTC \(in 1 minute\)\.")
WRONG_PASSWORD = "wrong-password-canary-5123"  # noqa: S105
NEW_PASSWORD = "new-password-canary-8841"  # noqa: S105


class Browser:
    """Its own cookies and CSRF token, like one person's browser tab."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        self.token = ""

    def open(self, method: str, path: str, *, json_body=None, form=None, accept="text/html"):
        headers = {"Accept": accept, "X-CSRFToken": self.token}
        data = None
        if json_body is not None:
            data, headers["Content-Type"] = json.dumps(json_body).encode(), "application/json"
        elif form is not None:
            data = urllib.parse.urlencode({"csrf_token": self.token, **form}).encode()
        request = urllib.request.Request(  # noqa: S310  (always http://127.0.0.1)
            self.base_url + path, data=data, headers=headers, method=method
        )
        try:
            with self.opener.open(request, timeout=20) as response:
                return response.status, response.read().decode(), response.headers
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(), error.headers

    def fresh_token(self) -> None:
        _, body, _ = self.open("GET", "/auth/csrf-token", accept="application/json")
        self.token = json.loads(body)["csrf_token"]

    def sign_in(self, email: str, password: str):
        """The interview page's JSON sign-in."""
        self.fresh_token()
        status, body, headers = self.open(
            "POST",
            "/login",
            json_body={"email": email, "password": password},
            accept="application/json",
        )
        return status, json.loads(body), headers


def served_by(server: GunicornServer, marker: str, timeout: float = 10.0) -> str:
    """The pid of the worker that answered the request whose line holds `marker`."""
    pattern = re.compile(rf"ACCESS <(\d+)> \S+ \S*[?&]{re.escape(marker)}\b")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:  # the access line is written just after the answer
        match = pattern.search(server.output())
        if match:
            return match.group(1)
        time.sleep(0.02)
    raise AssertionError(f"no access log line for {marker}:\n{server.output()}")


def _half_request(server: GunicornServer) -> socket.socket:
    """A connection that sends half a request: it holds the sync worker that accepted it
    until it is closed."""
    stall = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    stall.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    return stall


def _probe(server: GunicornServer) -> str:
    """Which worker answers a request now (the one not held, when one is)."""
    marker = f"probe={uuid.uuid4().hex}"
    with urllib.request.urlopen(f"{server.base_url}/health?{marker}", timeout=10):  # noqa: S310
        pass
    return served_by(server, marker)


def hold_worker(server: GunicornServer, pid: str) -> socket.socket:
    """Keep worker `pid` busy, so the next requests go to the other one. Which worker accepts
    a connection is the kernel's choice, often the same one many times over; when the first
    half request lands on the other worker, `pid` is the only free one, so it takes a second
    half request, and letting the first go frees the other."""
    for _ in range(20):
        stall = _half_request(server)
        if _probe(server) != pid:
            return stall
        second = _half_request(server)
        time.sleep(0.1)  # let `pid`, waiting in accept(), take it
        stall.close()
        if _probe(server) != pid:
            return second
        second.close()
    raise AssertionError(f"could not keep worker {pid} busy")


def test_sign_in_throttling_holds_with_two_gunicorn_workers(
    app, demo: DemoTeam, database_url: str, tmp_path: Path
) -> None:
    db.session.commit()  # hold no lock: another process writes now
    server = GunicornServer(
        database_url, tmp_path / "instance", workers=2, extra_args=ACCESS_LOG
    ).start()
    try:
        browser = Browser(server.base_url)

        def attempt(marker: str, password: str) -> tuple[int, dict, object, str]:
            browser.fresh_token()
            status, body, headers = browser.open(
                "POST",
                f"/login?{marker}",
                json_body={"email": "priya@example.com", "password": password},
                accept="application/json",
            )
            return status, json.loads(body), headers, served_by(server, marker)

        # Five failures, the last two made to land on the worker that did not answer the third.
        failures = [attempt(f"failure={n}", WRONG_PASSWORD) for n in range(3)]
        stall = hold_worker(server, failures[-1][3])
        try:
            failures += [attempt(f"failure={n}", WRONG_PASSWORD) for n in range(3, 5)]
        finally:
            stall.close()
        assert [f[0] for f in failures] == [400] * 5, failures
        assert len({f[3] for f in failures}) == 2, "the failures landed on both workers"

        # Refused on both workers, the right password too, with when to try again.
        refusals = [attempt("refused=0", DEMO_PASSWORD)]
        stall = hold_worker(server, refusals[0][3])
        try:
            refusals.append(attempt("refused=1", DEMO_PASSWORD))
        finally:
            stall.close()
        assert len({r[3] for r in refusals}) == 2, "both workers refused"
        for status, body, headers, _ in refusals:
            assert status == 429, body
            assert MESSAGE.fullmatch(body["error"]), body
            assert 30 < int(headers["Retry-After"]) <= 60

        # The sign-in form says the same, on a page.
        _, page, _ = browser.open("GET", "/login")
        browser.token = csrf_from(page)
        status, page, _ = browser.open(
            "POST", "/login", form={"email": "priya@example.com", "password": DEMO_PASSWORD}
        )
        assert status == 429 and MESSAGE.search(page)

        # Another account is not affected (from the same address, below its limit of 20).
        status, body, _ = Browser(server.base_url).sign_in("tomas@example.com", DEMO_PASSWORD)
        assert status == 200 and body["signed_in"] is True
    finally:
        server.stop()


def test_gunicorn_output_carries_no_password_or_link_token(
    app, demo: DemoTeam, database_url: str, tmp_path: Path
) -> None:
    kwame_id = demo.users["kwame"].id
    db.session.commit()
    server = GunicornServer(
        database_url,
        tmp_path / "instance",
        workers=2,
        extra_args=[*ACCESS_LOG, "--log-level", "debug"],
    ).start()
    try:
        assert Browser(server.base_url).sign_in("priya@example.com", WRONG_PASSWORD)[0] == 400
        admin = Browser(server.base_url)
        assert admin.sign_in("admin@example.com", DEMO_PASSWORD)[0] == 200
        admin.fresh_token()
        status, page, _ = admin.open(
            "POST",
            "/admin/users/new",
            form={
                "name": "Jun Park",
                "email": "jun@example.com",
                "role": "interviewer",
                "time_zone": "UTC",
            },
        )
        assert status == 200, page
        status, page, _ = admin.open("POST", f"/admin/users/{kwame_id}/password-link", form={})
        assert status == 200, page
        path, token = re.search(r'value="http://[^"/]+(/reset/([^"]+))"', page).groups()

        holder = Browser(server.base_url)
        status, page, _ = holder.open("GET", path)  # 303 to /reset, followed
        assert status == 200 and "Set a new password" in page
        holder.token = csrf_from(page)
        status, page, _ = holder.open(
            "POST", "/reset", form={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
        )
        assert status == 200 and "Your new password is set" in page  # the sign-in page
        status, body, _ = Browser(server.base_url).sign_in("kwame@example.com", NEW_PASSWORD)
        assert status == 200 and body["signed_in"] is True
    finally:
        server.stop()
    output = server.output()
    assert "GET /reset/[redacted] HTTP/1.1 303" in output, "the access log was on"
    for secret in (WRONG_PASSWORD, DEMO_PASSWORD, NEW_PASSWORD, token):
        assert secret not in output, f"{secret[:8]}… appears in gunicorn's output"

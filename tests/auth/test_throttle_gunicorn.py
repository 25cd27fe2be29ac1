"""Against the real server (gunicorn, two workers, one database file): sign-in throttling holds
whichever worker answers, and no password or password-link token reaches gunicorn's output."""

from __future__ import annotations

import http.cookiejar
import json
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from app.demo import DEMO_PASSWORD, DemoTeam
from app.extensions import db

from ..conftest import csrf_from
from ..interviews.gunicorn_server import GunicornServer

# Which worker (pid) answered which request, on gunicorn's access log (merged into its output).
ACCESS_LOG = ["--access-logfile", "-", "--access-logformat", "ACCESS %(p)s %(r)s %(s)s"]
MESSAGE = re.compile(
    r"Too many failed sign-ins\. Try again at \d\d:\d\d UTC \(in 1[45] minutes\)\."
)
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


def all_at_once(count: int, attempt) -> list:
    """`count` attempts released together, so both workers are busy answering them."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(i: int) -> None:
        browser = attempt[0](i)
        barrier.wait(timeout=20)
        results[i] = attempt[1](browser)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def login_posts_by_worker(output: str) -> dict[str, list[str]]:
    by_worker: dict[str, list[str]] = {}
    for pid, status in re.findall(r"ACCESS <(\d+)> POST /login HTTP/1\.1 (\d+)", output):
        by_worker.setdefault(pid, []).append(status)
    return by_worker


def test_sign_in_throttling_holds_with_two_gunicorn_workers(
    app, demo: DemoTeam, database_url: str, tmp_path: Path
) -> None:
    db.session.commit()  # hold no lock: another process writes now
    server = GunicornServer(
        database_url, tmp_path / "instance", workers=2, extra_args=ACCESS_LOG
    ).start()
    try:

        def prepared(i: int) -> Browser:
            browser = Browser(server.base_url)
            browser.fresh_token()
            return browser

        def wrong(browser: Browser):
            return browser.open(
                "POST",
                "/login",
                json_body={"email": "priya@example.com", "password": WRONG_PASSWORD},
                accept="application/json",
            )

        failed = all_at_once(5, (prepared, wrong))
        assert [status for status, _, _ in failed] == [400] * 5, failed

        def right(browser: Browser):
            return browser.open(
                "POST",
                "/login",
                json_body={"email": "priya@example.com", "password": DEMO_PASSWORD},
                accept="application/json",
            )

        refused = all_at_once(4, (prepared, right))
        assert [status for status, _, _ in refused] == [429] * 4, refused
        for _, body, headers in refused:
            assert MESSAGE.fullmatch(json.loads(body)["error"]), body
            assert int(headers["Retry-After"]) > 800

        # The sign-in form says the same, on a page.
        page_browser = Browser(server.base_url)
        _, page, _ = page_browser.open("GET", "/login")
        page_browser.token = csrf_from(page)
        status, page, _ = page_browser.open(
            "POST", "/login", form={"email": "priya@example.com", "password": DEMO_PASSWORD}
        )
        assert status == 429 and MESSAGE.search(page)

        by_worker = login_posts_by_worker(server.output())
        assert len(by_worker) == 2, f"one worker answered every sign-in: {by_worker}"
        failures_seen = {pid for pid, statuses in by_worker.items() if "400" in statuses}
        refusals_seen = {pid for pid, statuses in by_worker.items() if "429" in statuses}
        assert sum(s.count("400") for s in by_worker.values()) == 5
        assert len(failures_seen) == 2, f"the failures landed on both workers: {by_worker}"
        assert len(refusals_seen) == 2, f"both workers refuse: {by_worker}"

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

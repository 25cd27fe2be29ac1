"""Durability: SIGKILL the real server (gunicorn) during a stream of autosaves; after a restart
every save that had been answered 200 is in the database, and the server takes saves again."""

from __future__ import annotations

import http.client
import http.cookiejar
import json
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask

from app.demo import DEMO_PASSWORD, DemoTeam
from app.extensions import db
from app.models import Scorecard

from .gunicorn_server import GunicornServer

STREAM_SECONDS = 1.0  # stream at least this long before the kill...
MIN_ACKNOWLEDGED = 30  # ...and until at least this many saves were answered 200
MAX_WAIT_SECONDS = 8.0


class Browser:
    """A signed-in client with its own cookies, speaking JSON as the live interview page does."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))
        self.token = ""

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        headers = {"Accept": "application/json", "X-CSRFToken": self.token}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(  # noqa: S310  (always http://127.0.0.1)
            self.base_url + path, data=data, headers=headers, method=method
        )
        with self.opener.open(request, timeout=10) as response:
            return response.status, json.load(response)

    def sign_in(self, email: str, password: str = DEMO_PASSWORD) -> None:
        status, body = self.request("GET", "/auth/csrf-token")
        assert status == 200 and body["signed_in"] is False, body
        self.token = body["csrf_token"]
        status, body = self.request("POST", "/login", {"email": email, "password": password})
        assert status == 200 and body["signed_in"] is True, body
        self.refresh_token()

    def refresh_token(self) -> None:
        status, body = self.request("GET", "/auth/csrf-token")
        assert status == 200 and body["signed_in"] is True, body
        self.token = body["csrf_token"]

    def autosave(self, card_id: int, base_version: int, changes: dict) -> tuple[int, dict]:
        return self.request(
            "POST",
            f"/scorecards/{card_id}/autosave",
            {"base_version": base_version, "changes": changes},
        )


def text_up_to(i: int) -> str:
    return "\n".join(f"line {n}" for n in range(i + 1))


@dataclass
class Stream:
    """Saves `line 0..i` into notes.experience, one save after the other, until stopped."""

    browser: Browser
    card_id: int
    version: int
    acknowledged: list[tuple[int, int]] = field(default_factory=list)  # (i, version)
    unexpected: list[str] = field(default_factory=list)  # answers other than 200
    ended_by: str = ""
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        i = 0
        while not self.stop.is_set():
            try:
                status, body = self.browser.autosave(
                    self.card_id, self.version, {"notes.experience": text_up_to(i)}
                )
            except urllib.error.HTTPError as error:  # an answer, but not 2xx
                self.unexpected.append(f"save {i}: HTTP {error.code} {error.read()[:300]!r}")
                self.ended_by = "an unexpected answer"
                return
            except (OSError, http.client.HTTPException) as error:  # the server went away
                self.ended_by = f"{type(error).__name__}: {error}"
                return
            if status != 200 or body.get("conflicts"):
                self.unexpected.append(f"save {i}: {status} {body}")
                self.ended_by = "an unexpected answer"
                return
            self.acknowledged.append((i, body["version"]))
            self.version = body["version"]
            i += 1
        self.ended_by = "stopped"


def read_back(card_id: int) -> Scorecard:
    db.session.expire_all()
    card = db.session.get(Scorecard, card_id)
    db.session.commit()  # hold no lock (SQLite: the test's transactions begin IMMEDIATE)
    return card


def test_every_acknowledged_save_survives_sigkill_and_restart(
    app: Flask, demo: DemoTeam, database_url: str, tmp_path: Path
) -> None:
    card = demo.opening.candidates[0].loops[0].sessions[0].scorecard
    card_id, start_version = card.id, card.version
    assert card.interviewer.email == "priya@example.com"
    db.session.commit()  # release SQLite's write lock before another process writes

    first = GunicornServer(database_url, tmp_path / "instance", workers=2).start()
    second = None
    try:
        browser = Browser(first.base_url)
        browser.sign_in("priya@example.com")
        stream = Stream(browser, card_id, start_version)
        thread = threading.Thread(target=stream.run, name="autosave-stream", daemon=True)
        started = time.monotonic()
        thread.start()
        while time.monotonic() - started < MAX_WAIT_SECONDS and thread.is_alive():
            elapsed = time.monotonic() - started
            if elapsed >= STREAM_SECONDS and len(stream.acknowledged) >= MIN_ACKNOWLEDGED:
                break
            time.sleep(0.01)
        assert thread.is_alive(), (
            f"the stream ended before the kill ({stream.ended_by}): {stream.unexpected}\n"
            f"{first.output()}"
        )
        first.kill_hard()  # mid-stream: a save is usually in flight right now
        thread.join(timeout=15)
        assert not thread.is_alive(), "the stream did not notice the server was gone"
        stream.stop.set()
        assert stream.unexpected == [], stream.unexpected
        acknowledged = list(stream.acknowledged)
        assert len(acknowledged) >= MIN_ACKNOWLEDGED, (
            f"only {len(acknowledged)} saves answered in {time.monotonic() - started:.1f} s"
        )
        last_line, last_version = acknowledged[-1]

        second = GunicornServer(database_url, tmp_path / "instance", workers=2).start()

        stored = read_back(card_id)
        lines = set(stored.stage_notes["experience"].split("\n"))
        missing = [i for i, _ in acknowledged if f"line {i}" not in lines]
        assert missing == [], (
            f"{len(missing)} of {len(acknowledged)} acknowledged saves lost, e.g. {missing[:5]}"
        )
        assert stored.stage_notes["experience"].startswith(text_up_to(last_line))
        assert stored.version >= last_version
        # At most the one save in flight at the kill may have landed without its answer.
        assert stored.version <= last_version + 1

        # The restarted server takes saves again, with the same (still valid) session cookie.
        browser.base_url = second.base_url
        status, body = browser.autosave(
            card_id, stored.version, {"notes.experience": "after the restart"}
        )
        assert status == 200 and body["version"] == stored.version + 1, body
        again = read_back(card_id)
        assert again.stage_notes["experience"] == "after the restart"
        assert again.version == body["version"]
    finally:
        first.kill_hard()
        if second is not None:
            second.stop()

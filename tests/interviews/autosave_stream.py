"""A browser stand-in for tests against the real server: signs in and autosaves as the live
interview page does, and a stream of autosaves that records which were acknowledged."""

from __future__ import annotations

import http.client
import http.cookiejar
import json
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass, field

from app.demo import DEMO_PASSWORD

KEPT_LINES = 500


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


def text_for(i: int) -> str:
    """`line 0..i`, but past KEPT_LINES only the latest line changes: every save still
    changes the text, and the text stays well inside the per-field limit however long a
    stream runs."""
    kept = "\n".join(f"line {n}" for n in range(min(i + 1, KEPT_LINES)))
    return kept if i < KEPT_LINES else f"{kept}\nlatest {i}"


@dataclass
class Stream:
    """Saves `text_for(i)` into notes.experience, one save after the other, until stopped."""

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
                    self.card_id, self.version, {"notes.experience": text_for(i)}
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

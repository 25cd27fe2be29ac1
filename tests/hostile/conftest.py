"""The hostile-input harness: one app and one demo team per test function, a snapshot of every
table, and a verdict on each response.

Hypothesis settings: the "hostile" profile (the default, what `make test` runs) draws 25
examples per endpoint, derandomized so CI is reproducible; `make test-deep` sets
LOOPKIT_HOSTILE_PROFILE=hostile-deep for 200.
Each property test builds its app and data once (a fixture) and runs its examples inside the
test body (`@given` on an inner function), so no function-scoped fixture is shared behind
Hypothesis's back: an example that changed something is undone instead (`HostileRun.reset`).

How a 500 is caught: the app runs with PROPAGATE_EXCEPTIONS off, as in production, so errors.py
answers (JSON for JSON endpoints) and that answer is checked too; every exception a request
raises is recorded through Flask's `got_request_exception` signal and fails the example with
its traceback, whatever status the error handlers made of it.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask, got_request_exception
from hypothesis import HealthCheck, settings
from sqlalchemy import Connection, insert, select

from app.demo import DemoTeam
from app.extensions import db
from app.interviews.scorecards import save_changes, submit_scorecard
from app.notify.outbox import queue_mail

from ..auth.test_route_matrix import PRINCIPALS
from ..conftest import TEST_CONNECTION, IsolatedClient, sign_in

settings.register_profile(
    "hostile",
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    # Examples are slow by Hypothesis's standards (a real request and a snapshot each), and
    # some deliberately large: neither is a problem with the test.
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("hostile-deep", settings.get_profile("hostile"), max_examples=200)
PROFILE = os.environ.get("LOOPKIT_HOSTILE_PROFILE", "hostile")


def hostile_settings():
    return settings(settings.get_profile(PROFILE))


# ---- Snapshots: every row of every table, to prove a refused request changed nothing ----

Rows = dict[str, dict[tuple, dict[str, Any]]]


def snapshot(skip: frozenset[str] = frozenset()) -> Rows:
    rows: Rows = {}
    for table in db.metadata.sorted_tables:
        if table.name in skip:
            continue
        key_columns = list(table.primary_key.columns)
        found = db.session.execute(select(table).order_by(*key_columns)).mappings()
        rows[table.name] = {tuple(r[c.name] for c in key_columns): dict(r) for r in found}
    db.session.rollback()  # end the read: on SQLite an open one would stall the next request
    return rows


def changes_between(before: Rows, after: Rows) -> list[str]:
    """What changed, as "table+" (row added), "table-" (row removed), "table.column"."""
    changed: list[str] = []
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name, {}), after.get(name, {})
        if set(new) - set(old):
            changed.append(f"{name}+")
        if set(old) - set(new):
            changed.append(f"{name}-")
        for key in set(old) & set(new):
            for column, value in new[key].items():
                if old[key][column] != value:
                    changed.append(f"{name}.{column}")
    return sorted(set(changed))


def restore(rows: Rows) -> None:
    """Put every table back as `rows` holds it (plain inserts: cheap for a demo team)."""
    tables = db.metadata.sorted_tables
    for table in reversed(tables):
        db.session.execute(table.delete())
    for table in tables:
        if rows.get(table.name):
            db.session.execute(insert(table), list(rows[table.name].values()))
    db.session.commit()


# ---- The run: clients per principal, sending, and the verdict ----

LOGIN_REDIRECT = re.compile(r"^/login(\?|$)")
HTML_MESSAGE = re.compile(
    r'class="error-message"[^>]*>\s*[^<\s]'
    r'|class="error-summary".*?<li>(?:<a [^>]*>)?\s*[^<\s]'  # linked to a field, or not
    r'|class="flash flash-error">\s*[^<\s]'
    r'|<section class="narrow">\s*<h1>[^<]+</h1>\s*<p>\s*[^<\s]',
    re.DOTALL,
)


@dataclass
class Request:
    """One hostile request, ready to send: what the example drew, described for failures."""

    principal: str
    method: str
    url: str
    body: bytes | None = None
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    form: list[tuple[str, Any]] | None = None  # the pairs of a form body, before encoding
    json_body: Any = None

    def describe(self) -> str:
        shown = self.body if self.body is None or len(self.body) < 600 else self.body[:600] + b"..."
        return (
            f"{self.principal} {self.method} {self.url!r} content-type={self.content_type!r} "
            f"headers={self.headers!r} body={shown!r}"
        )


def form_body(pairs: list[tuple[str, Any]]) -> bytes:
    """URL-encode like a browser, except that lone surrogates go out as the invalid UTF-8 a
    broken client would send (browsers would send U+FFFD)."""
    return urlencode(pairs, encoding="utf-8", errors="surrogatepass").encode("ascii")


class HostileRun:
    """Examples against one app and team. Each example that changed something is undone: by
    rolling back to a savepoint taken after the baseline (on the test's rolled-back
    connection), or on a committed database by restoring the baseline's rows."""

    def __init__(self, app: Flask, team: DemoTeam, connection: Connection | None) -> None:
        self.app, self.team, self.connection = app, team, connection
        self.exceptions: list[str] = []
        self._clients: dict[str, tuple[IsolatedClient, str]] = {}
        got_request_exception.connect(self._record, app)
        for principal in PRINCIPALS:  # their sessions' rows belong to the baseline
            self.client(principal)
        self._example = None
        self._rebase()

    def _rebase(self) -> None:
        """What is in the database now is where every example starts from."""
        db.session.rollback()  # the session's savepoint ends first: ours is the one around it
        if self._example is not None:
            self._example.commit()  # the savepoint's content stays in the outer transaction
        self.baseline = snapshot()
        if self.connection is not None:
            self._example = self.connection.begin_nested()

    def _record(self, sender, exception, **extra) -> None:
        self.exceptions.append(
            "".join(traceback.format_exception(type(exception), exception, exception.__traceback__))
        )

    def close(self) -> None:
        got_request_exception.disconnect(self._record, self.app)

    def client(self, principal: str) -> tuple[IsolatedClient, str]:
        """A client signed in as `principal` and its CSRF token, kept between examples but for
        the visitor's (see `end_example`)."""
        if principal in self._clients:
            return self._clients[principal]
        client = self.app.test_client()
        email = PRINCIPALS[principal]
        if email:
            assert sign_in(client, email).status_code == 302
        token = client.get("/auth/csrf-token").get_json()["csrf_token"]
        self._clients[principal] = (client, token)
        if email and hasattr(self, "baseline"):
            self._rebase()  # signed in again (after signing out): its new row is no change
        return client, token

    def end_example(self) -> None:
        """A visitor starts each example anew: a hostile sign-in may have succeeded."""
        self.forget("anonymous")

    def forget(self, principal: str) -> None:
        self._clients.pop(principal, None)

    def send(self, request: Request):
        client, _ = self.client(request.principal)
        headers = dict(request.headers)
        if request.content_type is not None:
            headers["Content-Type"] = request.content_type
        self.exceptions.clear()
        return client.open(request.url, method=request.method, data=request.body, headers=headers)

    def token(self, principal: str) -> str:
        return self.client(principal)[1]

    def judge(
        self,
        request: Request,
        response,
        *,
        allowed: bool,
        success: frozenset[int],
        json_endpoint: bool,
        may_change: list[str],
        may_change_when_refused: list[str] = (),
        skip_tables: frozenset[str] = frozenset(),
    ) -> str:
        """Fail unless the answer is a clear refusal that changed nothing, or (for a principal
        who may) a success that changed only what it may. Returns "refused" or "accepted";
        after an accepted request, the database is back at the baseline."""
        where = request.describe()
        if self.exceptions:
            raise AssertionError(f"the request raised:\n{self.exceptions[0]}\n{where}")
        status = response.status_code
        assert status < 500, f"{status} for {where}\n{response.get_data(as_text=True)[:2000]}"
        if json_endpoint:
            assert response.is_json, f"{status} answered {response.mimetype}, not JSON: {where}"
        location = response.headers.get("Location", "")
        refused = 400 <= status < 500 or (status == 302 and LOGIN_REDIRECT.match(location))
        after = snapshot(skip_tables)
        before = {k: v for k, v in self.baseline.items() if k not in skip_tables}
        changed = changes_between(before, after)
        if refused:
            assert_message(response, where)
            unexpected = _outside(changed, may_change_when_refused)
            assert not unexpected, f"refused with {status} but changed {unexpected}: {where}"
            if changed:
                self.reset()
            return "refused"
        assert allowed, f"{request.principal} may not do this, yet got {status}: {where}"
        assert status in success, f"unexpected {status} for {where}"
        unexpected = _outside(changed, may_change)
        assert not unexpected, f"accepted, but changed what it may not: {unexpected}: {where}"
        if changed:
            self.reset()
        return "accepted"

    def reset(self) -> None:
        db.session.rollback()  # its savepoint first: ours is the one around it
        if self._example is None:
            restore(self.baseline)
            return
        self._example.rollback()
        self._example = self.connection.begin_nested()


def _outside(changed: list[str], allowed: list[str]) -> list[str]:
    return [c for c in changed if not any(fnmatch.fnmatchcase(c, p) for p in allowed)]


def assert_message(response, where: str) -> None:
    """A refusal must say what is wrong: JSON with an error, or a page with a message."""
    if response.status_code == 302:
        return  # to the sign-in page, which says why
    if response.is_json:
        body = response.get_json(silent=True)
        # The pages' JSON says it in "error"; the API's, in "message" beside its "code".
        said = body.get("error") or body.get("message") if isinstance(body, dict) else None
        assert isinstance(said, str) and said, (
            f"{response.status_code} JSON without an error message: {body!r}; {where}"
        )
        return
    html = response.get_data(as_text=True)
    assert HTML_MESSAGE.search(html), (
        f"{response.status_code} page without a message: {where}\n{html[:3000]}"
    )


# ---- The state every example starts from ----


def prepare_team(team: DemoTeam) -> None:
    """The demo team, with Tomás's scorecard complete and submitted (so he may amend it and
    the debrief has content) and a failed delivery to retry."""
    loop = team.opening.candidates[0].loops[0]
    tomas_session = next(s for s in loop.sessions if s.interviewer.email.startswith("tomas"))
    card = tomas_session.scorecard
    evidence = "Walked through the queue design, named the failure modes and their fixes."
    changes: dict[str, Any] = {"recommendation": "yes", "summary": "Solid design sense."}
    for key in tomas_session.focus_competencies:
        changes[f"rating.{key}.level"] = 3
        changes[f"rating.{key}.evidence"] = evidence
    tomas = team.users["tomas"]
    save_changes(card, 1, changes)
    assert not submit_scorecard(tomas, card, 40, now=tomas_session.ends_at)
    failed = queue_mail("scorecard_due", team.users["priya"], "hostile.failed", loop=loop)
    failed.status = "failed"
    db.session.commit()


@pytest.fixture
def hostile(request: pytest.FixtureRequest, app: Flask, demo: DemoTeam) -> Iterator[HostileRun]:
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: errors.py answers
    prepare_team(demo)
    run = HostileRun(app, demo, request.node.stash.get(TEST_CONNECTION, None))
    try:
        yield run
    finally:
        run.close()


def json_text(value: Any) -> bytes:
    """JSON as a client library would write it; lone surrogates become \\udxxx escapes."""
    return json.dumps(value, ensure_ascii=True).encode("ascii")

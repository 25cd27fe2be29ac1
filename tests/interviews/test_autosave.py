"""Autosave: atomic per save, conflicts judged per field, JSON answers only, nothing lost."""

from __future__ import annotations

import io
import json

import pytest
from flask import Flask
from sqlalchemy import event

from app.admin.users import deactivate
from app.extensions import db
from app.interviews.fields import MAX_SCORECARD_TEXT
from app.models import Scorecard

from ..conftest import csrf_from, sign_in


def signed_in_client(app: Flask, email: str):
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    token = client.get("/auth/csrf-token").get_json()["csrf_token"]
    return client, token


def autosave(client, token, card_id, base_version, changes):
    return client.post(
        f"/scorecards/{card_id}/autosave",
        json={"base_version": base_version, "changes": changes},
        headers={"X-CSRFToken": token},
    )


def stored(card_id: int) -> Scorecard:
    db.session.expire_all()
    card = db.session.get(Scorecard, card_id)
    db.session.commit()
    return card


@pytest.fixture
def two_tabs(app, priya_card):
    db.session.commit()
    return signed_in_client(app, "priya@example.com"), signed_in_client(app, "priya@example.com")


def test_a_save_is_stored_and_returns_the_new_version(app, priya_card, two_tabs) -> None:
    (tab, token), _ = two_tabs
    response = autosave(
        tab,
        token,
        priya_card.id,
        1,
        {
            "notes.pitch": "Asked whether on-call is paid.",
            "rating.api-design.level": 3,
            "answer.compensation_expectation": "95k EUR",
        },
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["version"] == 2 and body["conflicts"] == {}
    assert sorted(body["saved"]) == [
        "answer.compensation_expectation",
        "notes.pitch",
        "rating.api-design.level",
    ]
    card = stored(priya_card.id)
    assert card.version == 2
    assert card.stage_notes == {"pitch": "Asked whether on-call is paid."}
    assert card.ratings["api-design"]["level"] == 3
    assert card.field_answers == {"compensation_expectation": "95k EUR"}


def test_same_field_from_two_tabs_conflicts_and_loses_nothing(app, priya_card, two_tabs) -> None:
    (first, t1), (second, t2) = two_tabs
    assert (
        autosave(first, t1, priya_card.id, 1, {"notes.experience": "First tab text"}).status_code
        == 200
    )
    response = autosave(second, t2, priya_card.id, 1, {"notes.experience": "Second tab text"})
    assert response.status_code == 409
    body = response.get_json()
    assert body["conflicts"] == {"notes.experience": "First tab text"}
    assert "choose which text to keep" in body["error"]
    assert stored(priya_card.id).stage_notes["experience"] == "First tab text"
    # The second tab keeps its text, then resolves by keeping it on top of the current version.
    resolved = autosave(
        second, t2, priya_card.id, body["version"], {"notes.experience": "Second tab text"}
    )
    assert resolved.status_code == 200
    assert stored(priya_card.id).stage_notes["experience"] == "Second tab text"


def test_different_fields_from_two_tabs_both_save(app, priya_card, two_tabs) -> None:
    (first, t1), (second, t2) = two_tabs
    assert autosave(first, t1, priya_card.id, 1, {"notes.pitch": "Pitch notes"}).status_code == 200
    response = autosave(second, t2, priya_card.id, 1, {"notes.experience": "Experience notes"})
    assert response.status_code == 200
    # The second tab learns what changed elsewhere so it can show it.
    assert response.get_json()["updated"] == {"notes.pitch": "Pitch notes"}
    card = stored(priya_card.id)
    assert card.stage_notes == {"pitch": "Pitch notes", "experience": "Experience notes"}
    assert card.version == 3


def test_a_mixed_save_stores_what_does_not_conflict(app, priya_card, two_tabs) -> None:
    (first, t1), (second, t2) = two_tabs
    autosave(first, t1, priya_card.id, 1, {"summary": "Strong on APIs."})
    response = autosave(
        second,
        t2,
        priya_card.id,
        1,
        {"summary": "Weak on APIs.", "notes.logistics": "Notice: 3 months."},
    )
    assert response.status_code == 409
    body = response.get_json()
    assert body["saved"] == ["notes.logistics"] and list(body["conflicts"]) == ["summary"]
    card = stored(priya_card.id)
    assert (
        card.summary == "Strong on APIs." and card.stage_notes["logistics"] == "Notice: 3 months."
    )


def test_resending_the_same_value_is_not_a_conflict(app, priya_card, two_tabs) -> None:
    (first, t1), (second, t2) = two_tabs
    autosave(first, t1, priya_card.id, 1, {"notes.pitch": "Same words"})
    response = autosave(second, t2, priya_card.id, 1, {"notes.pitch": "Same words"})
    assert response.status_code == 200 and response.get_json()["conflicts"] == {}


@pytest.mark.parametrize(
    "changes,field,message",
    [
        ({"rating.api-design.level": 5}, "rating.api-design.level", "from 1 to 4"),
        ({"rating.api-design.level": "2.5"}, "rating.api-design.level", "from 1 to 4"),
        ({"recommendation": "maybe"}, "recommendation", "must be one of"),
        ({"notes.no-such-stage": "x"}, "notes.no-such-stage", "not a field"),
        ({"rating.scalability.level": 2}, "rating.scalability.level", "not a field"),
        ({"answer.risk_tolerance": "Whatever"}, "answer.risk_tolerance", "must be one of"),
        ({"answer.start_date": "next spring"}, "answer.start_date", "date"),
        ({"notes.pitch": 42}, "notes.pitch", "must be text"),
    ],
)
def test_invalid_values_are_refused_per_field(app, priya_card, two_tabs, changes, field, message):
    (tab, token), _ = two_tabs
    response = autosave(tab, token, priya_card.id, 1, {**changes, "summary": "kept?"})
    assert response.status_code == 400
    assert message in response.get_json()["fields"][field]
    assert stored(priya_card.id).version == 1, "an invalid save stores nothing"


def test_too_large_a_save_gets_413_json(app, priya_card, two_tabs) -> None:
    (tab, token), _ = two_tabs
    huge = "x" * (app.config["AUTOSAVE_MAX_BYTES"] + 10)
    response = autosave(tab, token, priya_card.id, 1, {"notes.pitch": huge})
    assert response.status_code == 413
    assert "kept on this device" in response.get_json()["error"]
    assert stored(priya_card.id).stage_notes == {}


def test_a_scorecard_holds_at_most_its_limit_and_a_shorter_text_always_saves(
    app, priya_card, two_tabs
) -> None:
    """Each field within its own limit, but the whole card full: the save that would pass the
    card's limit is refused on its field with the figures (the page keeps the text locally),
    and shortening another field makes room again."""
    (tab, token), _ = two_tabs
    version = 1
    for stage in ("pitch", "experience", "logistics"):
        response = autosave(tab, token, priya_card.id, version, {f"notes.{stage}": "a\n" * 10_000})
        assert response.status_code == 200, response.get_json()
        version = response.get_json()["version"]
    assert MAX_SCORECARD_TEXT == 60_000

    refused = autosave(tab, token, priya_card.id, version, {"summary": "One more line."})
    assert refused.status_code == 400
    body = refused.get_json()
    assert body["code"] == "scorecard_full"
    assert "60,014 characters" in body["fields"]["summary"]
    assert "at most 60,000" in body["fields"]["summary"]
    assert stored(priya_card.id).summary in (None, ""), "nothing of the refused save is stored"

    shorter = autosave(tab, token, priya_card.id, version, {"notes.pitch": "a\n" * 9_000})
    assert shorter.status_code == 200, "shortening is always allowed"
    version = shorter.get_json()["version"]
    again = autosave(tab, token, priya_card.id, version, {"summary": "One more line."})
    assert again.status_code == 200
    assert stored(priya_card.id).summary == "One more line."


def test_expired_session_gets_401_json_not_a_redirect(app, priya_card) -> None:
    db.session.commit()
    client = app.test_client()
    token = client.get("/auth/csrf-token").get_json()["csrf_token"]
    response = autosave(client, token, priya_card.id, 1, {"notes.pitch": "typed while signed out"})
    assert response.status_code == 401
    assert response.is_json and "Sign in again" in response.get_json()["error"]
    assert response.get_json()["code"] == "signed_out"


def test_bad_csrf_token_gets_a_json_error(app, priya_card, two_tabs) -> None:
    (tab, _), _ = two_tabs
    response = autosave(tab, "not-a-token", priya_card.id, 1, {"notes.pitch": "typed"})
    assert response.status_code == 400
    assert response.is_json and response.get_json()["code"] == "csrf"
    assert stored(priya_card.id).version == 1


def test_someone_elses_scorecard_is_refused(app, priya_card, tomas_card) -> None:
    db.session.commit()
    client, token = signed_in_client(app, "tomas@example.com")
    response = autosave(client, token, priya_card.id, 1, {"notes.pitch": "not mine"})
    assert response.status_code == 403 and response.is_json


def test_a_save_is_one_commit_and_three_statements(
    app, priya_card, two_tabs, count_statements
) -> None:
    """Who is signed in (the session's row and the account, one statement), the locked read
    of the scorecard with its session, the update: the same for every save, however big the
    scorecard or the team."""
    (tab, token), _ = two_tabs
    card_id = priya_card.id
    autosave(tab, token, card_id, 1, {"notes.pitch": "warm the form cache"})
    db.session.commit()  # the test's own reads end here, not inside the count
    with count_statements() as counter:
        response = autosave(tab, token, card_id, 2, {"notes.pitch": "second save"})
    assert response.status_code == 200
    assert stored(card_id).stage_notes["pitch"] == "second save"
    assert counter.commits == 1
    assert len(counter.statements) == 3, counter.statements
    assert "FROM users JOIN signed_in_sessions" in counter.statements[0]
    assert "FROM scorecards JOIN interview_sessions" in counter.statements[1]
    assert counter.statements[2].lstrip().upper().startswith("UPDATE SCORECARDS")


def test_a_deactivated_account_cannot_save_from_a_session_it_still_holds(
    app, demo, priya_card, two_tabs
) -> None:
    (tab, token), _ = two_tabs
    deactivate(demo.users["admin"], demo.users["priya"])
    db.session.commit()
    response = autosave(tab, token, priya_card.id, 1, {"notes.pitch": "after deactivation"})
    assert response.status_code == 401 and response.is_json
    assert response.get_json()["code"] == "signed_out"
    # Not even whether the scorecard exists: a missing one answers the same.
    assert autosave(tab, token, 10**6, 1, {"notes.pitch": "x"}).status_code == 401
    assert stored(priya_card.id).stage_notes in (None, {})


def test_a_session_cookie_replayed_from_another_browser_cannot_save(
    app, priya_card, two_tabs
) -> None:
    """Strong session protection, as every other page has it: the cookie is bound to the
    browser that signed in (address and user agent)."""
    (tab, token), _ = two_tabs
    response = tab.post(
        f"/scorecards/{priya_card.id}/autosave",
        json={"base_version": 1, "changes": {"notes.pitch": "from a stolen cookie"}},
        headers={"X-CSRFToken": token, "User-Agent": "SomeOtherBrowser/1.0"},
    )
    assert response.status_code == 401 and response.is_json
    assert stored(priya_card.id).version == 1


def test_the_page_hands_out_a_fresh_csrf_token(app, priya_card) -> None:
    db.session.commit()
    client, _ = signed_in_client(app, "priya@example.com")
    page = client.get(f"/interviews/{priya_card.session_id}").get_data(as_text=True)
    answer = client.get("/auth/csrf-token").get_json()
    assert answer["signed_in"] is True and answer["csrf_token"]
    assert csrf_from(page)


# Found by the hostile-input pass (tests/hostile): each was a 500.


def test_autosave_nested_too_deeply_is_refused_as_json_and_saves_nothing(app, priya_card) -> None:
    db.session.commit()
    client, token = signed_in_client(app, "priya@example.com")
    body = '{"base_version": 1, "changes": ' + "[" * 100_000 + "]" * 100_000 + "}"
    response = client.post(
        f"/scorecards/{priya_card.id}/autosave",
        data=body,
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 400
    assert response.get_json()["error"] == "Send {base_version, changes} as JSON."
    assert stored(priya_card.id).version == 1


@pytest.mark.parametrize(
    "body",
    [
        b'{"base_version": 1, "changes": {"summary": "ok \\ud800"}}',  # escaped, unpaired
        b'{"base_version": 1, "changes": {"summary": "ok \xed\xa0\x80"}}',  # encoded surrogate
    ],
    ids=["escaped", "raw bytes"],
)
def test_autosave_of_an_unpaired_surrogate_is_refused_and_saves_nothing(
    app, priya_card, body
) -> None:
    db.session.commit()
    client, token = signed_in_client(app, "priya@example.com")
    response = client.post(
        f"/scorecards/{priya_card.id}/autosave",
        data=body,
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 400 and response.get_json()["error"]
    card = stored(priya_card.id)
    assert card.version == 1 and card.summary == ""


class _RecordingBody(io.BytesIO):
    """A request body that notes each read in `events`."""

    def __init__(self, data: bytes, events: list[str]) -> None:
        super().__init__(data)
        self.events = events

    def read(self, size: int | None = -1) -> bytes:
        self.events.append("read body")
        return super().read(size)

    def readinto(self, buffer) -> int:
        self.events.append("read body")
        return super().readinto(buffer)


def test_the_body_is_read_before_the_write_transaction_begins(app, priya_card) -> None:
    """A slow client must not hold SQLite's write lock while its body arrives: every read of
    the body comes before the request's first statement."""
    card_id = priya_card.id
    db.session.commit()
    client, token = signed_in_client(app, "priya@example.com")
    body = json.dumps({"base_version": 1, "changes": {"notes.pitch": "Read me first."}}).encode()
    events: list[str] = []

    def before_statement(*_args) -> None:
        events.append("statement")

    event.listen(db.engine, "before_cursor_execute", before_statement)
    try:
        response = client.post(
            f"/scorecards/{card_id}/autosave",
            input_stream=_RecordingBody(body, events),
            content_length=len(body),
            content_type="application/json",
            headers={"X-CSRFToken": token},
        )
    finally:
        event.remove(db.engine, "before_cursor_execute", before_statement)
    assert response.status_code == 200, response.get_json()
    assert "read body" in events and "statement" in events
    last_read = len(events) - 1 - events[::-1].index("read body")
    assert last_read < events.index("statement"), events

"""Failed sign-ins are throttled per account and address, per address, and loosely per account
from everywhere, in the database, with delays that grow; nobody can lock the real user out."""

from __future__ import annotations

import mailbox
import re
from datetime import timedelta
from email.header import decode_header, make_header

from sqlalchemy import select

from app.auth.throttle import account_key
from app.demo import DEMO_PASSWORD
from app.extensions import db
from app.models import Reminder, SignInThrottle
from app.notify.dispatcher import dispatch_due
from app.storage.types import utcnow

from ..conftest import csrf_from

MESSAGE = re.compile(
    r"Too many failed sign-ins\. Try again at (\d\d:\d\d) UTC \(in (\d+) minutes?\)\."
)


def attempt(client, email: str, password: str, address: str = "192.0.2.10"):
    environ = {"REMOTE_ADDR": address}
    token = csrf_from(client.get("/login", environ_base=environ).get_data(as_text=True))
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token},
        environ_base=environ,
    )


def fail(client, email: str, times: int, address: str = "192.0.2.10") -> None:
    for _ in range(times):
        assert attempt(client, email, "wrong password!", address).status_code == 400


def rows() -> list[SignInThrottle]:
    found = db.session.execute(select(SignInThrottle)).scalars().all()
    db.session.commit()
    return found


def test_five_failures_lock_the_account_even_against_the_right_password(demo, client) -> None:
    fail(client, "priya@example.com", 5)
    response = attempt(client, "priya@example.com", DEMO_PASSWORD)
    page = response.get_data(as_text=True)
    assert response.status_code == 429
    match = MESSAGE.search(page)
    assert match, page
    assert match.group(2) == "1", "locked for the first delay, a minute"
    locked_until = next(r.locked_until for r in rows() if r.key.startswith("pair:"))
    # Rounded up to the whole minute (14:05:00.5 shows as 14:06: never before the lock ends).
    shown = locked_until.replace(second=0, microsecond=0)
    if locked_until.second or locked_until.microsecond:
        shown += timedelta(minutes=1)
    assert match.group(1) == f"{shown:%H:%M}", "the time shown is when the lock ends"
    assert 30 < int(response.headers["Retry-After"]) <= 60
    assert 'value="priya@example.com"' in page, "the typed email is kept"
    assert client.get("/").status_code == 302, "not signed in"


def test_the_interview_pages_json_sign_in_gets_429_with_the_message(demo, client) -> None:
    fail(client, "priya@example.com", 5, address="127.0.0.1")
    token = client.get("/auth/csrf-token").get_json()["csrf_token"]
    response = client.post(
        "/login",
        json={"email": "priya@example.com", "password": DEMO_PASSWORD},
        headers={"X-CSRFToken": token, "Accept": "application/json"},
    )
    assert response.status_code == 429
    assert MESSAGE.fullmatch(response.get_json()["error"])


def test_other_accounts_from_elsewhere_are_not_affected(demo, client) -> None:
    fail(client, "priya@example.com", 5)
    assert attempt(client, "tomas@example.com", DEMO_PASSWORD, "198.51.100.7").status_code == 302


def test_twenty_failures_from_one_address_lock_that_address(demo, client) -> None:
    for n in range(20):  # four tries each at five made-up accounts: no account reaches 5
        assert attempt(client, f"guess{n % 5}@example.com", "wrong password!").status_code == 400
    refused = attempt(client, "kwame@example.com", DEMO_PASSWORD)
    assert refused.status_code == 429
    assert MESSAGE.search(refused.get_data(as_text=True))
    other_address = attempt(client, "kwame@example.com", DEMO_PASSWORD, "198.51.100.7")
    assert other_address.status_code == 302


def test_a_successful_sign_in_clears_the_accounts_failures(app, demo, client) -> None:
    fail(client, "priya@example.com", 4)
    assert attempt(client, "priya@example.com", DEMO_PASSWORD).status_code == 302
    client = app.test_client()  # signed out: a new browser
    fail(client, "priya@example.com", 4)
    assert attempt(client, "priya@example.com", DEMO_PASSWORD).status_code == 302


def test_unknown_emails_are_refused_the_same_way(demo, client) -> None:
    """Refusing only real accounts would tell an attacker which ones exist."""
    fail(client, "nobody@example.com", 5)
    fail(client, "priya@example.com", 5, "198.51.100.7")
    unknown = attempt(client, "nobody@example.com", "wrong password!")
    known = attempt(client, "priya@example.com", "wrong password!", "198.51.100.7")
    assert unknown.status_code == known.status_code == 429
    assert MESSAGE.search(unknown.get_data(as_text=True))
    assert MESSAGE.search(known.get_data(as_text=True))


def test_the_lock_ends_at_the_time_it_names(demo, client) -> None:
    fail(client, "priya@example.com", 5)
    assert attempt(client, "priya@example.com", DEMO_PASSWORD).status_code == 429
    # Sixteen minutes later, as far as the stored lock and window are concerned.
    earlier = timedelta(minutes=16)
    for row in db.session.execute(select(SignInThrottle)).scalars():
        row.window_started_at -= earlier
        row.locked_until = row.locked_until and row.locked_until - earlier
    db.session.commit()
    assert attempt(client, "priya@example.com", DEMO_PASSWORD).status_code == 302


def test_failures_are_stored_without_password_or_email(demo, client) -> None:
    fail(client, "priya@example.com", 2)
    stored = " ".join(f"{r.key} {r.failures}" for r in rows())
    assert "wrong password" not in stored and "priya" not in stored
    assert account_key("PRIYA@example.com ") in stored, "one key per account, however typed"


def shift_back(delta: timedelta) -> None:
    """Move every stored count and lock into the past, as if `delta` had gone by."""
    for row in db.session.execute(select(SignInThrottle)).scalars():
        row.window_started_at -= delta
        row.locked_until = row.locked_until and row.locked_until - delta
    db.session.commit()


def lock_seconds(prefix: str) -> float:
    row = next(r for r in rows() if r.key.startswith(prefix))
    return (row.locked_until - row.window_started_at).total_seconds()


def test_each_failure_past_the_limit_doubles_the_delay(demo, client) -> None:
    fail(client, "priya@example.com", 5)
    delays = [lock_seconds("pair:")]
    for _ in range(3):
        shift_back(timedelta(seconds=delays[-1] + 1))  # the lock has just ended
        fail(client, "priya@example.com", 1)
        delays.append(lock_seconds("pair:"))
    assert delays == [60, 120, 240, 480]
    assert attempt(client, "priya@example.com", DEMO_PASSWORD).status_code == 429


def test_the_delay_stops_growing_at_its_cap(app, demo, client) -> None:
    app.config["SIGN_IN_PAIR_MAX_DELAY_MINUTES"] = 3
    fail(client, "priya@example.com", 5)
    for _ in range(4):
        shift_back(timedelta(seconds=lock_seconds("pair:") + 1))
        fail(client, "priya@example.com", 1)
    assert lock_seconds("pair:") == 180


def test_failures_from_elsewhere_cannot_keep_the_real_user_out(demo, client, app) -> None:
    """Priya signs in from her usual address; an attacker then fails 60 times as her from 15
    other addresses (four each: no address or pair reaches its own limit)."""
    assert attempt(app.test_client(), "priya@example.com", DEMO_PASSWORD).status_code == 302
    for n in range(60):
        address = f"203.0.113.{n // 4 + 1}"
        assert attempt(client, "priya@example.com", "wrong password!", address).status_code in (
            400,
            429,
        )
    home = attempt(app.test_client(), "priya@example.com", DEMO_PASSWORD)
    assert home.status_code == 302, "her usual address is spared the account-wide throttle"
    # From somewhere new she is slowed, briefly: the account-wide delays are short.
    new_place = attempt(app.test_client(), "priya@example.com", DEMO_PASSWORD, "198.51.100.9")
    assert new_place.status_code == 429
    assert int(new_place.headers["Retry-After"]) <= 300
    # And the attacker's own addresses are refused too.
    assert attempt(client, "priya@example.com", DEMO_PASSWORD, "203.0.113.1").status_code == 429


WANTED = "Failed sign-ins against priya@example.com"


def test_admins_hear_once_when_an_account_is_under_attack(app, demo, client) -> None:
    for n in range(70):
        attempt(client, "priya@example.com", "wrong password!", f"203.0.113.{n // 4 + 1}")
    for n in range(70):  # an unknown email: no account, nobody to tell
        attempt(client, "nobody@example.com", "wrong password!", f"198.51.100.{n // 4 + 1}")
    alerts = (
        db.session.execute(select(Reminder).where(Reminder.kind == "account_under_attack"))
        .scalars()
        .all()
    )
    admins = {u.id for u in demo.users.values() if u.role == "admin"}
    assert {a.recipient_id for a in alerts} == admins and len(alerts) == len(admins)
    db.session.commit()
    dispatch_due(utcnow() + timedelta(minutes=1))
    box = mailbox.Maildir(app.config["MAILDIR"], create=False)
    subjects = [str(make_header(decode_header(m["Subject"]))) for m in box]
    mails = [m for m, subject in zip(box, subjects, strict=True) if subject == WANTED]
    assert len(mails) == len(admins)
    body = mails[0].get_payload()[0].get_payload(decode=True).decode()
    assert "50 times within 15 minutes" in body and "/admin/users" in body
    assert "wrong password" not in body

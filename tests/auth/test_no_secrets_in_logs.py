"""No password and no password-link token in any log line, even at DEBUG: sign-ins that fail
and succeed, a password link issued and used, a user created."""

from __future__ import annotations

import logging
import re

import pytest

from app.demo import DEMO_PASSWORD

from ..conftest import csrf_from, sign_in

WRONG_PASSWORD = "wrong-password-canary-7731"  # noqa: S105
NEW_PASSWORD = "new-password-canary-4410"  # noqa: S105
LINK = re.compile(r'value="http://[^"/]+(/reset/([^"]+))"')


# Committed: SQLAlchemy decides whether a connection logs when it opens, and the rolled-back
# transaction's connection opens before this test turns DEBUG on.
@pytest.mark.committed
def test_passwords_and_link_tokens_never_reach_the_logs(app, demo, caplog) -> None:
    caplog.set_level(logging.DEBUG)  # every logger...
    # ...SQL statements with their parameters too (Alembic's logging config quiets them).
    caplog.set_level(logging.DEBUG, logger="sqlalchemy.engine")
    assert sign_in(app.test_client(), "priya@example.com", WRONG_PASSWORD).status_code == 400
    admin = app.test_client()
    assert sign_in(admin, "admin@example.com", DEMO_PASSWORD).status_code == 302
    token = csrf_from(admin.get("/admin/users/new").get_data(as_text=True))
    created = admin.post(
        "/admin/users/new",
        data={
            "name": "Jun Park",
            "email": "jun@example.com",
            "role": "interviewer",
            "time_zone": "UTC",
            "csrf_token": token,
        },
    )
    path, link_token = LINK.search(created.get_data(as_text=True)).groups()
    holder = app.test_client()
    assert holder.get(path).status_code == 303
    form_token = csrf_from(holder.get("/reset").get_data(as_text=True))
    done = holder.post(
        "/reset",
        data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "csrf_token": form_token},
    )
    assert done.status_code == 302
    assert sign_in(app.test_client(), "jun@example.com", NEW_PASSWORD).status_code == 302

    logged = "\n".join(
        f"{record.getMessage()} {record.args!r} {record.exc_text or ''}"
        for record in caplog.records
    )
    assert "INSERT INTO users" in logged, "DEBUG logging was on: statements were logged"
    for secret in (WRONG_PASSWORD, DEMO_PASSWORD, NEW_PASSWORD, link_token):
        assert secret not in logged, f"{secret[:8]}… appears in the logs"


def test_request_lines_in_access_logs_hide_the_link_token() -> None:
    """The development server and gunicorn log each request's path: the token is cut out."""
    from app.auth import RedactPasswordLinks

    record = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        __file__,
        1,
        '%s - - "%s" %s',
        ("127.0.0.1", "GET /reset/Ab-9_x HTTP/1.1", "303"),
        None,
    )
    assert RedactPasswordLinks().filter(record)
    assert record.getMessage() == '127.0.0.1 - - "GET /reset/[redacted] HTTP/1.1" 303'

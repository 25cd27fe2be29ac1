"""Times are stored as UTC and come back time-zone-aware on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.exc import StatementError

from app.extensions import db
from app.models import AuditEvent


def test_aware_time_round_trips_equal_and_utc(app) -> None:
    # A New York wall-clock time on the day DST ends (now UTC-5), with microseconds.
    written = datetime(2026, 11, 1, 12, 30, 15, 123456, tzinfo=ZoneInfo("America/New_York"))
    event = AuditEvent(action="test", object_type="none", at=written)
    db.session.add(event)
    db.session.commit()
    event_id = event.id
    db.session.expunge_all()

    read = db.session.execute(select(AuditEvent.at).where(AuditEvent.id == event_id)).scalar_one()
    assert read == written
    assert read.tzinfo is not None and read.utcoffset().total_seconds() == 0
    assert read == datetime(2026, 11, 1, 17, 30, 15, 123456, tzinfo=UTC)
    # Comparing with an aware "now" must not raise (it does with a naive value on SQLite).
    assert read < datetime.now(UTC)


def test_comparisons_in_sql_use_utc(app) -> None:
    early = datetime(2026, 3, 29, 0, 59, tzinfo=UTC)
    db.session.add(AuditEvent(action="early", object_type="none", at=early))
    db.session.add(
        AuditEvent(
            action="late",
            object_type="none",
            at=datetime(2026, 3, 29, 3, 1, tzinfo=ZoneInfo("Europe/Berlin")),
        )
    )
    db.session.commit()
    later_than = datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    actions = (
        db.session.execute(select(AuditEvent.action).where(AuditEvent.at > later_than))
        .scalars()
        .all()
    )
    assert actions == ["late"]


def test_naive_times_are_refused(app) -> None:
    db.session.add(AuditEvent(action="naive", object_type="none", at=datetime(2026, 1, 1, 9, 0)))
    with pytest.raises(StatementError, match="naive datetime"):
        db.session.flush()
    db.session.rollback()

"""What the signed-in home page shows each user."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..db_types import utcnow
from ..extensions import db
from ..models import Candidate, InterviewSession, Loop, LoopStatus, User

UPCOMING_LIMIT = 20


def upcoming_sessions(user: User, now: datetime | None = None, limit: int = UPCOMING_LIMIT):
    """The user's own interview sessions that have not ended yet, soonest first.

    Eager-loads what the page shows, so the statement count does not grow with the list."""
    now = now or utcnow()
    # Keep a session on the list until an hour after its end: the interviewer is still writing.
    horizon = now - timedelta(hours=1)
    return list(
        db.session.execute(
            select(InterviewSession)
            .join(Loop, InterviewSession.loop_id == Loop.id)
            .where(
                InterviewSession.interviewer_id == user.id,
                InterviewSession.ends_at > horizon,
                Loop.status != LoopStatus.CANCELLED,
            )
            .options(
                joinedload(InterviewSession.loop)
                .joinedload(Loop.candidate)
                .joinedload(Candidate.opening),
                joinedload(InterviewSession.script),
                joinedload(InterviewSession.scorecard),
            )
            .order_by(InterviewSession.starts_at)
            .limit(limit)
        ).scalars()
    )

"""What the signed-in home page shows each user."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import (
    Candidate,
    InterviewSession,
    Loop,
    LoopStatus,
    Opening,
    Reminder,
    ReminderStatus,
    Scorecard,
    User,
)
from ..storage.types import utcnow

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


@dataclass(frozen=True)
class LoopSummary:
    loop: Loop
    drafts: int
    submitted: int
    failed_deliveries: int


def _summaries(loop_filter, limit: int = 50) -> list[LoopSummary]:
    """Loops matching `loop_filter` with scorecard and delivery counts, in three queries."""
    loops = list(
        db.session.execute(
            select(Loop)
            .options(joinedload(Loop.candidate), joinedload(Loop.opening), joinedload(Loop.debrief))
            .where(loop_filter, Loop.status.in_([LoopStatus.PLANNING, LoopStatus.CONFIRMED]))
            .order_by(Loop.created_at.desc())
            .limit(limit)
        ).scalars()
    )
    ids = [loop.id for loop in loops]
    cards: dict[tuple[int, str], int] = {}
    failed: dict[int, int] = {}
    if ids:
        for loop_id, status, count in db.session.execute(
            select(InterviewSession.loop_id, Scorecard.status, func.count(Scorecard.id))
            .join(Scorecard, Scorecard.session_id == InterviewSession.id)
            .where(InterviewSession.loop_id.in_(ids), Scorecard.retired_at.is_(None))
            .group_by(InterviewSession.loop_id, Scorecard.status)
        ):
            cards[(loop_id, status)] = count
        for loop_id, count in db.session.execute(
            select(Reminder.loop_id, func.count(Reminder.id))
            .where(Reminder.loop_id.in_(ids), Reminder.status == ReminderStatus.FAILED)
            .group_by(Reminder.loop_id)
        ):
            failed[loop_id] = count
    return [
        LoopSummary(
            loop,
            cards.get((loop.id, "draft"), 0),
            cards.get((loop.id, "submitted"), 0),
            failed.get(loop.id, 0),
        )
        for loop in loops
    ]


def loops_i_am_planning(user: User) -> list[LoopSummary]:
    return _summaries(Loop.coordinator_id == user.id)


def loops_waiting_for_feedback(user: User) -> list[LoopSummary]:
    """Confirmed loops of the manager's openings that still miss scorecards (or just got them)."""
    mine = select(Opening.id).where(Opening.hiring_manager_id == user.id)
    return [s for s in _summaries(Loop.opening_id.in_(mine)) if s.loop.status == "confirmed"]

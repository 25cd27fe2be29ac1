"""What the signed-in home page shows each user."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from ..auth.permissions import debriefs_viewable
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
    SessionPanelist,
    User,
)
from ..storage.types import utcnow

UPCOMING_LIMIT = 20


def upcoming_sessions(user: User, now: datetime | None = None, limit: int = UPCOMING_LIMIT):
    """The user's own interview sessions that have not ended yet, soonest first. Once one
    ends, its draft is listed with the scorecards owed instead: one row per interview.

    Eager-loads what the page shows, so the statement count does not grow with the list."""
    now = now or utcnow()
    return list(
        db.session.execute(
            select(InterviewSession)
            .join(Loop, InterviewSession.loop_id == Loop.id)
            .where(
                or_(
                    InterviewSession.interviewer_id == user.id,
                    InterviewSession.id.in_(
                        select(SessionPanelist.session_id).where(SessionPanelist.user_id == user.id)
                    ),
                ),
                InterviewSession.ends_at > now,
                Loop.status != LoopStatus.CANCELLED,
            )
            .options(
                joinedload(InterviewSession.loop)
                .joinedload(Loop.candidate)
                .joinedload(Candidate.opening),
                joinedload(InterviewSession.script),
                joinedload(InterviewSession.rubric),
                joinedload(InterviewSession.scorecard),
                joinedload(InterviewSession.interviewer),
                selectinload(InterviewSession.panelists),
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
            .where(
                InterviewSession.loop_id.in_(ids),
                Scorecard.retired_at.is_(None),
                Scorecard.training.is_(False),  # a shadow's never holds the debrief up
            )
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


@dataclass(frozen=True)
class ManagerStep:
    """A hiring manager's loop with the one thing to do next, most urgent first."""

    summary: LoopSummary
    action: str  # own_scorecard | decide | debrief_now | wait
    label: str

    @property
    def may_open(self) -> bool:
        return self.action != "own_scorecard"


def _step(summary: LoopSummary, now: datetime, may_open: bool) -> ManagerStep:
    debrief = summary.loop.debrief
    if not may_open:
        return ManagerStep(
            summary,
            "own_scorecard",
            "You are on this panel: submit your own scorecard first; the debrief opens to you "
            "once it is in",
        )
    if summary.submitted and not summary.drafts:
        return ManagerStep(summary, "decide", "Every scorecard is in: open the debrief and decide")
    if debrief is not None and debrief.starts_at <= now:
        return ManagerStep(
            summary,
            "debrief_now",
            f"The debrief has started; {summary.drafts} scorecard"
            f"{'s are' if summary.drafts != 1 else ' is'} still missing: open it",
        )
    return ManagerStep(
        summary,
        "wait",
        f"Waiting for {summary.drafts} scorecard{'s' if summary.drafts != 1 else ''}: "
        "see who, and remind them",
    )


_URGENCY = {"own_scorecard": 0, "decide": 1, "debrief_now": 2, "wait": 3}


def manager_next_steps(user: User, now: datetime | None = None) -> list[ManagerStep]:
    """Confirmed loops of the manager's openings, ordered by what they must do next: decide,
    then debriefs under way, then the rest by debrief time."""
    now = now or utcnow()
    mine = select(Opening.id).where(Opening.hiring_manager_id == user.id)
    confirmed = [s for s in _summaries(Loop.opening_id.in_(mine)) if s.loop.status == "confirmed"]
    viewable = debriefs_viewable(user, [s.loop for s in confirmed])
    steps = [_step(s, now, s.loop.id in viewable) for s in confirmed]
    far = datetime.max.replace(tzinfo=now.tzinfo)
    return sorted(
        steps,
        key=lambda step: (
            _URGENCY[step.action],
            step.summary.loop.debrief.starts_at if step.summary.loop.debrief else far,
        ),
    )

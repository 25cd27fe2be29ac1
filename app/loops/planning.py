"""Plain functions that plan a candidate's loop."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from ..extensions import db
from ..models import (
    Candidate,
    Debrief,
    InterviewSession,
    Loop,
    LoopStatus,
    RubricVersion,
    Scorecard,
    ScriptVersion,
    User,
)

DEBRIEF_MINUTES = 30


class PlanningError(ValueError):
    """A planning request that cannot be carried out; the message says what to change."""


def start_loop(candidate: Candidate, coordinator: User | None) -> Loop:
    loop = Loop(
        candidate=candidate,
        opening_id=candidate.opening_id,
        coordinator=coordinator,
        status=LoopStatus.PLANNING,
    )
    db.session.add(loop)
    db.session.flush()
    return loop


def add_session(
    loop: Loop,
    interviewer: User,
    script: ScriptVersion,
    rubric: RubricVersion,
    starts_at: datetime,
    focus_competencies: Sequence[str] = (),
    meeting_url: str = "",
) -> InterviewSession:
    """Add an interview to the loop; its draft scorecard exists from this moment on, so
    "still a draft" includes "never opened"."""
    rubric_keys = {c["key"] for c in rubric.competencies}
    unknown = [key for key in focus_competencies if key not in rubric_keys]
    if unknown:
        raise PlanningError(
            f"{', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} not in the rubric "
            f"{rubric.title}: pick focus competencies from the session's rubric."
        )
    session = InterviewSession(
        loop=loop,
        interviewer=interviewer,
        script=script,
        rubric=rubric,
        focus_competencies=list(focus_competencies),
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=script.total_minutes),
        meeting_url=meeting_url,
    )
    db.session.add(session)
    db.session.add(Scorecard(session=session, interviewer=interviewer))
    db.session.flush()
    return session


def schedule_debrief(loop: Loop, delay_minutes: int | None = None) -> Debrief:
    """Place the debrief a short delay after the last session ends (unless it is pinned)."""
    if not loop.sessions:
        raise PlanningError("Plan at least one interview before scheduling the debrief.")
    delay = loop.opening.debrief_delay_minutes if delay_minutes is None else delay_minutes
    last_end = max(s.ends_at for s in loop.sessions)
    starts_at = last_end + timedelta(minutes=delay)
    debrief = loop.debrief
    if debrief is None:
        debrief = Debrief(
            loop=loop, starts_at=starts_at, ends_at=starts_at + timedelta(minutes=DEBRIEF_MINUTES)
        )
        db.session.add(debrief)
    elif not debrief.pinned and debrief.starts_at != starts_at:
        debrief.starts_at = starts_at
        debrief.ends_at = starts_at + timedelta(minutes=DEBRIEF_MINUTES)
        debrief.invite_sequence += 1
    db.session.flush()
    return debrief

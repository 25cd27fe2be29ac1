"""Loading a loop with its whole panel, for the pages that show all of it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import InterviewSession, Loop


def load_loop(loop_id: int) -> Loop | None:
    """The loop with candidate, opening, debrief and every session's interviewer, script,
    rubric and scorecard, in one query."""
    return (
        db.session.execute(
            select(Loop)
            .options(
                joinedload(Loop.candidate),
                joinedload(Loop.opening),
                joinedload(Loop.debrief),
                joinedload(Loop.sessions).options(
                    joinedload(InterviewSession.interviewer),
                    joinedload(InterviewSession.script),
                    joinedload(InterviewSession.rubric),
                    joinedload(InterviewSession.scorecard),
                ),
            )
            .where(Loop.id == loop_id)
        )
        .unique()
        .scalar_one_or_none()
    )

"""Loading a loop with its whole panel, for the pages that show all of it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..models import Debrief, InterviewSession, Loop, PanelVerdict, Scorecard, SessionPanelist


def _whole_loops():
    return select(Loop).options(
        joinedload(Loop.candidate),
        joinedload(Loop.opening),
        joinedload(Loop.debrief).options(
            joinedload(Debrief.decided_by),
            selectinload(Debrief.verdicts).joinedload(PanelVerdict.panelist),
        ),
        joinedload(Loop.sessions).options(
            joinedload(InterviewSession.interviewer),
            joinedload(InterviewSession.script),
            joinedload(InterviewSession.rubric),
            joinedload(InterviewSession.scorecard),
            selectinload(InterviewSession.scorecards).joinedload(Scorecard.interviewer),
            selectinload(InterviewSession.panelists).joinedload(SessionPanelist.user),
        ),
    )


def load_loop(loop_id: int) -> Loop | None:
    """The loop with candidate, opening, debrief and every session's interviewer, script,
    rubric and scorecard in one query (and the debrief's verdicts in a second)."""
    return (
        db.session.execute(_whole_loops().where(Loop.id == loop_id)).unique().scalar_one_or_none()
    )


def load_opening_loops(opening_id: int) -> list[Loop]:
    """Every loop of an opening (cancelled ones too), each as whole as `load_loop`'s, in two
    queries, oldest first."""
    return list(
        db.session.execute(_whole_loops().where(Loop.opening_id == opening_id).order_by(Loop.id))
        .unique()
        .scalars()
    )

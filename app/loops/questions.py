"""Questions a candidate would hear twice in one loop: what earlier interviews' scripts ask
(shown on the interview page), and the planner's warning for scripts that share questions."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import InterviewSession, Loop
from .checks import Warning

QUOTE_LENGTH = 70


def asked_earlier(session: InterviewSession) -> dict[str, list[InterviewSession]]:
    """Each of this interview's questions (by its text in this script) that an interview of
    the same loop before it also asks, with those interviews, earliest first. One query."""
    earlier = (
        db.session.execute(
            select(InterviewSession)
            .options(joinedload(InterviewSession.script), joinedload(InterviewSession.interviewer))
            .where(
                InterviewSession.loop_id == session.loop_id,
                InterviewSession.id != session.id,
                InterviewSession.starts_at < session.starts_at,
            )
            .order_by(InterviewSession.starts_at)
        )
        .scalars()
        .all()
    )
    mine = session.script.interviewer_questions
    found: dict[str, list[InterviewSession]] = {}
    for other in earlier:
        for key in other.script.interviewer_questions.keys() & mine.keys():
            found.setdefault(mine[key], []).append(other)
    return found


def _quote(text: str) -> str:
    return f"“{text}”" if len(text) <= QUOTE_LENGTH else f"“{text[: QUOTE_LENGTH - 1]}…”"


def shared_question_warnings(loop: Loop) -> list[Warning]:
    """Two interviews of the loop whose scripts ask the same question."""
    ordered = sorted(loop.sessions, key=lambda s: (s.starts_at, s.id))
    warnings = []
    for index, first in enumerate(ordered):
        for later in ordered[index + 1 :]:
            theirs = later.script.interviewer_questions
            shared = [
                ask for key, ask in first.script.interviewer_questions.items() if key in theirs
            ]
            if not shared:
                continue
            more = f" and {len(shared) - 1} more" if len(shared) > 1 else ""
            warnings.append(
                Warning(
                    "shared_questions",
                    f"The interviews with {first.interviewer.name} and {later.interviewer.name} "
                    f"ask the same {'question' if len(shared) == 1 else 'questions'} "
                    f"({_quote(shared[0])}{more}): the candidate would hear "
                    f"{'it' if len(shared) == 1 else 'them'} twice. Give one of them another "
                    "script.",
                    (first.id, later.id),
                )
            )
    return warnings

"""What candidates asked: the bank entries ticked on submitted scorecards and the questions
typed in, counted per opening (what the pitch should cover next time), and the questions
nobody could answer on the call (what we owe the candidate)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import select

from ..extensions import db
from ..models import (
    CandidateAnswer,
    InterviewSession,
    Loop,
    Opening,
    Scorecard,
    ScorecardStatus,
    question_key,
)

MOST_ASKED = 8


def lines_of(text: str | None) -> list[str]:
    """One question per line, blank lines dropped."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


@dataclass(frozen=True)
class AskedCount:
    question: str
    scorecards: int  # how many interviews heard it
    from_bank: bool


def most_asked(opening: Opening, limit: int = MOST_ASKED) -> list[AskedCount]:
    """The questions this opening's candidates asked most, over submitted scorecards: bank
    entries by their ticks, typed questions by their words. Two queries."""
    rows = db.session.execute(
        select(Scorecard.asked_answers, Scorecard.candidate_questions)
        .join(InterviewSession, Scorecard.session_id == InterviewSession.id)
        .join(Loop, InterviewSession.loop_id == Loop.id)
        .where(
            Loop.opening_id == opening.id,
            Scorecard.status == ScorecardStatus.SUBMITTED,
            Scorecard.retired_at.is_(None),
            Scorecard.training.is_(False),
        )
    ).all()
    ticks: Counter[int] = Counter()
    typed: Counter[str] = Counter()
    wording: dict[str, str] = {}
    for asked, questions in rows:
        ticks.update(int(key) for key in asked or {})
        for line in dict.fromkeys(lines_of(questions)):
            key = question_key(line)
            typed[key] += 1
            wording.setdefault(key, line)
    bank = _questions_of(set(ticks))
    counted = [AskedCount(bank[i], n, True) for i, n in ticks.items() if i in bank]
    counted += [AskedCount(wording[key], n, False) for key, n in typed.items()]
    counted.sort(key=lambda c: (-c.scorecards, c.question.casefold()))
    return counted[:limit]


def bank_questions(cards: list[Scorecard]) -> dict[int, str]:
    """The bank question each ticked id stands for, over these scorecards: one query."""
    return _questions_of({int(key) for card in cards for key in card.asked_answers or {}})


def _questions_of(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = db.session.execute(
        select(CandidateAnswer.id, CandidateAnswer.question).where(CandidateAnswer.id.in_(ids))
    )
    return dict(rows.all())

"""Keep the answer bank: list, add, change and delete agreed answers, each audited.

Pay and benefits answers are shown only to those who may see compensation (admins and the
opening's hiring manager): an interviewer never reads a figure they may not see."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select

from ..auth.permissions import can
from ..extensions import db
from ..models import AnswerTopic, CandidateAnswer, Opening, User, record_audit


@dataclass(frozen=True)
class AnswerDetails:
    topic: str
    question: str
    answer: str


def _sees_pay(user: User, opening: Opening | None) -> bool:
    return can(user, "answers.view_compensation", opening)


def answers_for(user: User, opening: Opening | None) -> list[CandidateAnswer]:
    """The answers `user` may read for an opening (its own and the team's), or the team's
    alone (`opening` None), by topic then question. One query."""
    scope = CandidateAnswer.opening_id.is_(None)
    if opening is not None:
        scope = or_(scope, CandidateAnswer.opening_id == opening.id)
    statement = select(CandidateAnswer).where(scope)
    if not _sees_pay(user, opening):
        statement = statement.where(CandidateAnswer.topic != AnswerTopic.COMPENSATION)
    rows = db.session.execute(statement).scalars().all()
    order = {topic.value: index for index, topic in enumerate(AnswerTopic)}
    return sorted(rows, key=lambda a: (order[a.topic], a.question.casefold(), a.id))


def add_answer(actor: User, opening: Opening | None, details: AnswerDetails) -> CandidateAnswer:
    answer = CandidateAnswer(
        opening_id=opening.id if opening is not None else None,
        topic=details.topic,
        question=details.question,
        answer=details.answer,
        created_by_id=actor.id,
    )
    db.session.add(answer)
    db.session.flush()
    record_audit(actor, "answer.added", answer, question=details.question)
    return answer


def update_answer(actor: User, answer: CandidateAnswer, details: AnswerDetails) -> bool:
    changed = [
        name
        for name in ("topic", "question", "answer")
        if getattr(answer, name) != getattr(details, name)
    ]
    if not changed:
        return False
    for name in changed:
        setattr(answer, name, getattr(details, name))
    record_audit(actor, "answer.changed", answer, question=answer.question, fields=changed)
    return True


def delete_answer(actor: User, answer: CandidateAnswer) -> None:
    """Gone from the bank; scorecards that ticked it keep the tick, shown as a removed answer."""
    record_audit(actor, "answer.deleted", answer, question=answer.question)
    db.session.delete(answer)

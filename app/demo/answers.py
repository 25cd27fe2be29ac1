"""The demo's answer bank: what candidates for the backend opening ask, answered as the demo
team would, and (on the past month's scorecards) which of them candidates asked."""

from __future__ import annotations

import random

from ..answers.bank import AnswerDetails
from ..extensions import db
from ..models import CandidateAnswer, Opening, Scorecard, User

OPENING_ANSWERS = [
    AnswerDetails(
        "remote",
        "Can I work remotely?",
        "Yes, from anywhere in the EU. The team meets in Berlin for two days every quarter; "
        "travel is paid.",
    ),
    AnswerDetails(
        "work",
        "What would my first project be?",
        "Moving the invoicing service off the old queue. It is well scoped, touches most of "
        "the stack and has a clear owner to pair with.",
    ),
    AnswerDetails(
        "team",
        "How big is the team, and who would I work with?",
        "Six engineers, a product manager and a designer. You would pair most with the two "
        "people who run the payments services.",
    ),
]
TEAM_ANSWERS = [
    AnswerDetails(
        "process",
        "What are the next steps, and how long do they take?",
        "A design interview, then a debrief the same day. You hear from us within two working "
        "days of your last interview, either way.",
    ),
    AnswerDetails(
        "growth",
        "Is there a learning budget?",
        "1,500 EUR a year per person, for courses, books or conferences; no approval needed "
        "under 300 EUR.",
    ),
    AnswerDetails(
        "compensation",
        "What is the salary band for this level?",
        "Senior engineers: 85,000 to 105,000 EUR, plus equity. Only the hiring manager "
        "discusses figures.",
    ),
]
# Asked on past calls, with no agreed answer yet: what the pitch should cover next.
TYPED = ["How is on-call paid?", "Do you sponsor visas?", "How often do you release?"]


def seed_answers(manager: User, opening: Opening) -> list[CandidateAnswer]:
    """The opening's answers and the team's, as if kept all along (no audit of a seed).
    Flushes."""
    answers = [
        CandidateAnswer(
            opening_id=scope,
            topic=d.topic,
            question=d.question,
            answer=d.answer,
            created_by_id=manager.id,
        )
        for scope, details in ((opening.id, OPENING_ANSWERS), (None, TEAM_ANSWERS))
        for d in details
    ]
    db.session.add_all(answers)
    db.session.flush()
    return answers


def tick_asked(cards: list[Scorecard], answers: list[CandidateAnswer], seed: int) -> None:
    """What each past candidate asked: mostly the remote and first-project answers, sometimes
    a question the bank does not cover. A random source of its own, so the calibration
    history's figures do not move."""
    rng = random.Random(seed)
    weights = [0.7, 0.5, 0.25, 0.35, 0.2, 0.3]
    for card in cards:
        card.asked_answers = {
            str(answer.id): True
            for answer, weight in zip(answers, weights, strict=False)
            if rng.random() < weight / 2
        }
        if rng.random() < 0.3:
            card.candidate_questions = rng.choice(TYPED)

"""A past month of decided loops for the demo opening, so calibration has something to show.

Each past candidate has a true strength; each interviewer rates it through a bias of their
own (one rates high, one low) and some noise, writes a recommendation that follows their
levels, and takes their own time to submit. The hiring manager decides with the composite,
now and then against it with a reason. Seeded from a fixed random seed: the same demo every
time. Not part of the test suite's demo fixture: only `make run` and calibration tests ask."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from statistics import fmean

from sqlalchemy import select

from ..auth.accounts import create_user, find_user_by_email
from ..extensions import db
from ..loops.planning import add_session, schedule_debrief, start_loop
from ..models import (
    Candidate,
    CandidateStatus,
    Decision,
    LoopStatus,
    Recommendation,
    RubricVersion,
    Scorecard,
    ScorecardStatus,
    ScriptVersion,
    User,
)

DEMO_PASSWORD = "loopkit-demo"  # noqa: S105  (printed by `make run`; demo data only)

HISTORY_USERS = [
    # email, name, time zone, seniority (1 newest .. 5 most senior)
    ("noor@example.com", "Noor Haddad", "Asia/Amman", 4),
    ("jonas@example.com", "Jonas Berg", "Europe/Stockholm", 2),
    ("mei@example.com", "Mei Lin", "Asia/Singapore", 3),
]
# How far each interviewer's levels sit from the candidate's true strength, and how many hours
# they usually take to submit: the demo's calibration story.
HABITS = {
    "priya@example.com": (0.0, 3),
    "tomas@example.com": (0.8, 30),
    "kwame@example.com": (-0.7, 8),
    "noor@example.com": (0.1, 5),
    "jonas@example.com": (-0.2, 20),
    "mei@example.com": (0.4, 2),
}
PAST_NAMES = [
    "Sofia Marino",
    "Daniel Kowalski",
    "Aisha Bello",
    "Hiroshi Tanaka",
    "Elena Petrova",
    "Marcus Johansson",
    "Fatima Zahra",
    "Liam O'Connor",
    "Ana Souza",
    "Yusuf Demir",
    "Chloé Martin",
    "Ravi Iyer",
]
BACKEND_FOCUS = ["api-design", "data-modelling", "production-operations"]
DESIGN_FOCUS = ["architecture-tradeoffs", "reliability-failure-modes"]
EVIDENCE = {
    1: "Could not get past the first follow-up question; guessed at the rest.",
    2: "Covered the basics with prompting; the trade-offs stayed vague.",
    3: "Solid answer with a worked example, and named the main risk unprompted.",
    4: "Went deeper than asked, with numbers from their own systems and what they would change.",
}


@dataclass(frozen=True)
class History:
    loops: int
    scorecards: int
    cards: list[Scorecard] = field(default_factory=list)


def latest_version(model: type[RubricVersion] | type[ScriptVersion], key: str):
    return db.session.execute(
        select(model).where(model.key == key).order_by(model.version.desc()).limit(1)
    ).scalar_one()


def _level(strength: float, bias: float, rng: random.Random) -> int:
    return max(1, min(4, round(strength + bias + rng.gauss(0, 0.6))))


def _recommendation(levels: list[int]) -> str:
    mean = fmean(levels)
    if mean >= 3.4:
        return Recommendation.STRONG_YES.value
    if mean > 2.5:
        return Recommendation.YES.value
    if mean > 1.6:
        return Recommendation.NO.value
    return Recommendation.STRONG_NO.value


def history_users(team_users: dict[str, User]) -> dict[str, User]:
    """The demo's interviewers and the three more a month of loops needs, by email."""
    users = {user.email: user for user in team_users.values()}
    for email, name, tz, seniority in HISTORY_USERS:
        user = find_user_by_email(email)
        if user is None:
            user = create_user(email, name, "interviewer", DEMO_PASSWORD, tz)
            user.seniority = seniority
        users[email] = user
    db.session.flush()
    return users


def seed_history(
    team_users: dict[str, User],
    opening,
    now: datetime,
    candidates: int = len(PAST_NAMES),
    days: int = 28,
    seed: int = 7,
) -> History:
    """`candidates` past loops of four interviews over the last `days` days, every scorecard
    submitted and every loop decided. Flushes; the caller commits."""
    rng = random.Random(seed)
    users = history_users(team_users)
    manager = team_users["manager"]
    coordinator = team_users["coordinator"]
    panel = [users[email] for email in HABITS]
    backend = latest_version(RubricVersion, "backend-engineer")
    design = latest_version(RubricVersion, "system-design")
    staged = latest_version(ScriptVersion, "staged-45")
    design_script = latest_version(ScriptVersion, "system-design")
    scorecards = 0
    cards: list[Scorecard] = []
    for index in range(candidates):
        name = PAST_NAMES[index % len(PAST_NAMES)]
        if index >= len(PAST_NAMES):
            name = f"{name} ({index // len(PAST_NAMES) + 1})"
        day = (now - timedelta(days=days - (index * days) // max(candidates, 1) + 1)).date()
        starts = datetime.combine(day, time(9, 0), now.tzinfo)
        candidate = Candidate(
            opening=opening,
            name=name,
            email=f"past-{seed}-{index}@example.org",
            last_activity_at=starts,
        )
        db.session.add(candidate)
        db.session.flush()
        loop = start_loop(candidate, coordinator)
        strength = rng.uniform(1.4, 3.9)
        interviewers = rng.sample(panel, 4)
        plan = [
            (staged, backend, BACKEND_FOCUS),
            (staged, backend, BACKEND_FOCUS),
            (design_script, design, DESIGN_FOCUS),
            (design_script, design, DESIGN_FOCUS),
        ]
        all_levels = []
        last_in = starts
        for (script, rubric, focus), interviewer in zip(plan, interviewers, strict=True):
            session = add_session(loop, interviewer, script, rubric, starts, focus)
            starts = session.ends_at + timedelta(minutes=15)
            bias, hours = HABITS[interviewer.email]
            levels = {key: _level(strength, bias, rng) for key in focus}
            all_levels.extend(levels.values())
            card = session.scorecard
            cards.append(card)
            card.ratings = {
                key: {"level": level, "evidence": EVIDENCE[level], "not_assessed": False}
                for key, level in levels.items()
            }
            card.recommendation = _recommendation(list(levels.values()))
            card.summary = "Seeded for the demo's calibration history."
            card.status = ScorecardStatus.SUBMITTED
            late = session.ends_at + timedelta(hours=rng.expovariate(1 / hours))
            card.submitted_at = min(late, now - timedelta(hours=1))
            last_in = max(last_in, card.submitted_at)
            scorecards += 1
        db.session.refresh(loop)
        loop.status = LoopStatus.DECIDED
        loop.confirmed_at = loop.sessions[0].starts_at - timedelta(days=3)
        debrief = schedule_debrief(loop)
        with_composite = fmean(all_levels) > 2.5
        against = rng.random() < 0.15
        hire = with_composite != against
        debrief.decision = (Decision.HIRE if hire else Decision.NO_HIRE).value
        debrief.rationale = (
            "The panel's evidence was consistent on the core skills."
            if not against
            else "Decided against the composite after the discussion."
        )
        if against:
            debrief.override_reason = (
                "One interview's evidence outweighed the averages; see the discussion notes."
            )
        debrief.decided_by = manager
        # The decision waits for the last scorecard, as the debrief page makes it.
        debrief.decided_at = min(max(debrief.ends_at, last_in + timedelta(minutes=30)), now)
        candidate.status = (CandidateStatus.HIRED if hire else CandidateStatus.NOT_HIRED).value
        candidate.last_activity_at = debrief.decided_at
    db.session.flush()
    return History(loops=candidates, scorecards=scorecards, cards=cards)

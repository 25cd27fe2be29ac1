"""How fast feedback and decisions come, from timestamps already kept: interview end to
scorecard submitted, last interview to decision, week by week over a chosen period.

Each figure reads only the period's rows (interviews that ended in it, found by the index on
`interview_sessions.ends_at`), so a page costs the same however long the history behind it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median

from sqlalchemy import ColumnElement, func, select

from ..extensions import db
from ..models import (
    Candidate,
    Debrief,
    InterviewSession,
    Loop,
    LoopStatus,
    Opening,
    Scorecard,
    ScorecardStatus,
    User,
)

HOUR = timedelta(hours=1)
DAY = timedelta(hours=24)
TWO_DAYS = timedelta(hours=48)
PERIODS = (4, 8, 13, 26)  # weeks a reader can choose
DEFAULT_WEEKS = 8


def _hours(delta: timedelta) -> float:
    return max(delta.total_seconds(), 0.0) / 3600


def _share(values: list[timedelta], limit: timedelta) -> float | None:
    return sum(1 for v in values if v <= limit) / len(values) if values else None


def _percentile(values: list[float], pct: float) -> float | None:
    """Nearest rank: a value someone actually waited, not an interpolation."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]


@dataclass(frozen=True)
class Week:
    starts: datetime
    scorecards: int
    median_hours: float | None
    within_day: float | None


@dataclass(frozen=True)
class Speed:
    since: datetime
    scorecards: int
    feedback_median_hours: float | None
    feedback_p90_hours: float | None
    within_hour: float | None
    within_day: float | None
    decisions: int
    decision_median_hours: float | None
    decided_within_two_days: float | None
    weeks: list[Week]


def _week_of(moment: datetime) -> datetime:
    start = moment - timedelta(days=moment.weekday())
    return start.replace(hour=0, minute=0, second=0, microsecond=0)


def speed(
    scope: ColumnElement[bool],
    now: datetime,
    weeks: int = DEFAULT_WEEKS,
    interviewer_id: int | None = None,
) -> Speed:
    """The figures for interviews in `scope`'s openings that ended in the last `weeks` weeks
    (whole weeks, from a Monday, UTC); with `interviewer_id`, that interviewer's scorecards
    only, and no decisions (they are not theirs)."""
    since = _week_of(now) - timedelta(weeks=weeks - 1)
    # Their own scorecards (led or beside the lead); the team's leave shadows' training out.
    whose = (
        [Scorecard.training.is_(False)]
        if interviewer_id is None
        else [Scorecard.interviewer_id == interviewer_id]
    )
    feedback = db.session.execute(
        select(InterviewSession.ends_at, Scorecard.submitted_at)
        .join(Scorecard, Scorecard.session_id == InterviewSession.id)
        .join(Loop, InterviewSession.loop_id == Loop.id)
        .join(Opening, Loop.opening_id == Opening.id)
        .where(
            InterviewSession.ends_at >= since,
            InterviewSession.ends_at <= now,
            Scorecard.status == ScorecardStatus.SUBMITTED,
            Scorecard.retired_at.is_(None),
            scope,
            *whose,
        )
    ).all()
    last_end = (
        select(InterviewSession.loop_id, func.max(InterviewSession.ends_at).label("ended"))
        .where(InterviewSession.ends_at >= since)
        .group_by(InterviewSession.loop_id)
        .subquery()
    )
    decided = []
    if interviewer_id is None:
        decided = db.session.execute(
            select(last_end.c.ended, Debrief.decided_at)
            .join(Debrief, Debrief.loop_id == last_end.c.loop_id)
            .join(Loop, Loop.id == last_end.c.loop_id)
            .join(Opening, Loop.opening_id == Opening.id)
            .where(Debrief.decided_at.is_not(None), last_end.c.ended <= now, scope)
        ).all()

    waits = [row.submitted_at - row.ends_at for row in feedback]
    hours = [_hours(w) for w in waits]
    by_week: dict[datetime, list[timedelta]] = defaultdict(list)
    for row, wait in zip(feedback, waits, strict=True):
        by_week[_week_of(row.ends_at)].append(wait)
    week_list = []
    for n in range(weeks):
        starts = since + timedelta(weeks=n)
        these = by_week.get(starts, [])
        week_list.append(
            Week(
                starts=starts,
                scorecards=len(these),
                median_hours=median(_hours(w) for w in these) if these else None,
                within_day=_share(these, DAY),
            )
        )
    decision_waits = [row.decided_at - row.ended for row in decided]
    return Speed(
        since=since,
        scorecards=len(waits),
        feedback_median_hours=median(hours) if hours else None,
        feedback_p90_hours=_percentile(hours, 90),
        within_hour=_share(waits, HOUR),
        within_day=_share(waits, DAY),
        decisions=len(decision_waits),
        decision_median_hours=median(_hours(w) for w in decision_waits) if decision_waits else None,
        decided_within_two_days=_share(decision_waits, TWO_DAYS),
        weeks=week_list,
    )


def week_rows(figures: Speed) -> list[dict]:
    """The weekly share of scorecards in within a day, as bar chart rows."""
    rows = []
    for week in figures.weeks:
        if week.within_day is None:
            text = "no interviews"
        else:
            text = (
                f"{week.within_day:.0%} in a day · median {week.median_hours:.1f} h "
                f"({week.scorecards})"
            )
        rows.append(
            {
                "label": f"Week of {week.starts:%d %b}",
                "value": week.within_day or 0.0,
                "text": text,
                "fill": "#2166ac",
            }
        )
    return rows


# ---- What is late right now, each with the one step that unblocks it ----


@dataclass(frozen=True)
class LateScorecard:
    loop_id: int
    session_id: int
    candidate: str
    interviewer: str
    ended_at: datetime
    interviewer_id: int = 0


@dataclass(frozen=True)
class LateDecision:
    loop_id: int
    candidate: str
    debrief_at: datetime
    missing: int  # scorecards still out: move the debrief; none: decide


@dataclass(frozen=True)
class Late:
    scorecards: list[LateScorecard]  # not in a day after the interview: remind
    decisions: list[LateDecision]  # the debrief has begun and nothing is decided


def late_now(scope: ColumnElement[bool], now: datetime) -> Late:
    """Open work past its time, in two statements: what is outstanding, not the history."""
    drafts = db.session.execute(
        select(
            InterviewSession.loop_id,
            InterviewSession.id,
            InterviewSession.ends_at,
            Candidate.name,
            User.name.label("interviewer"),
            Scorecard.interviewer_id,
        )
        .join(Scorecard, Scorecard.session_id == InterviewSession.id)
        .join(Loop, InterviewSession.loop_id == Loop.id)
        .join(Candidate, Loop.candidate_id == Candidate.id)
        .join(Opening, Loop.opening_id == Opening.id)
        .join(User, Scorecard.interviewer_id == User.id)
        .outerjoin(Debrief, Debrief.loop_id == Loop.id)
        .where(
            Scorecard.status == ScorecardStatus.DRAFT,
            Scorecard.retired_at.is_(None),
            Scorecard.training.is_(False),  # a shadow's is never chased
            Loop.status == LoopStatus.CONFIRMED,
            Debrief.decision.is_(None),
            InterviewSession.ends_at <= now - DAY,
            scope,
        )
        .order_by(InterviewSession.ends_at)
    ).all()
    outstanding = (
        select(InterviewSession.loop_id, func.count(Scorecard.id).label("missing"))
        .join(Scorecard, Scorecard.session_id == InterviewSession.id)
        .where(
            Scorecard.status == ScorecardStatus.DRAFT,
            Scorecard.retired_at.is_(None),
            Scorecard.training.is_(False),
        )
        .group_by(InterviewSession.loop_id)
        .subquery()
    )
    undecided = db.session.execute(
        select(Loop.id, Candidate.name, Debrief.starts_at, outstanding.c.missing)
        .join(Debrief, Debrief.loop_id == Loop.id)
        .join(Candidate, Loop.candidate_id == Candidate.id)
        .join(Opening, Loop.opening_id == Opening.id)
        .outerjoin(outstanding, outstanding.c.loop_id == Loop.id)
        .where(
            Loop.status == LoopStatus.CONFIRMED,
            Debrief.decision.is_(None),
            Debrief.starts_at <= now,
            scope,
        )
        .order_by(Debrief.starts_at)
    ).all()
    return Late(
        scorecards=[
            LateScorecard(
                row.loop_id, row.id, row.name, row.interviewer, row.ends_at, row.interviewer_id
            )
            for row in drafts
        ],
        decisions=[
            LateDecision(row.id, row.name, row.starts_at, row.missing or 0) for row in undecided
        ],
    )

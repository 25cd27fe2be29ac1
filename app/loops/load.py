"""Interviewer load: how many interviews each person has in a week, against their limit, and
the planner's warnings when a loop would pass it or fall outside their own working day.

A week runs Monday to Sunday in the person's own time zone. Every loop but a cancelled one
counts, planning ones too: a slot pencilled in is a slot taken."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, union_all

from ..extensions import db
from ..models import InterviewSession, Loop, LoopStatus, PanelRole, SessionPanelist, User
from ..team import TeamPolicy
from ..web.timefmt import zone
from .checks import Warning, within_day

# Widest a week can reach past a moment in any zone: 7 days plus the largest UTC offsets.
_REACH = timedelta(days=8)


def week_of(moment: datetime, person: User) -> date:
    """The Monday of `moment`'s week in the person's zone."""
    local = moment.astimezone(zone(person.time_zone)).date()
    return local - timedelta(days=local.weekday())


@dataclass(frozen=True)
class WeekLoad:
    person: User
    week_starts: date
    interviews: int
    limit: int

    @property
    def over(self) -> bool:
        return self.interviews > self.limit


def _booked(people: Iterable[User], earliest: datetime, latest: datetime) -> list[tuple]:
    """(session id, person id, start) of every live interview of `people` in the span, led
    or sat in on (a shadow's seat is a slot taken too): one query."""
    ids = {p.id for p in people}
    if not ids:
        return []
    live = (
        Loop.status != LoopStatus.CANCELLED,
        InterviewSession.starts_at >= earliest - _REACH,
        InterviewSession.starts_at < latest + _REACH,
    )
    led = (
        select(InterviewSession.id, InterviewSession.interviewer_id, InterviewSession.starts_at)
        .join(Loop, InterviewSession.loop_id == Loop.id)
        .where(InterviewSession.interviewer_id.in_(ids), *live)
    )
    seated = (
        select(InterviewSession.id, SessionPanelist.user_id, InterviewSession.starts_at)
        .join(SessionPanelist, SessionPanelist.session_id == InterviewSession.id)
        .join(Loop, InterviewSession.loop_id == Loop.id)
        .where(SessionPanelist.user_id.in_(ids), *live)
    )
    return db.session.execute(union_all(led, seated)).all()


def weekly_loads(people: list[User], moment: datetime, policy: TeamPolicy) -> dict[int, WeekLoad]:
    """Each person's interviews in the week holding `moment` (their zone), with their limit."""
    by_person = {p.id: p for p in people}
    counts: Counter[int] = Counter()
    for _id, person_id, starts_at in _booked(people, moment, moment):
        person = by_person[person_id]
        if week_of(starts_at, person) == week_of(moment, person):
            counts[person_id] += 1
    return {
        p.id: WeekLoad(p, week_of(moment, p), counts[p.id], policy.weekly_limit_of(p))
        for p in people
    }


def load_warnings(loop: Loop, policy: TeamPolicy) -> list[Warning]:
    """A week this loop would take an interviewer past their limit, and an interview outside
    the working day they keep (only for people who have set one)."""
    sessions = loop.sessions
    if not sessions:
        return []
    people = {person.id: person for s in sessions for person in s.people}
    booked = _booked(
        people.values(), min(s.starts_at for s in sessions), max(s.starts_at for s in sessions)
    )
    weeks: Counter[tuple[int, date]] = Counter(
        (person_id, week_of(starts_at, people[person_id])) for _id, person_id, starts_at in booked
    )
    warnings: list[Warning] = []
    for (person_id, week), count in sorted(weeks.items(), key=lambda item: item[0]):
        person = people[person_id]
        limit = policy.weekly_limit_of(person)
        ours = [
            s
            for s in sessions
            if person_id in {p.id for p in s.people} and week_of(s.starts_at, person) == week
        ]
        if count > limit and ours:
            warnings.append(
                Warning(
                    "over_weekly_limit",
                    f"{person.name} would have {count} interviews in the week of "
                    f"{week:%a %d %b} ({person.time_zone}); their limit is {limit} a week. "
                    "Ask someone else, or move this one to another week.",
                    tuple(s.id for s in ours),
                )
            )
    for session in sorted(sessions, key=lambda s: s.starts_at):
        person = session.interviewer
        if person.working_day_starts is None or person.working_day_ends is None:
            continue
        starts, ends = person.working_day_starts, person.working_day_ends
        local_start = session.starts_at.astimezone(zone(person.time_zone))
        local_end = session.ends_at.astimezone(zone(person.time_zone))
        if within_day(local_start, local_end, starts, ends):
            continue
        warnings.append(
            Warning(
                "outside_interviewer_hours",
                f"The interview with {person.name} at {local_start:%a %d %b %H:%M}–"
                f"{local_end:%H:%M} their time ({person.time_zone}) is outside the working day "
                f"they keep ({starts:%H:%M}–{ends:%H:%M}). Move it, or check they can make it.",
                (session.id,),
            )
        )
    return warnings


@dataclass(frozen=True)
class Experience:
    """Interviews a person has done, by part: who is ready to interview alone."""

    led: int = 0
    co: int = 0
    shadowed: int = 0

    @property
    def words(self) -> str:
        return f"led {self.led}, co-interviewed {self.co}, shadowed {self.shadowed}"


def experience_of(people: Iterable[User], now: datetime) -> dict[int, Experience]:
    """Interviews held (ended, in loops not cancelled) that each person led, co-interviewed or
    shadowed. Two grouped queries, however many people."""
    ids = {p.id for p in people}
    held = (Loop.status != LoopStatus.CANCELLED, InterviewSession.ends_at <= now)
    led = dict(
        db.session.execute(
            select(InterviewSession.interviewer_id, func.count())
            .join(Loop, InterviewSession.loop_id == Loop.id)
            .where(InterviewSession.interviewer_id.in_(ids), *held)
            .group_by(InterviewSession.interviewer_id)
        ).all()
    )
    seats: dict[tuple[int, str], int] = {
        (user_id, role): n
        for user_id, role, n in db.session.execute(
            select(SessionPanelist.user_id, SessionPanelist.role, func.count())
            .join(InterviewSession, SessionPanelist.session_id == InterviewSession.id)
            .join(Loop, InterviewSession.loop_id == Loop.id)
            .where(SessionPanelist.user_id.in_(ids), *held)
            .group_by(SessionPanelist.user_id, SessionPanelist.role)
        ).all()
    }
    return {
        i: Experience(
            led.get(i, 0), seats.get((i, PanelRole.CO), 0), seats.get((i, PanelRole.SHADOW), 0)
        )
        for i in ids
    }

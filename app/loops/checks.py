"""Candidate-friendly schedule checks: warnings with their reason, never silent.

Interviewing is bidirectional and candidates are people: five rounds in a day, a round at
18:00 their time, or three hours without a break produce bad signal and a bad impression.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Candidate, InterviewSession, Loop, LoopStatus
from ..team import TeamPolicy
from .planning import CoverageRow

MAX_SESSIONS_PER_DAY = 4
MAX_BLOCK = timedelta(hours=2)
MIN_BREAK = timedelta(minutes=15)


@dataclass(frozen=True)
class Warning:
    # too_many_in_a_day | outside_working_hours | no_break | back_to_back | candidate_overlap |
    # double_booked | in_the_past | debrief_before_last_interview | debrief_outside_hours |
    # too_few_raters | too_many_interviews | over_weekly_limit | outside_interviewer_hours |
    # shared_questions
    kind: str
    message: str
    session_ids: tuple[int, ...] = field(default=())


def _hm(value: time) -> str:
    return value.strftime("%H:%M")


def within_day(local_start: datetime, local_end: datetime, starts: time, ends: time) -> bool:
    """A span (in someone's own zone) that lies inside their working day, on one date."""
    return (
        starts <= local_start.time()
        and local_end.time() <= ends
        and local_start.date() == local_end.date()
    )


def schedule_warnings(
    candidate: Candidate,
    sessions: Sequence[InterviewSession],
    other_bookings=None,
    now: datetime | None = None,
) -> list[Warning]:
    """Warnings for a candidate's sessions, judged in the candidate's time zone.

    `other_bookings` maps a session id to the interviewer's clashing sessions elsewhere
    (see `interviewer_clashes`); given `now`, sessions already started are named too."""
    zone = ZoneInfo(candidate.time_zone)
    ordered = sorted(sessions, key=lambda s: s.starts_at)
    warnings: list[Warning] = []

    by_day: dict = defaultdict(list)
    for session in ordered:
        by_day[session.starts_at.astimezone(zone).date()].append(session)
    for day, on_day in sorted(by_day.items()):
        if len(on_day) > MAX_SESSIONS_PER_DAY:
            warnings.append(
                Warning(
                    "too_many_in_a_day",
                    f"{len(on_day)} interviews on {day:%a %d %b} in the candidate's time zone "
                    f"({candidate.time_zone}); more than {MAX_SESSIONS_PER_DAY} in a day wears "
                    "anyone out and the last ones give poor signal. Move some to another day.",
                    tuple(s.id for s in on_day),
                )
            )

    start_of_day, end_of_day = candidate.working_hours_start, candidate.working_hours_end
    for session in ordered:
        local_start = session.starts_at.astimezone(zone)
        local_end = session.ends_at.astimezone(zone)
        if not within_day(local_start, local_end, start_of_day, end_of_day):
            warnings.append(
                Warning(
                    "outside_working_hours",
                    f"{local_start:%a %d %b %H:%M}–{local_end:%H:%M} candidate time "
                    f"({candidate.time_zone}) is outside their working hours "
                    f"({_hm(start_of_day)}–{_hm(end_of_day)}).",
                    (session.id,),
                )
            )

    block = [ordered[0]] if ordered else []
    for session in ordered[1:]:
        block_end = max(s.ends_at for s in block)
        if session.starts_at - block_end < MIN_BREAK:
            block.append(session)
            continue
        warnings.extend(_long_block(block, zone))
        block = [session]
    warnings.extend(_long_block(block, zone))
    in_long_blocks = {i for w in warnings if w.kind == "no_break" for i in w.session_ids}
    warnings.extend(_pairs_too_close(ordered, zone, in_long_blocks))

    if now is not None:
        for session in ordered:
            if session.starts_at < now:
                warnings.append(
                    Warning(
                        "in_the_past",
                        f"The interview with {session.interviewer.name} at "
                        f"{session.starts_at.astimezone(zone):%a %d %b %H:%M} candidate time "
                        "has already started or happened. Move it, or it is confirmed as a "
                        "record of the past: its scorecards fall due at once, and no mail says a "
                        "debrief that has begun is near.",
                        (session.id,),
                    )
                )

    for session in ordered:
        for other in ordered:
            if other.id <= session.id or other.interviewer_id != session.interviewer_id:
                continue
            if other.starts_at < session.ends_at and session.starts_at < other.ends_at:
                warnings.append(
                    Warning(
                        "double_booked",
                        f"{session.interviewer.name} is booked for two interviews of this loop at "
                        f"once ({session.starts_at.astimezone(zone):%a %H:%M} and "
                        f"{other.starts_at.astimezone(zone):%H:%M} candidate time).",
                        (session.id, other.id),
                    )
                )
    for session_id, clashes in (other_bookings or {}).items():
        session = next(s for s in ordered if s.id == session_id)
        for clash in clashes:
            warnings.append(
                Warning(
                    "double_booked",
                    f"{session.interviewer.name} is already interviewing "
                    f"{clash.loop.candidate.name} at that time "
                    f"({clash.starts_at.astimezone(zone):%a %d %b %H:%M} candidate time).",
                    (session.id,),
                )
            )
    return warnings


def _pairs_too_close(
    ordered: list[InterviewSession], zone: ZoneInfo, in_long_blocks: set[int]
) -> list[Warning]:
    """Consecutive interviews that overlap (the candidate cannot be in both) or leave less
    than a break between them (unless a long-block warning already names them)."""
    warnings = []
    for earlier, later in zip(ordered, ordered[1:], strict=False):
        gap = later.starts_at - earlier.ends_at
        when = (
            f"{earlier.interviewer.name} until {earlier.ends_at.astimezone(zone):%a %H:%M}, "
            f"{later.interviewer.name} from {later.starts_at.astimezone(zone):%H:%M} "
            "candidate time"
        )
        if gap < timedelta(0) and earlier.interviewer_id != later.interviewer_id:
            warnings.append(
                Warning(
                    "candidate_overlap",
                    f"The candidate would be in two interviews at once ({when}). Move one.",
                    (earlier.id, later.id),
                )
            )
        elif timedelta(0) <= gap < MIN_BREAK and not {earlier.id, later.id} <= in_long_blocks:
            warnings.append(
                Warning(
                    "back_to_back",
                    f"Back to back with no {int(MIN_BREAK.total_seconds() // 60)}-minute "
                    f"break ({when}): leave the candidate time to breathe.",
                    (earlier.id, later.id),
                )
            )
    return warnings


def debrief_warnings(loop: Loop, policy: TeamPolicy) -> list[Warning]:
    """A pinned debrief that an interview now runs past, and a debrief outside the hiring
    manager's working day (their own, else the team's), in their own zone."""
    debrief = loop.debrief
    if debrief is None:
        return []
    warnings = []
    last_end = max((s.ends_at for s in loop.sessions), default=None)
    if debrief.pinned and last_end is not None and debrief.starts_at < last_end:
        last = max(loop.sessions, key=lambda s: s.ends_at)
        warnings.append(
            Warning(
                "debrief_before_last_interview",
                f"The debrief is pinned to a time before the interview with "
                f"{last.interviewer.name} ends: the panel would decide without that scorecard, "
                "and its reminders would come in the wrong order. Move the debrief, or let it "
                "follow the interviews again (below).",
                (last.id,),
            )
        )
    manager = loop.opening.hiring_manager
    zone = ZoneInfo(manager.time_zone)
    start, end = debrief.starts_at.astimezone(zone), debrief.ends_at.astimezone(zone)
    first, last_hour = policy.working_day_of(manager)
    if within_day(start, end, first, last_hour):
        return warnings
    return [
        *warnings,
        Warning(
            "debrief_outside_hours",
            f"The debrief at {start:%a %d %b %H:%M}–{end:%H:%M} is outside {manager.name}'s "
            f"working day ({_hm(first)}–{_hm(last_hour)} {manager.time_zone}). Move it into their "
            "day, or check they can make it.",
        ),
    ]


def panel_warnings(loop: Loop, coverage: Sequence[CoverageRow]) -> list[Warning]:
    """Enough raters, not too many rounds: a weighted competency that fewer interviewers rate
    than the opening asks for (one rater's view is noisy), and more interviews than it allows
    (past about four each adds little)."""
    opening = loop.opening
    warnings = []
    for row in coverage:
        if row.weighted and 0 < row.raters < opening.min_raters:
            owners = sorted({s.interviewer.name for s in loop.sessions if s.id in row.owners})
            kind_of = "a must-have" if row.must_have else "weighted in the composite"
            warnings.append(
                Warning(
                    "too_few_raters",
                    f"Only {' and '.join(owners)} rates {row.name}, {kind_of}: this opening "
                    f"asks for {opening.min_raters} raters. Add it to another interview's focus.",
                    row.owners,
                )
            )
    if len(loop.sessions) > opening.max_interviews:
        warnings.append(
            Warning(
                "too_many_interviews",
                f"This loop has {len(loop.sessions)} interviews; the opening asks for at most "
                f"{opening.max_interviews}. Past about four, each one adds little: drop one or "
                "fold its focus into another.",
                tuple(s.id for s in loop.sessions),
            )
        )
    return warnings


def _long_block(block: list[InterviewSession], zone: ZoneInfo) -> list[Warning]:
    if len(block) < 2:
        return []
    start, end = block[0].starts_at, max(s.ends_at for s in block)
    if end - start <= MAX_BLOCK:
        return []
    minutes = int((end - start).total_seconds() // 60)
    return [
        Warning(
            "no_break",
            f"{minutes // 60} h {minutes % 60:02d} min of interviews from "
            f"{start.astimezone(zone):%a %H:%M} to {end.astimezone(zone):%H:%M} candidate time "
            f"without a {int(MIN_BREAK.total_seconds() // 60)}-minute break; add one.",
            tuple(s.id for s in block),
        )
    ]


def interviewer_clashes(loop: Loop) -> dict[int, list[InterviewSession]]:
    """For each session of the loop, the interviewer's overlapping sessions in other live loops
    (one query for the whole loop)."""
    sessions = loop.sessions
    if not sessions:
        return {}
    earliest = min(s.starts_at for s in sessions)
    latest = max(s.ends_at for s in sessions)
    others = (
        db.session.execute(
            select(InterviewSession)
            .join(Loop, InterviewSession.loop_id == Loop.id)
            .options(joinedload(InterviewSession.loop).joinedload(Loop.candidate))
            .where(
                InterviewSession.loop_id != loop.id,
                Loop.status != LoopStatus.CANCELLED,
                InterviewSession.interviewer_id.in_({s.interviewer_id for s in sessions}),
                InterviewSession.starts_at < latest,
                InterviewSession.ends_at > earliest,
            )
        )
        .scalars()
        .all()
    )
    clashes: dict[int, list[InterviewSession]] = {}
    for session in sessions:
        found = [
            o
            for o in others
            if o.interviewer_id == session.interviewer_id
            and o.starts_at < session.ends_at
            and session.starts_at < o.ends_at
        ]
        if found:
            clashes[session.id] = found
    return clashes


def local_datetime(value: str, zone_name: str) -> datetime:
    """Parse a `datetime-local` value entered in `zone_name`; refuse times a clock change skips
    or repeats, which would otherwise be silently shifted."""
    try:
        naive = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("Enter a date and time such as 2027-03-01T14:00.") from None
    if naive.tzinfo is not None:
        raise ValueError("Enter a local date and time without an offset.")
    zone = ZoneInfo(zone_name)
    first, second = naive.replace(tzinfo=zone, fold=0), naive.replace(tzinfo=zone, fold=1)
    if first.utcoffset() != second.utcoffset():
        round_trip = first.astimezone(ZoneInfo("UTC")).astimezone(zone).replace(tzinfo=None)
        if round_trip != naive:
            raise ValueError(
                f"{naive:%d %b %H:%M} does not exist in {zone_name}: the clocks go forward then."
            )
        raise ValueError(
            f"{naive:%d %b %H:%M} happens twice in {zone_name} (the clocks go back): pick "
            "another time."
        )
    return first

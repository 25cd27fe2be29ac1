"""Plain functions that plan a candidate's loop."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from blinker import Namespace
from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..library.store import latest_versions
from ..models import (
    Candidate,
    Debrief,
    InterviewSession,
    Loop,
    LoopStatus,
    PanelRole,
    RubricVersion,
    Scorecard,
    ScriptVersion,
    SessionPanelist,
    User,
    record_audit,
)
from ..notify.calendar import debrief_invite, session_invite
from ..notify.outbox import (
    cancel_loop_mail,
    debrief_attendees,
    queue_calendar_mail,
    sync_loop_reminders,
    told_of_events,
)
from ..storage.types import utcnow

DEBRIEF_MINUTES = 30
# Sent in the confirming transaction (the webhooks outbox writes its rows there too).
loop_confirmed = Namespace().signal("loop-confirmed")


class PlanningError(ValueError):
    """A planning request that cannot be carried out; the message says what to change."""


def start_loop(candidate: Candidate, coordinator: User | None) -> Loop:
    loop = Loop(
        candidate=candidate,
        opening_id=candidate.opening_id,
        coordinator=coordinator,
        status=LoopStatus.PLANNING,
    )
    db.session.add(loop)
    db.session.flush()
    return loop


def add_session(
    loop: Loop,
    interviewer: User,
    script: ScriptVersion,
    rubric: RubricVersion,
    starts_at: datetime,
    focus_competencies: Sequence[str] = (),
    meeting_url: str = "",
) -> InterviewSession:
    """Add an interview to the loop; its draft scorecard exists from this moment on, so
    "still a draft" includes "never opened"."""
    rubric_keys = {c["key"] for c in rubric.competencies}
    unknown = [key for key in focus_competencies if key not in rubric_keys]
    if unknown:
        names = competency_names()
        listed = ", ".join(names.get(key, key) for key in unknown)
        raise PlanningError(
            f"{listed} {'is' if len(unknown) == 1 else 'are'} not in the rubric "
            f"{rubric.title}: pick focus competencies from the session's rubric."
        )
    session = InterviewSession(
        loop=loop,
        interviewer=interviewer,
        script=script,
        rubric=rubric,
        focus_competencies=list(focus_competencies),
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=script.total_minutes),
        meeting_url=meeting_url,
    )
    db.session.add(session)
    db.session.add(Scorecard(session=session, interviewer=interviewer))
    db.session.flush()
    return session


def schedule_debrief(loop: Loop, delay_minutes: int | None = None) -> Debrief:
    """Place the debrief a short delay after the last session ends (unless it is pinned)."""
    if not loop.sessions:
        raise PlanningError("Plan at least one interview before scheduling the debrief.")
    delay = loop.opening.debrief_delay_minutes if delay_minutes is None else delay_minutes
    last_end = max(s.ends_at for s in loop.sessions)
    starts_at = last_end + timedelta(minutes=delay)
    debrief = loop.debrief
    if debrief is None:
        debrief = Debrief(
            loop=loop, starts_at=starts_at, ends_at=starts_at + timedelta(minutes=DEBRIEF_MINUTES)
        )
        db.session.add(debrief)
    elif not debrief.pinned and debrief.starts_at != starts_at:
        debrief.starts_at = starts_at
        debrief.ends_at = starts_at + timedelta(minutes=DEBRIEF_MINUTES)
        debrief.invite_sequence += 1
    db.session.flush()
    return debrief


class CoverageError(PlanningError):
    """Confirming would leave competencies without an owner and no override reason was given."""

    def __init__(self, uncovered: list[str]):
        super().__init__(
            "No interview owns " + ", ".join(uncovered) + ". Add them to a session's focus, "
            "or confirm anyway with a reason."
        )
        self.uncovered = uncovered


class NotesDecisionNeeded(PlanningError):
    """Reassigning a session whose scorecard already has notes: keep them or discard them?"""


def competency_names() -> dict[str, str]:
    """Competency key -> name across the library's newest rubric versions (one query)."""
    return {
        competency["key"]: competency["name"]
        for rubric in latest_versions(RubricVersion)
        for competency in rubric.competencies
    }


@dataclass(frozen=True)
class CoverageRow:
    key: str
    name: str
    owners: tuple[int, ...]  # ids of the sessions whose focus includes it
    raters: int = 0  # distinct interviewers among the owners: one person twice is one view
    weighted: bool = True  # counts in the composite (weight above 0, or a must-have)
    must_have: bool = False


def coverage_matrix(loop: Loop, names: dict[str, str] | None = None) -> list[CoverageRow]:
    """Every competency the opening needs, with the sessions that own it."""
    names = names if names is not None else competency_names()
    opening = loop.opening
    weights = opening.competency_weights or {}
    must_haves = set(opening.must_have_keys or [])
    rows = []
    for key in opening.competency_keys:
        owning = [s for s in loop.sessions if key in s.focus_competencies]
        rows.append(
            CoverageRow(
                key,
                names.get(key, key),
                tuple(s.id for s in owning),
                # The lead and any co-interviewer each rate it; a shadow does not count.
                raters=len(
                    {s.interviewer_id for s in owning}
                    | {p.user_id for s in owning for p in s.panelists if p.role == PanelRole.CO}
                ),
                weighted=weights.get(key, 1) > 0 or key in must_haves,
                must_have=key in must_haves,
            )
        )
    return rows


def uncovered(loop: Loop) -> list[str]:
    return [row.key for row in coverage_matrix(loop, {}) if not row.owners]


def _mail_session(session: InterviewSession, kind: str, recipient: User) -> None:
    method = "CANCEL" if kind == "session_cancel" else "REQUEST"
    ics = session_invite(
        session,
        method,
        current_app.config["BASE_URL"],
        current_app.config["MAIL_FROM"],
        recipient.time_zone,
    )
    queue_calendar_mail(
        kind,
        recipient,
        f"s{session.id}.u{recipient.id}.q{session.invite_sequence}",
        loop=session.loop,
        session=session,
        payload={"ics": ics.decode("utf-8")},
    )


def _mail_debrief(loop: Loop, kind: str, recipients: list[User] | None = None) -> None:
    debrief = loop.debrief
    attendees = debrief_attendees(loop)
    method = "CANCEL" if kind == "debrief_cancel" else "REQUEST"
    for person in recipients or attendees:
        ics = debrief_invite(
            debrief,
            attendees,
            method,
            current_app.config["BASE_URL"],
            current_app.config["MAIL_FROM"],
            person.time_zone,
        )
        queue_calendar_mail(
            kind,
            person,
            f"d{debrief.id}.u{person.id}.q{debrief.invite_sequence}",
            loop=loop,
            payload={"ics": ics.decode("utf-8")},
        )


def _attendee_ids(loop: Loop) -> set[int]:
    if loop.status != LoopStatus.CONFIRMED or loop.debrief is None:
        return set()
    return {person.id for person in debrief_attendees(loop)}


def _after_change(
    loop: Loop, moved_debrief: bool, attendees_before: set[int] | None = None
) -> None:
    """Mail what a change implies about the debrief, once each: its invitation to whoever
    joined the panel, a cancellation to whoever left it, an update to the rest if it moved."""
    db.session.flush()
    db.session.refresh(loop)
    if loop.status == LoopStatus.CONFIRMED and loop.debrief is not None:
        attendees = debrief_attendees(loop)
        before = {p.id for p in attendees} if attendees_before is None else attendees_before
        joined = [p for p in attendees if p.id not in before]
        stayed = [p for p in attendees if p.id in before]
        left_ids = before - {p.id for p in attendees}
        if joined:
            _mail_debrief(loop, "debrief_invite", joined)
        if left_ids:
            left = list(db.session.execute(select(User).where(User.id.in_(left_ids))).scalars())
            _mail_debrief(loop, "debrief_cancel", left)
        if moved_debrief and stayed:
            _mail_debrief(loop, "debrief_update", stayed)
    sync_loop_reminders(loop)


def _reschedule_debrief(loop: Loop) -> bool:
    """Keep the debrief right after the last session unless pinned; True when it moved."""
    debrief = loop.debrief
    if debrief is None or debrief.pinned:
        return False
    before = debrief.starts_at
    schedule_debrief(loop)
    return debrief.starts_at != before


def plan_session(loop: Loop, actor: User, **details) -> InterviewSession:
    """Add a session to a loop being planned or already confirmed (then invite at once)."""
    if loop.status in (LoopStatus.CANCELLED, LoopStatus.DECIDED):
        raise PlanningError("This loop is closed: plan a new one instead.")
    attendees_before = _attendee_ids(loop)
    session = add_session(loop, **details)
    db.session.refresh(loop)
    moved = _reschedule_debrief(loop)
    if loop.status == LoopStatus.CONFIRMED:
        _mail_session(session, "session_invite", session.interviewer)
    _after_change(loop, moved, attendees_before)
    record_audit(actor, "session.planned", session)
    return session


def add_panelist(session: InterviewSession, person: User, role: str, actor: User) -> None:
    """Seat someone beside the interview's lead: a co-interviewer writes a scorecard of their
    own that counts as another rater; a shadow's is marked training and never counts. Both
    are invited (at once when the loop is confirmed) and hear its reminders."""
    loop = session.loop
    if loop.status in (LoopStatus.CANCELLED, LoopStatus.DECIDED):
        raise PlanningError("This loop is closed: plan a new one instead.")
    if person.id in {p.id for p in session.people}:
        raise PlanningError(f"{person.name} is already in this interview.")
    if not person.active:
        raise PlanningError(f"{person.name}'s account is deactivated.")
    attendees_before = _attendee_ids(loop)
    session.panelists.append(SessionPanelist(user=person, role=PanelRole(role).value))
    db.session.add(
        Scorecard(session=session, interviewer=person, training=role == PanelRole.SHADOW)
    )
    db.session.flush()
    db.session.expire(session, ["scorecards"])
    if loop.status == LoopStatus.CONFIRMED:
        _mail_session(session, "session_invite", person)
    _after_change(loop, False, attendees_before)
    record_audit(actor, "session.panelist_added", session, person=person.email, role=role)


def remove_panelist(session: InterviewSession, person: User, actor: User) -> None:
    """Take a co-interviewer or shadow out of an interview, while their scorecard holds
    nothing: what someone wrote about a candidate is not thrown away by a planner."""
    seat = next((p for p in session.panelists if p.user_id == person.id), None)
    if seat is None:
        return
    if session.loop.status in (LoopStatus.CANCELLED, LoopStatus.DECIDED):
        raise PlanningError("This loop is closed: its panel stays as it was.")
    card = next((c for c in session.scorecards if c.interviewer_id == person.id), None)
    if card is not None and (card.is_submitted or _has_content(card)):
        raise PlanningError(
            f"{person.name} has written in their scorecard for this interview: it stays."
        )
    loop = session.loop
    attendees_before = _attendee_ids(loop)
    if card is not None:
        db.session.delete(card)
    session.panelists.remove(seat)
    db.session.flush()
    db.session.expire(session, ["scorecards"])
    if loop.status == LoopStatus.CONFIRMED:
        session.invite_sequence += 1
        _mail_session(session, "session_cancel", person)
    _after_change(loop, False, attendees_before)
    record_audit(actor, "session.panelist_removed", session, person=person.email)


def move_session(session: InterviewSession, starts_at: datetime, actor: User) -> None:
    loop = session.loop
    if starts_at == session.starts_at:
        return
    duration = timedelta(minutes=session.script.total_minutes)  # load before changing times
    session.starts_at, session.ends_at = starts_at, starts_at + duration
    session.invite_sequence += 1
    db.session.flush()
    db.session.refresh(loop)
    moved = _reschedule_debrief(loop)
    if loop.status == LoopStatus.CONFIRMED:
        for person in session.people:
            _mail_session(session, "session_update", person)
    _after_change(loop, moved)
    record_audit(actor, "session.moved", session, starts_at=starts_at.isoformat())


def reassign_session(
    session: InterviewSession, interviewer: User, actor: User, notes: str | None = None
) -> None:
    """Give a session to another interviewer. If the old scorecard has content, `notes` must
    say what happens to it: "keep" (stays the old interviewer's, read-only) or "discard"."""
    if interviewer.id == session.interviewer_id:
        return
    if any(p.user_id == interviewer.id for p in session.panelists):
        raise PlanningError(
            f"{interviewer.name} already sits in on this interview: take them out of it first."
        )
    loop = session.loop
    attendees_before = _attendee_ids(loop)
    old_interviewer = session.interviewer
    card = session.scorecard
    if card is not None and _has_content(card):
        if notes not in ("keep", "discard"):
            raise NotesDecisionNeeded(
                f"{old_interviewer.name} has already written notes for this interview. "
                "Keep them with them, or discard them?"
            )
        if notes == "keep":
            card.retired_at = utcnow()
        else:
            record_audit(actor, "scorecard.discarded", card, interviewer=old_interviewer.email)
            db.session.delete(card)
    elif card is not None:
        db.session.delete(card)
    db.session.flush()
    if loop.status == LoopStatus.CONFIRMED:
        session.invite_sequence += 1
        _mail_session(session, "session_cancel", old_interviewer)
    session.interviewer = interviewer
    db.session.add(Scorecard(session=session, interviewer=interviewer))
    db.session.flush()
    db.session.expire(session, ["scorecard", "scorecards"])
    if loop.status == LoopStatus.CONFIRMED:
        _mail_session(session, "session_invite", interviewer)
    _after_change(loop, False, attendees_before)
    record_audit(actor, "session.reassigned", session, to=interviewer.email, notes=notes or "none")


def _has_content(card: Scorecard) -> bool:
    texts = [
        *(card.stage_notes or {}).values(),
        card.summary or "",
        card.candidate_questions or "",
        card.owed_answers or "",
        *(card.field_answers or {}).values(),
    ]
    rated = any(
        r.get("level") or (r.get("evidence") or "").strip() for r in (card.ratings or {}).values()
    )
    return rated or any(str(t).strip() for t in texts) or card.is_submitted


def confirm_loop(loop: Loop, actor: User, override_reason: str = "") -> Debrief:
    """Confirm the plan: schedule the debrief, send the invitations, write the reminders."""
    if loop.status != LoopStatus.PLANNING:
        raise PlanningError("Only a loop being planned can be confirmed.")
    if not loop.sessions:
        raise PlanningError("Plan at least one interview before confirming.")
    missing = uncovered(loop)
    if missing and not override_reason.strip():
        raise CoverageError(missing)
    loop.coverage_override_reason = override_reason.strip() if missing else None
    loop.status = LoopStatus.CONFIRMED
    loop.confirmed_at = utcnow()
    debrief = schedule_debrief(loop)
    send_invitations(loop)
    record_audit(actor, "loop.confirmed", loop, override=loop.coverage_override_reason)
    loop_confirmed.send(loop)
    return debrief


def send_invitations(loop: Loop) -> None:
    """For a loop just confirmed: each interview's and the debrief's invitation, and the
    reminders its state calls for."""
    for session in loop.sessions:
        for person in session.people:
            _mail_session(session, "session_invite", person)
    db.session.flush()
    db.session.refresh(loop)
    _mail_debrief(loop, "debrief_invite")
    _after_change(loop, False)


@dataclass(frozen=True)
class Cancellation:
    """What cancelling a loop would do, for the coordinator to confirm: the interviews and
    debrief it ends, and who is told (nobody, while the loop is still being planned)."""

    sessions: list[InterviewSession]
    debrief: Debrief | None
    told: list[User]


def cancellation_of(loop: Loop) -> Cancellation:
    if loop.status != LoopStatus.CONFIRMED:
        return Cancellation(list(loop.sessions), loop.debrief, [])
    heard = told_of_events(loop)  # invitations not yet sent are withdrawn, not cancelled
    told: dict[int, User] = {
        person.id: person
        for s in loop.sessions
        for person in s.people
        if (person.id, s.id) in heard
    }
    if loop.debrief is not None:
        told.update({p.id: p for p in debrief_attendees(loop) if (p.id, None) in heard})
    return Cancellation(list(loop.sessions), loop.debrief, list(told.values()))


def cancel_loop(loop: Loop, actor: User) -> None:
    if loop.status == LoopStatus.CANCELLED:
        return
    was_confirmed = loop.status == LoopStatus.CONFIRMED
    cancel_loop_mail(loop)
    loop.status = LoopStatus.CANCELLED
    if was_confirmed:
        for session in loop.sessions:
            session.invite_sequence += 1
            for person in session.people:
                _mail_session(session, "session_cancel", person)
        if loop.debrief is not None:
            loop.debrief.invite_sequence += 1
            _mail_debrief(loop, "debrief_cancel")
    db.session.flush()
    record_audit(actor, "loop.cancelled", loop)


def move_debrief(loop: Loop, starts_at: datetime, actor: User) -> None:
    """Put the debrief at a chosen time; it is pinned there from now on."""
    debrief = loop.debrief
    if debrief is None:
        raise PlanningError("The debrief is scheduled when the loop is confirmed.")
    debrief.pinned = True
    if debrief.starts_at != starts_at:
        debrief.starts_at = starts_at
        debrief.ends_at = starts_at + timedelta(minutes=DEBRIEF_MINUTES)
        debrief.invite_sequence += 1
        _after_change(loop, True)
    record_audit(actor, "debrief.moved", debrief, starts_at=starts_at.isoformat())


def unpin_debrief(loop: Loop, actor: User) -> None:
    debrief = loop.debrief
    if debrief is None or not debrief.pinned:
        return
    debrief.pinned = False
    moved = _reschedule_debrief(loop)
    _after_change(loop, moved)
    record_audit(actor, "debrief.unpinned", debrief)

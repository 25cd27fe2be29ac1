"""The decision: hire or no hire, with a rationale, recorded, audited and announced."""

from __future__ import annotations

from datetime import timedelta

from blinker import Namespace
from sqlalchemy import select

from ..extensions import db
from ..loops.planning import competency_names, move_debrief
from ..models import (
    CandidateStatus,
    Debrief,
    Decision,
    InterviewSession,
    Loop,
    LoopStatus,
    Reminder,
    ReminderStatus,
    Role,
    Scorecard,
    User,
    record_audit,
)
from ..notify.outbox import debrief_attendees, queue_mail, sync_loop_reminders
from ..storage.types import utcnow
from ..web.input import text_problem
from ..web.timefmt import local_time
from .summary import summarise

# A hook for features above this one (the debrief packet): sent inside the transaction of the
# change, with the loop as sender and `change` saying what happened.
decision_changed = Namespace().signal("decision-changed")

MIN_RATIONALE = 20
MAX_RATIONALE = 20_000  # as much as a scorecard field
MAX_REASON = 2_000


class DecisionError(ValueError):
    """The decision cannot be recorded as asked; `errors` says which inputs to fix and how
    (`field` is the first of them)."""

    def __init__(self, field: str, message: str, more: dict[str, str] | None = None):
        super().__init__(message)
        self.field = field
        self.errors = {field: message, **(more or {})}


def _reason(value: str, field: str, too_short: str, limit: int = MAX_REASON) -> str:
    """A written reason for the record, stripped; refused with `too_short` under the minimum."""
    value = (value or "").strip()
    problem = text_problem(value, limit=limit)
    if problem:
        raise DecisionError(field, problem)
    if len(value) < MIN_RATIONALE:
        raise DecisionError(field, too_short)
    return value


def record_decision(
    loop: Loop,
    user: User,
    decision: str,
    rationale: str,
    override_reason: str = "",
    waiver_reason: str = "",
) -> None:
    """Hire or no hire; there is no "another round". A decision waits for every panel
    scorecard unless the missing ones are waived with a reason, and one that goes against the
    composite (or hires with a must-have unmet) needs a reason too. Flushes; the caller commits."""
    if decision not in {d.value for d in Decision}:
        raise DecisionError("decision", "Choose hire or no hire: a debrief ends in one of them.")
    debrief = loop.debrief
    if debrief is None:
        raise DecisionError("decision", "Confirm the loop first: it has no debrief yet.")
    if debrief.decision is not None:
        raise DecisionError("decision", "Already decided. An admin can reopen it with a reason.")
    # Every missing reason is named at once: one round trip, not one per field.
    problems: dict[str, str] = {}

    def reason(value: str, field: str, too_short: str, limit: int = MAX_REASON) -> str:
        try:
            return _reason(value, field, too_short, limit)
        except DecisionError as error:
            problems[field] = str(error)
            return ""

    rationale = reason(
        rationale,
        "rationale",
        f"Give the reasons in at least {MIN_RATIONALE} characters: they go on the record "
        "and into the packet.",
        limit=MAX_RATIONALE,
    )
    summary = summarise(loop, competency_names(), include_private=False)
    waived = [s.interviewer.name for s in summary.missing_scorecards]
    if waived:
        waiver_reason = reason(
            waiver_reason,
            "waiver",
            f"The scorecard of {' and '.join(waived)} is not in: wait for it, remind them, or "
            f"say why the decision cannot wait (at least {MIN_RATIONALE} characters).",
        )
    composite = summary.composite
    against = composite.override_needed(decision)
    if against:
        override_reason = reason(
            override_reason,
            "override",
            f"This decision goes against the evidence: {against}. Say why "
            f"(at least {MIN_RATIONALE} characters).",
        )
    if problems:
        first, *rest = problems
        raise DecisionError(first, problems[first], {field: problems[field] for field in rest})
    # Read before changing anything: reading an expired user would flush a half-made decision.
    decider_id = user.id
    debrief.decision = decision
    debrief.rationale = rationale
    debrief.decided_by_id = decider_id
    debrief.decided_at = utcnow()
    debrief.override_reason = override_reason if against else None
    debrief.waiver_reason = waiver_reason if waived else None
    loop.status = LoopStatus.DECIDED
    loop.candidate.status = (
        CandidateStatus.HIRED if decision == Decision.HIRE else CandidateStatus.NOT_HIRED
    )
    db.session.flush()
    record_audit(
        user,
        "debrief.decided",
        debrief,
        decision=decision,
        rationale=rationale,
        composite=None if composite.value is None else round(composite.value, 2),
        threshold=composite.threshold,
        must_haves_unmet=[score.name for score in composite.unmet_must_haves],
    )
    if against:
        record_audit(user, "debrief.overridden", debrief, against=against, reason=override_reason)
    if waived:
        record_audit(user, "debrief.waived", debrief, missing=waived, reason=waiver_reason)
    sync_loop_reminders(loop)  # nags and "debrief soon" have nothing left to do
    for person in debrief_attendees(loop):
        if may_hear_outcome(loop, person):
            _announce(loop, person)
    decision_changed.send(loop, change="decision recorded")


def may_hear_outcome(loop: Loop, person: User) -> bool:
    """The blind rule in mail: a panelist whose own scorecard is still a draft learns nothing
    of the outcome (which would tell them how the others judged) until they submit. The hiring
    manager, who decides, always knows."""
    if person.id == loop.opening.hiring_manager_id:
        return True
    return all(
        card.is_submitted
        for session in loop.sessions
        for card in session.scorecards
        if card.interviewer_id == person.id
    )


def announce_after_submission(scorecard: Scorecard) -> None:
    """A panelist who submits after the decision hears it then, once."""
    loop = scorecard.session.loop
    person = scorecard.interviewer
    if loop.debrief is None or loop.debrief.decision is None or not may_hear_outcome(loop, person):
        return
    if db.session.execute(
        select(Reminder.id).where(Reminder.dedupe_key == _announcement_key(loop.debrief, person))
    ).first():
        return
    _announce(loop, person)


def _announcement_key(debrief: Debrief, person: User) -> str:
    return (
        f"decided.d{debrief.id}.u{person.id}.{debrief.decision}.{debrief.decided_at:%Y%m%dT%H%M%S}"
    )


def _announce(loop: Loop, person: User) -> None:
    queue_mail("decision_made", person, _announcement_key(loop.debrief, person), loop=loop)


def reopen_decision(loop: Loop, user: User, reason: str) -> None:
    """Only an admin, and only with a reason; the earlier decision stays in the audit trail."""
    if user.role != Role.ADMIN:
        raise DecisionError("reason", "Only an admin can reopen a decision.")
    if not (reason or "").strip():
        raise DecisionError("reason", "Say why the decision is reopened.")
    problem = text_problem(reason.strip(), limit=MAX_REASON)
    if problem:
        raise DecisionError("reason", problem)
    debrief = loop.debrief
    if debrief is None or debrief.decision is None:
        raise DecisionError("reason", "There is no decision to reopen.")
    record_audit(
        user,
        "debrief.reopened",
        debrief,
        reason=reason.strip(),
        earlier_decision=debrief.decision,
        earlier_rationale=debrief.rationale,
        earlier_decided_by=debrief.decided_by_id,
        earlier_override_reason=debrief.override_reason,
        earlier_waiver_reason=debrief.waiver_reason,
    )
    debrief.decision = None
    debrief.rationale = None
    debrief.decided_by_id = None
    debrief.decided_at = None
    debrief.override_reason = None
    debrief.waiver_reason = None
    loop.status = LoopStatus.CONFIRMED
    loop.candidate.status = CandidateStatus.ACTIVE
    db.session.flush()
    sync_loop_reminders(loop)
    decision_changed.send(loop, change="decision reopened")


CHASE_AGAIN_AFTER = timedelta(minutes=15)


def _draft_of(session: InterviewSession, interviewer_id: int | None) -> Scorecard | None:
    """The draft of `interviewer_id` (the lead when None) on this interview, if any."""
    wanted = session.interviewer_id if interviewer_id is None else interviewer_id
    card = next((c for c in session.scorecards if c.interviewer_id == wanted), None)
    return card if card is not None and not card.is_submitted else None


def chase_scorecard(
    session: InterviewSession, user: User, interviewer_id: int | None = None
) -> None:
    """The "remind now" button on the debrief page for a scorecard still missing: the lead's,
    or a co-interviewer's on the same interview."""
    card = _draft_of(session, interviewer_id)
    if card is None:
        raise DecisionError("session", "That scorecard is already in.")
    if card.training:
        raise DecisionError("session", "A shadow's training scorecard is not chased.")
    person = card.interviewer
    moment = utcnow()
    # A second click (or a second manager) within the quarter hour is the same reminder.
    recent = db.session.execute(
        select(Reminder.due_at)
        .where(
            Reminder.kind == "scorecard_chase",
            Reminder.session_id == session.id,
            Reminder.recipient_id == person.id,
            Reminder.status != ReminderStatus.CANCELLED,
            Reminder.due_at > moment - CHASE_AGAIN_AFTER,
        )
        .order_by(Reminder.due_at.desc())
        .limit(1)
    ).scalar()
    if recent is not None:
        raise DecisionError(
            "session",
            f"{person.name} was reminded at {local_time(recent, '%H:%M')}; "
            f"you can remind them again from {local_time(recent + CHASE_AGAIN_AFTER, '%H:%M')}.",
        )
    queue_mail(
        "scorecard_chase",
        person,
        f"chase.s{session.id}.u{person.id}.{moment:%Y%m%dT%H%M%S%f}",
        loop=session.loop,
        session=session,
    )
    record_audit(user, "scorecard.chased", card)


def chase_all_missing(loop: Loop, user: User) -> tuple[list[str], list[str]]:
    """ "Remind everyone" from the debrief: each missing scorecard chased once, those reminded
    within the quarter hour left alone. Returns (reminded, skipped) names."""
    reminded, skipped = [], []
    for session in loop.sessions:
        for card in session.scorecards:
            if card.is_submitted or card.training:
                continue
            try:
                chase_scorecard(session, user, card.interviewer_id)
            except DecisionError:
                skipped.append(card.interviewer.name)
            else:
                reminded.append(card.interviewer.name)
    return reminded, skipped


POSTPONE_BY = {"hour": timedelta(hours=1), "day": timedelta(days=1)}


def postpone_debrief(loop: Loop, user: User, by: str) -> None:
    """Move the debrief an hour or a day later in one step, for scorecards still out; it is
    pinned there and everyone invited gets the update."""
    debrief = loop.debrief
    if debrief is None or debrief.decision is not None:
        raise DecisionError("postpone", "Only a debrief not yet decided can be moved.")
    if by not in POSTPONE_BY:
        raise DecisionError("postpone", "Choose an hour later or a day later.")
    move_debrief(loop, debrief.starts_at + POSTPONE_BY[by], user)

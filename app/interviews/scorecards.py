"""Saving, submitting and amending scorecards: the plain functions behind the interview views.

A save is judged per field: it conflicts only when a field it changes was changed elsewhere
since the version the client started from. Non-conflicting fields of the same save are stored,
so nothing typed is ever dropped; conflicting ones come back with the server's text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from blinker import Namespace
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from ..auth.permissions import can
from ..extensions import db
from ..models import (
    AnswerTopic,
    CandidateAnswer,
    InterviewSession,
    Loop,
    LoopStatus,
    Scorecard,
    ScorecardStatus,
    User,
    record_audit,
)
from ..notify.outbox import sync_loop_reminders
from ..storage.types import utcnow
from ..web.input import text_problem
from ..web.timefmt import local_time
from .fields import FieldError, ScorecardForm, as_json_value, form_for, read_value, write_values

MAX_AMEND_REASON = 2_000

# Hooks for features above this one (the debrief packet): sent inside the transaction of the
# change, with the scorecard as sender, so a receiver's writes commit or roll back with it.
_signals = Namespace()
scorecard_submitted = _signals.signal("scorecard-submitted")
scorecard_amended = _signals.signal("scorecard-amended")

STORED_COLUMNS = (
    "stage_notes",
    "ratings",
    "field_answers",
    "candidate_questions",
    "asked_answers",
    "owed_answers",
    "summary",
    "recommendation",
    "clock_started_at",
)


class NotAllowed(PermissionError):
    pass


class ScorecardLocked(RuntimeError):
    """A submitted scorecard is read-only; changes go through an amendment with a reason."""


class InvalidSave(ValueError):
    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class ScorecardFull(InvalidSave):
    """The save would take the scorecard's text past its limit (MAX_SCORECARD_TEXT)."""


@dataclass
class SaveResult:
    version: int
    saved_at: datetime
    saved: list[str] = field(default_factory=list)
    conflicts: dict[str, Any] = field(default_factory=dict)  # path -> the server's value
    updated: dict[str, Any] = field(default_factory=dict)  # changed elsewhere since base

    def as_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "saved_at": self.saved_at.isoformat(),
            "saved": self.saved,
            "conflicts": {k: as_json_value(v) for k, v in self.conflicts.items()},
            "updated": {k: as_json_value(v) for k, v in self.updated.items()},
        }


def scorecard_form(scorecard: Scorecard) -> ScorecardForm:
    """The form of the scorecard's script and focus (cached: script versions never change)."""
    session = scorecard.session
    return form_for(
        session.script_version_id, session.focus_competencies, lambda: session.script.definition
    )


def stored_values(scorecard: Scorecard) -> dict[str, Any]:
    return {column: getattr(scorecard, column) for column in STORED_COLUMNS}


def current_values(scorecard: Scorecard) -> dict[str, Any]:
    """Every field of the scorecard by path, as stored."""
    stored = stored_values(scorecard)
    values = {path: read_value(stored, path) for path in scorecard_form(scorecard).specs}
    values.update({f"asked.{key}": True for key in scorecard.asked_answers or {}})
    return values


def scorecard_for_saving(scorecard_id: int) -> Scorecard | None:
    """The scorecard with its session, locked for this transaction: on PostgreSQL by
    FOR UPDATE, on SQLite by the write lock BEGIN IMMEDIATE took. Two saves of one scorecard
    never interleave between reading the stored text and writing the merge."""
    return db.session.execute(
        select(Scorecard)
        .options(joinedload(Scorecard.session, innerjoin=True))
        .where(Scorecard.id == scorecard_id)
        .with_for_update(of=Scorecard)
        .execution_options(populate_existing=True)  # what the lock found, not an older read
    ).scalar_one_or_none()


def clean_changes(form: ScorecardForm, raw: dict[str, Any]) -> dict[str, Any]:
    errors, cleaned = {}, {}
    for path, value in raw.items():
        try:
            cleaned[path] = form.spec(path).clean(value)
        except FieldError as error:
            errors[error.path] = error.message
    if errors:
        raise InvalidSave(errors)
    return cleaned


def save_changes(
    scorecard: Scorecard,
    base_version: Any,
    raw_changes: dict[str, Any],
    now: datetime | None = None,
) -> SaveResult:
    """Store the changes made since `base_version`, field by field: a field changed elsewhere
    since then conflicts and is not stored; the rest are. The caller has checked that the user
    may edit the scorecard, loaded it with `scorecard_for_saving`, and commits. Flushes."""
    if not isinstance(base_version, int) or not 1 <= base_version <= scorecard.version:
        raise InvalidSave({"base_version": f"must be a version from 1 to {scorecard.version}"})
    form = scorecard_form(scorecard)
    changes = clean_changes(form, raw_changes)
    _refuse_unknown_answers(scorecard, changes)
    values = stored_values(scorecard)
    field_versions = scorecard.field_versions or {}
    conflicts, to_save = {}, {}
    for path, value in changes.items():
        current = read_value(values, path)
        if current == value:
            continue  # already so: nothing to store, nothing to conflict about
        if field_versions.get(path, 0) > base_version:
            conflicts[path] = current
        else:
            to_save[path] = value
    updated = {
        path: read_value(values, path)
        for path, changed_at in field_versions.items()
        if changed_at > base_version and path not in changes
    }
    if not to_save:
        return SaveResult(scorecard.version, scorecard.updated_at, [], conflicts, updated)
    too_long = form.over_scorecard_limit(lambda path: read_value(values, path), to_save)
    if too_long:
        raise ScorecardFull(too_long)

    new_version = scorecard.version + 1
    for column, value in write_values(values, to_save).items():
        setattr(scorecard, column, value)
    scorecard.field_versions = {**field_versions, **{path: new_version for path in to_save}}
    scorecard.version, scorecard.updated_at = new_version, now or utcnow()
    db.session.flush()
    return SaveResult(new_version, scorecard.updated_at, sorted(to_save), conflicts, updated)


def _refuse_unknown_answers(scorecard: Scorecard, changes: dict[str, Any]) -> None:
    """A tick must name an answer its author may read: the opening's or the team's, and no
    pay answer for an interviewer who may not see pay (one query, only when a save ticks)."""
    ticked = {
        int(path.split(".", 1)[1])
        for path, value in changes.items()
        if path.startswith("asked.") and value
    }
    if not ticked:
        return
    opening = scorecard.session.loop.opening
    statement = select(CandidateAnswer.id).where(
        CandidateAnswer.id.in_(ticked),
        or_(CandidateAnswer.opening_id.is_(None), CandidateAnswer.opening_id == opening.id),
    )
    if not can(scorecard.interviewer, "answers.view_compensation", opening):
        statement = statement.where(CandidateAnswer.topic != AnswerTopic.COMPENSATION)
    known = set(db.session.execute(statement).scalars())
    unknown = sorted(ticked - known)
    if unknown:
        raise InvalidSave(
            {
                f"asked.{i}": "is not in this opening's answer bank (it may have been deleted)"
                for i in unknown
            }
        )


def submission_errors(scorecard: Scorecard, min_evidence: int) -> dict[str, str]:
    """What stops this scorecard from being submitted, per field path; empty when it may go."""
    errors: dict[str, str] = {}
    values = stored_values(scorecard)
    if not read_value(values, "recommendation"):
        errors["recommendation"] = "Choose a recommendation: strong no, no, yes or strong yes."
    for key in scorecard.session.focus_competencies:
        prefix = f"rating.{key}"
        if read_value(values, f"{prefix}.not_assessed"):
            if not read_value(values, f"{prefix}.reason").strip():
                errors[f"{prefix}.reason"] = (
                    "Say why this was not assessed, so the debrief knows what is missing."
                )
            continue
        if read_value(values, f"{prefix}.level") is None:
            errors[f"{prefix}.level"] = "Choose a level from 1 to 4, or mark it not assessed."
        evidence = read_value(values, f"{prefix}.evidence").strip()
        if len(evidence) < min_evidence:
            errors[f"{prefix}.evidence"] = (
                f"Write at least {min_evidence} characters of evidence: what the candidate "
                f"said or did ({len(evidence)} so far)."
            )
    return errors


# Where a refusal that is not about one field points: the submit button itself.
SUBMIT_BUTTON = "submit-scorecard"


def submit_scorecard(user: User, scorecard: Scorecard, min_evidence: int, now=None) -> dict:
    """Submit when complete; returns the errors otherwise (and changes nothing)."""
    if not can(user, "scorecard.edit", scorecard):
        if scorecard.is_submitted and scorecard.interviewer_id == user.id:
            raise ScorecardLocked(scorecard.id)
        raise NotAllowed(scorecard.id)
    now = now or utcnow()
    opens_at = scorecard.session.starts_at
    if now < opens_at:
        # A verdict on an interview that has not happened is a guess; drafts keep saving.
        when = local_time(opens_at, "%a %d %b %H:%M", tz=user.time_zone)
        return {
            SUBMIT_BUTTON: f"The interview starts {when} ({user.time_zone}): you can submit from "
            "then. Until then your notes keep saving as a draft."
        }
    errors = submission_errors(scorecard, min_evidence)
    if errors:
        return errors
    scorecard.status = ScorecardStatus.SUBMITTED
    scorecard.submitted_at = now
    scorecard.version += 1
    record_audit(user, "scorecard.submitted", scorecard, version=scorecard.version)
    db.session.flush()
    # Its nags are cancelled, and the hiring manager hears when the last one is in.
    sync_loop_reminders(scorecard.session.loop)
    scorecard_submitted.send(scorecard)
    return {}


def amend_scorecard(
    user: User, scorecard: Scorecard, raw_changes: dict[str, Any], reason: str, min_evidence: int
) -> dict[str, str]:
    """Change a submitted scorecard. Needs a reason; the earlier text stays in the audit trail."""
    if not (scorecard.is_submitted and scorecard.interviewer_id == user.id):
        raise NotAllowed(scorecard.id)
    if scorecard.session.loop.candidate.is_erased:
        raise NotAllowed(scorecard.id)  # no new text about an erased candidate
    # Errors are keyed by the form field they are about, so the page shows them beside it.
    if not reason.strip():
        return {"amend_reason": "Say why you are amending a submitted scorecard."}
    problem = text_problem(reason.strip(), limit=MAX_AMEND_REASON)
    if problem:
        return {"amend_reason": problem}
    form = scorecard_form(scorecard)
    changes = clean_changes(form, raw_changes)
    _refuse_unknown_answers(scorecard, changes)
    values = stored_values(scorecard)
    before = {p: read_value(values, p) for p, v in changes.items() if read_value(values, p) != v}
    if not before:
        return {"amend_reason": "Nothing was changed, so there is nothing to amend."}
    after = {p: changes[p] for p in before}
    too_long = form.over_scorecard_limit(lambda path: read_value(values, path), after)
    if too_long:
        return too_long
    for column, value in write_values(values, after).items():
        setattr(scorecard, column, value)
    scorecard.version += 1
    scorecard.field_versions = {
        **(scorecard.field_versions or {}),
        **{p: scorecard.version for p in after},
    }
    errors = submission_errors(scorecard, min_evidence)
    if errors:
        db.session.rollback()
        return errors
    record_audit(
        user,
        "scorecard.amended",
        scorecard,
        reason=reason.strip(),
        before={k: as_json_value(v) for k, v in before.items()},
        after={k: as_json_value(v) for k, v in after.items()},
    )
    db.session.flush()
    scorecard_amended.send(scorecard)
    return {}


OWED_LIMIT = 50


def owed_scorecards(
    user: User, now: datetime | None = None, limit: int = OWED_LIMIT
) -> list[Scorecard]:
    """Drafts the user owes for interviews that have ended, earliest first (one statement).
    Interviews still to come are on the upcoming list, so no interview is listed twice."""
    now = now or utcnow()
    return list(
        db.session.execute(
            select(Scorecard)
            .join(InterviewSession, Scorecard.session_id == InterviewSession.id)
            .join(Loop, InterviewSession.loop_id == Loop.id)
            .options(
                joinedload(Scorecard.session)
                .joinedload(InterviewSession.loop)
                .options(joinedload(Loop.candidate), joinedload(Loop.debrief))
            )
            .where(
                Scorecard.interviewer_id == user.id,
                Scorecard.status == ScorecardStatus.DRAFT,
                Scorecard.retired_at.is_(None),
                InterviewSession.ends_at <= now,
                Loop.status != LoopStatus.CANCELLED,
            )
            .order_by(InterviewSession.starts_at)
            .limit(limit)
        )
        .unique()
        .scalars()
    )


@dataclass(frozen=True)
class DueState:
    key: str  # upcoming | in_progress | due | overdue
    label: str


def due_state(scorecard: Scorecard, now: datetime) -> DueState:
    """Where a draft stands against the clock: feedback belongs in before the debrief."""
    session = scorecard.session
    debrief = session.loop.debrief
    if now < session.starts_at:
        return DueState("upcoming", "after the interview")
    if debrief is not None and now >= debrief.starts_at:
        return DueState("overdue", "overdue: the debrief has started")
    if now < session.ends_at:
        return DueState("in_progress", "interview in progress")
    return DueState("due", "due now, before the debrief" if debrief else "due now")

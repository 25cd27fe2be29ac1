"""The audit trail as admins read it: plain words for each action, the object it touched (with a
link where there is a page for it), a short summary of its details.

A page costs a fixed number of statements whatever it holds: the count, the page (with actors),
and one lookup per kind of object on the page (there are few kinds).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import url_for
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import select
from sqlalchemy.orm import aliased, joinedload

from ..extensions import db
from ..models import (
    ApiToken,
    AuditEvent,
    Candidate,
    CandidateAnswer,
    Debrief,
    InterviewSession,
    Loop,
    Opening,
    Reminder,
    Role,
    Scorecard,
    User,
)
from ..web.timefmt import local_time

PER_PAGE = 50
SUMMARY_LENGTH = 160

# What each action recorded by record_audit() means, in words that follow the actor's name.
ACTIONS: dict[str, str] = {
    "packet.downloaded": "downloaded the debrief packet",
    "packet.retried": "asked for a given-up debrief packet to be prepared again",
    "calibration.report_downloaded": "downloaded an opening's calibration report",
    "scorecard.submitted": "submitted a scorecard",
    "scorecard.amended": "amended a submitted scorecard",
    "scorecard.discarded": "discarded a scorecard",
    "scorecard.chased": "chased a missing scorecard",
    "debrief.decided": "decided",
    "debrief.reopened": "reopened a decision",
    "debrief.overridden": "decided against the composite, with a reason",
    "debrief.waived": "decided without every scorecard, with a reason",
    "debrief.discussion_opened": "opened the debrief discussion",
    "verdict.recorded": "gave a verdict after the discussion",
    "opening.rules_changed": "changed how the debrief combines ratings",
    "debrief.moved": "moved the debrief",
    "debrief.unpinned": "let the debrief follow the interviews again",
    "session.planned": "planned an interview",
    "session.moved": "moved an interview",
    "session.reassigned": "reassigned an interview",
    "session.panelist_added": "seated a co-interviewer or shadow in an interview",
    "session.panelist_removed": "took a co-interviewer or shadow out of an interview",
    "loop.confirmed": "confirmed a loop",
    "loop.cancelled": "cancelled a loop",
    "opening.created": "created an opening",
    "opening.updated": "edited an opening",
    "candidate.created": "added a candidate",
    "candidate.updated": "edited a candidate",
    "candidate.erased": "erased a candidate's personal data",
    "user.created": "created an account",
    "user.role_changed": "changed a role",
    "user.seniority_changed": "changed where someone speaks in debriefs",
    "user.interviewing_week_changed": "changed someone's weekly limit or working day",
    "team.settings_changed": "changed the team's reminders, working day or weekly limit",
    "sso.settings_changed": "changed single sign-on",
    "sso.identity_linked": "signed in with the company account for the first time",
    "user.deactivated": "deactivated an account",
    "user.reactivated": "reactivated an account",
    "user.reset_link_issued": "issued a password link",
    "user.password_set": "set a new password with a link",
    "reminder.retried": "retried a mail delivery",
    "answer.added": "added an agreed answer to what candidates ask",
    "answer.changed": "changed an agreed answer",
    "answer.deleted": "deleted an agreed answer",
    "api_token.issued": "issued an API token",
    "api_token.revoked": "revoked an API token",
    "webhook.added": "added a webhook receiver",
    "webhook.paused": "paused a webhook receiver",
    "webhook.resumed": "resumed a webhook receiver",
    "webhook.retried": "retried a webhook delivery",
}


@dataclass(frozen=True)
class Kind:
    label: str
    actions: tuple[str, ...]


# The filter on the audit trail page: what an admin looks for, in their words.
KINDS: dict[str, Kind] = {
    "packets": Kind(
        "Packet or report viewed or exported",
        ("packet.downloaded", "packet.retried", "calibration.report_downloaded"),
    ),
    "scorecards": Kind(
        "Scorecard submitted, amended or discarded",
        ("scorecard.submitted", "scorecard.amended", "scorecard.discarded"),
    ),
    "decisions": Kind(
        "Decision made, overridden, waived or reopened",
        ("debrief.decided", "debrief.overridden", "debrief.waived", "debrief.reopened"),
    ),
    "roles": Kind("Role changed", ("user.role_changed",)),
    "settings": Kind(
        "Team settings, single sign-on or someone's interviewing week changed",
        ("team.settings_changed", "sso.settings_changed", "user.interviewing_week_changed"),
    ),
    "accounts": Kind(
        "Account created, deactivated, reactivated or password link",
        (
            "user.created",
            "user.deactivated",
            "user.reactivated",
            "user.reset_link_issued",
            "user.password_set",
            "sso.identity_linked",
        ),
    ),
    "planning": Kind(
        "Loop planning",
        (
            "session.planned",
            "session.moved",
            "session.reassigned",
            "session.panelist_added",
            "session.panelist_removed",
            "loop.confirmed",
            "loop.cancelled",
            "debrief.moved",
            "debrief.unpinned",
            "scorecard.chased",
        ),
    ),
    "records": Kind(
        "Opening or candidate created or edited",
        ("opening.created", "opening.updated", "candidate.created", "candidate.updated"),
    ),
    "answers": Kind(
        "Agreed answer added, changed or deleted",
        ("answer.added", "answer.changed", "answer.deleted"),
    ),
    "erasures": Kind("Candidate erased", ("candidate.erased",)),
    "mail": Kind("Mail delivery retried", ("reminder.retried",)),
    "tokens": Kind("API token issued or revoked", ("api_token.issued", "api_token.revoked")),
    "webhooks": Kind(
        "Webhook receiver added, paused or resumed, or a delivery retried",
        ("webhook.added", "webhook.paused", "webhook.resumed", "webhook.retried"),
    ),
}


def action_words(action: str) -> str:
    return ACTIONS.get(action) or action.replace(".", " ").replace("_", " ")


@dataclass(frozen=True)
class ObjectRef:
    text: str
    url: str | None = None


@dataclass(frozen=True)
class Row:
    at: datetime
    actor: str
    action: str
    words: str
    object: ObjectRef
    summary: str


def list_events(page: int = 1, kind: str | None = None, actor_id: int | None = None) -> Pagination:
    statement = (
        select(AuditEvent)
        .options(joinedload(AuditEvent.actor))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )
    if kind in KINDS:
        statement = statement.where(AuditEvent.action.in_(KINDS[kind].actions))
    if actor_id is not None:
        statement = statement.where(AuditEvent.actor_id == actor_id)
    return db.paginate(statement, page=max(page, 1), per_page=PER_PAGE, error_out=False)


def actor_choices() -> list[tuple[int, str]]:
    """Everyone who may appear as an actor: every account (one statement)."""
    rows = db.session.execute(select(User.id, User.name, User.email).order_by(User.name, User.id))
    return [(id_, f"{name} ({email})") for id_, name, email in rows]


# ---- objects: one statement per kind of object on the page ----


def _ids(events: Iterable[AuditEvent], object_type: str) -> list[int]:
    return sorted(
        {e.object_id for e in events if e.object_type == object_type and e.object_id is not None}
    )


def _users(ids: list[int]) -> dict[int, ObjectRef]:
    rows = db.session.execute(select(User.id, User.name).where(User.id.in_(ids)))
    return {id_: ObjectRef(name, url_for("admin.user", user_id=id_)) for id_, name in rows}


def _loops(ids: list[int]) -> dict[int, ObjectRef]:
    rows = db.session.execute(
        select(Loop.id, Candidate.name)
        .join(Candidate, Loop.candidate_id == Candidate.id)
        .where(Loop.id.in_(ids))
    )
    return {
        id_: ObjectRef(f"{name}'s loop", url_for("loops.planner", loop_id=id_))
        for id_, name in rows
    }


def _debriefs(ids: list[int]) -> dict[int, ObjectRef]:
    rows = db.session.execute(
        select(Debrief.id, Debrief.loop_id, Candidate.name)
        .join(Loop, Debrief.loop_id == Loop.id)
        .join(Candidate, Loop.candidate_id == Candidate.id)
        .where(Debrief.id.in_(ids))
    )
    return {
        id_: ObjectRef(f"{name}'s debrief", url_for("debriefs.debrief", loop_id=loop_id))
        for id_, loop_id, name in rows
    }


def _scorecards(ids: list[int]) -> dict[int, ObjectRef]:
    interviewer = aliased(User)
    rows = db.session.execute(
        select(Scorecard.id, interviewer.name, Candidate.name)
        .join(interviewer, Scorecard.interviewer_id == interviewer.id)
        .join(InterviewSession, Scorecard.session_id == InterviewSession.id)
        .join(Loop, InterviewSession.loop_id == Loop.id)
        .join(Candidate, Loop.candidate_id == Candidate.id)
        .where(Scorecard.id.in_(ids))
    )
    return {
        id_: ObjectRef(
            f"{who}'s scorecard on {candidate}",
            url_for("interviews.scorecard", scorecard_id=id_),
        )
        for id_, who, candidate in rows
    }


def _sessions(ids: list[int]) -> dict[int, ObjectRef]:
    interviewer = aliased(User)
    rows = db.session.execute(
        select(InterviewSession.id, InterviewSession.loop_id, interviewer.name, Candidate.name)
        .join(interviewer, InterviewSession.interviewer_id == interviewer.id)
        .join(Loop, InterviewSession.loop_id == Loop.id)
        .join(Candidate, Loop.candidate_id == Candidate.id)
        .where(InterviewSession.id.in_(ids))
    )
    return {
        id_: ObjectRef(
            f"{candidate}'s interview with {who}", url_for("loops.planner", loop_id=loop_id)
        )
        for id_, loop_id, who, candidate in rows
    }


def _candidates(ids: list[int]) -> dict[int, ObjectRef]:
    rows = db.session.execute(select(Candidate.id, Candidate.name).where(Candidate.id.in_(ids)))
    return {
        id_: ObjectRef(name, url_for("openings.candidate", candidate_id=id_)) for id_, name in rows
    }


def _openings(ids: list[int]) -> dict[int, ObjectRef]:
    rows = db.session.execute(select(Opening.id, Opening.title).where(Opening.id.in_(ids)))
    return {
        id_: ObjectRef(title, url_for("openings.detail", opening_id=id_)) for id_, title in rows
    }


def _reminders(ids: list[int]) -> dict[int, ObjectRef]:
    rows = db.session.execute(
        select(Reminder.id, Reminder.kind, Reminder.recipient_email).where(Reminder.id.in_(ids))
    )
    return {
        id_: ObjectRef(f"{kind.replace('_', ' ')} mail to {to}", url_for("admin.outbox"))
        for id_, kind, to in rows
    }


def _answers(ids: list[int]) -> dict[int, ObjectRef]:
    rows = db.session.execute(
        select(CandidateAnswer.id, CandidateAnswer.question).where(CandidateAnswer.id.in_(ids))
    )
    return {
        id_: ObjectRef(
            f"the answer to “{_short(question)}”", url_for("answers.edit", answer_id=id_)
        )
        for id_, question in rows
    }


def _api_tokens(ids: list[int]) -> dict[int, ObjectRef]:
    rows = db.session.execute(select(ApiToken.id, ApiToken.name).where(ApiToken.id.in_(ids)))
    return {
        id_: ObjectRef(f"the API token “{_short(name)}”", url_for("admin.api_tokens"))
        for id_, name in rows
    }


def _team_settings(ids: list[int]) -> dict[int, ObjectRef]:
    return {id_: ObjectRef("the team's settings", url_for("admin.team_settings")) for id_ in ids}


def _single_sign_on(ids: list[int]) -> dict[int, ObjectRef]:
    return {id_: ObjectRef("single sign-on", url_for("admin.single_sign_on")) for id_ in ids}


OBJECT_LOOKUPS = {
    "api_tokens": _api_tokens,
    "team_settings": _team_settings,
    "single_sign_on": _single_sign_on,
    "candidate_answers": _answers,
    "users": _users,
    "loops": _loops,
    "debriefs": _debriefs,
    "scorecards": _scorecards,
    "interview_sessions": _sessions,
    "candidates": _candidates,
    "openings": _openings,
    "reminders": _reminders,
}
OBJECT_NOUNS = {
    "interview_sessions": "interview",
    "reminders": "mail",
    "candidate_answers": "agreed answer",
    "api_tokens": "API token",
    "webhook_endpoints": "webhook receiver",
    "webhook_deliveries": "webhook delivery",
}


def _objects(events: list[AuditEvent]) -> dict[tuple[str, int], ObjectRef]:
    found: dict[tuple[str, int], ObjectRef] = {}
    for object_type, lookup in OBJECT_LOOKUPS.items():
        ids = _ids(events, object_type)
        if ids:
            found.update({(object_type, id_): ref for id_, ref in lookup(ids).items()})
    return found


def _missing(event: AuditEvent) -> ObjectRef:
    noun = OBJECT_NOUNS.get(event.object_type, event.object_type.rstrip("s").replace("_", " "))
    return ObjectRef(f"{noun} #{event.object_id} (no longer exists)")


# ---- details ----


def _short(value: Any, length: int = 60) -> str:
    if isinstance(value, dict):
        text = ", ".join(str(k) for k in value)
    elif isinstance(value, list):
        text = ", ".join(str(v) for v in value)
    else:
        text = str(value)
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1] + "…"


def _role(value: Any) -> str:
    try:
        return Role(value).label
    except ValueError:
        return str(value)


def _when(value: Any) -> str:
    """A stored ISO time as the viewer reads it: their zone, named."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return _short(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return local_time(moment, "%a %d %b %Y, %H:%M %Z")


def _readable(value: Any) -> str:
    """Any other stored detail in plain words: yes/no, lists as lists, times in the viewer's
    zone, never "None"."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str) and ISO_TIME.match(value):
        return _when(value)
    if isinstance(value, list):
        return ", ".join(_readable(v).replace("_", " ") for v in value)
    return _short(value)


def _changes(details: dict[str, Any]) -> str:
    """ "name: before → after" for each setting changed; None is the team's own setting."""
    parts = []
    for name, change in (details.get("changes") or {}).items():
        before, after = (
            "the team's" if v is None else _readable(v) for v in (change["from"], change["to"])
        )
        parts.append(f"{name.replace('_', ' ')}: {before} → {after}")
    return "; ".join(parts)


def _decision(value: Any) -> str:
    return "hire" if value == "hire" else "no hire"


# Details an action records, in the order and words a reader wants; anything else falls back
# to "name: value" with the value made readable.
_SUMMARIES: dict[str, Any] = {
    "user.role_changed": lambda d: f"from {_role(d.get('old'))} to {_role(d.get('new'))}",
    "user.created": lambda d: f"as {_role(d.get('role'))}",
    "debrief.decided": lambda d: (
        f"{_decision(d.get('decision'))}: {_short(d.get('rationale', ''), 120)}"
    ),
    "debrief.reopened": lambda d: (
        f"reason: {_short(d.get('reason', ''), 100)}; it was {_decision(d.get('earlier_decision'))}"
    ),
    "scorecard.amended": lambda d: (
        f"reason: {_short(d.get('reason', ''), 80)}; changed {_readable(list(d.get('after', {})))}"
    ),
    "scorecard.submitted": lambda d: f"version {d['version']}" if d.get("version") else "",
    "loop.confirmed": lambda d: (
        f"with uncovered competencies, because: {_short(d['override'], 120)}"
        if d.get("override")
        else "every focus competency covered"
    ),
    "session.moved": lambda d: f"to {_when(d['starts_at'])}" if d.get("starts_at") else "",
    "debrief.moved": lambda d: f"to {_when(d['starts_at'])}" if d.get("starts_at") else "",
    "session.reassigned": lambda d: (
        f"to {d.get('to', 'someone else')}; earlier notes: {d.get('notes') or 'none'}"
    ),
    "user.reset_link_issued": lambda d: (
        f"works until {_when(d['expires_at'])}" if d.get("expires_at") else ""
    ),
    "team.settings_changed": _changes,
    "user.interviewing_week_changed": _changes,
    "opening.updated": lambda d: f"changed {_readable(d.get('fields', []))}",
    "candidate.updated": lambda d: f"changed {_readable(d.get('fields', []))}",
    "api_token.issued": lambda d: f"scopes: {_readable(d.get('scopes', []))}",
}
ISO_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d")


def summarise(action: str, details: dict[str, Any]) -> str:
    """A line about what changed, as a person would read it; the full details stay in the
    database."""
    d = details or {}
    if action in _SUMMARIES:
        text = _SUMMARIES[action](d)
    elif action == "packet.downloaded":
        text = f"{d.get('variant', '')} packet".strip()
        if d.get("via") == "opening_zip":
            text += ", in the opening's zip"
    else:
        text = "; ".join(
            f"{k.replace('_', ' ')}: {_readable(v)}"
            for k, v in d.items()
            if v is not None and k != "key"
        )
    return _short(text, SUMMARY_LENGTH)


def rows(events: list[AuditEvent]) -> list[Row]:
    objects = _objects(events)
    return [
        Row(
            at=event.at,
            actor=event.actor.name if event.actor is not None else "Loopkit",
            action=event.action,
            words=action_words(event.action),
            object=objects.get((event.object_type, event.object_id)) or _missing(event),
            summary=summarise(event.action, event.details),
        )
        for event in events
    ]

"""The hiring domain as SQLAlchemy 2.0 typed models.

Times are UTCDateTime (aware UTC on every backend). Rubric and script versions are immutable:
a scorecard points at the exact text it was filled against.
"""

from __future__ import annotations

import enum
import unicodedata
from datetime import datetime, time
from typing import Any

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates
from werkzeug.security import check_password_hash, generate_password_hash

from .extensions import db
from .storage.types import JSONType, UTCDateTime, utcnow


class Role(enum.StrEnum):
    ADMIN = "admin"
    HIRING_MANAGER = "hiring_manager"
    COORDINATOR = "coordinator"
    INTERVIEWER = "interviewer"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class Recommendation(enum.StrEnum):
    """The forced choice that ends every scorecard: there is deliberately no middle."""

    STRONG_NO = "strong_no"
    NO = "no"
    YES = "yes"
    STRONG_YES = "strong_yes"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()

    @property
    def points(self) -> str:
        """Which way this verdict points, in the words rubric levels use: `hire` or `no-hire`."""
        return "hire" if self in (Recommendation.YES, Recommendation.STRONG_YES) else "no-hire"


class Decision(enum.StrEnum):
    """A debrief ends in one of these two; "another round" is not an outcome."""

    HIRE = "hire"
    NO_HIRE = "no_hire"


class ScorecardStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"


class LoopStatus(enum.StrEnum):
    PLANNING = "planning"
    CONFIRMED = "confirmed"
    DECIDED = "decided"
    CANCELLED = "cancelled"


class CandidateStatus(enum.StrEnum):
    ACTIVE = "active"
    HIRED = "hired"
    NOT_HIRED = "not_hired"
    WITHDRAWN = "withdrawn"
    ERASED = "erased"


class ReminderStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


class AnswerTopic(enum.StrEnum):
    """What candidates ask about. Compensation answers show only to those who may see pay."""

    TEAM = "team"
    WORK = "work"
    REMOTE = "remote"
    PROCESS = "process"
    GROWTH = "growth"
    COMPENSATION = "compensation"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "team": "The team",
            "work": "The work",
            "remote": "Remote and office",
            "process": "The hiring process",
            "growth": "Growth and learning",
            "compensation": "Pay and benefits",
            "other": "Other",
        }[self.value]


def search_key(*parts: str | None) -> str:
    """What list search matches against: case-folded, accents kept, one Unicode form.

    Computed in Python because SQLite's lower() only folds ASCII; the same function folds the
    query, so search answers the same on SQLite and PostgreSQL."""
    text = " ".join(unicodedata.normalize("NFC", part) for part in parts if part)
    return unicodedata.normalize("NFC", text.casefold())


def _enum_check(column: str, values: type[enum.StrEnum]) -> CheckConstraint:
    allowed = ", ".join(f"'{v.value}'" for v in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=f"{column}_allowed")


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (_enum_check("role", Role),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # 1 (newest to the work) to 5: the debrief's suggested speaking order puts the least
    # senior first, because the first view spoken anchors the rest.
    seniority: Mapped[int] = mapped_column(Integer, default=3, server_default="3")
    # Their own interviewing week (app/team): None follows the team's setting.
    weekly_interview_limit: Mapped[int | None] = mapped_column(Integer)
    working_day_starts: Mapped[time | None] = mapped_column(Time)
    working_day_ends: Mapped[time | None] = mapped_column(Time)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def set_password(self, password: str) -> None:
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses sign-in to deactivated users
        return self.active

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class SignedInSession(db.Model):
    """One signed-in browser: the server's half of a session cookie (app/auth/sessions.py).

    The cookie carries a random token; only its SHA-256 is stored. Deleting the row ends that
    session wherever its cookie has been copied to."""

    __tablename__ = "signed_in_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # "Keep me signed in on this device": the cookie outlives the browser, no idle limit.
    remembered: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LibraryVersion:
    """The columns of one immutable version of a library file, keyed by (key, content hash):
    a scorecard points at the exact text it was filled against."""

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), index=True)
    version: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    source_path: Mapped[str] = mapped_column(String(500))
    # The file as written, kept for the record; no page needs it, so it is never loaded with a row.
    source_text: Mapped[str] = mapped_column(Text, deferred=True)
    definition: Mapped[dict[str, Any]] = mapped_column(JSONType)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RubricVersion(LibraryVersion, db.Model):
    """One version of a rubric file."""

    __tablename__ = "rubric_versions"
    __table_args__ = (
        UniqueConstraint("key", "content_hash"),
        UniqueConstraint("key", "version", name="uq_rubric_versions_key_version"),
    )

    @property
    def scale_labels(self) -> list[str]:
        """Level labels, weakest first. Versions stored before levels declared which way they
        point hold plain labels, and stay readable."""
        return [
            level["label"] if isinstance(level, dict) else level
            for level in self.definition.get("scale", [])
        ]

    @property
    def competencies(self) -> list[dict[str, Any]]:
        return self.definition["competencies"]

    def competency(self, key: str) -> dict[str, Any] | None:
        return next((c for c in self.competencies if c["key"] == key), None)


class ScriptVersion(LibraryVersion, db.Model):
    """One version of an interview script file."""

    __tablename__ = "script_versions"
    __table_args__ = (
        UniqueConstraint("key", "content_hash"),
        UniqueConstraint("key", "version", name="uq_script_versions_key_version"),
    )

    @property
    def stages(self) -> list[dict[str, Any]]:
        return self.definition["stages"]

    @property
    def total_minutes(self) -> int:
        return sum(stage["minutes"] for stage in self.stages)

    @property
    def questions_stage(self) -> str | None:
        """The stage where the candidate asks their questions, if the script has one."""
        return next((s["key"] for s in self.stages if "question" in s["key"]), None)

    @property
    def interviewer_questions(self) -> dict[str, str]:
        """What the interviewer asks, by `question_key`: every stage's questions but those
        that hand the floor to the candidate."""
        own = self.questions_stage
        return {
            question_key(q["ask"]): q["ask"]
            for stage in self.stages
            if stage["key"] != own
            for q in stage.get("questions", [])
        }


def question_key(text: str) -> str:
    """One question however it is spaced or capitalised: the same words are the same question."""
    return " ".join(text.casefold().split())


class Opening(db.Model):
    __tablename__ = "openings"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    hiring_manager_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    pitch_text: Mapped[str] = mapped_column(Text, default="")
    competency_keys: Mapped[list[str]] = mapped_column(JSONType, default=list)
    default_script_key: Mapped[str | None] = mapped_column(String(80))
    default_rubric_key: Mapped[str | None] = mapped_column(String(80))
    debrief_delay_minutes: Mapped[int] = mapped_column(Integer, default=30)
    # How the debrief combines ratings (app/debriefs/composite.py): a weight per competency
    # (absent: 1), the must-haves, and the mean level at which the composite points to hire
    # (None: midway between the scale's two middle levels).
    competency_weights: Mapped[dict[str, float]] = mapped_column(
        JSONType, default=dict, server_default="{}"
    )
    must_have_keys: Mapped[list[str]] = mapped_column(JSONType, default=list, server_default="[]")
    hire_threshold: Mapped[float | None] = mapped_column(Float)
    # The planner warns below this many raters per weighted competency, and past this many
    # interviews in a loop (raised only with a reason the coordinator is shown).
    min_raters: Mapped[int] = mapped_column(Integer, default=2, server_default="2")
    max_interviews: Mapped[int] = mapped_column(Integer, default=4, server_default="4")
    max_interviews_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # search_key(title), kept in step by _fill_search_text: what the openings list searches.
    search_text: Mapped[str] = mapped_column(String, index=True, default="", server_default="")

    hiring_manager: Mapped[User] = relationship()
    candidates: Mapped[list[Candidate]] = relationship(
        back_populates="opening", order_by="Candidate.id"
    )

    @validates("title")
    def _fill_search_text(self, _key: str, value: str) -> str:
        self.search_text = search_key(value)
        return value


class Candidate(db.Model):
    __tablename__ = "candidates"
    __table_args__ = (_enum_check("status", CandidateStatus),)

    id: Mapped[int] = mapped_column(primary_key=True)
    opening_id: Mapped[int] = mapped_column(ForeignKey("openings.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    # Candidate-local working hours: loop planning warns about sessions outside them.
    working_hours_start: Mapped[time] = mapped_column(Time, default=time(9, 0))
    working_hours_end: Mapped[time] = mapped_column(Time, default=time(17, 0))
    status: Mapped[str] = mapped_column(String(20), default=CandidateStatus.ACTIVE)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the candidate's personal data was erased (app/erasure/candidates.py); None until then.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # search_key(name, email), kept in step by _fill_search_text: what candidate search matches.
    search_text: Mapped[str] = mapped_column(String, index=True, default="", server_default="")
    # The applicant-tracking system's own id for this application, set through the API
    # (app/api): pushing the same id again updates this row instead of adding another.
    external_id: Mapped[str | None] = mapped_column(String(200), index=True, unique=True)

    opening: Mapped[Opening] = relationship(back_populates="candidates")
    loops: Mapped[list[Loop]] = relationship(back_populates="candidate", order_by="Loop.id")

    @property
    def is_erased(self) -> bool:
        return self.status == CandidateStatus.ERASED

    @validates("name", "email")
    def _fill_search_text(self, key: str, value: str) -> str:
        name = value if key == "name" else self.name
        email = value if key == "email" else self.email
        self.search_text = search_key(name, email)
        return value


class Loop(db.Model):
    __tablename__ = "loops"
    __table_args__ = (_enum_check("status", LoopStatus),)

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), index=True)
    opening_id: Mapped[int] = mapped_column(ForeignKey("openings.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=LoopStatus.PLANNING)
    coordinator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Set when a coordinator confirms a loop that leaves a competency without an owner.
    coverage_override_reason: Mapped[str | None] = mapped_column(Text)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    candidate: Mapped[Candidate] = relationship(back_populates="loops")
    opening: Mapped[Opening] = relationship()
    coordinator: Mapped[User | None] = relationship()
    sessions: Mapped[list[InterviewSession]] = relationship(
        back_populates="loop", order_by="InterviewSession.starts_at"
    )
    debrief: Mapped[Debrief | None] = relationship(back_populates="loop", uselist=False)


class InterviewSession(db.Model):
    __tablename__ = "interview_sessions"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_interview_sessions_interviewer_starts", "interviewer_id", "starts_at"),
        # The speed figures read a period's interviews by when they ended.
        Index("ix_interview_sessions_ends_at", "ends_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    loop_id: Mapped[int] = mapped_column(ForeignKey("loops.id"), index=True)
    interviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    script_version_id: Mapped[int] = mapped_column(ForeignKey("script_versions.id"))
    rubric_version_id: Mapped[int] = mapped_column(ForeignKey("rubric_versions.id"))
    # Competencies this interview owns: each must get evidence or an explicit "not assessed".
    focus_competencies: Mapped[list[str]] = mapped_column(JSONType, default=list)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    meeting_url: Mapped[str] = mapped_column(String(500), default="")
    # RFC 5545 SEQUENCE of the calendar invite, raised on each change.
    invite_sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    loop: Mapped[Loop] = relationship(back_populates="sessions")
    interviewer: Mapped[User] = relationship()
    script: Mapped[ScriptVersion] = relationship()
    rubric: Mapped[RubricVersion] = relationship()
    # The lead interviewer's current scorecard (a reassigned interviewer's kept one is retired).
    scorecard: Mapped[Scorecard | None] = relationship(
        primaryjoin="and_(InterviewSession.id == Scorecard.session_id, "
        "Scorecard.interviewer_id == InterviewSession.interviewer_id, "
        "Scorecard.retired_at.is_(None))",
        uselist=False,
        viewonly=True,
    )
    # Every current scorecard of the session: the lead's, a co-interviewer's, a shadow's.
    scorecards: Mapped[list[Scorecard]] = relationship(
        primaryjoin="and_(InterviewSession.id == Scorecard.session_id, "
        "Scorecard.retired_at.is_(None))",
        order_by="Scorecard.id",
        viewonly=True,
    )
    # Who sits in beside the lead: co-interviewers (raters of their own) and shadows.
    panelists: Mapped[list[SessionPanelist]] = relationship(
        back_populates="session", order_by="SessionPanelist.id", cascade="all, delete-orphan"
    )

    @property
    def people(self) -> list[User]:
        """The lead, then whoever sits in: everyone invited to the interview."""
        return [self.interviewer, *(p.user for p in self.panelists)]

    @property
    def focus_names(self) -> list[str]:
        """The focus competencies as people call them, from the session's own rubric."""
        names = {c["key"]: c["name"] for c in self.rubric.competencies}
        return [names.get(key, key) for key in self.focus_competencies]


class PanelRole(enum.StrEnum):
    CO = "co"  # a second interviewer: their own scorecard, counted as a rater
    SHADOW = "shadow"  # in training: a scorecard marked training, never counted

    @property
    def label(self) -> str:
        return "co-interviewer" if self is PanelRole.CO else "shadow"


class SessionPanelist(db.Model):
    """Someone who sits in on an interview beside its lead interviewer."""

    __tablename__ = "session_panelists"
    __table_args__ = (
        UniqueConstraint("session_id", "user_id"),
        _enum_check("role", PanelRole),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("interview_sessions.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))

    session: Mapped[InterviewSession] = relationship(back_populates="panelists")
    user: Mapped[User] = relationship()


class Scorecard(db.Model):
    """An interviewer's structured feedback for one session.

    `version` rises with every save; `field_versions` records the version at which each field
    last changed, so a save conflicts only when a field it changes moved since it started.
    """

    __tablename__ = "scorecards"
    __table_args__ = (
        _enum_check("status", ScorecardStatus),
        CheckConstraint(
            "recommendation IS NULL OR recommendation IN "
            + "("
            + ", ".join(f"'{r.value}'" for r in Recommendation)
            + ")",
            name="recommendation_allowed",
        ),
        Index("ix_scorecards_interviewer_status", "interviewer_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("interview_sessions.id"), index=True)
    interviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(20), default=ScorecardStatus.DRAFT)
    # Set when the session was reassigned and its interviewer chose to keep their notes: the
    # scorecard stays theirs to read but is no longer the session's.
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)
    field_versions: Mapped[dict[str, int]] = mapped_column(JSONType, default=dict)
    stage_notes: Mapped[dict[str, str]] = mapped_column(JSONType, default=dict)
    # {competency_key: {"level": 1..4 | None, "evidence": str, "not_assessed": bool, "reason": str}}
    ratings: Mapped[dict[str, dict[str, Any]]] = mapped_column(JSONType, default=dict)
    candidate_questions: Mapped[str] = mapped_column(Text, default="")
    # Answer bank entries the candidate asked about ({answer id: True}), and what nobody could
    # answer on the call: the hiring manager's follow-ups, one per line.
    asked_answers: Mapped[dict[str, bool]] = mapped_column(
        JSONType, default=dict, server_default="{}"
    )
    owed_answers: Mapped[str] = mapped_column(Text, default="", server_default="")
    # A shadow's: shown apart in the debrief, never in the composite or the decision.
    training: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The script's structured fields; private ones are shown only to author, hiring manager, admin.
    field_answers: Mapped[dict[str, str]] = mapped_column(JSONType, default=dict)
    recommendation: Mapped[str | None] = mapped_column(String(20))
    summary: Mapped[str] = mapped_column(Text, default="")
    clock_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    session: Mapped[InterviewSession] = relationship()
    interviewer: Mapped[User] = relationship()

    @property
    def is_submitted(self) -> bool:
        return self.status == ScorecardStatus.SUBMITTED


class Debrief(db.Model):
    __tablename__ = "debriefs"
    __table_args__ = (
        CheckConstraint(
            "decision IS NULL OR decision IN ('hire', 'no_hire')", name="decision_allowed"
        ),
        CheckConstraint(
            "decision IS NULL OR (rationale IS NOT NULL AND decided_by_id IS NOT NULL)",
            name="decision_has_rationale",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    loop_id: Mapped[int] = mapped_column(ForeignKey("loops.id"), unique=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # A pinned debrief stays put when sessions move.
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    invite_sequence: Mapped[int] = mapped_column(Integer, default=0)
    decision: Mapped[str | None] = mapped_column(String(20))
    rationale: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Why the decision goes against the composite or hires with a must-have unmet, and why it
    # was made with panel scorecards missing: both audited and printed in the packet.
    override_reason: Mapped[str | None] = mapped_column(Text)
    waiver_reason: Mapped[str | None] = mapped_column(Text)
    # The hiring manager may open the discussion before the start time.
    discussion_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    loop: Mapped[Loop] = relationship(back_populates="debrief")
    decided_by: Mapped[User | None] = relationship()
    verdicts: Mapped[list[PanelVerdict]] = relationship(
        back_populates="debrief", order_by="PanelVerdict.id"
    )

    def discussion_open(self, now: datetime) -> bool:
        """Verdicts after discussion are taken once the debrief has begun."""
        return self.starts_at <= now or self.discussion_opened_at is not None


class PanelVerdict(db.Model):
    """A panelist's verdict after the discussion, beside the sealed one their scorecard holds:
    the debrief names every shift between the two."""

    __tablename__ = "panel_verdicts"
    __table_args__ = (
        UniqueConstraint("debrief_id", "panelist_id"),
        CheckConstraint(
            "recommendation IN (" + ", ".join(f"'{r.value}'" for r in Recommendation) + ")",
            name="verdict_allowed",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    debrief_id: Mapped[int] = mapped_column(ForeignKey("debriefs.id"), index=True)
    panelist_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recommendation: Mapped[str] = mapped_column(String(20))
    why: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    debrief: Mapped[Debrief] = relationship(back_populates="verdicts")
    panelist: Mapped[User] = relationship()


class CandidateAnswer(db.Model):
    """An agreed answer to something candidates ask: an opening's own, or the whole team's
    (`opening_id` None), searchable from the candidate-questions stage during the call."""

    __tablename__ = "candidate_answers"
    __table_args__ = (_enum_check("topic", AnswerTopic),)

    id: Mapped[int] = mapped_column(primary_key=True)
    opening_id: Mapped[int | None] = mapped_column(ForeignKey("openings.id"), index=True)
    topic: Mapped[str] = mapped_column(String(20))
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    opening: Mapped[Opening | None] = relationship()

    @property
    def topic_label(self) -> str:
        return AnswerTopic(self.topic).label


class PasswordSignIn(enum.StrEnum):
    """Who may still sign in with a password while single sign-on is on."""

    EVERYONE = "everyone"
    ADMINS = "admins"


class SingleSignOn(db.Model):
    """The team's OpenID Connect provider, one row an admin edits (app/auth/sso.py).

    The client secret has to be sent to the provider, so it is kept as given, like the SMTP
    password in the configuration; the admin page never shows it back."""

    __tablename__ = "single_sign_on"
    __table_args__ = (
        _enum_check("password_sign_in", PasswordSignIn),
        _enum_check("new_user_role", Role),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    label: Mapped[str] = mapped_column(String(60))
    issuer: Mapped[str] = mapped_column(String(300))
    client_id: Mapped[str] = mapped_column(String(300))
    client_secret: Mapped[str] = mapped_column(String(500))
    allowed_domains: Mapped[list[str]] = mapped_column(JSONType, default=list)
    create_users: Mapped[bool] = mapped_column(Boolean, default=False)
    new_user_role: Mapped[str] = mapped_column(String(20), default=Role.INTERVIEWER)
    password_sign_in: Mapped[str] = mapped_column(String(20), default=PasswordSignIn.EVERYONE)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SignInIdentity(db.Model):
    """A person's account at the identity provider, bound to their Loopkit account at their
    first single sign-on. Later sign-ins find the person by the provider's stable subject, not
    by the email claim, which the provider's own admins can change."""

    __tablename__ = "sign_in_identities"
    __table_args__ = (
        UniqueConstraint("issuer", "subject"),
        UniqueConstraint("user_id", "issuer"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    issuer: Mapped[str] = mapped_column(String(300))
    subject: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_signed_in_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()


class TeamSettings(db.Model):
    """The team's own choices, one row: how feedback reminders escalate, its working day and
    how many interviews a week a person takes. Until an admin saves them, the defaults in
    app/config.py apply (see app.team.settings)."""

    __tablename__ = "team_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    followup_minutes: Mapped[int] = mapped_column(Integer)
    daily_reminders: Mapped[int] = mapped_column(Integer)
    tell_manager_hours: Mapped[int] = mapped_column(Integer)
    working_day_starts: Mapped[time] = mapped_column(Time)
    working_day_ends: Mapped[time] = mapped_column(Time)
    weekly_interview_limit: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CalibrationTally(db.Model):
    """One interviewer's submitted scorecards on one opening, reduced to sums.

    Refreshed from the scorecards by the scheduler (see app.calibration.refresh): sums add up
    across openings, so any scope's figures come from these rows, however many scorecards
    lie behind them."""

    __tablename__ = "calibration_tallies"
    __table_args__ = (UniqueConstraint("opening_id", "interviewer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    opening_id: Mapped[int] = mapped_column(ForeignKey("openings.id"), index=True)
    interviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    scorecards: Mapped[int] = mapped_column(Integer)
    levels: Mapped[int] = mapped_column(Integer)  # how many levels they gave
    level_sum: Mapped[float] = mapped_column(Float)
    level_square_sum: Mapped[float] = mapped_column(Float)
    # Each comparison: their level minus the rest of the panel's mean on one loop's competency.
    comparisons: Mapped[int] = mapped_column(Integer)
    difference_sum: Mapped[float] = mapped_column(Float)
    decided: Mapped[int] = mapped_column(Integer)  # scorecards whose loop has a decision
    matched: Mapped[int] = mapped_column(Integer)  # ... whose recommendation pointed that way
    on_time: Mapped[int] = mapped_column(Integer)  # submitted within a day of the interview
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)

    interviewer: Mapped[User] = relationship()


class CompetencyAgreement(db.Model):
    """Krippendorff's alpha (ordinal) for one competency on one opening, with what lies behind
    it; `alpha` is None when there are too few paired ratings to measure it."""

    __tablename__ = "competency_agreements"
    __table_args__ = (UniqueConstraint("opening_id", "competency_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    opening_id: Mapped[int] = mapped_column(ForeignKey("openings.id"), index=True)
    competency_key: Mapped[str] = mapped_column(String(80))
    alpha: Mapped[float | None] = mapped_column(Float)
    ratings: Mapped[int] = mapped_column(Integer)  # levels on loops with two raters or more
    loops: Mapped[int] = mapped_column(Integer)  # loops with two raters or more
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Reminder(db.Model):
    """The outbox: scheduling writes rows, one dispatcher delivers them.

    `dedupe_key` is unique and doubles as the mail's Message-ID, so the one duplicate no mail
    system can prevent (a crash between SMTP acceptance and marking the row) is recognisable.
    """

    __tablename__ = "reminders"
    __table_args__ = (
        _enum_check("status", ReminderStatus),
        Index("ix_reminders_status_due_at", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    # What the reminder is for (kind, object, recipient) independent of its time: moving a
    # session moves the pending reminder of the same slot.
    slot: Mapped[str] = mapped_column(String(160), index=True)
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recipient_email: Mapped[str] = mapped_column(String(254))
    loop_id: Mapped[int | None] = mapped_column(ForeignKey("loops.id"), index=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("interview_sessions.id"), index=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default=ReminderStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Who holds the lease: only the holder may mark the reminder sent or failed.
    lease_token: Mapped[str | None] = mapped_column(String(36))
    # After a failed attempt: not before this time (backoff); due_at stays the original due time.
    retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    recipient: Mapped[User | None] = relationship()
    loop: Mapped[Loop | None] = relationship()
    session: Mapped[InterviewSession | None] = relationship()


class AuditEvent(db.Model):
    """Who did what to which object, and when. Never updated, never deleted but by erasure."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_object", "object_type", "object_id"),
        # The audit trail page filters by action kind or by actor, newest first.
        Index("ix_audit_events_action_at", "action", "at"),
        Index("ix_audit_events_actor_id_at", "actor_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int | None] = mapped_column(Integer)
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    actor: Mapped[User | None] = relationship()


def record_audit(actor: User | None, action: str, obj: db.Model, **details: Any) -> AuditEvent:
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        action=action,
        object_type=obj.__tablename__,
        object_id=obj.id,
        details=details,
    )
    db.session.add(event)
    return event


class SignInThrottle(db.Model):
    """Failed sign-ins counted per account or per client address, in the database so that every
    gunicorn worker sees the same count. `key` is a keyed hash ("account:…" or "address:…"):
    neither the typed email nor the address is stored, and unknown emails count like known ones."""

    __tablename__ = "sign_in_throttles"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # Set when the failures reached the limit: every attempt is refused until then.
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TrustedSignIn(db.Model):
    """An account and client address pair that signed in with the right password lately.
    Attempts from there skip the loose account-wide throttle, so failures from elsewhere cannot
    keep the real user out. `key` is a keyed hash of both; neither is stored as typed."""

    __tablename__ = "trusted_sign_ins"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    trusted_until: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class PasswordResetLink(db.Model):
    """A one-time link to set a password, issued by an admin. Only a hash of its token is
    stored: the token itself is shown once to the admin and is in no table or log."""

    __tablename__ = "password_reset_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class ApiScope(enum.StrEnum):
    READ = "read"  # openings, candidates, loops, submitted scorecards, decisions
    WRITE = "write"  # candidates in, loops planned
    PRIVATE = "private"  # private scorecard answers (logistics, pay), where the person may

    @property
    def label(self) -> str:
        return {
            "read": "Read",
            "write": "Write",
            "private": "Private answers",
        }[self.value]


class ApiToken(db.Model):
    """A key for the JSON API. It acts for one person, never beyond what they may do, and only
    within its scopes. Only a SHA-256 of the key is stored: it is shown once, when issued."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    scopes: Mapped[list[str]] = mapped_column(JSONType, default=list)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The key's last characters, so an admin can tell which key a caller holds.
    hint: Mapped[str] = mapped_column(String(8))
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    issued_by: Mapped[User | None] = relationship(foreign_keys=[issued_by_id])

    def allows(self, scope: ApiScope) -> bool:
        return scope.value in self.scopes


class ApiIdempotencyKey(db.Model):
    """A write sent with an `Idempotency-Key`, and what it answered: the same key again gets
    the same answer, without doing the write twice. Stored in the write's own transaction."""

    __tablename__ = "api_idempotency_keys"
    __table_args__ = (UniqueConstraint("token_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("api_tokens.id"))
    key: Mapped[str] = mapped_column(String(200))
    # SHA-256 of method, path and body: the same key with another request is refused.
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class WebhookEvent(enum.StrEnum):
    SCORECARD_SUBMITTED = "scorecard.submitted"
    LOOP_CONFIRMED = "loop.confirmed"
    DEBRIEF_DECIDED = "debrief.decided"

    @property
    def label(self) -> str:
        return {
            "scorecard.submitted": "A scorecard is submitted",
            "loop.confirmed": "A loop is confirmed",
            "debrief.decided": "A debrief is decided",
        }[self.value]


class WebhookEndpoint(db.Model):
    """A receiver an admin registered for some events (app/webhooks). Each delivery to it is
    signed with its secret, which the receiver holds too."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(String(120), default="")
    events: Mapped[list[str]] = mapped_column(JSONType, default=list)
    secret: Mapped[str] = mapped_column(String(80))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WebhookDelivery(db.Model):
    """The webhook outbox: one row per event and endpoint (`event_key` is unique per
    endpoint), written in the event's own transaction, sent by the scheduler under a lease
    like mail, retried with backoff, visible and retryable when it fails."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("endpoint_id", "event_key"),
        _enum_check("status", ReminderStatus),
        Index("ix_webhook_deliveries_status_due_at", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id"), index=True)
    event: Mapped[str] = mapped_column(String(40))
    # The event's own id, the same for every endpoint: receivers drop a repeat by it.
    event_key: Mapped[str] = mapped_column(String(120))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(20), default=ReminderStatus.PENDING)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_token: Mapped[str | None] = mapped_column(String(36))
    last_error: Mapped[str | None] = mapped_column(Text)
    response_status: Mapped[int | None] = mapped_column(Integer)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    endpoint: Mapped[WebhookEndpoint] = relationship()


class PacketRequest(db.Model):
    """The packet outbox: "render this loop's debrief packet", written in the same transaction as
    the change (a scorecard submitted or amended, a decision made). The renderer claims a loop's
    rows with a lease, renders both variants one at a time, and deletes the rows it claimed."""

    __tablename__ = "packet_requests"
    __table_args__ = (Index("ix_packet_requests_loop_id_lease_until", "loop_id", "lease_until"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    loop_id: Mapped[int] = mapped_column(ForeignKey("loops.id"))
    reason: Mapped[str] = mapped_column(String(40), default="changed")
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Held while a renderer works on it; after a failure, not to be retried before this time.
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_token: Mapped[str | None] = mapped_column(String(36))
    last_error: Mapped[str | None] = mapped_column(Text)

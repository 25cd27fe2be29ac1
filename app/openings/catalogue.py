"""Openings and candidates: the plain functions behind the views (create, update, list, search).

Search matches `search_text` (see `app.models.search_key`): the query is case-folded the same
way in Python, so it is case-insensitive and keeps accents as typed on SQLite and PostgreSQL
alike, and `%`, `_` and `\\` in a query are literal characters.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import time
from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import joinedload

from ..auth.permissions import visible_candidates_filter, visible_openings_filter
from ..extensions import db
from ..models import Candidate, Opening, User, record_audit, search_key
from ..web.input import controls_as_spaces

PER_PAGE = 20
MAX_QUERY_LENGTH = 200
MAX_QUERY_TERMS = 8
LIKE_ESCAPE = "\\"


class CatalogueError(ValueError):
    """A user-correctable problem only the database can spot; `field` names the form field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class OpeningDetails:
    title: str
    hiring_manager_id: int
    pitch_text: str
    competency_keys: list[str]
    default_script_key: str
    default_rubric_key: str
    debrief_delay_minutes: int


@dataclass(frozen=True)
class DecisionRules:
    """How the debrief combines the opening's ratings (app/debriefs/composite.py), and how many
    raters and interviews the loop planner asks for."""

    competency_weights: dict[str, float]
    must_have_keys: list[str]
    hire_threshold: float | None
    min_raters: int
    max_interviews: int
    max_interviews_reason: str | None


@dataclass(frozen=True)
class CandidateDetails:
    name: str
    email: str
    time_zone: str
    working_hours_start: time
    working_hours_end: time


def _apply(obj: Any, details: OpeningDetails | CandidateDetails) -> list[str]:
    """Copy `details` onto the row; the names of the fields that changed."""
    changed = []
    for spec in fields(details):
        value = getattr(details, spec.name)
        if getattr(obj, spec.name, None) != value:
            setattr(obj, spec.name, value)
            changed.append(spec.name)
    return changed


# ---- Openings ----


def create_opening(actor: User, details: OpeningDetails) -> Opening:
    """Flushes; the caller commits."""
    opening = Opening()
    _apply(opening, details)
    db.session.add(opening)
    db.session.flush()
    record_audit(actor, "opening.created", opening)
    return opening


def update_opening(actor: User, opening: Opening, details: OpeningDetails) -> list[str]:
    """Flushes; the caller commits. Returns the names of the fields that changed."""
    changed = _apply(opening, details)
    if changed:
        db.session.flush()
        record_audit(actor, "opening.updated", opening, fields=changed)
    return changed


# ---- Candidates ----


def set_decision_rules(actor: User, opening: Opening, rules: DecisionRules) -> list[str]:
    """Flushes; the caller commits. Audited with the values before and after, since changing
    how ratings combine while a loop is being decided is worth seeing later."""
    before = {spec.name: getattr(opening, spec.name) for spec in fields(rules)}
    changed = _apply(opening, rules)
    if changed:
        db.session.flush()
        record_audit(
            actor,
            "opening.rules_changed",
            opening,
            changed={name: [before[name], getattr(opening, name)] for name in changed},
        )
    return changed


def _email_taken(opening_id: int, email: str, exclude_id: int | None = None) -> bool:
    """Another candidate of this opening with the same email, whatever its case."""
    wanted = search_key(email)
    hits = db.session.execute(
        select(Candidate.id, Candidate.email).where(
            Candidate.opening_id == opening_id,
            Candidate.search_text.like(_contains(wanted), escape=LIKE_ESCAPE),
        )
    ).all()
    return any(row.id != exclude_id and search_key(row.email) == wanted for row in hits)


def _duplicate_email(email: str) -> CatalogueError:
    return CatalogueError(
        "email",
        f"{email} is already a candidate for this opening: open their page instead of adding "
        "them twice.",
    )


def create_candidate(actor: User, opening: Opening, details: CandidateDetails) -> Candidate:
    """Flushes; the caller commits. Raises CatalogueError for an email already on the opening."""
    if _email_taken(opening.id, details.email):
        raise _duplicate_email(details.email)
    candidate = Candidate(opening=opening)
    _apply(candidate, details)
    db.session.add(candidate)
    db.session.flush()
    record_audit(actor, "candidate.created", candidate)
    return candidate


def update_candidate(actor: User, candidate: Candidate, details: CandidateDetails) -> list[str]:
    """Flushes; the caller commits. Returns the names of the fields that changed."""
    if _email_taken(candidate.opening_id, details.email, exclude_id=candidate.id):
        raise _duplicate_email(details.email)
    changed = _apply(candidate, details)
    if changed:
        db.session.flush()
        # Names of fields only: the audit trail must not keep personal data past erasure.
        record_audit(actor, "candidate.updated", candidate, fields=changed)
    return changed


def candidate_by_external_id(external_id: str) -> Candidate | None:
    """The candidate a tracking system knows by this id (set through the API), if any."""
    return db.session.execute(
        select(Candidate).where(Candidate.external_id == external_id)
    ).scalar_one_or_none()


def link_external_id(actor: User, candidate: Candidate, external_id: str | None) -> bool:
    """Name `candidate` by a tracking system's id (None unlinks). Flushes; the caller commits.
    Raises CatalogueError when another candidate already has the id."""
    if candidate.external_id == external_id:
        return False
    if external_id is not None:
        holder = candidate_by_external_id(external_id)
        if holder is not None and holder.id != candidate.id:
            raise CatalogueError(
                "external_id",
                f"{external_id} already names candidate {holder.id}: update that one instead.",
            )
    candidate.external_id = external_id
    db.session.flush()
    record_audit(actor, "candidate.updated", candidate, fields=["external_id"])
    return True


# ---- Lists and search ----


def _escape_like(term: str) -> str:
    return (
        term.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2)
        .replace("%", LIKE_ESCAPE + "%")
        .replace("_", LIKE_ESCAPE + "_")
    )


def _contains(term: str) -> str:
    return f"%{_escape_like(term)}%"


def normalise_query(query: str | None) -> str:
    # Control characters separate words like spaces; PostgreSQL could not even compare a NUL.
    return " ".join(controls_as_spaces(query or "").split())[:MAX_QUERY_LENGTH]


def search_terms(query: str | None) -> list[str]:
    """The words of a search box query, case-folded; every one must match."""
    return search_key(normalise_query(query)).split()[:MAX_QUERY_TERMS]


def matches(column: Any, query: str | None) -> list[ColumnElement[bool]]:
    """WHERE clauses: `column` (a search_text) contains each word of `query`."""
    return [column.like(_contains(term), escape=LIKE_ESCAPE) for term in search_terms(query)]


MAX_PAGE = 10**9  # far past any real list; past it OFFSET would overflow the database's integer


def _page(page: int) -> int:
    return min(max(page, 1), MAX_PAGE)


def list_openings(user: User, query: str | None = "", page: int = 1) -> Pagination:
    """The openings `user` may view that match `query`, by title, PER_PAGE at a time.

    Two statements whatever the page holds: the count and the page (with hiring managers)."""
    statement = (
        select(Opening)
        .options(joinedload(Opening.hiring_manager))
        .where(visible_openings_filter(user), *matches(Opening.search_text, query))
        .order_by(Opening.search_text, Opening.id)
    )
    return db.paginate(statement, page=_page(page), per_page=PER_PAGE, error_out=False)


def candidate_counts(user: User, openings: list[Opening]) -> dict[int, int]:
    """How many candidates `user` may view in each of `openings`, in one statement."""
    if not openings:
        return {}
    rows = db.session.execute(
        select(Candidate.opening_id, func.count(Candidate.id))
        .where(
            Candidate.opening_id.in_([o.id for o in openings]),
            visible_candidates_filter(user),
        )
        .group_by(Candidate.opening_id)
    ).all()
    return {opening_id: count for opening_id, count in rows}


def list_candidates(
    user: User, query: str | None = "", page: int = 1, opening: Opening | None = None
) -> Pagination:
    """The candidates `user` may view (of `opening`, if given) that match `query` by name or
    email, PER_PAGE at a time. Two statements: the count and the page (with openings)."""
    statement = (
        select(Candidate)
        .options(joinedload(Candidate.opening))
        .where(visible_candidates_filter(user), *matches(Candidate.search_text, query))
        .order_by(Candidate.search_text, Candidate.id)
    )
    if opening is not None:
        statement = statement.where(Candidate.opening_id == opening.id)
    return db.paginate(statement, page=_page(page), per_page=PER_PAGE, error_out=False)


def get_opening(opening_id: int) -> Opening | None:
    return db.session.execute(
        select(Opening).options(joinedload(Opening.hiring_manager)).where(Opening.id == opening_id)
    ).scalar_one_or_none()


def get_candidate(candidate_id: int) -> Candidate | None:
    return db.session.execute(
        select(Candidate)
        .options(joinedload(Candidate.opening).joinedload(Opening.hiring_manager))
        .where(Candidate.id == candidate_id)
    ).scalar_one_or_none()

"""Candidates: read them, and push them in from a tracking system, idempotent by its own id
(`external_id`): sending the same id again updates the same candidate."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

import marshmallow as ma
from flask_smorest import Blueprint
from sqlalchemy import select

from ..auth.permissions import visible_candidates_filter
from ..extensions import db
from ..models import Candidate
from ..openings.catalogue import (
    CandidateDetails,
    CatalogueError,
    candidate_by_external_id,
    create_candidate,
    link_external_id,
    update_candidate,
)
from .access import allow, caller
from .errors import ApiErrorSchema, fail
from .idempotency import PARAMETER as IDEMPOTENCY_KEY
from .idempotency import writes
from .openings import opening_or_404
from .paging import ListArgs, one_page, page_schema
from .schemas import (
    CandidateFieldsSchema,
    CandidateFilterSchema,
    CandidateSchema,
    NewCandidateSchema,
)

bp = Blueprint(
    "api_candidates",
    __name__,
    url_prefix="/api/v1/candidates",
    description="Candidates: people applying to an opening",
)

DEFAULTS = {
    "time_zone": "UTC",
    "working_hours_start": "09:00",
    "working_hours_end": "17:00",
}


class CandidateListArgs(ListArgs, CandidateFilterSchema):
    pass


def candidate_or_404(candidate_id: int) -> Candidate:
    candidate = db.session.get(Candidate, candidate_id)
    if candidate is None:
        fail(404, "not_found", f"There is no candidate {candidate_id}.")
    return candidate


def _hours(text: str) -> time:
    return datetime.strptime(text, "%H:%M").time()  # noqa: DTZ007  (a time of day, no zone)


def _details(fields: dict[str, Any], candidate: Candidate | None) -> CandidateDetails:
    """The candidate's details with `fields` laid over what it has (or the defaults)."""
    current = (
        {
            "name": candidate.name,
            "email": candidate.email,
            "time_zone": candidate.time_zone,
            "working_hours_start": candidate.working_hours_start.strftime("%H:%M"),
            "working_hours_end": candidate.working_hours_end.strftime("%H:%M"),
        }
        if candidate is not None
        else {"name": "", "email": "", **DEFAULTS}
    )
    merged = {**current, **{k: v for k, v in fields.items() if k in current}}
    start, end = _hours(merged["working_hours_start"]), _hours(merged["working_hours_end"])
    if end <= start:
        fail(
            422,
            "validation_failed",
            "The working day must end after it starts.",
            json={"working_hours_end": [f"Give an end later than {start.strftime('%H:%M')}."]},
        )
    return CandidateDetails(
        name=merged["name"],
        email=merged["email"],
        time_zone=merged["time_zone"],
        working_hours_start=start,
        working_hours_end=end,
    )


def _refused(error: CatalogueError) -> None:
    db.session.rollback()
    code = "duplicate_email" if error.field == "email" else "external_id_taken"
    fail(409, code, error.message, json={error.field: [error.message]})


def _writable(candidate: Candidate) -> None:
    if candidate.is_erased:
        fail(
            409,
            "candidate_erased",
            f"Candidate {candidate.id} was erased: their details cannot be written back.",
        )
    allow("candidate.manage", candidate)


@bp.get("")
@bp.arguments(CandidateListArgs, location="query", as_kwargs=True, unknown=ma.RAISE)
@bp.response(200, page_schema(CandidateSchema, "CandidatePage"))
def list_candidates(**args: Any):
    """List candidates

    Every candidate the token's person may see, oldest first; `opening_id` and `external_id`
    narrow the list."""
    query = select(Candidate).where(visible_candidates_filter(caller()))
    if args.get("opening_id") is not None:
        query = query.where(Candidate.opening_id == args["opening_id"])
    if args.get("external_id") is not None:
        query = query.where(Candidate.external_id == args["external_id"])
    return one_page(query, Candidate.id, args)


@bp.get("/<int:candidate_id>")
@bp.response(200, CandidateSchema)
def get_candidate(candidate_id: int):
    """Get a candidate"""
    candidate = candidate_or_404(candidate_id)
    allow("candidate.view", candidate)
    return candidate


@bp.post("")
@bp.doc(parameters=[IDEMPOTENCY_KEY])
@writes
@bp.arguments(NewCandidateSchema)
@bp.response(201, CandidateSchema, description="Created")
@bp.alt_response(200, schema=CandidateSchema, description="Updated: the external_id was known")
@bp.alt_response(409, schema=ApiErrorSchema, description="Clashes with another candidate")
def create_or_update_candidate(fields: dict[str, Any]):
    """Add a candidate, or update the one with this external_id

    With an `external_id` already known, the same candidate is updated (200) instead of a
    second one added (201): a tracking system can send its candidates again and again."""
    external_id = fields.get("external_id")
    known = candidate_by_external_id(external_id) if external_id else None
    try:
        if known is not None:
            if known.opening_id != fields["opening_id"]:
                fail(
                    409,
                    "external_id_taken",
                    f"{external_id} already names candidate {known.id}, of opening "
                    f"{known.opening_id}: a candidate cannot move between openings.",
                )
            _writable(known)
            update_candidate(caller(), known, _details(fields, known))
            return known, 200
        opening = opening_or_404(fields["opening_id"])
        allow("candidate.manage", opening)
        candidate = create_candidate(caller(), opening, _details(fields, None))
        link_external_id(caller(), candidate, external_id)
    except CatalogueError as error:
        _refused(error)
    return candidate, 201


@bp.patch("/<int:candidate_id>")
@bp.doc(parameters=[IDEMPOTENCY_KEY])
@writes
@bp.arguments(CandidateFieldsSchema)
@bp.response(200, CandidateSchema)
@bp.alt_response(409, schema=ApiErrorSchema, description="Clashes with another candidate")
def update_candidate_fields(fields: dict[str, Any], candidate_id: int):
    """Update a candidate

    Only the fields sent change; `"external_id": null` unlinks the candidate from your
    system's id."""
    candidate = candidate_or_404(candidate_id)
    _writable(candidate)
    try:
        update_candidate(caller(), candidate, _details(fields, candidate))
        if "external_id" in fields:
            link_external_id(caller(), candidate, fields["external_id"])
    except CatalogueError as error:
        _refused(error)
    return candidate

"""Openings, read: the roles being hired for, as the token's person may see them."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask_smorest import Blueprint
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..auth.permissions import visible_openings_filter
from ..extensions import db
from ..models import Opening
from .access import allow, caller
from .errors import fail
from .paging import ListArgs, one_page, page_schema
from .schemas import OpeningSchema

bp = Blueprint(
    "api_openings",
    __name__,
    url_prefix="/api/v1/openings",
    description="Openings: roles being hired for",
)


def opening_or_404(opening_id: int) -> Opening:
    opening = db.session.get(Opening, opening_id)
    if opening is None:
        fail(404, "not_found", f"There is no opening {opening_id}.")
    return opening


@bp.get("")
@bp.arguments(ListArgs, location="query", as_kwargs=True, unknown=ma.RAISE)
@bp.response(200, page_schema(OpeningSchema, "OpeningPage"))
def list_openings(**args: Any):
    """List openings

    Every opening the token's person may see, oldest first."""
    query = (
        select(Opening)
        .options(joinedload(Opening.hiring_manager))
        .where(visible_openings_filter(caller()))
    )
    return one_page(query, Opening.id, args)


@bp.get("/<int:opening_id>")
@bp.response(200, OpeningSchema)
def get_opening(opening_id: int):
    """Get an opening"""
    opening = opening_or_404(opening_id)
    allow("opening.view", opening)
    return opening

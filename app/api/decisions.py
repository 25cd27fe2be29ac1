"""Debrief decisions, read: hire or no hire, why, and who decided. Seen by whoever may read the
debrief (so nobody on the panel before their own scorecard is in)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask_smorest import Blueprint
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..auth.permissions import visible_debriefs_filter
from ..extensions import db
from ..models import Debrief, Loop
from .access import allow, caller
from .errors import fail
from .paging import ListArgs, one_page, page_schema
from .schemas import DecisionFilterSchema, DecisionSchema

bp = Blueprint(
    "api_decisions",
    __name__,
    url_prefix="/api/v1/decisions",
    description="Decisions: how each debrief ended",
)


class DecisionListArgs(ListArgs, DecisionFilterSchema):
    pass


def _decisions_query():
    return (
        select(Debrief)
        .join(Loop, Debrief.loop_id == Loop.id)
        .where(Debrief.decision.is_not(None))
        .options(joinedload(Debrief.loop), joinedload(Debrief.decided_by))
    )


@bp.get("")
@bp.arguments(DecisionListArgs, location="query", as_kwargs=True, unknown=ma.RAISE)
@bp.response(200, page_schema(DecisionSchema, "DecisionPage"))
def list_decisions(**args: Any):
    """List decisions

    Every decided debrief the token's person may read, in the order the debriefs were
    planned."""
    query = _decisions_query().where(visible_debriefs_filter(caller()))
    if args.get("opening_id") is not None:
        query = query.where(Loop.opening_id == args["opening_id"])
    return one_page(query, Debrief.id, args)


@bp.get("/<int:loop_id>")
@bp.response(200, DecisionSchema)
def get_decision(loop_id: int):
    """Get a loop's decision"""
    loop = db.session.get(Loop, loop_id)
    if loop is None:
        fail(404, "not_found", f"There is no loop {loop_id}.")
    allow("debrief.view", loop)
    debrief = db.session.execute(
        _decisions_query().where(Debrief.loop_id == loop_id)
    ).scalar_one_or_none()
    if debrief is None:
        fail(404, "not_decided", f"Loop {loop_id} has no decision yet.")
    return debrief

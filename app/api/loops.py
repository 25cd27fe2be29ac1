"""Loops and their interviews: read them, and plan one from the library's scripts (each
interview follows a script, the opening's default unless another is named). A loop made here
is left in planning: a coordinator checks and confirms it, and only then do invitations go."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask_smorest import Blueprint
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ..auth.accounts import find_user_by_email
from ..auth.permissions import visible_loops_filter
from ..extensions import db
from ..library.store import latest_versions
from ..loops.planning import PlanningError, plan_session, start_loop
from ..models import InterviewSession, Loop, RubricVersion, ScriptVersion, SessionPanelist
from .access import allow, caller
from .candidates import candidate_or_404
from .errors import fail
from .idempotency import PARAMETER as IDEMPOTENCY_KEY
from .idempotency import writes
from .paging import ListArgs, one_page, page_schema
from .schemas import LoopFilterSchema, LoopSchema, NewLoopSchema

bp = Blueprint(
    "api_loops",
    __name__,
    url_prefix="/api/v1/loops",
    description="Loops: a candidate's interviews and their debrief",
)


class LoopListArgs(ListArgs, LoopFilterSchema):
    pass


def loops_query():
    """Loops with what the API shows of them, in a fixed number of queries per page."""
    return select(Loop).options(
        joinedload(Loop.coordinator),
        joinedload(Loop.debrief),
        selectinload(Loop.sessions).options(
            joinedload(InterviewSession.interviewer),
            joinedload(InterviewSession.script),
            joinedload(InterviewSession.rubric),
            selectinload(InterviewSession.panelists).joinedload(SessionPanelist.user),
        ),
    )


def loop_or_404(loop_id: int) -> Loop:
    loop = db.session.execute(loops_query().where(Loop.id == loop_id)).scalar_one_or_none()
    if loop is None:
        fail(404, "not_found", f"There is no loop {loop_id}.")
    return loop


@bp.get("")
@bp.arguments(LoopListArgs, location="query", as_kwargs=True, unknown=ma.RAISE)
@bp.response(200, page_schema(LoopSchema, "LoopPage"))
def list_loops(**args: Any):
    """List loops

    Every loop the token's person may see, oldest first, with its interviews."""
    query = loops_query().where(visible_loops_filter(caller()))
    for name in ("candidate_id", "opening_id", "status"):
        if args.get(name) is not None:
            query = query.where(getattr(Loop, name) == args[name])
    return one_page(query, Loop.id, args)


@bp.get("/<int:loop_id>")
@bp.response(200, LoopSchema)
def get_loop(loop_id: int):
    """Get a loop, with its interviews"""
    loop = loop_or_404(loop_id)
    allow("loop.view", loop)
    return loop


def _invalid(index: int, field: str, message: str) -> None:
    fail(
        422,
        "validation_failed",
        f"Interview {index + 1}: {message}",
        json={"sessions": {str(index): {field: [message]}}},
    )


def _library_item(versions: dict, key: str | None, index: int, field: str, what: str):
    if key is None:
        _invalid(index, field, f"Name a {what}: the opening has no default one.")
    if key not in versions:
        _invalid(index, field, f"There is no {what} {key!r} in the library.")
    return versions[key]


@bp.post("")
@bp.doc(parameters=[IDEMPOTENCY_KEY])
@writes
@bp.arguments(NewLoopSchema)
@bp.response(201, LoopSchema, description="Planned; a coordinator confirms it")
def plan_loop(fields: dict[str, Any]):
    """Plan a loop

    One interview per entry of `sessions`, each following a library script: `script_key` and
    `rubric_key` default to the opening's. The loop stays in planning until a coordinator
    confirms it in Loopkit, so no one is invited yet."""
    candidate = candidate_or_404(fields["candidate_id"])
    allow("loop.plan", candidate)
    scripts = {s.key: s for s in latest_versions(ScriptVersion)}
    rubrics = {r.key: r for r in latest_versions(RubricVersion)}
    opening = candidate.opening
    loop = start_loop(candidate, caller())
    for index, wanted in enumerate(fields["sessions"]):
        interviewer = find_user_by_email(wanted["interviewer_email"])
        if interviewer is None or not interviewer.is_active:
            _invalid(index, "interviewer_email", "No active person has this email address.")
        script = _library_item(
            scripts,
            wanted.get("script_key", opening.default_script_key),
            index,
            "script_key",
            "script",
        )
        rubric = _library_item(
            rubrics,
            wanted.get("rubric_key", opening.default_rubric_key),
            index,
            "rubric_key",
            "rubric",
        )
        try:
            plan_session(
                loop,
                caller(),
                interviewer=interviewer,
                script=script,
                rubric=rubric,
                starts_at=wanted["starts_at"],
                focus_competencies=wanted.get("focus_competencies", []),
                meeting_url=wanted["meeting_url"],
            )
        except PlanningError as error:
            _invalid(index, "focus_competencies", str(error))
    db.session.flush()
    return loop_or_404(loop.id), 201

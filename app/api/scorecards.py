"""Submitted scorecards, read, under the blind rule: the token's person reads a scorecard only
where they could on the debrief page (never while their own is unsubmitted), and its private
answers only with the private scope and where they may read those too."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask_smorest import Blueprint
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ..answers.asked import bank_questions, lines_of
from ..auth.permissions import private_answers_viewable, visible_scorecards_filter
from ..extensions import db
from ..models import ApiScope, InterviewSession, Loop, Opening, Scorecard, SessionPanelist
from .access import allow, caller, current_token
from .errors import fail
from .paging import ListArgs, one_page, page_schema
from .schemas import ScorecardFilterSchema, ScorecardSchema

bp = Blueprint(
    "api_scorecards",
    __name__,
    url_prefix="/api/v1/scorecards",
    description="Scorecards: each interviewer's submitted feedback",
)


class ScorecardListArgs(ListArgs, ScorecardFilterSchema):
    pass


def _scorecards_query():
    return (
        select(Scorecard)
        .join(InterviewSession, Scorecard.session_id == InterviewSession.id)
        .join(Loop, InterviewSession.loop_id == Loop.id)
        .where(Scorecard.retired_at.is_(None))
        .options(
            joinedload(Scorecard.interviewer),
            joinedload(Scorecard.session).options(
                joinedload(InterviewSession.script),
                joinedload(InterviewSession.rubric),
                joinedload(InterviewSession.loop)
                .joinedload(Loop.opening)
                .joinedload(Opening.hiring_manager),
                selectinload(InterviewSession.panelists).joinedload(SessionPanelist.user),
            ),
        )
    )


def _panel_role(card: Scorecard) -> str:
    if card.interviewer_id == card.session.interviewer_id:
        return "lead"
    seat = next((p for p in card.session.panelists if p.user_id == card.interviewer_id), None)
    return seat.role if seat is not None else "lead"


def scorecard_views(cards: list[Scorecard]) -> list[dict[str, Any]]:
    """What the API shows of each scorecard, private answers only where allowed."""
    private = (
        private_answers_viewable(caller(), cards)
        if current_token().allows(ApiScope.PRIVATE)
        else set()
    )
    questions = bank_questions(cards)
    return [_view(card, card.id in private, questions) for card in cards]


def _view(card: Scorecard, include_private: bool, questions: dict[int, str]) -> dict[str, Any]:
    session = card.session
    names = {c["key"]: c["name"] for c in session.rubric.competencies}
    ratings = [
        {
            "competency_key": key,
            "competency_name": names.get(key, key),
            "level": value.get("level"),
            "evidence": value.get("evidence") or "",
            "not_assessed": bool(value.get("not_assessed")),
            "reason": value.get("reason") or "",
        }
        for key, value in (card.ratings or {}).items()
    ]
    stages = session.script.stages
    answers = [
        {
            "key": field["key"],
            "label": field["label"],
            "value": str((card.field_answers or {}).get(field["key"], "")),
            "private": bool(field.get("private")),
        }
        for stage in stages
        for field in stage.get("fields", [])
        if include_private or not field.get("private")
    ]
    ticked = [questions[int(k)] for k in card.asked_answers or {} if int(k) in questions]
    return {
        "id": card.id,
        "loop_id": session.loop_id,
        "session_id": session.id,
        "candidate_id": session.loop.candidate_id,
        "interviewer": card.interviewer,
        "panel_role": _panel_role(card),
        "training": card.training,
        "submitted_at": card.submitted_at,
        "recommendation": card.recommendation,
        "summary": card.summary or "",
        "ratings": ratings,
        "stage_notes": [
            {
                "stage_key": stage["key"],
                "title": stage["title"],
                "notes": (card.stage_notes or {}).get(stage["key"], ""),
            }
            for stage in stages
        ],
        "candidate_questions": [*ticked, *lines_of(card.candidate_questions)],
        "owed_answers": lines_of(card.owed_answers),
        "answers": answers,
        "private_answers_included": include_private,
    }


@bp.get("")
@bp.arguments(ScorecardListArgs, location="query", as_kwargs=True, unknown=ma.RAISE)
@bp.response(200, page_schema(ScorecardSchema, "ScorecardPage"))
def list_scorecards(**args: Any):
    """List submitted scorecards

    Those the token's person may read, oldest first. A person on a panel sees none of that
    loop's others until their own is submitted, as on the debrief page."""
    query = _scorecards_query().where(visible_scorecards_filter(caller()))
    if args.get("loop_id") is not None:
        query = query.where(InterviewSession.loop_id == args["loop_id"])
    page = one_page(query, Scorecard.id, args)
    page["items"] = scorecard_views(page["items"])
    return page


@bp.get("/<int:scorecard_id>")
@bp.response(200, ScorecardSchema)
def get_scorecard(scorecard_id: int):
    """Get a submitted scorecard"""
    card = (
        db.session.execute(_scorecards_query().where(Scorecard.id == scorecard_id))
        .unique()
        .scalar_one_or_none()
    )
    if card is None or not card.is_submitted:
        fail(404, "not_found", f"There is no submitted scorecard {scorecard_id}.")
    allow("scorecard.view_content", card)
    return scorecard_views([card])[0]

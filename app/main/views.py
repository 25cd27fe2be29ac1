from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from flask_login import current_user, login_required
from sqlalchemy import text

from ..auth.permissions import can, require
from ..extensions import db
from ..interviews.scorecards import due_state, owed_scorecards
from ..notify.outbox import troubled_count
from ..packets.outbox import given_up_count
from ..storage.types import utcnow
from .dashboard import loops_i_am_planning, manager_next_steps, upcoming_sessions

bp = Blueprint("main", __name__)


@bp.get("/")
@login_required
def home():
    require("home.view")
    now = utcnow()
    owed = [(card, due_state(card, now)) for card in owed_scorecards(current_user, now)]
    planning = (
        loops_i_am_planning(current_user) if current_user.role in ("coordinator", "admin") else []
    )
    next_steps = (
        manager_next_steps(current_user, now) if current_user.role == "hiring_manager" else []
    )
    return render_template(
        "main/home.html",
        sessions=upcoming_sessions(current_user, now),
        owed=owed,
        planning=planning,
        next_steps=next_steps,
        outbox_count=troubled_count() if can(current_user, "outbox.manage") else 0,
        failed_packet_count=given_up_count() if can(current_user, "outbox.manage") else 0,
    )


@bp.get("/health")
def health():
    """For load balancers and monitoring: 200 when the database answers, 503 when not."""
    try:
        db.session.execute(text("SELECT 1")).scalar_one()
    except Exception as error:  # noqa: BLE001  (any failure means unhealthy)
        db.session.rollback()
        return jsonify(status="error", database="unreachable", detail=type(error).__name__), 503
    return jsonify(status="ok", database="ok")

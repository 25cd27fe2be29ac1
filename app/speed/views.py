"""The speed dashboard: how fast the team's feedback and decisions come, per opening or for
every opening the reader may see."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import select, true

from ..auth.permissions import require, team_openings_filter
from ..extensions import db
from ..models import Opening
from ..storage.types import utcnow
from .figures import DEFAULT_WEEKS, PERIODS, late_now, speed, week_rows

bp = Blueprint("speed", __name__)


def _weeks() -> int:
    weeks = request.args.get("weeks", DEFAULT_WEEKS, type=int)
    return weeks if weeks in PERIODS else DEFAULT_WEEKS


@bp.get("/speed/")
@login_required
def dashboard():
    require("speed.view")
    weeks = _weeks()
    visible = team_openings_filter(current_user)
    openings = db.session.execute(
        select(Opening.id, Opening.title).where(visible).order_by(Opening.title)
    ).all()
    chosen = request.args.get("opening", type=int)
    if chosen is not None and chosen not in {o.id for o in openings}:
        abort(404)
    scope = visible if chosen is None else (Opening.id == chosen)
    now = utcnow()
    figures = speed(scope, now, weeks)
    return render_template(
        "speed/dashboard.html",
        figures=figures,
        weeks=weeks,
        periods=PERIODS,
        openings=openings,
        chosen=chosen,
        week_rows=week_rows(figures),
        late=late_now(scope, now),
    )


@bp.get("/speed/me")
@login_required
def mine():
    """An interviewer's own waits, over every opening they interviewed for."""
    require("speed.view_own")
    weeks = _weeks()
    figures = speed(true(), utcnow(), weeks, interviewer_id=current_user.id)
    return render_template(
        "speed/mine.html",
        figures=figures,
        weeks=weeks,
        periods=PERIODS,
        week_rows=week_rows(figures),
    )

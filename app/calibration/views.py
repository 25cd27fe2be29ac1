"""Calibration pages: the team's (admins: every opening; hiring managers: their own), one
opening's with its PDF report, and each interviewer's own figures beside the panel's."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, render_template
from flask_login import current_user, login_required

from ..auth.permissions import can, require
from ..extensions import db
from ..models import record_audit
from ..openings.catalogue import get_opening
from ..packets.views import filename_slug
from ..storage.database import will_write
from .figures import (
    MIN_OTHERS_SHOWN,
    leniency_domain,
    opening_calibration,
    own_calibration,
    own_leniency_rows,
    team_calibration,
)
from .report import chart_context, render_report, report_html

bp = Blueprint("calibration", __name__)


def _refresh_minutes() -> float:
    return float(current_app.config["CALIBRATION_REFRESH_MINUTES"])


def _calibration_page(calibration, opening=None) -> str:
    """The team's page and an opening's are one template: the opening narrows it."""
    return render_template(
        "calibration/team.html",
        calibration=calibration,
        opening=opening,
        refresh_minutes=_refresh_minutes(),
        **chart_context(calibration),
    )


@bp.get("/calibration/")
@login_required
def team():
    require("calibration.view_team")
    return _calibration_page(team_calibration(current_user))


@bp.get("/openings/<int:opening_id>/calibration")
@login_required
def opening(opening_id: int):
    found = get_opening(opening_id) or abort(404)
    require("calibration.view_opening", found)
    return _calibration_page(opening_calibration(found), found)


@bp.get("/openings/<int:opening_id>/calibration.pdf")
@login_required
def opening_report(opening_id: int):
    found = get_opening(opening_id) or abort(404)
    require("calibration.view_opening", found)
    filename = f"calibration-{filename_slug(found.title, 'opening')}.pdf"
    html = report_html(found, opening_calibration(found))
    db.session.rollback()  # end the read before the render
    pdf = render_report(html)
    # Who took a copy of the panel's figures away, as for a debrief packet.
    will_write()
    record_audit(current_user, "calibration.report_downloaded", found)
    db.session.commit()
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/calibration/me")
@login_required
def mine():
    require("calibration.view_own")
    own = own_calibration(current_user)
    rows = own_leniency_rows(own)
    return render_template(
        "calibration/mine.html",
        own=own,
        rows=rows,
        half=leniency_domain(p for row in rows for p in row["points"]),
        min_others=MIN_OTHERS_SHOWN,
        refresh_minutes=_refresh_minutes(),
        may_view_team=can(current_user, "calibration.view_team"),
    )

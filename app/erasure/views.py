"""The erase page: an admin erases one candidate's personal data."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from ..auth.permissions import require
from ..extensions import db
from ..models import Loop
from ..openings.catalogue import get_candidate
from ..web.input import form_status
from .candidates import erase_candidate, purge_after_commit
from .forms import EraseCandidateForm

bp = Blueprint("erasure", __name__)


@bp.route("/candidates/<int:candidate_id>/erase", methods=["GET", "POST"])
@login_required
def erase(candidate_id: int):
    candidate = get_candidate(candidate_id) or abort(404)
    require("candidate.erase", candidate)
    if candidate.is_erased:
        flash("This candidate's personal data is already erased.", "info")
        return redirect(url_for("openings.candidate", candidate_id=candidate.id))
    form = EraseCandidateForm(candidate)
    if form.validate_on_submit():
        erased = erase_candidate(current_user, candidate, form.reason.data)
        db.session.commit()
        purge_after_commit([erased])
        flash(
            f"Personal data erased: the candidate now shows as {candidate.name}, and only "
            "anonymous counts remain.",
            "info",
        )
        return redirect(url_for("openings.candidate", candidate_id=candidate.id))
    loop_count = db.session.execute(
        select(func.count(Loop.id)).where(Loop.candidate_id == candidate.id)
    ).scalar_one()
    return render_template(
        "erasure/erase.html", form=form, candidate=candidate, loop_count=loop_count
    ), form_status()

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..auth.permissions import can, require
from ..extensions import db
from ..library.store import latest_versions
from ..models import InterviewSession, Loop, RubricVersion, ScriptVersion
from ..web.input import form_status, time_zone_names
from .catalogue import (
    CatalogueError,
    candidate_counts,
    create_candidate,
    create_opening,
    get_candidate,
    get_opening,
    list_candidates,
    list_openings,
    normalise_query,
    set_decision_rules,
    update_candidate,
    update_opening,
)
from .forms import PANEL_LIMIT, candidate_form, decision_rules_form, opening_form

bp = Blueprint("openings", __name__)


def _list_args() -> tuple[str, int]:
    query = normalise_query(request.args.get("q"))
    return query, request.args.get("page", 1, type=int)


def _opening_or_404(opening_id: int):
    return get_opening(opening_id) or abort(404)


def _candidate_or_404(candidate_id: int):
    return get_candidate(candidate_id) or abort(404)


def _refuse(form, error: CatalogueError) -> None:
    db.session.rollback()
    getattr(form, error.field).errors.append(error.message)


# ---- Openings ----


@bp.get("/openings/")
@login_required
def index():
    query, page = _list_args()
    openings = list_openings(current_user, query, page)
    return render_template(
        "openings/index.html",
        openings=openings,
        counts=candidate_counts(current_user, openings.items),
        query=query,
        may_create=can(current_user, "opening.manage", None),
    )


@bp.route("/openings/new", methods=["GET", "POST"])
@login_required
def new():
    require("opening.manage", None)
    form = opening_form(current_user)
    if form.validate_on_submit():
        opening = create_opening(current_user, form.details())
        db.session.commit()
        flash(f"Opening {opening.title} created. Add its first candidate below.", "info")
        return redirect(url_for("openings.detail", opening_id=opening.id))
    return render_template("openings/form.html", form=form, opening=None), form_status()


@bp.get("/openings/<int:opening_id>")
@login_required
def detail(opening_id: int):
    opening = _opening_or_404(opening_id)
    require("opening.view", opening)
    query, page = _list_args()
    rubrics = {r.key: r for r in latest_versions(RubricVersion)}
    scripts = {s.key: s for s in latest_versions(ScriptVersion)}
    competency_names = {
        c["key"]: c["name"] for rubric in rubrics.values() for c in rubric.competencies
    }
    return render_template(
        "openings/detail.html",
        opening=opening,
        candidates=list_candidates(current_user, query, page, opening=opening),
        query=query,
        competency_names=competency_names,
        may_set_rules=can(current_user, "opening.set_rules", opening),
        panel_limit=PANEL_LIMIT,
        script=scripts.get(opening.default_script_key),
        rubric=rubrics.get(opening.default_rubric_key),
        may_manage=can(current_user, "opening.manage", opening),
        may_add_candidate=can(current_user, "candidate.manage", opening),
        # The packets feature sits above this one: link it only when it is served.
        packets_page="packets.opening_page" in current_app.view_functions
        and can(current_user, "debrief.decide", opening),
        answers_page="answers.opening" in current_app.view_functions,
        calibration_page="calibration.opening" in current_app.view_functions
        and can(current_user, "calibration.view_opening", opening),
    )


@bp.route("/openings/<int:opening_id>/edit", methods=["GET", "POST"])
@login_required
def edit(opening_id: int):
    opening = _opening_or_404(opening_id)
    require("opening.manage", opening)
    form = opening_form(current_user, opening)
    if form.validate_on_submit():
        changed = update_opening(current_user, opening, form.details())
        db.session.commit()
        flash("Opening saved." if changed else "Nothing changed.", "info")
        return redirect(url_for("openings.detail", opening_id=opening.id))
    return render_template("openings/form.html", form=form, opening=opening), form_status()


@bp.route("/openings/<int:opening_id>/decision-rules", methods=["GET", "POST"])
@login_required
def decision_rules(opening_id: int):
    opening = _opening_or_404(opening_id)
    require("opening.set_rules", opening)
    rubrics = latest_versions(RubricVersion)
    names = {c["key"]: c["name"] for rubric in rubrics for c in rubric.competencies}
    form = decision_rules_form(opening, names)
    if form.validate_on_submit():
        changed = set_decision_rules(current_user, opening, form.rules())
        db.session.commit()
        flash("Decision rules saved." if changed else "Nothing changed.", "info")
        return redirect(url_for("openings.detail", opening_id=opening.id))
    return render_template(
        "openings/rules.html", form=form, opening=opening, panel_limit=PANEL_LIMIT
    ), form_status()


# ---- Candidates ----


@bp.get("/candidates/")
@login_required
def candidates():
    query, page = _list_args()
    return render_template(
        "candidates/index.html",
        candidates=list_candidates(current_user, query, page),
        query=query,
    )


@bp.route("/openings/<int:opening_id>/candidates/new", methods=["GET", "POST"])
@login_required
def new_candidate(opening_id: int):
    opening = _opening_or_404(opening_id)
    require("candidate.manage", opening)
    form = candidate_form()
    if form.validate_on_submit():
        try:
            candidate = create_candidate(current_user, opening, form.details())
        except CatalogueError as error:
            _refuse(form, error)
        else:
            db.session.commit()
            flash(f"{candidate.name} added to {opening.title}.", "info")
            return redirect(url_for("openings.candidate", candidate_id=candidate.id))
    return render_template(
        "candidates/form.html",
        form=form,
        opening=opening,
        candidate=None,
        time_zones=time_zone_names(),
    ), form_status()


@bp.get("/candidates/<int:candidate_id>")
@login_required
def candidate(candidate_id: int):
    candidate = _candidate_or_404(candidate_id)
    require("candidate.view", candidate)
    loops = db.session.execute(
        select(Loop)
        .where(Loop.candidate_id == candidate.id)
        .options(
            selectinload(Loop.sessions).selectinload(InterviewSession.interviewer),
            selectinload(Loop.debrief),
        )
        .order_by(Loop.created_at.desc(), Loop.id.desc())
    ).scalars()
    return render_template(
        "candidates/detail.html",
        candidate=candidate,
        loops=[loop for loop in loops if can(current_user, "loop.view", loop)],
        may_manage=can(current_user, "candidate.manage", candidate),
        may_plan=can(current_user, "loop.plan", candidate),
        may_erase=can(current_user, "candidate.erase", candidate) and not candidate.is_erased,
    )


@bp.route("/candidates/<int:candidate_id>/edit", methods=["GET", "POST"])
@login_required
def edit_candidate(candidate_id: int):
    candidate = _candidate_or_404(candidate_id)
    require("candidate.manage", candidate)
    form = candidate_form(candidate)
    if form.validate_on_submit():
        try:
            changed = update_candidate(current_user, candidate, form.details())
        except CatalogueError as error:
            _refuse(form, error)
        else:
            db.session.commit()
            flash("Candidate saved." if changed else "Nothing changed.", "info")
            return redirect(url_for("openings.candidate", candidate_id=candidate.id))
    return render_template(
        "candidates/form.html",
        form=form,
        opening=candidate.opening,
        candidate=candidate,
        time_zones=time_zone_names(),
    ), form_status()

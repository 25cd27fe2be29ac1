from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..auth.permissions import can, require
from ..extensions import db
from ..loops.planning import competency_names
from ..storage.types import utcnow
from ..web.timefmt import local_time
from .composite import composite_facts
from .decisions import (
    DecisionError,
    chase_all_missing,
    chase_scorecard,
    postpone_debrief,
    record_decision,
    reopen_decision,
)
from .summary import load_loop, summarise
from .verdicts import ORDER, label, open_discussion, record_verdict, verdict_rows

bp = Blueprint("debriefs", __name__)


def _loop_or_404(loop_id: int):
    return load_loop(loop_id) or abort(404)


def _page(
    loop,
    status: int = 200,
    errors: dict | None = None,
    typed: dict | None = None,
    verdict_errors: dict | None = None,
):
    may_decide = can(current_user, "debrief.decide", loop)
    summary = summarise(loop, competency_names(), include_private=may_decide)
    rows = verdict_rows(loop)
    mine = next((row for row in rows if row.panelist.id == current_user.id), None)
    debrief = loop.debrief
    discussion_open = debrief is not None and debrief.discussion_open(utcnow())
    # Asked only when the form could show: the rule costs two queries.
    may_give_verdict = (
        discussion_open
        and debrief.decision is None
        and mine is not None
        and can(current_user, "debrief.give_verdict", loop)
    )
    return render_template(
        "debriefs/debrief.html",
        hiring_loop=loop,  # not `loop`: Jinja's for-loops own that name
        summary=summary,
        composite=composite_facts(summary.composite, summary.scale),
        verdicts=rows,
        my_verdict=mine,
        verdict_choices=[(value, label(value)) for value in ORDER],
        verdict_label=label,
        discussion_open=discussion_open,
        may_give_verdict=may_give_verdict,
        may_decide=may_decide,
        is_admin=current_user.role == "admin",
        errors=errors or {},
        verdict_errors=verdict_errors or {},
        typed=typed or {},
        packet_links="packets.download" in current_app.view_functions,
    ), status


@bp.get("/loops/<int:loop_id>/debrief")
@login_required
def debrief(loop_id: int):
    loop = _loop_or_404(loop_id)
    require("debrief.view", loop)
    return _page(loop)


@bp.post("/loops/<int:loop_id>/decision")
@login_required
def decide(loop_id: int):
    loop = _loop_or_404(loop_id)
    require("debrief.decide", loop)
    typed = {
        name: request.form.get(name, "")
        for name in ("decision", "rationale", "override_reason", "waiver_reason")
    }
    try:
        record_decision(
            loop,
            current_user,
            typed["decision"],
            typed["rationale"],
            override_reason=typed["override_reason"],
            waiver_reason=typed["waiver_reason"],
        )
    except DecisionError as error:
        db.session.rollback()
        return _page(_loop_or_404(loop_id), 400, error.errors, typed)
    db.session.commit()
    flash("Decision recorded; the panel is told by mail.", "info")
    return redirect(url_for("debriefs.debrief", loop_id=loop.id))


@bp.post("/loops/<int:loop_id>/discussion")
@login_required
def start_discussion(loop_id: int):
    loop = _loop_or_404(loop_id)
    require("debrief.decide", loop)
    if loop.debrief is None:
        abort(404)
    try:
        open_discussion(loop.debrief, current_user)
    except DecisionError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash("The discussion is open: the panel can give their verdicts now.", "info")
    return redirect(url_for("debriefs.debrief", loop_id=loop.id) + "#verdicts")


@bp.post("/loops/<int:loop_id>/verdict")
@login_required
def give_verdict(loop_id: int):
    loop = _loop_or_404(loop_id)
    require("debrief.view", loop)
    require("debrief.give_verdict", loop)
    typed = {name: request.form.get(name, "") for name in ("verdict", "why")}
    try:
        record_verdict(loop, current_user, typed["verdict"], typed["why"])
    except DecisionError as error:
        db.session.rollback()
        return _page(
            _loop_or_404(loop_id), 400, typed=typed, verdict_errors={error.field: str(error)}
        )
    db.session.commit()
    flash("Your verdict after the discussion is recorded.", "info")
    return redirect(url_for("debriefs.debrief", loop_id=loop.id) + "#verdicts")


@bp.post("/loops/<int:loop_id>/decision/reopen")
@login_required
def reopen(loop_id: int):
    loop = _loop_or_404(loop_id)
    require("debrief.decide", loop)
    reason = request.form.get("reason", "")
    try:
        reopen_decision(loop, current_user, reason)
    except DecisionError as error:
        db.session.rollback()
        if current_user.role != "admin":
            abort(403)
        return _page(_loop_or_404(loop_id), 400, {"reason": str(error)}, {"reason": reason})
    db.session.commit()
    flash("Decision reopened; the earlier one stays in the audit trail.", "info")
    return redirect(url_for("debriefs.debrief", loop_id=loop.id))


@bp.post("/loops/<int:loop_id>/sessions/<int:session_id>/chase")
@login_required
def chase(loop_id: int, session_id: int):
    loop = _loop_or_404(loop_id)
    require("debrief.decide", loop)
    session = next((s for s in loop.sessions if s.id == session_id), None) or abort(404)
    interviewer_id = request.form.get("interviewer_id", type=int)
    try:
        chase_scorecard(session, current_user, interviewer_id)
    except DecisionError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        person = next(
            p for p in session.people if p.id == (interviewer_id or session.interviewer_id)
        )
        flash(f"Reminder on its way to {person.name}.", "info")
    return redirect(url_for("debriefs.debrief", loop_id=loop.id) + "#missing")


@bp.post("/loops/<int:loop_id>/chase-all")
@login_required
def chase_all(loop_id: int):
    loop = _loop_or_404(loop_id)
    require("debrief.decide", loop)
    reminded, skipped = chase_all_missing(loop, current_user)
    db.session.commit()
    if reminded:
        flash(f"Reminders on their way to {', '.join(reminded)}.", "info")
    if skipped:
        flash(f"Reminded less than 15 minutes ago, so not again: {', '.join(skipped)}.", "info")
    return redirect(url_for("debriefs.debrief", loop_id=loop.id) + "#missing")


@bp.post("/loops/<int:loop_id>/debrief/postpone")
@login_required
def postpone(loop_id: int):
    loop = _loop_or_404(loop_id)
    require("debrief.decide", loop)
    try:
        postpone_debrief(loop, current_user, request.form.get("by", ""))
    except DecisionError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(
            f"The debrief now starts {local_time(loop.debrief.starts_at)}; everyone invited "
            "gets the update.",
            "info",
        )
    return redirect(url_for("debriefs.debrief", loop_id=loop.id) + "#missing")

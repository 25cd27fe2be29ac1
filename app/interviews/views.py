from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ..answers.asked import bank_questions
from ..answers.bank import answers_for
from ..auth.permissions import can, require
from ..extensions import db
from ..loops.planning import competency_names
from ..loops.questions import asked_earlier
from ..models import CandidateAnswer, InterviewSession, Loop, Scorecard
from .coverage import COVERAGE_LABELS, coverage_of
from .scorecards import (
    InvalidSave,
    NotAllowed,
    ScorecardFull,
    amend_scorecard,
    current_values,
    save_changes,
    scorecard_for_saving,
    scorecard_form,
    submit_scorecard,
)

bp = Blueprint("interviews", __name__)


def _session_or_404(session_id: int) -> InterviewSession:
    session = db.session.execute(
        select(InterviewSession)
        .options(
            joinedload(InterviewSession.loop).options(
                joinedload(Loop.candidate), joinedload(Loop.opening)
            ),
            joinedload(InterviewSession.script),
            joinedload(InterviewSession.rubric),
            joinedload(InterviewSession.scorecard),
            selectinload(InterviewSession.scorecards),
        )
        .where(InterviewSession.id == session_id)
    ).scalar_one_or_none()
    return session or abort(404)


def _scorecard_or_404(scorecard_id: int) -> Scorecard:
    scorecard = db.session.get(Scorecard, scorecard_id)
    return scorecard or abort(404)


def _posted_values(scorecard: Scorecard, shown_answers: Iterable[int] = ()) -> dict[str, Any]:
    """Every field of the plain form post, as the user typed it (checkbox absent = off); of
    the answer bank's ticks, those of the answers the page showed."""
    form = scorecard_form(scorecard)
    values: dict[str, Any] = {f"asked.{i}": f"asked.{i}" in request.form for i in shown_answers}
    for path, spec in form.specs.items():
        if path == "clock_started_at":
            continue
        if spec.kind == "flag":
            values[path] = path in request.form
        else:
            values[path] = request.form.get(path, "")
    return values


def field_labels(session: InterviewSession) -> dict[str, str]:
    """Names for the error summary: which competency or stage a message is about."""
    labels = {}
    for key in session.focus_competencies:
        name = (session.rubric.competency(key) or {"name": key})["name"]
        for leaf, what in (("level", "level"), ("evidence", "evidence"), ("reason", "reason")):
            labels[f"rating.{key}.{leaf}"] = f"{name} ({what})"
    for stage in session.script.stages:
        labels[f"notes.{stage['key']}"] = f"Notes: {stage['title']}"
    labels["owed_answers"] = "Questions nobody could answer yet"
    labels["recommendation"] = "Recommendation"
    return labels


def _competency_labeller(rubric):
    """A question's competency tags by name: the session's rubric's own, then the library's
    (a script may tag competencies of other rubrics)."""
    names = {**competency_names(), **{c["key"]: c["name"] for c in rubric.competencies}}
    return lambda key: names.get(key, key)


def _bank(session: InterviewSession) -> list[CandidateAnswer]:
    return answers_for(current_user, session.loop.opening)


def _my_card(session: InterviewSession) -> Scorecard | None:
    """The signed-in person's scorecard on this interview (the lead's, a co-interviewer's or
    a shadow's); else the lead's, which only its author may edit."""
    mine = next((c for c in session.scorecards if c.interviewer_id == current_user.id), None)
    return mine or session.scorecard


def _render_interview(session, values, status=200, errors=None, conflicts=None, version=None):
    scorecard = _my_card(session)
    return (
        render_template(
            "interviews/interview.html",
            session=session,
            scorecard=scorecard,
            script=session.script.definition,
            rubric=session.rubric,
            values=values,
            errors=errors or {},
            conflicts=conflicts or {},
            version=version or scorecard.version,
            coverage=coverage_of(session, values, current_app.config["MIN_EVIDENCE_CHARS"]),
            coverage_labels=COVERAGE_LABELS,
            competency_label=_competency_labeller(session.rubric),
            labels=field_labels(session),
            questions_stage=session.script.questions_stage,
            asked_earlier=asked_earlier(session),
            answers=_bank(session),
            can_see_private=can(current_user, "scorecard.view_private", scorecard),
        ),
        status,
    )


@bp.get("/interviews/<int:session_id>")
@login_required
def interview(session_id: int):
    session = _session_or_404(session_id)
    require("session.view", session)
    scorecard = _my_card(session)
    if scorecard is None:
        abort(404)  # its draft was retired when the candidate's data was erased
    if scorecard.interviewer_id != current_user.id:
        abort(403)  # the live form is its author's alone; others read /scorecards/<id>
    if scorecard.is_submitted:
        return redirect(url_for("interviews.scorecard", scorecard_id=scorecard.id))
    return _render_interview(session, current_values(scorecard))


@bp.post("/interviews/<int:session_id>")
@login_required
def save_interview(session_id: int):
    """The form without JavaScript: save everything typed, then submit if asked."""
    session = _session_or_404(session_id)
    card = _my_card(session)
    if card is None:
        abort(404)  # its draft was retired when the candidate's data was erased
    scorecard = scorecard_for_saving(card.id) or abort(404)
    require("scorecard.edit", scorecard)
    posted = _posted_values(scorecard, [a.id for a in _bank(session)])
    try:
        base_version = int(request.form.get("base_version", ""))
    except ValueError:
        base_version = scorecard.version
    try:
        result = save_changes(scorecard, base_version, posted)
    except InvalidSave as invalid:
        db.session.rollback()
        return _render_interview(session, posted, 400, errors=invalid.errors)
    db.session.commit()
    if result.conflicts:
        return _render_interview(
            session, posted, 409, conflicts=result.conflicts, version=result.version
        )
    if request.form.get("action") != "submit":
        flash("Draft saved.", "info")
        return redirect(url_for("interviews.interview", session_id=session.id))
    db.session.refresh(scorecard)
    errors = submit_scorecard(current_user, scorecard, current_app.config["MIN_EVIDENCE_CHARS"])
    if errors:
        return _render_interview(session, posted, 400, errors=errors, version=result.version)
    db.session.commit()
    flash("Scorecard submitted. You can now read the panel's submitted scorecards.", "info")
    return redirect(url_for("interviews.scorecard", scorecard_id=scorecard.id))


@bp.post("/scorecards/<int:scorecard_id>/autosave")
@login_required
def autosave(scorecard_id: int):
    """JSON in, JSON out, never a redirect: {base_version, changes: {path: value}}.

    One transaction: the locked read of the scorecard, the per-field merge, one commit. An
    answer with a version means the save is on disk; anything else leaves it on the device."""
    limit = current_app.config["AUTOSAVE_MAX_BYTES"]
    if request.content_length is not None and request.content_length > limit:
        return jsonify(
            error=f"This save is larger than {limit // 1024} KB and was not stored. "
            "Your text is kept on this device; shorten a very long field to save it.",
            status=413,
        ), 413
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict) or not isinstance(payload.get("changes"), dict):
        return jsonify(error="Send {base_version, changes} as JSON.", status=400), 400
    scorecard = scorecard_for_saving(scorecard_id) or abort(404)
    if scorecard.is_submitted and scorecard.interviewer_id == current_user.id:
        return jsonify(
            error="This scorecard is submitted and read-only. Amend it to change it.",
            status=409,
            code="submitted",
        ), 409
    require("scorecard.edit", scorecard)
    try:
        result = save_changes(scorecard, payload.get("base_version"), payload["changes"])
    except InvalidSave as invalid:
        db.session.rollback()
        # A full scorecard is told apart: shortening any field may let every refused one save.
        code = "scorecard_full" if isinstance(invalid, ScorecardFull) else "invalid"
        return jsonify(
            error="Some fields were not valid.", fields=invalid.errors, status=400, code=code
        ), 400
    db.session.commit()
    body = result.as_json()
    if result.conflicts:
        body["error"] = "Changed elsewhere since you started: choose which text to keep."
        return jsonify(body), 409
    return jsonify(body)


@bp.get("/scorecards/<int:scorecard_id>")
@login_required
def scorecard(scorecard_id: int):
    scorecard = _scorecard_or_404(scorecard_id)
    require("scorecard.view_content", scorecard)
    session = scorecard.session
    return render_template(
        "interviews/scorecard.html",
        scorecard=scorecard,
        session=session,
        script=session.script.definition,
        rubric=session.rubric,
        values=current_values(scorecard),
        asked_from_bank=sorted(bank_questions([scorecard]).values(), key=str.casefold),
        can_see_private=can(current_user, "scorecard.view_private", scorecard),
        can_amend=scorecard.is_submitted and scorecard.interviewer_id == current_user.id,
    )


@bp.route("/scorecards/<int:scorecard_id>/amend", methods=["GET", "POST"])
@login_required
def amend(scorecard_id: int):
    scorecard = _scorecard_or_404(scorecard_id)
    if not (scorecard.is_submitted and scorecard.interviewer_id == current_user.id):
        abort(403)
    session = scorecard.session
    if session.loop.candidate.is_erased:
        abort(403)  # no new text about an erased candidate
    values = current_values(scorecard)
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        posted = _posted_values(scorecard)
        reason = request.form.get("amend_reason", "")
        try:
            errors = amend_scorecard(
                current_user, scorecard, posted, reason, current_app.config["MIN_EVIDENCE_CHARS"]
            )
        except InvalidSave as invalid:
            errors = invalid.errors
        except NotAllowed:
            abort(403)
        if not errors:
            db.session.commit()
            flash("Amendment saved; the earlier text is kept in the audit trail.", "info")
            return redirect(url_for("interviews.scorecard", scorecard_id=scorecard.id))
        db.session.rollback()
        values, status = posted, 400
        # The reason's field is amend_reason on this form: its error belongs there.
        errors = {("amend_reason" if k == "reason" else k): v for k, v in errors.items()}
    return render_template(
        "interviews/amend.html",
        scorecard=scorecard,
        session=session,
        script=session.script.definition,
        rubric=session.rubric,
        values=values,
        errors=errors,
        reason=request.form.get("amend_reason", ""),
        labels={"amend_reason": "Reason", **field_labels(session)},
        can_see_private=True,
    ), status

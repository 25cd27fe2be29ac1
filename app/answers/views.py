"""The answer bank's pages: the team's answers, an opening's (with what its candidates ask
most), and changing or deleting one answer."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..auth.permissions import can, require
from ..extensions import db
from ..models import CandidateAnswer
from ..openings.catalogue import get_opening
from ..web.input import form_status
from .asked import most_asked
from .bank import add_answer, answers_for, delete_answer, update_answer
from .forms import AnswerForm

bp = Blueprint("answers", __name__)


def _bank_url(opening_id: int | None) -> str:
    if opening_id is None:
        return url_for("answers.team")
    return url_for("answers.opening", opening_id=opening_id)


def _bank_page(opening, form: AnswerForm):
    may_manage = can(current_user, "answers.manage", opening)
    sees_most_asked = opening is not None and can(current_user, "answers.view_most_asked", opening)
    if request.method == "POST":
        require("answers.manage", opening)
        if form.validate() and _may_write_topic(form, opening):
            add_answer(current_user, opening, form.details())
            db.session.commit()
            flash("Answer added: interviewers find it in the candidate-questions stage.", "info")
            return redirect(_bank_url(opening.id if opening else None))
    return render_template(
        "answers/bank.html",
        opening=opening,
        answers=answers_for(current_user, opening),
        most_asked=most_asked(opening) if opening is not None and sees_most_asked else [],
        sees_most_asked=sees_most_asked,
        form=form,
        may_manage=may_manage,
    ), form_status()


@bp.route("/answers/", methods=["GET", "POST"])
@login_required
def team():
    require("answers.view", None)
    return _bank_page(None, AnswerForm())


@bp.route("/openings/<int:opening_id>/answers", methods=["GET", "POST"])
@login_required
def opening(opening_id: int):
    found = get_opening(opening_id) or abort(404)
    require("answers.view", found)
    return _bank_page(found, AnswerForm())


def _may_write_topic(form: AnswerForm, opening) -> bool:
    """Pay answers are kept by those who may read them: no one writes what they cannot see."""
    if form.topic.data == "compensation" and not can(
        current_user, "answers.view_compensation", opening
    ):
        form.topic.errors = [
            *form.topic.errors,
            "Only admins and hiring managers keep pay and benefits answers: choose another "
            "topic, or ask them to add it.",
        ]
        return False
    return True


def _answer_or_404(answer_id: int) -> CandidateAnswer:
    answer = db.session.get(CandidateAnswer, answer_id) or abort(404)
    opening = answer.opening
    require("answers.manage", opening)
    if answer.topic == "compensation" and not can(
        current_user, "answers.view_compensation", opening
    ):
        abort(404)
    return answer


@bp.route("/answers/<int:answer_id>/edit", methods=["GET", "POST"])
@login_required
def edit(answer_id: int):
    answer = _answer_or_404(answer_id)
    form = AnswerForm(obj=answer)
    if form.validate_on_submit() and _may_write_topic(form, answer.opening):
        changed = update_answer(current_user, answer, form.details())
        db.session.commit()
        flash("Answer saved." if changed else "Nothing changed.", "info")
        return redirect(_bank_url(answer.opening_id))
    return render_template("answers/edit.html", answer=answer, form=form), form_status()


@bp.post("/answers/<int:answer_id>/delete")
@login_required
def delete(answer_id: int):
    answer = _answer_or_404(answer_id)
    if request.form.get("confirm") != "yes":
        # Only the button on the answer's own page deletes: it carries the confirmation.
        return redirect(url_for("answers.edit", answer_id=answer.id))
    opening_id = answer.opening_id
    delete_answer(current_user, answer)
    db.session.commit()
    flash("Answer deleted from the bank.", "info")
    return redirect(_bank_url(opening_id))

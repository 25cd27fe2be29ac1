from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..auth.accounts import AccountError
from ..auth.forms import SsoSettingsForm
from ..auth.oidc import ProviderError, check_provider
from ..auth.permissions import can, require
from ..auth.resets import issue_reset_link
from ..auth.sso import save_sso_settings, sso_settings
from ..auth.tokens import TokenError, issue_token, list_tokens, revoke_token
from ..extensions import db
from ..loops.load import experience_of
from ..models import ApiToken, Reminder, User, record_audit
from ..notify.outbox import retry_now, sync_open_loops
from ..packets import failed_packets
from ..storage.types import utcnow
from ..team.forms import InterviewingWeekForm, TeamSettingsForm
from ..team.settings import save_team_policy, set_interviewing_week, team_policy
from ..web.input import form_status, time_zone_names
from . import audit, outbox
from .forms import ROLE_HELP, SCOPE_HELP, ApiTokenForm, NewUserForm, RoleForm, SeniorityForm
from .users import (
    active_people,
    add_user,
    change_role,
    deactivate,
    list_users,
    reactivate,
    set_seniority,
)

bp = Blueprint("admin", __name__, url_prefix="/admin")


MAX_ID = 2**31 - 1  # past a 32-bit INTEGER the database errs instead of finding nothing


def _user_or_404(user_id: int) -> User:
    if not 0 < user_id <= MAX_ID:
        abort(404)
    return db.session.get(User, user_id) or abort(404)


def _int_arg(name: str, default: int | None) -> int | None:
    """A whole-number query argument; anything else (or out of range) is the default."""
    value = request.args.get(name, type=int)
    return value if value is not None and 0 < value <= MAX_ID else default


def _user_page(
    user: User,
    role_form: RoleForm | None = None,
    problem: str | None = None,
    seniority_form: SeniorityForm | None = None,
    week_form: InterviewingWeekForm | None = None,
):
    """The account page; shown again with a problem (400) when a change was refused."""
    if role_form is None:
        role_form = RoleForm(formdata=None, data={"role": user.role})
    if seniority_form is None:
        seniority_form = SeniorityForm(formdata=None, data={"seniority": str(user.seniority)})
    if week_form is None:
        week_form = InterviewingWeekForm(formdata=None, obj=user)
    forms = (role_form, seniority_form, week_form)
    status = 400 if (problem or any(f.errors for f in forms)) else 200
    return render_template(
        "admin/user.html",
        user=user,
        role_form=role_form,
        seniority_form=seniority_form,
        week_form=week_form,
        team=team_policy(),
        experience=experience_of([user], utcnow())[user.id],
        problem=problem,
        role_help=ROLE_HELP,
    ), status


def _password_link_page(user: User, token: str, expires_at: datetime, created: bool = False):
    """Shown once, to the admin who asked, to pass on: the token is in no table and no log."""
    link = current_app.config["BASE_URL"] + url_for("auth.reset_link", token=token)
    return render_template(
        "admin/password_link.html", user=user, link=link, expires_at=expires_at, created=created
    )


@bp.get("/users")
@login_required
def users():
    require("users.manage")
    return render_template("admin/users.html", users=list_users(_int_arg("page", 1)))


@bp.route("/users/new", methods=["GET", "POST"])
@login_required
def new_user():
    require("users.manage")
    form = NewUserForm()
    if form.validate_on_submit():
        try:
            user = add_user(current_user, form.details())
        except AccountError as error:
            db.session.rollback()
            form.email.errors.append(str(error))
        else:
            token, expires_at = issue_reset_link(current_user, user)
            db.session.commit()
            return _password_link_page(user, token, expires_at, created=True)
    status = form_status()
    return render_template(
        "admin/new_user.html", form=form, time_zones=time_zone_names(), role_help=ROLE_HELP
    ), status


@bp.get("/users/<int:user_id>")
@login_required
def user(user_id: int):
    require("users.manage")
    return _user_page(_user_or_404(user_id))


@bp.post("/users/<int:user_id>/role", endpoint="change_role")
@login_required
def change_role_view(user_id: int):
    require("users.manage")
    user = _user_or_404(user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        return _user_page(user, form)
    old = user.role
    try:
        changed = change_role(current_user, user, form.role.data)
    except AccountError as error:
        db.session.rollback()
        form.role.errors.append(str(error))
        return _user_page(_user_or_404(user_id), form)
    db.session.commit()
    if changed:
        flash(
            f"{user.name} is now {user.role.replace('_', ' ')} (was {old.replace('_', ' ')}).",
            "info",
        )
    else:
        flash(f"{user.name} already had that role: nothing changed.", "info")
    if not can(current_user, "users.manage"):  # an admin who just stepped down
        return redirect(url_for("main.home"))
    return redirect(url_for("admin.user", user_id=user.id))


@bp.post("/users/<int:user_id>/seniority", endpoint="change_seniority")
@login_required
def change_seniority_view(user_id: int):
    require("users.manage")
    user = _user_or_404(user_id)
    form = SeniorityForm()
    if not form.validate_on_submit():
        return _user_page(user, seniority_form=form)
    changed = set_seniority(current_user, user, int(form.seniority.data))
    db.session.commit()
    flash(
        f"{user.name} now speaks at seniority {user.seniority} in debriefs."
        if changed
        else "Nothing changed.",
        "info",
    )
    return redirect(url_for("admin.user", user_id=user.id))


@bp.post("/users/<int:user_id>/interviewing-week", endpoint="change_interviewing_week")
@login_required
def change_interviewing_week_view(user_id: int):
    require("users.manage")
    user = _user_or_404(user_id)
    form = InterviewingWeekForm()
    if not form.validate_on_submit():
        return _user_page(user, week_form=form)
    changed = set_interviewing_week(
        current_user,
        user,
        form.weekly_interview_limit.data,
        form.working_day_starts.data,
        form.working_day_ends.data,
    )
    if changed:
        sync_open_loops(user)  # their follow-ups move into their own working day
    db.session.commit()
    flash(f"{user.name}'s interviewing week is saved." if changed else "Nothing changed.", "info")
    return redirect(url_for("admin.user", user_id=user.id))


@bp.route("/team", methods=["GET", "POST"], endpoint="team_settings")
@login_required
def team_settings_view():
    """The team's reminder cadence, working day and weekly interview limit."""
    require("team.manage")
    policy = team_policy()
    form = TeamSettingsForm(obj=policy)
    if form.validate_on_submit():
        if save_team_policy(current_user, form.policy()):
            loops = sync_open_loops()  # reminders not yet sent follow the new cadence
            db.session.commit()
            plural = "loop follows" if loops == 1 else "loops follow"
            flash(f"Team settings saved. Unsent mail of {loops} open {plural} them.", "info")
        else:
            flash("Nothing changed.", "info")
        return redirect(url_for("admin.team_settings"))
    return render_template("admin/team.html", form=form, policy=policy), form_status()


@bp.route("/single-sign-on", methods=["GET", "POST"])
@login_required
def single_sign_on():
    """The team's OpenID Connect provider: checked against its discovery document on save."""
    require("sso.manage")
    settings = sso_settings()
    form = SsoSettingsForm(obj=settings, has_secret=bool(settings and settings.client_secret))
    if request.method == "GET":
        form.client_secret.data = ""  # never sent back to the browser
    if form.validate_on_submit():
        choice = form.choice()
        try:
            if choice.enabled:
                choice = replace(choice, issuer=check_provider(choice.issuer))
        except ProviderError as error:
            form.issuer.errors.append(str(error))
        else:
            saved = save_sso_settings(current_user, choice)
            db.session.commit()
            flash("Single sign-on settings saved." if saved else "Nothing changed.", "info")
            return redirect(url_for("admin.single_sign_on"))
    return render_template(
        "admin/single_sign_on.html",
        form=form,
        settings=settings,
        callback_url=url_for("auth.sso_callback", _external=True),
    ), form_status()


@bp.post("/users/<int:user_id>/deactivate", endpoint="deactivate")
@login_required
def deactivate_view(user_id: int):
    require("users.manage")
    user = _user_or_404(user_id)
    try:
        changed = deactivate(current_user, user)
    except AccountError as error:
        db.session.rollback()
        return _user_page(_user_or_404(user_id), problem=str(error))
    db.session.commit()
    if changed:
        flash(f"{user.name} can no longer sign in, and is signed out everywhere.", "info")
    return redirect(url_for("admin.user", user_id=user.id))


@bp.post("/users/<int:user_id>/reactivate", endpoint="reactivate")
@login_required
def reactivate_view(user_id: int):
    require("users.manage")
    user = _user_or_404(user_id)
    if reactivate(current_user, user):
        db.session.commit()
        flash(f"{user.name} can sign in again with their password.", "info")
    return redirect(url_for("admin.user", user_id=user.id))


@bp.post("/users/<int:user_id>/password-link")
@login_required
def password_link(user_id: int):
    require("users.manage")
    user = _user_or_404(user_id)
    if not user.active:
        return _user_page(
            user, problem=f"{user.name}'s account is deactivated: reactivate it first."
        )
    token, expires_at = issue_reset_link(current_user, user)
    db.session.commit()
    return _password_link_page(user, token, expires_at)


@bp.get("/audit", endpoint="audit")
@login_required
def audit_trail():
    require("audit.view")
    kind = request.args.get("kind", "")
    kind = kind if kind in audit.KINDS else ""
    actor_id = _int_arg("actor", None)
    events = audit.list_events(_int_arg("page", 1), kind or None, actor_id)
    args = {k: v for k, v in (("kind", kind), ("actor", actor_id)) if v}
    return render_template(
        "admin/audit.html",
        events=events,
        rows=audit.rows(events.items),
        kinds=audit.KINDS,
        kind=kind,
        actors=audit.actor_choices(),
        actor_id=actor_id,
        args=args,
    )


@bp.get("/outbox", endpoint="outbox")
@login_required
def outbox_page():
    require("outbox.manage")
    return render_template(
        "admin/outbox.html",
        deliveries=outbox.list_troubled(_int_arg("page", 1)),
        packets=failed_packets(),
    )


@bp.post("/outbox/<int:reminder_id>/retry", endpoint="retry_delivery")
@login_required
def retry_delivery(reminder_id: int):
    require("outbox.manage")
    if not 0 < reminder_id <= MAX_ID:
        abort(404)
    reminder = db.session.get(Reminder, reminder_id) or abort(404)
    try:
        retry_now(reminder)
    except ValueError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        record_audit(
            current_user,
            "reminder.retried",
            reminder,
            kind=reminder.kind,
            to=reminder.recipient_email,
        )
        db.session.commit()
        flash(f"The mail to {reminder.recipient_email} goes out within a few seconds.", "info")
    return redirect(url_for("admin.outbox", page=_int_arg("page", None)))


@bp.route("/api-tokens", methods=["GET", "POST"])
@login_required
def api_tokens():
    """Tokens for the JSON API: issue one (its key shown once), see each one's last use."""
    require("api_tokens.manage")
    form = ApiTokenForm(data=None if request.method == "POST" else {"person": current_user.id})
    form.offer(active_people())
    if form.validate_on_submit():
        person = db.session.get(User, form.person.data)
        try:
            secret, token = issue_token(current_user, person, form.name.data, form.chosen_scopes())
        except TokenError as error:
            db.session.rollback()
            form.person.errors.append(str(error))
        else:
            db.session.commit()
            return render_template("admin/api_token_issued.html", token=token, secret=secret)
    return render_template(
        "admin/api_tokens.html", form=form, tokens=list_tokens(), scope_help=SCOPE_HELP
    ), form_status()


@bp.post("/api-tokens/<int:token_id>/revoke", endpoint="revoke_api_token")
@login_required
def revoke_api_token_view(token_id: int):
    require("api_tokens.manage")
    token = db.session.get(ApiToken, token_id) if token_id <= MAX_ID else None
    if token is None:
        abort(404)
    revoke_token(current_user, token)
    db.session.commit()
    flash(f"The token “{token.name}” is revoked: calls with it are refused from now on.", "info")
    return redirect(url_for("admin.api_tokens"))

from __future__ import annotations

from datetime import datetime, timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms.fields.choices import SelectChoice

from ..auth.permissions import can, refusal_reason, require
from ..extensions import db
from ..library.store import latest_versions
from ..models import (
    Candidate,
    InterviewSession,
    Loop,
    LoopStatus,
    PanelRole,
    Reminder,
    ReminderStatus,
    RubricVersion,
    ScriptVersion,
    User,
)
from ..notify.calendar import debrief_invite, session_invite
from ..notify.outbox import debrief_attendees, retry_by_hand
from ..storage.types import utcnow
from ..team import team_policy
from ..web.timefmt import viewer_zone
from .checks import (
    debrief_warnings,
    interviewer_clashes,
    local_datetime,
    panel_warnings,
    schedule_warnings,
)
from .forms import (
    ConfirmLoopForm,
    DebriefForm,
    MoveSessionForm,
    PanelistForm,
    ReassignForm,
    SessionForm,
)
from .load import WeekLoad, experience_of, load_warnings, week_of, weekly_loads
from .planning import (
    CoverageError,
    NotesDecisionNeeded,
    PlanningError,
    add_panelist,
    cancel_loop,
    cancellation_of,
    competency_names,
    confirm_loop,
    coverage_matrix,
    move_debrief,
    move_session,
    plan_session,
    reassign_session,
    remove_panelist,
    start_loop,
    unpin_debrief,
)
from .queries import load_loop
from .questions import shared_question_warnings

bp = Blueprint("loops", __name__)


def _loop_or_404(loop_id: int) -> Loop:
    return load_loop(loop_id) or abort(404)


def _people() -> list[User]:
    return list(
        db.session.execute(select(User).where(User.active.is_(True)).order_by(User.name)).scalars()
    )


def _load_label(load: WeekLoad) -> str:
    """A person's week as the interviewer list shows it: how full, and their own hours."""
    person = load.person
    text = f"{load.interviews} of {load.limit} interviews that week"
    if load.interviews >= load.limit:
        text += ", full"
    if person.working_day_starts is not None and person.working_day_ends is not None:
        text += f"; works {person.working_day_starts:%H:%M}–{person.working_day_ends:%H:%M}"
    return text


def _load_week(loop: Loop) -> datetime:
    """The week the interviewer list counts: the loop's first interview's, else this one."""
    return min((s.starts_at for s in loop.sessions), default=utcnow())


def _people_and_weeks(loop: Loop) -> tuple[list[User], dict[int, WeekLoad]]:
    """Everyone who may interview, with their week: one read for both interviewer lists."""
    people = _people()
    return people, weekly_loads(people, _load_week(loop), team_policy())


def _session_form(loop: Loop, formdata=None, people_and_weeks=None) -> SessionForm:
    form = SessionForm(formdata=formdata)
    people, loads = people_and_weeks or _people_and_weeks(loop)
    form.interviewer_id.choices = [(0, "Choose…")] + [
        (u.id, f"{u.name} ({u.email}) · {_load_label(loads[u.id])}") for u in people
    ]
    scripts = latest_versions(ScriptVersion)
    rubrics = latest_versions(RubricVersion)
    form.script_id.choices = [(0, "Choose…")] + [
        (s.id, f"{s.title} ({s.total_minutes} min)") for s in scripts
    ]
    form.rubric_id.choices = [(0, "Choose…")] + [(r.id, r.title) for r in rubrics]
    # Every rubric's competencies are valid choices; the page offers the chosen rubric's only,
    # and planning refuses a competency from another rubric by name.
    form.focus.choices = [(c["key"], c["name"]) for r in rubrics for c in r.competencies]
    return form


def _focus_groups() -> list[tuple[RubricVersion, list[dict]]]:
    return [(rubric, rubric.competencies) for rubric in latest_versions(RubricVersion)]


def _planner(loop: Loop, status: int = 200, **forms):
    names = competency_names()
    candidate = loop.candidate
    policy = team_policy()
    people_and_weeks = _people_and_weeks(loop)
    if "session_form" not in forms:
        forms["session_form"] = _session_form(loop, people_and_weeks=people_and_weeks)
    forms.setdefault("confirm_form", ConfirmLoopForm())
    forms.setdefault("debrief_form", DebriefForm())
    forms.setdefault("move_form", MoveSessionForm())
    if "panelist_form" not in forms:
        forms["panelist_form"] = _panelist_form(loop, people_and_weeks=people_and_weeks)
    forms.setdefault("seating", None)
    if "reassign_form" not in forms:
        forms["reassign_form"] = _reassign_form(loop, people_and_weeks=people_and_weeks)
    forms.setdefault("reassigning", None)
    forms.setdefault("moving", None)
    reminders = (
        db.session.execute(
            select(Reminder)
            .options(joinedload(Reminder.recipient))
            .where(Reminder.loop_id == loop.id)
            .order_by(Reminder.due_at, Reminder.id)
        )
        .scalars()
        .all()
    )
    # Withdrawn and replaced mail is history: folded away, so each mail shows once.
    withdrawn = [r for r in reminders if r.status == ReminderStatus.CANCELLED]
    reminders = [r for r in reminders if r.status != ReminderStatus.CANCELLED]
    coverage = coverage_matrix(loop, names)
    return render_template(
        "loops/planner.html",
        hiring_loop=loop,  # not `loop`: Jinja's for-loops own that name
        candidate=candidate,
        coverage=coverage,
        warnings=[
            # Once confirmed, an interview under way is no mistake: past times warn while planning.
            *schedule_warnings(
                candidate,
                loop.sessions,
                interviewer_clashes(loop),
                utcnow() if loop.status == LoopStatus.PLANNING else None,
            ),
            *debrief_warnings(loop, policy),
            *panel_warnings(loop, coverage),
            *load_warnings(loop, policy),
            *shared_question_warnings(loop),
        ],
        load_week=week_of(_load_week(loop), current_user),
        reminders=reminders,
        withdrawn=withdrawn,
        focus_groups=_focus_groups(),
        competency_names=names,
        can_plan=can(current_user, "loop.plan", loop),
        can_open_debrief=can(current_user, "debrief.view", loop),
        debrief_refusal=refusal_reason(current_user, "debrief.view", loop),
        can_see_status=can(current_user, "loop.view", loop),
        candidate_zone=candidate.time_zone,
        **forms,
    ), status


def _panelist_form(loop: Loop, formdata=None, people_and_weeks=None) -> PanelistForm:
    form = PanelistForm(formdata=formdata)
    people, loads = people_and_weeks or _people_and_weeks(loop)
    done = experience_of(people, utcnow())
    form.user_id.choices = [SelectChoice("0", "Choose…")] + [
        SelectChoice(str(u.id), f"{u.name} · {done[u.id].words} · {_load_label(loads[u.id])}")
        for u in people
    ]
    return form


def _reassign_form(loop: Loop, formdata=None, people_and_weeks=None) -> ReassignForm:
    form = ReassignForm(formdata=formdata)
    people, loads = people_and_weeks or _people_and_weeks(loop)
    form.interviewer_id.choices = [SelectChoice("0", "Choose…")] + [
        SelectChoice(str(u.id), f"{u.name} · {_load_label(loads[u.id])}") for u in people
    ]
    return form


@bp.post("/candidates/<int:candidate_id>/loops")
@login_required
def start(candidate_id: int):
    candidate = db.session.get(Candidate, candidate_id) or abort(404)
    require("loop.plan", candidate)
    loop = start_loop(candidate, current_user)
    db.session.commit()
    return redirect(url_for("loops.planner", loop_id=loop.id))


@bp.get("/loops/<int:loop_id>")
@login_required
def planner(loop_id: int):
    loop = _loop_or_404(loop_id)
    require("loop.view", loop)
    return _planner(loop)


# Interviews and debriefs are planned from a year back (recording one that happened) to ten
# years ahead; past that a date is a typo, and near year 1 or 9999 it overflows on conversion.
PLANNING_PAST = timedelta(days=366)
PLANNING_FUTURE = timedelta(days=3653)


def _parse_local(form_field) -> object:
    message = "Pick a time from a year ago to ten years ahead."
    try:
        moment = local_datetime(form_field.data or "", current_user.time_zone)
        if not utcnow() - PLANNING_PAST <= moment <= utcnow() + PLANNING_FUTURE:
            raise ValueError(message)
    except OverflowError:
        form_field.errors = [*form_field.errors, message]
        return None
    except ValueError as error:
        form_field.errors = [*form_field.errors, str(error)]
        return None
    return moment


@bp.post("/loops/<int:loop_id>/sessions")
@login_required
def add(loop_id: int):
    loop = _loop_or_404(loop_id)
    require("loop.plan", loop)
    form = _session_form(loop, request.form)
    if form.validate():
        starts_at = _parse_local(form.starts_at)
        interviewer = db.session.get(User, form.interviewer_id.data)
        script = db.session.get(ScriptVersion, form.script_id.data)
        rubric = db.session.get(RubricVersion, form.rubric_id.data)
        if starts_at is not None and interviewer and script and rubric:
            try:
                plan_session(
                    loop,
                    current_user,
                    interviewer=interviewer,
                    script=script,
                    rubric=rubric,
                    starts_at=starts_at,
                    focus_competencies=form.focus.data or [],
                    meeting_url=form.meeting_url.data or "",
                )
            except PlanningError as error:
                db.session.rollback()
                form.focus.errors = [*form.focus.errors, str(error)]
            else:
                db.session.commit()
                flash("Interview added.", "info")
                return redirect(url_for("loops.planner", loop_id=loop.id) + "#sessions")
    return _planner(_loop_or_404(loop_id), 400, session_form=form)


def _session_in(loop: Loop, session_id: int) -> InterviewSession:
    session = next((s for s in loop.sessions if s.id == session_id), None)
    return session or abort(404)


@bp.post("/loops/<int:loop_id>/sessions/<int:session_id>/move")
@login_required
def move(loop_id: int, session_id: int):
    loop = _loop_or_404(loop_id)
    require("loop.plan", loop)
    session = _session_in(loop, session_id)
    form = MoveSessionForm(request.form)
    if form.validate():
        starts_at = _parse_local(form.starts_at)
        if starts_at is not None:
            move_session(session, starts_at, current_user)
            db.session.commit()
            flash("Interview moved; invitations and reminders follow.", "info")
            return redirect(url_for("loops.planner", loop_id=loop.id) + "#sessions")
    return _planner(loop, 400, move_form=form, moving=session_id)


@bp.post("/loops/<int:loop_id>/sessions/<int:session_id>/reassign")
@login_required
def reassign(loop_id: int, session_id: int):
    loop = _loop_or_404(loop_id)
    require("loop.plan", loop)
    session = _session_in(loop, session_id)
    form = _reassign_form(loop, request.form)
    if form.validate():
        interviewer = db.session.get(User, form.interviewer_id.data) or abort(400)
        notes = form.notes.data
        if notes == "discard" and not form.confirm_discard.data:
            form.confirm_discard.errors = ["Tick the box to confirm the notes are discarded."]
        else:
            try:
                reassign_session(session, interviewer, current_user, notes)
            except NotesDecisionNeeded as question:
                form.notes.errors = [str(question)]
            except PlanningError as error:
                form.interviewer_id.errors = [str(error)]
            else:
                db.session.commit()
                flash(f"Interview reassigned to {interviewer.name}.", "info")
                return redirect(url_for("loops.planner", loop_id=loop.id) + "#sessions")
    db.session.rollback()
    return _planner(_loop_or_404(loop_id), 400, reassign_form=form, reassigning=session_id)


@bp.post("/loops/<int:loop_id>/sessions/<int:session_id>/panelists")
@login_required
def add_panelist_view(loop_id: int, session_id: int):
    loop = _loop_or_404(loop_id)
    require("loop.plan", loop)
    session = _session_in(loop, session_id)
    form = _panelist_form(loop, request.form)
    if form.validate():
        person = db.session.get(User, form.user_id.data) or abort(400)
        try:
            add_panelist(session, person, form.role.data, current_user)
        except PlanningError as error:
            form.user_id.errors = [str(error)]
        else:
            db.session.commit()
            role = PanelRole(form.role.data).label
            flash(f"{person.name} sits in on the interview as {role}.", "info")
            return redirect(url_for("loops.planner", loop_id=loop.id) + "#sessions")
    db.session.rollback()
    return _planner(_loop_or_404(loop_id), 400, panelist_form=form, seating=session_id)


@bp.post("/loops/<int:loop_id>/sessions/<int:session_id>/panelists/<int:user_id>/remove")
@login_required
def remove_panelist_view(loop_id: int, session_id: int, user_id: int):
    loop = _loop_or_404(loop_id)
    require("loop.plan", loop)
    session = _session_in(loop, session_id)
    person = db.session.get(User, user_id) or abort(404)
    try:
        remove_panelist(session, person, current_user)
    except PlanningError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(f"{person.name} no longer sits in on the interview.", "info")
    return redirect(url_for("loops.planner", loop_id=loop.id) + "#sessions")


@bp.post("/loops/<int:loop_id>/confirm")
@login_required
def confirm(loop_id: int):
    loop = _loop_or_404(loop_id)
    require("loop.plan", loop)
    form = ConfirmLoopForm(request.form)
    if form.validate():
        try:
            confirm_loop(loop, current_user, form.override_reason.data or "")
        except CoverageError as error:
            form.override_reason.errors = [str(error)]
        except PlanningError as error:
            # About the loop, not the reason typed: the page's error summary says it at the top.
            form.override_reason.errors = [str(error)]
        else:
            db.session.commit()
            flash("Loop confirmed: invitations sent, debrief scheduled.", "info")
            return redirect(url_for("loops.planner", loop_id=loop.id))
    db.session.rollback()
    return _planner(_loop_or_404(loop_id), 400, confirm_form=form)


@bp.get("/loops/<int:loop_id>/cancel")
@login_required
def cancel_confirm(loop_id: int):
    """What cancelling would end and who would be told, with the one button that does it."""
    loop = _loop_or_404(loop_id)
    require("loop.plan", loop)
    if loop.status in (LoopStatus.CANCELLED, LoopStatus.DECIDED):
        return redirect(url_for("loops.planner", loop_id=loop.id))
    return render_template(
        "loops/cancel.html", hiring_loop=loop, cancellation=cancellation_of(loop)
    )


@bp.post("/loops/<int:loop_id>/cancel")
@login_required
def cancel(loop_id: int):
    loop = _loop_or_404(loop_id)
    require("loop.plan", loop)
    if request.form.get("confirmed") != "yes":
        # One click never cancels: the page says what would go and asks once more.
        return redirect(url_for("loops.cancel_confirm", loop_id=loop.id))
    cancel_loop(loop, current_user)
    db.session.commit()
    flash("Loop cancelled; everyone invited gets a cancellation.", "info")
    return redirect(url_for("loops.planner", loop_id=loop.id))


@bp.post("/loops/<int:loop_id>/debrief")
@login_required
def debrief(loop_id: int):
    loop = _loop_or_404(loop_id)
    require("loop.plan", loop)
    if request.form.get("action") == "unpin":
        unpin_debrief(loop, current_user)
        db.session.commit()
        return redirect(url_for("loops.planner", loop_id=loop.id) + "#debrief")
    form = DebriefForm(request.form)
    if form.validate():
        starts_at = _parse_local(form.starts_at)
        if starts_at is not None:
            try:
                move_debrief(loop, starts_at, current_user)
            except PlanningError as error:
                form.starts_at.errors = [str(error)]
            else:
                db.session.commit()
                flash("Debrief moved and pinned there.", "info")
                return redirect(url_for("loops.planner", loop_id=loop.id) + "#debrief")
    return _planner(loop, 400, debrief_form=form)


def _ics(body: bytes, name: str) -> Response:
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.get("/loops/<int:loop_id>/sessions/<int:session_id>/invite.ics")
@login_required
def session_ics(loop_id: int, session_id: int):
    loop = _loop_or_404(loop_id)
    session = _session_in(loop, session_id)
    require("session.view", session)
    method = "CANCEL" if loop.status == "cancelled" else "REQUEST"
    body = session_invite(
        session,
        method,
        current_app.config["BASE_URL"],
        current_app.config["MAIL_FROM"],
        viewer_zone().key,
    )
    return _ics(body, f"interview-{session.id}.ics")


@bp.get("/loops/<int:loop_id>/debrief.ics")
@login_required
def debrief_ics(loop_id: int):
    loop = _loop_or_404(loop_id)
    require("loop.view", loop)
    if loop.debrief is None:
        abort(404)
    method = "CANCEL" if loop.status == "cancelled" else "REQUEST"
    body = debrief_invite(
        loop.debrief,
        debrief_attendees(loop),
        method,
        current_app.config["BASE_URL"],
        current_app.config["MAIL_FROM"],
        viewer_zone().key,
    )
    return _ics(body, f"debrief-{loop.id}.ics")


@bp.post("/reminders/<int:reminder_id>/retry")
@login_required
def retry(reminder_id: int):
    reminder = db.session.get(Reminder, reminder_id) or abort(404)
    loop = db.session.get(Loop, reminder.loop_id) if reminder.loop_id else None
    require("loop.plan", loop)
    try:
        retry_by_hand(reminder)
    except ValueError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash("The delivery will be retried within a few seconds.", "info")
    if loop is None:
        return redirect(url_for("main.home"))
    return redirect(url_for("loops.planner", loop_id=loop.id) + "#deliveries")

"""The one place that answers "may this user do this to that object?".

Every view asks `require(action, target)`; every rule lives in RULES below and is tested as a
matrix (role x relation to the object x action). A missing rule is a programming error, not a
silent allow.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort
from flask_login import current_user
from sqlalchemy import ColumnElement, and_, false, or_, select, true

from ..extensions import db
from ..models import (
    Candidate,
    InterviewSession,
    Loop,
    Opening,
    Role,
    Scorecard,
    ScorecardStatus,
    SessionPanelist,
    User,
)


def _is(user: User, *roles: Role) -> bool:
    return user.role in {r.value for r in roles}


def _opening_of(target: Any) -> Opening:
    if isinstance(target, Opening):
        return target
    if isinstance(target, Loop):
        return target.opening
    if isinstance(target, InterviewSession):
        return target.loop.opening
    if isinstance(target, Scorecard):
        return target.session.loop.opening
    raise TypeError(f"no opening for {target!r}")


def _loop_of(target: Any) -> Loop:
    if isinstance(target, Loop):
        return target
    if isinstance(target, InterviewSession):
        return target.loop
    if isinstance(target, Scorecard):
        return target.session.loop
    raise TypeError(f"no loop for {target!r}")


def is_hiring_manager_of(user: User, target: Any) -> bool:
    """The opening's own hiring manager, not anyone holding the role."""
    return _is(user, Role.HIRING_MANAGER) and _opening_of(target).hiring_manager_id == user.id


def own_scorecard_in_loop(user: User, loop: Loop) -> Scorecard | None:
    return db.session.execute(
        select(Scorecard)
        .join(InterviewSession, Scorecard.session_id == InterviewSession.id)
        .where(
            InterviewSession.loop_id == loop.id,
            Scorecard.interviewer_id == user.id,
            Scorecard.retired_at.is_(None),
        )
        .order_by(Scorecard.id)
        .limit(1)
    ).scalar_one_or_none()


def sits_on_panel(user: User, loop: Loop) -> bool:
    return own_scorecard_in_loop(user, loop) is not None


def has_submitted_in_loop(user: User, loop: Loop) -> bool:
    """True when the user sits on the panel and every scorecard they own there is submitted."""
    pending = db.session.execute(
        select(Scorecard.id)
        .join(InterviewSession, Scorecard.session_id == InterviewSession.id)
        .where(
            InterviewSession.loop_id == loop.id,
            Scorecard.interviewer_id == user.id,
            Scorecard.status != ScorecardStatus.SUBMITTED,
            Scorecard.retired_at.is_(None),
        )
        .limit(1)
    ).first()
    return pending is None and sits_on_panel(user, loop)


def _signed_in(user: User, target: Any) -> bool:
    return True


def _admin(user: User, target: Any) -> bool:
    return _is(user, Role.ADMIN)


def _view_session(user: User, session: InterviewSession) -> bool:
    return (
        _is(user, Role.ADMIN, Role.COORDINATOR)
        or session.interviewer_id == user.id
        or any(seat.user_id == user.id for seat in session.panelists)
        or is_hiring_manager_of(user, session)
    )


def _edit_scorecard(user: User, scorecard: Scorecard) -> bool:
    return (
        scorecard.interviewer_id == user.id
        and not scorecard.is_submitted
        and scorecard.retired_at is None
    )


def _still_judging(user: User, loop: Loop) -> bool:
    """A panel member whose own scorecard is not in yet: they must not see anyone else's."""
    return sits_on_panel(user, loop) and not has_submitted_in_loop(user, loop)


def _view_scorecard_content(user: User, scorecard: Scorecard) -> bool:
    """Independent judgement: nobody reads a draft but its author; a panel member reads the
    panel's submitted scorecards only once their own are in (the hiring manager on the panel too).
    Coordinators never read content."""
    if scorecard.interviewer_id == user.id:
        return True
    if not scorecard.is_submitted:
        return False
    loop = _loop_of(scorecard)
    if _still_judging(user, loop):
        return False
    return (
        _is(user, Role.ADMIN) or is_hiring_manager_of(user, scorecard) or sits_on_panel(user, loop)
    )


def _view_private_answers(user: User, scorecard: Scorecard) -> bool:
    """Compensation and other private fields: the author, the opening's hiring manager, admins."""
    if scorecard.interviewer_id == user.id:
        return True
    if not scorecard.is_submitted or _still_judging(user, _loop_of(scorecard)):
        return False
    return _is(user, Role.ADMIN) or is_hiring_manager_of(user, scorecard)


def _view_scorecard_status(user: User, scorecard: Scorecard) -> bool:
    return _view_loop(user, _loop_of(scorecard))


def _view_loop(user: User, loop: Loop) -> bool:
    return (
        _is(user, Role.ADMIN, Role.COORDINATOR)
        or is_hiring_manager_of(user, loop)
        or sits_on_panel(user, loop)
    )


def _plan_loop(user: User, target: Any) -> bool:
    if isinstance(target, Candidate) and target.is_erased:
        return False  # a new loop would gather new data about an erased person
    return _is(user, Role.ADMIN, Role.COORDINATOR)


def _manage_opening(user: User, opening: Opening | None) -> bool:
    if _is(user, Role.ADMIN, Role.COORDINATOR):
        return True
    if opening is None:  # creating a new opening
        return _is(user, Role.HIRING_MANAGER)
    return is_hiring_manager_of(user, opening)


def _view_debrief(user: User, loop: Loop) -> bool:
    if _still_judging(user, loop):
        return False
    return _is(user, Role.ADMIN) or is_hiring_manager_of(user, loop) or sits_on_panel(user, loop)


def _give_verdict(user: User, loop: Loop) -> bool:
    """A verdict after the discussion: a panelist whose own scorecards are all in."""
    return has_submitted_in_loop(user, loop)


def _decide(user: User, loop: Loop) -> bool:
    return _is(user, Role.ADMIN) or is_hiring_manager_of(user, loop)


# ---- Openings and candidates. Lists filter in SQL by the same rules: each rule has its SQL
# twin below (visible_*_filter), and tests/openings/test_visibility.py holds them together. ----


def _interviews_in(user: User) -> ColumnElement[bool]:
    """Interview sessions `user` leads or sits in on (as co-interviewer or shadow)."""
    return or_(
        InterviewSession.interviewer_id == user.id,
        InterviewSession.id.in_(
            select(SessionPanelist.session_id).where(SessionPanelist.user_id == user.id)
        ),
    )


def _sits_on_candidates_loop(user: User, candidate: Candidate) -> bool:
    return (
        db.session.execute(
            select(InterviewSession.id)
            .join(Loop, InterviewSession.loop_id == Loop.id)
            .where(Loop.candidate_id == candidate.id, _interviews_in(user))
            .limit(1)
        ).first()
        is not None
    )


def _sits_on_openings_loop(user: User, opening: Opening) -> bool:
    return (
        db.session.execute(
            select(InterviewSession.id)
            .join(Loop, InterviewSession.loop_id == Loop.id)
            .join(Candidate, Loop.candidate_id == Candidate.id)
            .where(Candidate.opening_id == opening.id, _interviews_in(user))
            .limit(1)
        ).first()
        is not None
    )


def _view_opening(user: User, opening: Opening) -> bool:
    """Admins and coordinators: all; the opening's hiring manager; whoever interviews one of
    its candidates."""
    return (
        _is(user, Role.ADMIN, Role.COORDINATOR)
        or is_hiring_manager_of(user, opening)
        or _sits_on_openings_loop(user, opening)
    )


def _view_candidate(user: User, candidate: Candidate) -> bool:
    """Admins and coordinators: all; the opening's hiring manager; the candidate's interviewers."""
    return (
        _is(user, Role.ADMIN, Role.COORDINATOR)
        or is_hiring_manager_of(user, candidate.opening)
        or _sits_on_candidates_loop(user, candidate)
    )


def _manage_candidate(user: User, target: Candidate | Opening) -> bool:
    """Edit a candidate, or (target an Opening) add one to it: whoever manages the opening."""
    if isinstance(target, Candidate) and target.is_erased:
        return False  # erased stays erased: nobody types their details back in
    opening = target if isinstance(target, Opening) else target.opening
    return _manage_opening(user, opening)


def _view_answers(user: User, opening: Opening | None) -> bool:
    """The team's answers: everyone; an opening's: whoever may view the opening."""
    return opening is None or _view_opening(user, opening)


def _sees_pay_answers(user: User, opening: Opening | None) -> bool:
    """Pay and benefits answers: admins, and hiring managers (of the opening, when there is
    one); never an interviewer or a coordinator."""
    if _is(user, Role.ADMIN):
        return True
    if opening is None:
        return _is(user, Role.HIRING_MANAGER)
    return is_hiring_manager_of(user, opening)


def _assign_opening(user: User, manager: User) -> bool:
    """Whom an opening may be handed to: admins and coordinators choose any hiring manager; a
    hiring manager keeps their openings (handing one over is a coordinator's job)."""
    return _is(user, Role.ADMIN, Role.COORDINATOR) or manager.id == user.id


def _may_act(user: User | None) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.is_active


def _panel_candidate_ids(user: User):
    return (
        select(Loop.candidate_id)
        .join(InterviewSession, InterviewSession.loop_id == Loop.id)
        .where(_interviews_in(user))
    )


def visible_candidates_filter(user: User | None) -> ColumnElement[bool]:
    """The candidates `user` may view, as a WHERE clause: the SQL twin of "candidate.view"."""
    if not _may_act(user):
        return false()
    if _is(user, Role.ADMIN, Role.COORDINATOR):
        return true()
    clauses = [Candidate.id.in_(_panel_candidate_ids(user))]
    if _is(user, Role.HIRING_MANAGER):
        managed = select(Opening.id).where(Opening.hiring_manager_id == user.id)
        clauses.append(Candidate.opening_id.in_(managed))
    return or_(*clauses)


def visible_openings_filter(user: User | None) -> ColumnElement[bool]:
    """The openings `user` may view, as a WHERE clause: the SQL twin of "opening.view"."""
    if not _may_act(user):
        return false()
    if _is(user, Role.ADMIN, Role.COORDINATOR):
        return true()
    interviewed = select(Candidate.opening_id).where(Candidate.id.in_(_panel_candidate_ids(user)))
    clauses = [Opening.id.in_(interviewed)]
    if _is(user, Role.HIRING_MANAGER):
        clauses.append(Opening.hiring_manager_id == user.id)
    return or_(*clauses)


def _own_cards_in_loops(user: User, *, pending_only: bool = False):
    """The loops where `user` holds a current scorecard (only unsubmitted ones: pending)."""
    query = (
        select(InterviewSession.loop_id)
        .join(Scorecard, Scorecard.session_id == InterviewSession.id)
        .where(Scorecard.interviewer_id == user.id, Scorecard.retired_at.is_(None))
    )
    if pending_only:
        query = query.where(Scorecard.status != ScorecardStatus.SUBMITTED)
    return query


def _managed_openings(user: User):
    return select(Opening.id).where(Opening.hiring_manager_id == user.id)


def visible_loops_filter(user: User | None) -> ColumnElement[bool]:
    """The loops `user` may view, as a WHERE clause on Loop: the SQL twin of "loop.view"."""
    if not _may_act(user):
        return false()
    if _is(user, Role.ADMIN, Role.COORDINATOR):
        return true()
    clauses = [Loop.id.in_(_own_cards_in_loops(user))]
    if _is(user, Role.HIRING_MANAGER):
        clauses.append(Loop.opening_id.in_(_managed_openings(user)))
    return or_(*clauses)


def visible_debriefs_filter(user: User | None) -> ColumnElement[bool]:
    """The loops whose debrief `user` may read, as a WHERE clause on Loop: the SQL twin of
    "debrief.view" (nobody still judging; admins, the opening's manager, the panel)."""
    if not _may_act(user):
        return false()
    not_judging = Loop.id.not_in(_own_cards_in_loops(user, pending_only=True))
    if _is(user, Role.ADMIN):
        return not_judging
    clauses = [Loop.id.in_(_own_cards_in_loops(user))]
    if _is(user, Role.HIRING_MANAGER):
        clauses.append(Loop.opening_id.in_(_managed_openings(user)))
    return and_(not_judging, or_(*clauses))


def visible_scorecards_filter(user: User | None) -> ColumnElement[bool]:
    """The submitted scorecards whose content `user` may read, as a WHERE clause on Scorecard
    joined to its InterviewSession and Loop: the SQL twin of "scorecard.view_content" for
    submitted ones (their own; else the debrief's readers)."""
    if not _may_act(user):
        return false()
    submitted = Scorecard.status == ScorecardStatus.SUBMITTED
    return and_(submitted, or_(Scorecard.interviewer_id == user.id, visible_debriefs_filter(user)))


def _sees_team_figures(user: User, target: Any) -> bool:
    """Figures across openings (calibration, speed): admins see all, hiring managers their
    own openings'."""
    return _is(user, Role.ADMIN, Role.HIRING_MANAGER)


def team_openings_filter(user: User | None) -> ColumnElement[bool]:
    """The openings whose team figures `user` may read: the SQL twin of
    "calibration.view_opening", and the scope of "calibration.view_team" and "speed.view"."""
    if not _may_act(user):
        return false()
    if _is(user, Role.ADMIN):
        return true()
    if _is(user, Role.HIRING_MANAGER):
        return Opening.hiring_manager_id == user.id
    return false()


RULES: dict[str, Callable[[User, Any], bool]] = {
    "home.view": _signed_in,
    "library.view": _signed_in,
    "users.manage": _admin,
    "audit.view": _admin,
    "outbox.manage": _admin,
    "team.manage": _admin,
    "api_tokens.manage": _admin,
    "sso.manage": _admin,
    "webhooks.manage": _admin,
    "opening.manage": _manage_opening,
    "loop.view": _view_loop,
    "loop.plan": _plan_loop,
    "session.view": _view_session,
    "scorecard.edit": _edit_scorecard,
    "scorecard.view_content": _view_scorecard_content,
    "scorecard.view_private": _view_private_answers,
    "scorecard.view_status": _view_scorecard_status,
    "debrief.view": _view_debrief,
    "debrief.decide": _decide,
    "debrief.give_verdict": _give_verdict,
    "opening.view": _view_opening,
    "opening.assign": _assign_opening,
    # How the debrief combines ratings is the decider's to set: the hiring manager, admins.
    "opening.set_rules": _decide,
    "candidate.view": _view_candidate,
    "candidate.manage": _manage_candidate,
    "candidate.erase": _admin,
    # Everyone sees their own calibration, with the panel's only as an anonymous spread.
    "calibration.view_own": _signed_in,
    "calibration.view_team": _sees_team_figures,
    "calibration.view_opening": _decide,
    "speed.view": _sees_team_figures,
    "speed.view_own": _signed_in,
    "answers.view": _view_answers,
    "answers.manage": _manage_opening,
    "answers.view_compensation": _sees_pay_answers,
    # What candidates typed on every scorecard of the opening is scorecard content: the
    # decider's (admins, the opening's hiring manager), never a panel still judging.
    "answers.view_most_asked": _decide,
}


def can(user: User | None, action: str, target: Any = None) -> bool:
    rule = RULES[action]  # KeyError: an action nobody wrote a rule for
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return rule(user, target)


def _panel_places(user: User, loop_ids: set[int]) -> tuple[set[int], set[int]]:
    """Of these loops: those where `user` sits on the panel, and those where they are still
    judging (a scorecard of their own not yet submitted). One query."""
    on_panel: set[int] = set()
    judging: set[int] = set()
    if not loop_ids:
        return on_panel, judging
    for loop_id, status in db.session.execute(
        select(InterviewSession.loop_id, Scorecard.status)
        .join(InterviewSession, Scorecard.session_id == InterviewSession.id)
        .where(
            InterviewSession.loop_id.in_(sorted(loop_ids)),
            Scorecard.interviewer_id == user.id,
            Scorecard.retired_at.is_(None),
        )
    ):
        on_panel.add(loop_id)
        if status != ScorecardStatus.SUBMITTED:
            judging.add(loop_id)
    return on_panel, judging


def private_answers_viewable(user: User | None, scorecards: list[Scorecard]) -> set[int]:
    """The ids of `scorecards` whose private answers `user` may read: "scorecard.view_private"
    for a whole page in one query."""
    if not _may_act(user):
        return set()
    _, judging = _panel_places(user, {card.session.loop_id for card in scorecards})
    return {
        card.id
        for card in scorecards
        if card.interviewer_id == user.id
        or (
            card.is_submitted
            and card.session.loop_id not in judging
            and (_is(user, Role.ADMIN) or is_hiring_manager_of(user, card))
        )
    }


def debriefs_viewable(user: User | None, loops: list[Loop]) -> set[int]:
    """The ids of `loops` whose debrief `user` may read: `can(user, "debrief.view", loop)` for
    every loop of one page, decided by the same rule in one query instead of one per loop."""
    if not _may_act(user) or not loops:
        return set()
    on_panel, judging = _panel_places(user, {loop.id for loop in loops})
    return {
        loop.id
        for loop in loops
        if loop.id not in judging
        and (_is(user, Role.ADMIN) or is_hiring_manager_of(user, loop) or loop.id in on_panel)
    }


# Refusals that a person can do something about say what; the rest get the generic 403 page.
STILL_JUDGING_DEBRIEF = (
    "You sit on this panel, so until you have submitted your own scorecard you follow the "
    "interviewer rule and see nobody else's view. Submit yours, and the debrief opens to you "
    "with everything in it."
)


def refusal_reason(user: User, action: str, target: Any = None) -> str | None:
    """Why `user` may not do `action` to `target`, when it is theirs to change; else None."""
    if (
        action == "debrief.view"
        and isinstance(target, Loop)
        and user.is_authenticated
        and _still_judging(user, target)
    ):
        return STILL_JUDGING_DEBRIEF
    return None


def require(action: str, target: Any = None) -> None:
    """Abort with 403 unless the signed-in user may do `action` to `target`."""
    if not can(current_user, action, target):
        reason = refusal_reason(current_user, action, target)
        if reason:
            abort(403, description=reason)
        abort(403)

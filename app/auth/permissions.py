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
from sqlalchemy import select

from ..extensions import db
from ..models import InterviewSession, Loop, Opening, Role, Scorecard, ScorecardStatus, User


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
        .where(InterviewSession.loop_id == loop.id, Scorecard.interviewer_id == user.id)
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
        or is_hiring_manager_of(user, session)
    )


def _edit_scorecard(user: User, scorecard: Scorecard) -> bool:
    return scorecard.interviewer_id == user.id and not scorecard.is_submitted


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


def _decide(user: User, loop: Loop) -> bool:
    return _is(user, Role.ADMIN) or is_hiring_manager_of(user, loop)


RULES: dict[str, Callable[[User, Any], bool]] = {
    "home.view": _signed_in,
    "library.view": _signed_in,
    "users.manage": _admin,
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
}


def can(user: User | None, action: str, target: Any = None) -> bool:
    rule = RULES[action]  # KeyError: an action nobody wrote a rule for
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return rule(user, target)


def require(action: str, target: Any = None) -> None:
    """Abort with 403 unless the signed-in user may do `action` to `target`."""
    if not can(current_user, action, target):
        abort(403)

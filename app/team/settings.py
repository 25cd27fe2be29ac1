"""Read and change the team's settings and each person's interviewing week.

One row holds what an admin chose; until then the defaults in app/config.py apply, so a new
instance behaves the same with or without the row. Everything else reads `team_policy()`."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import time, timedelta

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..models import TeamSettings, User, record_audit
from ..storage.types import utcnow

SETTINGS_ID = 1


@dataclass(frozen=True)
class TeamPolicy:
    """What the team chose (or the defaults): the reminder cadence, its working day, and how
    many interviews a week one person takes."""

    followup_minutes: int
    daily_reminders: int
    tell_manager_hours: int
    working_day_starts: time
    working_day_ends: time
    weekly_interview_limit: int

    @property
    def followup_after(self) -> timedelta:
        return timedelta(minutes=self.followup_minutes)

    @property
    def tell_manager_after(self) -> timedelta:
        return timedelta(hours=self.tell_manager_hours)

    def working_day_of(self, person: User) -> tuple[time, time]:
        """The person's own working day, else the team's."""
        if person.working_day_starts is not None and person.working_day_ends is not None:
            return person.working_day_starts, person.working_day_ends
        return self.working_day_starts, self.working_day_ends

    def weekly_limit_of(self, person: User) -> int:
        """The person's own weekly limit, else the team's."""
        if person.weekly_interview_limit is not None:
            return person.weekly_interview_limit
        return self.weekly_interview_limit


def _defaults(config) -> TeamPolicy:
    return TeamPolicy(
        followup_minutes=int(config["FEEDBACK_FOLLOWUP_MINUTES"]),
        daily_reminders=int(config["FEEDBACK_DAILY_REMINDERS"]),
        tell_manager_hours=int(config["FEEDBACK_TELL_MANAGER_HOURS"]),
        working_day_starts=time.fromisoformat(config["WORKING_HOURS_START"]),
        working_day_ends=time.fromisoformat(config["WORKING_HOURS_END"]),
        weekly_interview_limit=int(config["WEEKLY_INTERVIEW_LIMIT"]),
    )


def _row() -> TeamSettings | None:
    return db.session.execute(
        select(TeamSettings).where(TeamSettings.id == SETTINGS_ID)
    ).scalar_one_or_none()


def team_policy() -> TeamPolicy:
    """The settings in force now."""
    row = _row()
    if row is None:
        return _defaults(current_app.config)
    return TeamPolicy(**{f.name: getattr(row, f.name) for f in fields(TeamPolicy)})


def save_team_policy(actor: User, policy: TeamPolicy) -> bool:
    """Store the team's settings, audited with what changed; False when nothing did. The
    caller re-derives open loops' unsent reminders (notify.outbox.sync_open_loops)."""
    before = team_policy()
    if policy == before:
        return False
    row = _row()
    if row is None:
        row = TeamSettings(id=SETTINGS_ID)
        db.session.add(row)
    for name, value in asdict(policy).items():
        setattr(row, name, value)
    row.updated_at = utcnow()
    changed = {
        name: {"from": _plain(getattr(before, name)), "to": _plain(value)}
        for name, value in asdict(policy).items()
        if getattr(before, name) != value
    }
    db.session.flush()
    record_audit(actor, "team.settings_changed", row, changes=changed)
    return True


def set_interviewing_week(
    actor: User,
    person: User,
    weekly_limit: int | None,
    day_starts: time | None,
    day_ends: time | None,
) -> bool:
    """Give a person their own weekly limit and working day (None: follow the team's);
    audited; False when nothing changed."""
    wanted = {
        "weekly_interview_limit": weekly_limit,
        "working_day_starts": day_starts,
        "working_day_ends": day_ends,
    }
    changed = {
        name: {"from": _plain(getattr(person, name)), "to": _plain(value)}
        for name, value in wanted.items()
        if getattr(person, name) != value
    }
    if not changed:
        return False
    for name, value in wanted.items():
        setattr(person, name, value)
    record_audit(actor, "user.interviewing_week_changed", person, changes=changed)
    return True


def _plain(value):
    return value.strftime("%H:%M") if isinstance(value, time) else value

"""The team's own settings: how feedback reminders escalate, its working day, and each
person's interviewing week (their weekly limit and working day)."""

from .settings import TeamPolicy, team_policy

__all__ = ["TeamPolicy", "team_policy"]

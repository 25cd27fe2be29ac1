"""Signed webhooks: events (a scorecard submitted, a loop confirmed, a debrief decided) go to
the receivers an admin registered, through an outbox the scheduler sends."""

from __future__ import annotations

from flask import Flask

from ..debriefs.decisions import decision_changed
from ..interviews.scorecards import scorecard_submitted
from ..loops.planning import loop_confirmed
from .events import on_decision_changed, on_loop_confirmed, on_scorecard_submitted
from .views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    # Connecting again (another app in the same process) is a no-op.
    scorecard_submitted.connect(on_scorecard_submitted)
    loop_confirmed.connect(on_loop_confirmed)
    decision_changed.connect(on_decision_changed)

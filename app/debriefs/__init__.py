"""The debrief: where the panel agrees and disagrees, the decision, and the PDF packet."""

from flask import Flask

from ..interviews.scorecards import scorecard_submitted
from .decisions import announce_after_submission
from .views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    # Connecting again (another app in the same process) is a no-op.
    scorecard_submitted.connect(announce_after_submission)

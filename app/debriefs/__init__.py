"""The debrief: where the panel agrees and disagrees, the decision, and the PDF packet."""

from flask import Flask


def init_app(app: Flask) -> None:
    from .views import bp

    app.register_blueprint(bp)

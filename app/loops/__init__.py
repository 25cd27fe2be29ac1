"""Loop planning: sessions, coverage, candidate-friendly checks, the prompt debrief."""

from flask import Flask


def init_app(app: Flask) -> None:
    from .views import bp

    app.register_blueprint(bp)

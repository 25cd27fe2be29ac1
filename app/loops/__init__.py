"""Loop planning: sessions, coverage, candidate-friendly checks, the prompt debrief."""

from flask import Flask

from .views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

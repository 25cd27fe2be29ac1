"""Openings (jobs) with their competencies and default loop, and their candidates."""

from flask import Flask

from .views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

"""Openings (jobs) with their competencies and default loop, and their candidates."""

from flask import Flask


def init_app(app: Flask) -> None:
    from .cli import candidates_cli
    from .views import bp

    app.register_blueprint(bp)
    app.cli.add_command(candidates_cli)

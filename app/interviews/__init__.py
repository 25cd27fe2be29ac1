"""The live interview: the staged script, the scorecard, autosave and submission."""

from flask import Flask


def init_app(app: Flask) -> None:
    from .views import bp

    app.register_blueprint(bp)

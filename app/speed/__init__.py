"""Speed: how fast feedback and decisions come, from the timestamps the loop already keeps."""

from flask import Flask

from .views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

"""Erasing candidates' personal data: by an admin on request, and by the retention rule.

It sits above the features whose rows and files it scrubs (openings, loops, packets, mail).
"""

from flask import Flask

from .cli import candidates_cli
from .views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.cli.add_command(candidates_cli)

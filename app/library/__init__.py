"""The rubric and script library: YAML files validated into immutable, versioned rows."""

from flask import Flask

from .cli import rubrics_cli
from .views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.cli.add_command(rubrics_cli)

"""The rubric and script library: YAML files validated into immutable, versioned rows."""

from flask import Flask


def init_app(app: Flask) -> None:
    from .cli import rubrics_cli
    from .views import bp

    app.register_blueprint(bp)
    app.cli.add_command(rubrics_cli)

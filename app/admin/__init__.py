"""Admin screens: accounts (create, roles, deactivation, password links), the audit trail."""

from flask import Flask

from .views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

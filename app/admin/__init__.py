"""Admin screens: accounts (create, roles, deactivation, password links), the audit trail."""

from flask import Flask


def init_app(app: Flask) -> None:
    from .views import bp

    app.register_blueprint(bp)

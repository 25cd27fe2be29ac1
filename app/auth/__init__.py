"""Sign-in, users and permissions."""

from __future__ import annotations

import logging
import re

from flask import Flask, jsonify, redirect, request, url_for

from ..extensions import login_manager
from ..web.errors import wants_json
from .cli import users_cli
from .oidc import init_oauth
from .sessions import load_signed_in_user
from .sso import password_sign_in_allowed, sso_in_force
from .views import bp


class RedactPasswordLinks(logging.Filter):
    """Request lines logged by the development server and by gunicorn (its access log, and its
    error log at debug level) must not carry a password link's token: the link would be usable
    by whoever reads the log."""

    TOKEN = re.compile(r"(/reset/)[^\s?\"']+")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/reset/" in message:
            record.msg, record.args = self.TOKEN.sub(r"\1[redacted]", message), ()
        return True


def _redact_request_logs() -> None:
    for name in ("werkzeug", "gunicorn.access", "gunicorn.error"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactPasswordLinks) for f in logger.filters):
            logger.addFilter(RedactPasswordLinks())


def init_app(app: Flask) -> None:
    _redact_request_logs()
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.session_protection = "strong"

    login_manager.user_loader(load_signed_in_user)
    init_oauth(app)
    # For the pages that sign people in again in place (the live interview's dialog): called
    # only where a template asks, so other pages pay no query for them.
    app.jinja_env.globals.update(
        single_sign_on=sso_in_force, password_sign_in_allowed=password_sign_in_allowed
    )

    @login_manager.unauthorized_handler
    def _unauthorized():
        # A JSON client (autosave) must get a 401 it can act on, never a redirect to a page:
        # "signed_out" tells the page to keep the text and offer sign-in again.
        if wants_json():
            return jsonify(
                error="Your sign-in has expired. Sign in again; your text is kept here.",
                status=401,
                code="signed_out",
            ), 401
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))

    app.register_blueprint(bp)
    app.cli.add_command(users_cli)

"""Sign-in, users and permissions."""

from __future__ import annotations

import logging
import re

from flask import Flask, jsonify, redirect, request, url_for
from sqlalchemy import select

from ..errors import wants_json
from ..extensions import db, login_manager
from ..models import User
from .session_cookie import SessionCookie
from .signed_in import session_epoch, session_holds
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
    app.session_interface = SessionCookie()
    _redact_request_logs()
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def _load_user(user_id: str) -> User | None:
        return db.session.execute(
            select(User).where(session_holds(int(user_id), session_epoch()))
        ).scalar_one_or_none()

    @login_manager.unauthorized_handler
    def _unauthorized():
        # A JSON client (autosave) must get a 401 it can act on, never a redirect to a page.
        if wants_json():
            return jsonify(error="Your sign-in has expired. Sign in again.", status=401), 401
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))

    app.register_blueprint(bp)

    from .cli import users_cli

    app.cli.add_command(users_cli)

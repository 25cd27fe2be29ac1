"""Friendly error pages, and JSON errors for JSON clients (autosave must never see HTML)."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import Forbidden, HTTPException, InternalServerError

MESSAGES = {
    400: "The request could not be understood. Go back and try again.",
    401: "Please sign in to continue.",
    403: "You do not have access to this page. If you think you should, ask an admin.",
    404: "There is nothing at this address. It may have been moved or removed.",
    405: "That action is not available here.",
    413: "What you sent is too large.",
    500: "Something went wrong on our side. Nothing you saved is lost; please try again.",
}


# Endpoints that always answer JSON, whatever the client accepts: a page script behind them
# must never be handed a sign-in page or an HTML error it could mistake for success.
JSON_ENDPOINTS = frozenset({"interviews.autosave", "auth.csrf_token"})


def wants_json() -> bool:
    if request.is_json or request.endpoint in JSON_ENDPOINTS:
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


# URL prefix -> how errors under it are answered (a feature with its own error format, such as
# the JSON API, registers one): (status, message or None, the exception) -> response.
ErrorRenderer = Callable[[int, str | None, HTTPException | None], ResponseReturnValue]


def register_error_renderer(app: Flask, prefix: str, renderer: ErrorRenderer) -> None:
    app.extensions.setdefault("loopkit_error_renderers", {})[prefix] = renderer


def _own_renderer() -> ErrorRenderer | None:
    for prefix, renderer in current_app.extensions.get("loopkit_error_renderers", {}).items():
        if request.path.startswith(prefix):
            return renderer
    return None


def _render(status: int, message: str | None = None, error: HTTPException | None = None, **extra):
    """The error page, or for a JSON client {error, status, code?}: `code` is what a page
    script acts on (csrf: fetch a fresh token and resend; signed_out: sign in again)."""
    renderer = _own_renderer()
    if renderer is not None:
        return renderer(status, message, error)
    message = message or MESSAGES.get(status, "Something went wrong.")
    if wants_json():
        return jsonify(error=message, status=status, **extra), status
    return render_template("errors/error.html", status=status, message=message), status


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError):
        return _render(
            400,
            "This form has expired. Reload the page and submit again; what you typed is kept.",
            code="csrf",
        )

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        # A 400's description says what was wrong; a 403 says why only when we wrote one.
        said = error.code == 400 or (
            error.code == 403 and error.description != Forbidden.description
        )
        return _render(error.code or 500, error.description if said else None, error)

    @app.errorhandler(InternalServerError)
    def _server_error(error):
        return _render(500, error=error)

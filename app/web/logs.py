"""Logging: one JSON object per line on stderr (or plain text), and one line per request.

The request line names the route's rule (`/auth/reset/<token>`), never the URL as typed, and
never the query string: paths and searches can carry candidate names or one-time tokens, and
logs outlive erasure.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from datetime import UTC, datetime

from flask import Flask, g, request

REQUEST_LOGGER = "loopkit.request"
_HANDLER_MARK = "_loopkit_handler"
# Set by whoever signs the request's user in (the user loader), so the log never loads one.
USER_ID_KEY = "loopkit_user_id"
# Load balancers poll these every few seconds; a line each would drown the rest.
QUIET_ENDPOINTS = frozenset({"main.health", "static"})
# Each open interview autosaves every few seconds. A save that went through is routine: its
# line is DEBUG (LOOPKIT_LOG_LEVEL=DEBUG shows them, and below that level it costs nothing).
# One refused, failed, conflicting or slow is INFO, like every other request.
ROUTINE_WHEN_ANSWERED = frozenset({"interviews.autosave"})
# Attributes every LogRecord has; anything else passed in `extra=` becomes a JSON field.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({key: value for key, value in vars(record).items() if key not in _STANDARD})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        extra = {k: v for k, v in vars(record).items() if k not in _STANDARD}
        line = super().format(record)
        return line + "".join(f" {k}={v}" for k, v in extra.items())


def configure(log_format: str, level: str) -> None:
    """Send Loopkit's (and the libraries') log lines to stderr in one format, once per process."""
    root = logging.getLogger()
    if any(getattr(handler, _HANDLER_MARK, False) for handler in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    setattr(handler, _HANDLER_MARK, True)
    root.addHandler(handler)
    root.setLevel(level.upper())


def init_app(app: Flask) -> None:
    log_format = app.config["LOG_FORMAT"]
    if log_format not in ("json", "text"):
        raise ValueError(f"LOOPKIT_LOG_FORMAT must be json or text, not {log_format!r}")
    if not app.testing:  # tests read records through caplog, not stderr
        configure(log_format, app.config["LOG_LEVEL"])
    logger = logging.getLogger(REQUEST_LOGGER)

    @app.before_request
    def _start_clock() -> None:
        g.request_started = time.perf_counter()

    @app.after_request
    def _log_request(response):
        endpoint = request.endpoint
        if endpoint in QUIET_ENDPOINTS:
            return response
        started = g.get("request_started")
        duration_ms = round((time.perf_counter() - started) * 1000, 1) if started else None
        routine = (
            endpoint in ROUTINE_WHEN_ANSWERED
            and response.status_code < 300
            and (duration_ms or 0) < app.config["LOG_SLOW_REQUEST_MS"]
        )
        level = logging.DEBUG if routine else logging.INFO
        if not logger.isEnabledFor(level):
            return response
        logger.log(
            level,
            "request",
            extra={
                "method": request.method,
                "route": request.url_rule.rule if request.url_rule else "(no route)",
                "status": response.status_code,
                "duration_ms": duration_ms,
                "user_id": _signed_in_user_id(),
                "client": request.remote_addr,
            },
        )
        return response


def _signed_in_user_id() -> str | None:
    """The user this request ran for, if it already knew: logging must not cost a query."""
    user_id = g.get(USER_ID_KEY)
    return None if user_id is None else str(user_id)

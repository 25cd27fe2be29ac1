"""Configuration: defaults in code, overridden by instance/config.py, then by the environment."""

from __future__ import annotations

import os
import socket
from pathlib import Path

# LOOPKIT_<NAME> in the environment overrides the setting <NAME>; its type follows the default.
ENV_PREFIX = "LOOPKIT_"


class Defaults:
    # Development conveniences stay off unless LOOPKIT_ENV=development says otherwise.
    ENV = "production"
    # Unset: the key alone in instance/secret_key (`make run` writes one), else an error.
    SECRET_KEY: str | None = None
    # Where the app is served (LOOPKIT_HOST, LOOPKIT_PORT, as `make run` uses them). Links in
    # mail and invites use BASE_URL; unset, it is http://HOST:PORT.
    HOST = "127.0.0.1"
    PORT = 5000
    BASE_URL: str | None = None
    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto/-Host are believed.
    # 0 believes none: anyone could claim HTTPS or another address otherwise.
    PROXY_FIX = 0

    SQLALCHEMY_DATABASE_URI: str | None = None  # None: SQLite file in the instance folder
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}

    # Cookies: Flask's own defaults are too loose for interview notes (see PITFALLS.md).
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    SESSION_COOKIE_NAME = "loopkit_session"
    # Sessions (app/auth/sessions.py): one unused this long ends, unless "keep me signed in"
    # was chosen; every session ends this many days after sign-in.
    SESSION_IDLE_HOURS = 12.0
    SESSION_REMEMBER_DAYS = 30.0
    # Single sign-on (app/auth/oidc.py): how long a call to the provider (its discovery
    # document, keys, token endpoint) may take before sign-in says it could not reach it.
    SSO_PROVIDER_TIMEOUT_SECONDS = 10.0

    # werkzeug's strong default; tests use a cheap method to stay fast.
    PASSWORD_HASH_METHOD = "scrypt"  # noqa: S105  (a method name, not a password)

    # Failed sign-ins (app/auth/throttle.py), counted in the database so the limits hold across
    # gunicorn workers. Past a count's limit every attempt it covers (the right password too) is
    # refused for a delay that doubles with each further failure, up to a cap. An account from
    # one address and one address across accounts are strict; an account from everywhere is
    # loose and never applies to an address that account signed in from within TRUST_DAYS.
    SIGN_IN_PAIR_LIMIT = 5
    SIGN_IN_PAIR_FIRST_DELAY_SECONDS = 60.0
    SIGN_IN_PAIR_MAX_DELAY_MINUTES = 60.0
    SIGN_IN_ADDRESS_LIMIT = 20
    SIGN_IN_ADDRESS_FIRST_DELAY_SECONDS = 60.0
    SIGN_IN_ADDRESS_MAX_DELAY_MINUTES = 60.0
    SIGN_IN_ACCOUNT_LIMIT = 50
    SIGN_IN_ACCOUNT_FIRST_DELAY_SECONDS = 5.0
    SIGN_IN_ACCOUNT_MAX_DELAY_MINUTES = 5.0
    # A count starts again after this long without a failure.
    SIGN_IN_WINDOW_MINUTES = 15.0
    SIGN_IN_TRUST_DAYS = 30.0
    # How long a one-time password link issued by an admin works.
    PASSWORD_RESET_HOURS = 24.0

    # A two-hour loop must not outlive its form's CSRF token (bound to the session anyway).
    WTF_CSRF_TIME_LIMIT = 8 * 3600

    # The live interview.
    MIN_EVIDENCE_CHARS = 40  # evidence needed per rated competency before submitting
    COVERAGE_WARNING_MINUTES = 10  # name missing competencies when this much time is left
    AUTOSAVE_MAX_BYTES = 256 * 1024  # one autosave request; larger ones get 413 and stay local
    MAX_CONTENT_LENGTH = 4 * 1024 * 1024  # any request

    RUBRICS_DIR: str | None = None  # None: the rubrics/ folder beside app/
    MAILDIR: str | None = None  # None: instance/mail

    DISPATCH_INTERVAL_SECONDS = 5.0  # how often the scheduler process polls the outbox
    # SMTP connections one dispatcher sends over at once: a slow mail server then delays a
    # burst by a fraction. Mails to one person still go one after another, in order.
    OUTBOX_SMTP_CONNECTIONS = 4
    # Webhook receivers: how long one may take to answer, and whether http:// and addresses
    # on this machine or the private network are allowed (development and tests only).
    WEBHOOK_TIMEOUT_SECONDS = 10.0
    WEBHOOK_ALLOW_LOCAL = False
    WEBHOOK_LEASE_SECONDS = 30.0

    # The PDF debrief packet, rendered off the request path by the scheduler process.
    PACKET_POLL_SECONDS = 2.0  # how often the renderer looks for packets to render
    PACKET_RENDER_TIMEOUT_SECONDS = 60.0  # one render; the render worker is killed past it
    PACKET_RENDER_MEMORY_MB = 2048  # address space of the render worker process

    # Logs go to stderr: one JSON object per line (for a log shipper) or plain text.
    LOG_FORMAT = "json"
    LOG_LEVEL = "INFO"
    # A routine request (an autosave that went through) slower than this is logged at INFO.
    LOG_SLOW_REQUEST_MS = 500

    # Candidates without activity for this many months are erased by the scheduler (0: never).
    RETENTION_MONTHS = 24
    # How long an erasure waits on PostgreSQL for transactions begun before it to end: rows
    # those can still see would be copied into the tables VACUUM FULL rewrites.
    ERASURE_SNAPSHOT_WAIT_SECONDS = 10.0

    # The team's settings until an admin changes them at /admin/team. Feedback reminders
    # after the due mail: a follow-up this long after the interview, then one each working day
    # (at most this many) at the start of the interviewer's working day in their zone; the
    # hiring manager is told once a scorecard is this many hours late. The working day is the
    # team's, unless a person has their own; so is the number of interviews one person takes in
    # a week before the planner warns.
    FEEDBACK_FOLLOWUP_MINUTES = 60
    FEEDBACK_DAILY_REMINDERS = 3
    FEEDBACK_TELL_MANAGER_HOURS = 24
    WORKING_HOURS_START = "09:00"
    WORKING_HOURS_END = "17:00"
    WEEKLY_INTERVIEW_LIMIT = 5

    # Calibration: an interviewer's figures show once this many scorecards are in; the
    # scheduler recomputes them from all scorecards this often.
    CALIBRATION_MIN_SCORECARDS = 5
    CALIBRATION_REFRESH_MINUTES = 15.0

    SMTP_HOST = ""
    SMTP_PORT = 587
    SMTP_USER = ""
    SMTP_PASSWORD = ""
    SMTP_STARTTLS = True
    MAIL_FROM = "Loopkit <loopkit@localhost>"


def _coerce(name: str, raw: str, default: object) -> object:
    if isinstance(default, bool):
        if raw.lower() in {"1", "true", "yes", "on"}:
            return True
        if raw.lower() in {"0", "false", "no", "off", ""}:
            return False
        raise ValueError(f"{ENV_PREFIX}{name} must be true or false, not {raw!r}")
    if isinstance(default, float):
        try:
            return float(raw)
        except ValueError:
            raise ValueError(f"{ENV_PREFIX}{name} must be a number, not {raw!r}") from None
    if isinstance(default, int):
        try:
            return int(raw)
        except ValueError:
            raise ValueError(f"{ENV_PREFIX}{name} must be a whole number, not {raw!r}") from None
    return raw


def env_overrides(environ: os._Environ | dict) -> dict:
    """Settings taken from LOOPKIT_* variables and DATABASE_URL."""
    overrides: dict = {}
    for key, raw in environ.items():
        if not key.startswith(ENV_PREFIX):
            continue
        name = key[len(ENV_PREFIX) :]
        default = getattr(Defaults, name, None)
        overrides[name] = _coerce(name, raw, default) if default is not None else raw
    if environ.get("DATABASE_URL"):
        overrides["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(environ["DATABASE_URL"])
    return overrides


def normalise_database_url(url: str) -> str:
    """Accept the common postgres:// spelling and route it to psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def read_secret_key_file(instance_path: str) -> str | None:
    """The key kept in instance/secret_key, so every `flask` command in a checkout that
    `make run` set up uses the key the server uses."""
    try:
        key = (Path(instance_path) / "secret_key").read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return key or None


def served_base_url(host: str, port: int) -> str:
    # A wildcard bind address is not somewhere a reader of a mail can go.
    if host in ("", "0.0.0.0", "::", "[::]"):  # noqa: S104  (compared, not bound)
        host = socket.gethostname()
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


def default_sqlite_url(instance_path: str) -> str:
    return "sqlite:///" + str(Path(instance_path) / "loopkit.sqlite3")


class ConfigError(RuntimeError):
    """A setting is missing or wrong; the message says what to set."""

"""Loopkit: an interviewer-side hiring-loop tool."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import config as config_module
from .admin import init_app as init_admin
from .answers import init_app as init_answers
from .api import init_app as init_api
from .auth import init_app as init_auth
from .calibration import init_app as init_calibration
from .debriefs import init_app as init_debriefs
from .demo import init_app as init_demo
from .erasure import init_app as init_erasure
from .interviews import init_app as init_interviews
from .library import init_app as init_library
from .loops import init_app as init_loops
from .main import init_app as init_main
from .notify import init_app as init_notify
from .openings import init_app as init_openings
from .packets import init_app as init_packets
from .scheduler import init_app as init_scheduler
from .speed import init_app as init_speed
from .storage import backup, database, private
from .web import errors, input, logs, paragraphs, security, timefmt
from .webhooks import init_app as init_webhooks

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    """Build the web application. Never starts the scheduler: that is its own process."""
    instance_path = os.environ.get("LOOPKIT_INSTANCE_PATH", str(PROJECT_ROOT / "instance"))
    app = Flask(
        __name__,
        instance_path=instance_path,
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    app.config.from_object(config_module.Defaults)
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(config_module.env_overrides(os.environ))
    if config:
        app.config.update(config)
    _finish_config(app)
    private.init_app(app)  # before anything creates a file
    app.jinja_env.add_extension("jinja2.ext.do")

    input.init_app(app)  # first: routes take their id converter when they are added
    logs.init_app(app)
    database.init_app(app)
    backup.init_app(app)
    security.init_app(app)
    timefmt.init_app(app)
    paragraphs.init_app(app)
    init_auth(app)
    init_admin(app)
    init_library(app)
    init_interviews(app)
    init_loops(app)
    init_debriefs(app)
    init_notify(app)
    init_openings(app)
    init_answers(app)
    init_packets(app)
    init_erasure(app)
    init_calibration(app)
    init_speed(app)
    init_webhooks(app)
    init_api(app)  # before errors: its error handler gives way to errors.py's
    init_scheduler(app)
    init_main(app)
    errors.init_app(app)
    init_demo(app)
    return app


def _finish_config(app: Flask) -> None:
    development = app.config["ENV"] == "development" or app.debug or app.testing
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = config_module.read_secret_key_file(app.instance_path)
    if not app.config.get("SECRET_KEY"):
        if not development:
            raise config_module.ConfigError(
                "LOOPKIT_SECRET_KEY is not set. Set it to a long random string, for example "
                "`export LOOPKIT_SECRET_KEY=$(python3 -c "
                "'import secrets; print(secrets.token_hex(32))')`, "
                "or put SECRET_KEY = '...' in instance/config.py, or the key alone in "
                "instance/secret_key (as `make run` does). "
                "(LOOPKIT_ENV=development allows a throwaway key for local use.)"
            )
        app.config["SECRET_KEY"] = "development-only-not-secret"  # noqa: S105
    proxies = app.config["PROXY_FIX"]
    if not isinstance(proxies, int) or proxies < 0:
        raise config_module.ConfigError(
            f"LOOPKIT_PROXY_FIX is the number of reverse proxies in front of Loopkit "
            f"(0 when there is none), not {proxies!r}"
        )
    if proxies:
        # The client's address, scheme (so HTTPS is known: HSTS, secure URLs) and host.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        app.config["SQLALCHEMY_DATABASE_URI"] = config_module.default_sqlite_url(app.instance_path)
    if not app.config.get("RUBRICS_DIR"):
        app.config["RUBRICS_DIR"] = str(PROJECT_ROOT / "rubrics")
    if not app.config.get("MAILDIR"):
        app.config["MAILDIR"] = str(Path(app.instance_path) / "mail")
    if not app.config.get("BASE_URL"):
        app.config["BASE_URL"] = config_module.served_base_url(
            app.config["HOST"], app.config["PORT"]
        )
    app.config["BASE_URL"] = app.config["BASE_URL"].rstrip("/")
    # Flask refuses session cookies signed longer ago than this: the longest a session lives.
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(
        days=float(app.config["SESSION_REMEMBER_DAYS"])
    )

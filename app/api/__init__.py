"""The JSON API under /api/v1: openings, candidates, loops, scorecards and decisions for a
tracking system, behind API tokens. Its OpenAPI 3.1 document is generated from the code by
flask-smorest and served at /api/v1/openapi.json, with a reference page at /api/v1/docs."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from ..extensions import csrf
from ..web.errors import register_error_renderer
from . import candidates, decisions, loops, openings, reference, scorecards
from .access import authenticate
from .errors import ApiErrorSchema, render

BLUEPRINTS = [openings.bp, candidates.bp, loops.bp, scorecards.bp, decisions.bp]

DESCRIPTION = (
    "Loopkit's API for a tracking system: push candidates in and plan their loops, read "
    "submitted scorecards and decisions out. Every call carries an API token "
    "(`Authorization: Bearer lk_…`) that an admin issues under API tokens; it acts for one "
    "person and sees only what they may see on Loopkit's pages, within its scopes (read, "
    "write, private). Lists come in pages: pass each page's `next_cursor` as `cursor`. Writes "
    "take an `Idempotency-Key`. Errors are JSON with a stable `code` and a `message`."
)

for blueprint in BLUEPRINTS:
    # Once per process, before any app registers them: Flask refuses setup after that.
    blueprint.before_request(authenticate)


class LoopkitApi(Api):
    ERROR_SCHEMA = ApiErrorSchema


def init_app(app: Flask) -> None:
    app.config.setdefault("API_TITLE", "Loopkit API")
    app.config.setdefault("API_VERSION", "1")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api/v1")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {"info": {"description": DESCRIPTION}, "security": [{"token": []}]},
    )
    api = LoopkitApi(app)
    app.extensions[reference.EXTENSION] = api
    api.spec.components.security_scheme(
        "token",
        {"type": "http", "scheme": "bearer", "description": "An API token from an admin"},
    )
    for blueprint in BLUEPRINTS:
        csrf.exempt(blueprint)  # no cookie signs a call in, so no page can forge one
        api.register_blueprint(blueprint)
    app.register_blueprint(reference.bp)
    register_error_renderer(app, "/api/", render)

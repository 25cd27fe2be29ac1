"""CSRF protection, the Origin check on every POST, and the headers every page carries."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, abort, current_app, request

from ..extensions import csrf

# No inline script or style anywhere: templates load /static files only.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
FOREIGN_ORIGIN_MESSAGE = (
    "This request came from another site and was refused. Open Loopkit itself and try again."
)


def origin_of(url: str) -> str:
    """scheme://host[:port] of a URL, lower-cased as browsers send it in `Origin`."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _own_origins() -> set[str]:
    """The origin this request was addressed to, and the one links are built from."""
    return {origin_of(request.host_url), origin_of(current_app.config["BASE_URL"])}


def check_origin() -> None:
    """Refuse a state-changing request whose browser says it came from elsewhere, valid CSRF
    token or not. Browsers send `Origin` on every cross-site POST (and "null" from sandboxed
    frames and some redirects); requests without it (curl, old clients) still need the token."""
    if request.method in SAFE_METHODS:
        return
    origin = request.headers.get("Origin")
    if origin is not None and origin.lower() not in _own_origins():
        abort(403, description=FOREIGN_ORIGIN_MESSAGE)
    if request.is_secure and request.referrer and not _parses(request.referrer):
        # CSRFProtect compares the Referer over HTTPS; one Python cannot parse (a port past
        # 65535) would raise there. It cannot be this site either.
        abort(403, description=FOREIGN_ORIGIN_MESSAGE)


def _parses(url: str) -> bool:
    try:
        urlsplit(url).port  # noqa: B018  (parsing it is the check)
    except ValueError:
        return False
    return True


def init_app(app: Flask) -> None:
    # Before CSRFProtect's own check, so a foreign request is told why it was refused.
    app.before_request(check_origin)
    csrf.init_app(app)

    @app.after_request
    def _security_headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if request.is_secure:
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        if request.endpoint != "static":
            # Pages carry candidate data: never keep them in shared or browser caches.
            response.headers.setdefault("Cache-Control", "no-store")
        return response

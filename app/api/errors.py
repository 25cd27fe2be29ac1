"""The API's errors: JSON with a stable `code` a caller can branch on, and a message a person
can read. Every error under /api/ answers in this shape, routing errors and crashes included."""

from __future__ import annotations

from typing import Any, NoReturn

import marshmallow as ma
from flask import jsonify
from flask_smorest import abort
from werkzeug.exceptions import HTTPException, MethodNotAllowed

# The code for each status when the view gave none of its own.
CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "too_many_requests",
    500: "server_error",
}
MESSAGES = {
    400: "The request could not be understood.",
    401: "Send an API token as `Authorization: Bearer <token>`.",
    403: "This token may not do that.",
    404: "There is nothing at this address.",
    405: "This address does not take that method.",
    413: "The request body is too large.",
    415: "Send the body as application/json.",
    422: "Some fields are not valid: see `errors`.",
    500: "Something went wrong on our side. Nothing was changed; try again.",
}


class ApiErrorSchema(ma.Schema):
    code = ma.fields.String(
        required=True, metadata={"description": "Stable machine-readable code, such as not_found"}
    )
    message = ma.fields.String(required=True, metadata={"description": "What went wrong, in words"})
    status = ma.fields.Integer(required=True, metadata={"description": "The HTTP status"})
    errors = ma.fields.Dict(
        metadata={"description": "Per field (and location): what is wrong with it"}
    )


def fail(status: int, code: str, message: str, **errors: Any) -> NoReturn:
    """Stop the request with an API error of this status and code."""
    abort(status, code=code, message=message, **({"errors": errors} if errors else {}))


def render(status: int, message: str | None, error: HTTPException | None):
    """The JSON answer for an error under /api/ (registered with web.errors)."""
    data = getattr(error, "data", None) or {}
    body: dict[str, Any] = {
        "code": data.get("code") or CODES.get(status, "error"),
        "message": data.get("message") or MESSAGES.get(status) or message or "Request failed.",
        "status": status,
    }
    errors = data.get("errors") or data.get("messages")
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="loopkit"'
    return response

"""`Idempotency-Key` on writes: a caller that is not sure its request arrived sends it again
with the same key and gets the first answer back, the write done once.

The key and the answer are stored in the write's own transaction, so either both are on disk
or neither is. Two requests with one key at the same moment: one commits, the other finds the
key taken, rolls back, and answers what the first stored. Answers kept: successes only, since
a refused request changed nothing and may be sent again as it is."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from typing import Any

from flask import Response, jsonify, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import ApiIdempotencyKey
from .access import current_token
from .errors import fail

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.path.encode(), request.get_data()):
        digest.update(part)
        digest.update(b"\0")
    return digest.hexdigest()


def _stored(key: str) -> ApiIdempotencyKey | None:
    return db.session.execute(
        select(ApiIdempotencyKey).where(
            ApiIdempotencyKey.token_id == current_token().id, ApiIdempotencyKey.key == key
        )
    ).scalar_one_or_none()


def _replay(stored: ApiIdempotencyKey, fingerprint: str) -> Response:
    if stored.request_hash != fingerprint:
        fail(
            422,
            "idempotency_key_reused",
            "This Idempotency-Key came with another request before. Use a new key for a new "
            "request.",
        )
    response = jsonify(stored.response)
    response.status_code = stored.status_code
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _valid_key() -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not 0 < len(key) <= MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        fail(
            400,
            "idempotency_key_invalid",
            f"Send an Idempotency-Key of 1 to {MAX_KEY_LENGTH} printable ASCII characters, "
            "such as a UUID.",
        )
    return key


def _conflict() -> None:
    db.session.rollback()
    fail(409, "conflict", "Another request changed this at the same moment. Send it again.")


def _run(view: Callable[..., Any], args: Any, kwargs: Any) -> Response:
    """The view's response, its writes flushed; a clash with a concurrent write is a 409."""
    try:
        return view(*args, **kwargs)
    except IntegrityError:
        _conflict()


# For the OpenAPI document: the header every write takes.
PARAMETER = {
    "in": "header",
    "name": HEADER,
    "required": False,
    "description": "Any unique string (a UUID will do). The same key with the same request "
    "again returns the first answer, the write done once; with another request, a 422.",
    "schema": {
        "type": "string",
        "minLength": 1,
        "maxLength": MAX_KEY_LENGTH,
        "pattern": "^[ -~]+$",
    },
}


def writes(view: Callable[..., Any]) -> Callable[..., Any]:
    """A write view: commits what it did, once, honouring an Idempotency-Key. Goes above the
    response decorator, so that it sees the finished response."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        key = _valid_key()
        fingerprint = _fingerprint() if key is not None else ""
        stored = _stored(key) if key is not None else None
        if stored is not None:
            return _replay(stored, fingerprint)
        response = _run(view, args, kwargs)
        if key is not None and 200 <= response.status_code < 300:
            db.session.add(
                ApiIdempotencyKey(
                    token_id=current_token().id,
                    key=key,
                    request_hash=fingerprint,
                    status_code=response.status_code,
                    response=response.get_json(),
                )
            )
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            stored = _stored(key) if key is not None else None
            if stored is None:
                _conflict()
            return _replay(stored, fingerprint)
        return response

    return wrapper

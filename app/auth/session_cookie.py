"""The signed session cookie, read with a signer built once per set of keys, and each cookie
checked once.

Flask's cookie sessions build an itsdangerous serializer on every request (and check it by
serializing an empty dict), and sign through a Python-level SHA-1 wrapper that sends HMAC
down its slow pure-Python path. Then every request checks the signature, inflates and decodes
the payload again, although a browser sends the same cookie until its session changes: an
interviewer's autosaves, every few seconds, paid for all of it each time. The cookie's format,
salt, key derivation and hash are Flask's own, so cookies signed by plain Flask stay valid and
vice versa; the key fallbacks (`SECRET_KEY_FALLBACKS`) work as in Flask, and a changed key is
picked up at the next request.
"""

from __future__ import annotations

import copy
import hashlib

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature, URLSafeTimedSerializer

from ..checked_signatures import CheckedSignatures

# Values a session can share with the remembered copy it was read from: they cannot change.
_IMMUTABLE = (str, int, float, bool, type(None))


class SessionCookie(SecureCookieSessionInterface):
    # The same SHA-1 as Flask's default, as OpenSSL's function: HMAC then runs in C.
    digest_method = staticmethod(hashlib.sha1)

    def __init__(self) -> None:
        self._serializers: dict[tuple, URLSafeTimedSerializer | None] = {}
        self.checked_cookies = CheckedSignatures()

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, *(app.config["SECRET_KEY_FALLBACKS"] or ()))
        serializer = self._serializers.get(keys)
        if serializer is None:
            serializer = self._serializers[keys] = super().get_signing_serializer(app)
        return serializer

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        # Flask 3.1's own steps, but for `checked_cookies`: recheck them after a Flask upgrade.
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        cookie = request.cookies.get(self.get_cookie_name(app))
        if not cookie:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            data = self.checked_cookies.loads(serializer, cookie, max_age)
        except BadSignature:  # forged, expired, or signed with a key no longer configured
            return self.session_class()
        if all(isinstance(value, _IMMUTABLE) for value in data.values()):
            return self.session_class(data)  # a copy of the dict: the request may change it
        return self.session_class(copy.deepcopy(data))  # flashed messages are lists, say

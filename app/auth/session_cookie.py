"""The signed session cookie, read with a signer built once per set of keys.

Flask's cookie sessions build an itsdangerous serializer on every request (and check it by
serializing an empty dict), and sign through a Python-level SHA-1 wrapper that sends HMAC
down its slow pure-Python path. Autosave, the most frequent request, paid for both each
time. The cookie's format, salt, key derivation and hash are Flask's own, so cookies signed
by plain Flask stay valid and vice versa; the key fallbacks (`SECRET_KEY_FALLBACKS`) work as
in Flask, and a changed key is picked up at the next request.
"""

from __future__ import annotations

import hashlib

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer


class SessionCookie(SecureCookieSessionInterface):
    # The same SHA-1 as Flask's default, as OpenSSL's function: HMAC then runs in C.
    digest_method = staticmethod(hashlib.sha1)

    def __init__(self) -> None:
        self._serializers: dict[tuple, URLSafeTimedSerializer | None] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, *(app.config["SECRET_KEY_FALLBACKS"] or ()))
        serializer = self._serializers.get(keys)
        if serializer is None:
            serializer = self._serializers[keys] = super().get_signing_serializer(app)
        return serializer

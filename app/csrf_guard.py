"""Flask-WTF's CSRF check, with its token signer built once per key, each token's signature
checked once, and a JSON body never parsed as a form.

Flask-WTF checks each POST by building an itsdangerous serializer, checking the token's
signature through a Python-level SHA-1 wrapper (which sends HMAC down its slow pure-Python
path), and looking for the token in the form before the headers: for a JSON request that still
runs the form parser. Autosave, the most frequent POST, sends the same token every few seconds
and paid for all of it each time, about a twentieth of its CPU. A token seen before has only
its age checked (`CheckedSignatures`).

Tokens are the ones Flask-WTF hands out (`generate_csrf`, `csrf_token()` in templates), checked
as Flask-WTF 1.3's `protect()` checks them: the same salt, key, hash, time limit, headers,
exemptions and HTTPS referrer rule, the same reasons in `CSRFError`. One difference: a token or
session value that is not a string, or a malformed referrer, is refused (400) where Flask-WTF
fails with a server error.
"""

from __future__ import annotations

import hashlib
import hmac
import logging

from flask import current_app, g, request, session
from flask_wtf.csrf import CSRFProtect, same_origin
from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer

from .checked_signatures import CheckedSignatures

logger = logging.getLogger("flask_wtf.csrf")

# The bodies werkzeug parses as a form: for any other, `request.form` is empty, so it is not read.
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


class CsrfGuard(CSRFProtect):
    # One guard serves every app of the process (`extensions.csrf`); its signers and checked
    # tokens are keyed by the secret key, so apps with other keys do not share them.
    def __init__(self, app=None) -> None:
        self._signers: dict[str | bytes, URLSafeTimedSerializer] = {}
        self.checked_tokens = CheckedSignatures()
        super().__init__(app)

    def protect(self, apply_exemptions: bool = False) -> None:
        if apply_exemptions and (not request.endpoint or self._is_exempt()):
            return
        config = current_app.config
        if request.method not in config["WTF_CSRF_METHODS"]:
            return
        self._check_token(self._sent_token(config), config)
        if request.is_secure and config["WTF_CSRF_SSL_STRICT"]:
            referrer = request.referrer
            if not referrer:
                self._error_response("The referrer header is missing.")
            if not _same_origin(referrer, f"https://{request.host}/"):
                self._error_response("The referrer does not match the host.")
        g.csrf_valid = True  # FlaskForm then skips its own check of the same token

    def _sent_token(self, config) -> str | None:
        """The form field (prefixed or not) of a form post, else the first header that has one."""
        field_name = config["WTF_CSRF_FIELD_NAME"]
        if request.mimetype in FORM_TYPES:
            form = request.form
            if form.get(field_name):
                return form[field_name]
            for key, value in form.items():
                if key.endswith(field_name) and value:
                    return value
        for header in config["WTF_CSRF_HEADERS"]:
            token = request.headers.get(header)
            if token:
                return token
        return None

    def _check_token(self, sent: str | None, config) -> None:
        if not sent:
            self._refuse("The CSRF token is missing.")
        field_name = config["WTF_CSRF_FIELD_NAME"]
        if field_name not in session:
            self._refuse("The CSRF session token is missing.")
        try:
            token = self.checked_tokens.loads(
                self._signer(config), sent, config["WTF_CSRF_TIME_LIMIT"]
            )
        except SignatureExpired:
            self._refuse("The CSRF token has expired.")
        except BadData:
            self._refuse("The CSRF token is invalid.")
        expected = session[field_name]
        if not (isinstance(expected, str) and isinstance(token, str)) or not hmac.compare_digest(
            expected, token
        ):
            self._refuse("The CSRF tokens do not match.")

    def _signer(self, config) -> URLSafeTimedSerializer:
        key = config.get("WTF_CSRF_SECRET_KEY", current_app.secret_key)
        if key is None:
            raise RuntimeError("A secret key is required to use CSRF.")
        signer = self._signers.get(key)
        if signer is None:
            # Flask-WTF's salt and itsdangerous's defaults; only the SHA-1 is OpenSSL's own
            # function, which keeps HMAC in C. Signatures are byte for byte the same.
            signer = self._signers[key] = URLSafeTimedSerializer(
                key, salt="wtf-csrf-token", signer_kwargs={"digest_method": hashlib.sha1}
            )
        return signer

    def _refuse(self, reason: str):
        logger.info(reason)  # as Flask-WTF logs a refused token
        self._error_response(reason)


def _same_origin(url: str, other: str) -> bool:
    try:
        return same_origin(url, other)
    except ValueError:  # a malformed referrer (a port out of range, say) is no origin of ours
        return False

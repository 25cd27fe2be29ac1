"""How a delivery is signed: HMAC-SHA256, with the endpoint's secret, over the timestamp, a
dot and the body exactly as sent. The receiver recomputes it and compares in constant time,
and refuses a timestamp far from its own clock (a replayed old delivery)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"  # noqa: S105  (the prefix, not a secret)
TOLERANCE_SECONDS = 300


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    signed = f"{timestamp}.".encode() + body
    return "v1=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def headers(secret: str, timestamp: int, body: bytes, event_id: str, delivery_id: int) -> dict:
    return {
        "Content-Type": "application/json",
        "User-Agent": "Loopkit-Webhooks/1",
        "Loopkit-Event-Id": event_id,
        "Loopkit-Delivery-Id": str(delivery_id),
        "Loopkit-Timestamp": str(timestamp),
        "Loopkit-Signature": signature(secret, timestamp, body),
    }

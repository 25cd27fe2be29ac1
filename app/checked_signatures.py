"""Signed strings a process has checked once, so that the next request sending the same string
only has its age checked.

A browser sends the same session cookie and the same CSRF token with every request until they
change; an interviewer's page autosaves every few seconds. Checking the HMAC, decoding and
inflating the same string again each time was most of what reading them cost.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from datetime import UTC, datetime
from typing import Any

from itsdangerous import SignatureExpired, URLSafeTimedSerializer


class CheckedSignatures:
    """What `serializer.loads(signed, max_age=...)` returns, remembered per (serializer,
    signed string): a serializer stands for the keys that checked the signature, so with other
    keys a string is checked again. Only strings whose signature held are remembered, and at
    most `capacity` of them, the least recently sent forgotten first: a flood of fresh tokens
    costs their senders' checks, not the remembered strings of everyone else."""

    def __init__(self, capacity: int = 2048) -> None:
        self.capacity = capacity  # a few hundred bytes each
        self._checked: OrderedDict[tuple[URLSafeTimedSerializer, str], tuple[Any, int]] = (
            OrderedDict()
        )

    def __len__(self) -> int:
        return len(self._checked)

    def loads(self, serializer: URLSafeTimedSerializer, signed: str, max_age: int | None) -> Any:
        """The signed value, shared with later calls (copy it before changing it). Raises
        `BadSignature` as `serializer.loads` does, and `SignatureExpired` by its rule: older
        than `max_age` seconds, or signed in the future."""
        key = (serializer, signed)
        checked = self._checked.get(key)
        if checked is None:
            value, signed_at = serializer.loads(signed, max_age=max_age, return_timestamp=True)
            checked = self._checked[key] = (value, int(signed_at.timestamp()))
            while len(self._checked) > self.capacity:
                self._checked.popitem(last=False)
        else:
            self._checked.move_to_end(key)
        value, signed_at = checked
        if max_age is not None:  # itsdangerous counts whole seconds of the clock, as here
            age = int(time.time()) - signed_at
            if age > max_age or age < 0:
                raise SignatureExpired(
                    f"Signature age {age} is outside 0 to {max_age} seconds",
                    date_signed=datetime.fromtimestamp(signed_at, UTC),
                )
        return value

"""Signed strings a process has checked once, so that the next request sending the same string
only has its age checked.

A browser sends the same session cookie and the same CSRF token with every request until they
change; an interviewer's page autosaves every few seconds. Checking the HMAC, decoding and
inflating the same string again each time was most of what reading them cost.
"""

from __future__ import annotations

import time
from typing import Any

from itsdangerous import SignatureExpired, URLSafeTimedSerializer


class CheckedSignatures:
    """What `serializer.loads(signed, max_age=...)` returns, remembered per (serializer,
    signed string): a serializer stands for the keys that checked the signature, so with other
    keys a string is checked again. Only strings whose signature held are remembered, so forged
    ones cannot fill it. Bounded: when full, it forgets everything and checks each string again
    when it comes back."""

    def __init__(self, capacity: int = 2048) -> None:
        self.capacity = capacity  # a few hundred bytes each
        self._checked: dict[tuple[URLSafeTimedSerializer, str], tuple[Any, int]] = {}

    def __len__(self) -> int:
        return len(self._checked)

    def loads(self, serializer: URLSafeTimedSerializer, signed: str, max_age: int | None) -> Any:
        """The signed value, shared with later calls (copy it before changing it). Raises as
        `serializer.loads` does: `BadSignature`, or `SignatureExpired` when too old."""
        checked = self._checked.get((serializer, signed))
        if checked is None:
            value, signed_at = serializer.loads(signed, max_age=max_age, return_timestamp=True)
            if len(self._checked) >= self.capacity:
                self._checked.clear()
            checked = self._checked[(serializer, signed)] = (value, int(signed_at.timestamp()))
        value, signed_at = checked
        if max_age is not None:  # itsdangerous's rule, in whole seconds as it counts them
            age = int(time.time()) - signed_at
            if age > max_age:
                raise SignatureExpired(f"Signature age {age} > {max_age} seconds")
            if age < 0:
                raise SignatureExpired(f"Signature age {age} < 0 seconds")
        return value

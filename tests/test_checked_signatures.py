"""A signed string is checked once per process, then only its age (app/checked_signatures.py)."""

from __future__ import annotations

import time

import pytest
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from app.checked_signatures import CheckedSignatures


class CountingSerializer(URLSafeTimedSerializer):
    """itsdangerous's serializer, counting the signatures it really checks."""

    checks = 0

    def loads(self, *args, **kwargs):
        self.checks += 1
        return super().loads(*args, **kwargs)


def signed_ago(serializer: URLSafeTimedSerializer, value, seconds: int) -> str:
    class SignedEarlier(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - seconds

    earlier = URLSafeTimedSerializer(serializer.secret_keys[-1], salt=serializer.salt)
    earlier.signer = SignedEarlier
    return earlier.dumps(value)


@pytest.fixture
def serializer() -> CountingSerializer:
    return CountingSerializer("a-key-for-these-tests-only", salt="checked")


def test_a_string_is_checked_once_and_its_value_returned_each_time(serializer) -> None:
    checked = CheckedSignatures()
    signed = serializer.dumps({"user": 7})
    assert checked.loads(serializer, signed, 60) == {"user": 7}
    assert checked.loads(serializer, signed, 60) == {"user": 7}
    assert serializer.checks == 1


def test_a_remembered_string_expires_by_its_age(serializer) -> None:
    checked = CheckedSignatures()
    signed = signed_ago(serializer, "token", 10)
    assert checked.loads(serializer, signed, 60) == "token"
    with pytest.raises(SignatureExpired) as expired:
        checked.loads(serializer, signed, 5)
    assert expired.value.date_signed is not None
    assert checked.loads(serializer, signed, None) == "token", "no max age: any age is fine"


def test_a_string_signed_in_the_future_is_refused(serializer) -> None:
    with pytest.raises(SignatureExpired):
        CheckedSignatures().loads(serializer, signed_ago(serializer, "token", -30), 60)


def test_other_keys_check_the_string_again(serializer) -> None:
    checked = CheckedSignatures()
    signed = serializer.dumps("token")
    checked.loads(serializer, signed, 60)
    other_keys = URLSafeTimedSerializer("another-key-not-the-signer", salt="checked")
    with pytest.raises(BadSignature):
        checked.loads(other_keys, signed, 60)


def test_forged_strings_are_not_remembered(serializer) -> None:
    checked = CheckedSignatures()
    signed = serializer.dumps("token")
    # Change the signature's first character: all six of its bits are signature bits. The last
    # character of the base64 signature also carries padding bits, so changing it can leave
    # the decoded signature as it was and the "forged" string valid: one run in 16 failed so.
    value_and_time, signature = signed.rsplit(".", 1)
    other = "A" if signature[0] != "A" else "B"
    forged = f"{value_and_time}.{other}{signature[1:]}"
    for _ in range(2):
        with pytest.raises(BadSignature):
            checked.loads(serializer, forged, 60)
    assert len(checked) == 0 and serializer.checks == 2


def test_when_full_the_least_recently_sent_string_is_forgotten(serializer) -> None:
    checked = CheckedSignatures(capacity=2)
    first, second, third = (serializer.dumps(n) for n in range(3))
    checked.loads(serializer, first, 60)
    checked.loads(serializer, second, 60)
    checked.loads(serializer, first, 60)  # sent again: now the most recent
    checked.loads(serializer, third, 60)  # full: `second` goes
    assert len(checked) == 2 and serializer.checks == 3
    checked.loads(serializer, first, 60)
    assert serializer.checks == 3, "the string sent most recently was forgotten"
    checked.loads(serializer, second, 60)
    assert serializer.checks == 4

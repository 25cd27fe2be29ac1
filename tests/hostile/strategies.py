"""Hostile values: what a careless client, a pasted document or an attacker might send.

Everything here is plain data (strings, bytes, JSON values); the endpoint table in
`endpoints.py` combines them with each form's valid values.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import strategies as st

# Strings no form expects: control characters, direction overrides, mixed scripts, markup,
# SQL and LIKE metacharacters, look-alike digits, numbers as text.
NASTY_STRINGS = [
    "",
    " ",
    "\t",
    "\x00",
    "a\x00b",
    "\r\n",
    "line\rbreak",
    "\x1b[31mred\x1b[0m",
    "\x7f\x85\u2028\u2029",
    "\ufeffBOM",
    "\u202egnp.exe",  # right-to-left override
    "\u200f\u200e\u200b\u2060",  # direction marks and zero-width characters
    "مرحبا بالعالم",
    "שלום עולם",
    "Zoë Ångström-Øberg",
    "李小龍 أحمد Иван",
    "𝕳𝖊𝖑𝖑𝖔",
    "👩🏽‍💻🏳️‍🌈",
    "Z̴̡̛a̷l̸g̷o̶",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "{{ 7*7 }}",
    "'; DROP TABLE candidates; --",
    "%",
    "_",
    "\\",
    "%_%\\",
    "../../etc/passwd",
    "０１２",
    "٣",
    "-1",
    "0",
    "1e309",
    "NaN",
    "Infinity",
    "-0",
    "9" * 40,
    "-" + "9" * 40,
    "true",
    "null",
    "[]",
    "{}",
    "on",
]

# Dates, times and zones that parse badly or mean something surprising.
NASTY_TIMES = [
    "2027-02-30T10:00",
    "2027-13-01T10:00",
    "2027-03-01T24:00",
    "2027-03-01T25:61",
    "2027-03-01",
    "14:00",
    "2027-03-01 14:00",
    "2027-03-01T14:00:00.123456",
    "2027-03-01T14:00Z",
    "2027-03-01T14:00+05:30",
    "2027-03-01T14:00-23:59",
    "0001-01-01T00:00",
    "9999-12-31T23:59",
    "10000-01-01T00:00",
    "1970-01-01T00:00",
    "2027-03-28T01:30",  # London: the clocks go forward, this minute does not exist
    "2027-03-28T02:30",  # Berlin and Madrid: the same
    "2027-10-31T01:30",  # London: happens twice
    "2027-10-31T02:30",  # Berlin and Madrid: happens twice
    "2027-W09-1T10:00",
    "+2027-03-01T10:00",
    "２０２７-03-01T10:00",
    "T",
    "now",
]

NASTY_ZONES = [
    "Europe/Nowhere",
    "europe/berlin",
    "EUROPE/BERLIN",
    " Europe/Berlin ",
    "UTC",
    "utc",
    "Etc/GMT+14",
    "Etc/GMT-14",
    "America/St_Johns",
    "Asia/Kathmandu",
    "Factory",
    "localtime",
    "posixrules",
    "../../etc/passwd",
    "/etc/localtime",
    "Europe/Berlin\x00",
    "+05:30",
]

NASTY_NUMBERS = ["-1", "0", "-0", "1", "2147483648", "9223372036854775808", "1" + "0" * 30, "1.5"]


def huge_text() -> st.SearchStrategy[str]:
    """Long text, built by repetition so that drawing it stays cheap: from a bit over typical
    limits (200, 5,000, 20,000 characters) to over the form memory limit."""
    return st.builds(
        lambda unit, times: unit * times,
        st.sampled_from(["x", "é", "👩🏽‍💻", "مر", "a\r\n", "\x00"]),
        st.sampled_from([201, 255, 2001, 5001, 20_001, 70_000, 600_000]),
    )


def huge_number() -> st.SearchStrategy[str]:
    """Past Python's 4,300-digit limit for int(str), and past every column's range."""
    return st.sampled_from([4301, 5000]).map(lambda digits: "9" * digits)


def any_text(max_size: int = 60) -> st.SearchStrategy[str]:
    """Arbitrary Unicode (control characters included), nasty samples, and long text."""
    return st.one_of(
        st.sampled_from(NASTY_STRINGS),
        huge_number(),
        st.text(max_size=max_size),
        st.text(st.characters(codec="utf-8"), max_size=max_size),
        huge_text(),
    )


def lone_surrogate_text() -> st.SearchStrategy[str]:
    """Text with an unpaired surrogate: encodable in JSON (as \\udxxx), and in a form body only
    as invalid UTF-8 (sent with errors="surrogatepass")."""
    return st.builds(
        lambda before, surrogate, after: before + surrogate + after,
        st.text(max_size=5),
        st.sampled_from(["\ud800", "\udfff", "\udc80", "\ud83d"]),
        st.text(max_size=5),
    )


def invalid_utf8() -> st.SearchStrategy[bytes]:
    return st.one_of(
        st.sampled_from([b"\xff\xfe", b"\xc3", b"\xed\xa0\x80", b"caf\xe9", b"\x80" * 3]),
        st.binary(max_size=20),
    )


def hostile_value() -> st.SearchStrategy:
    """One hostile form value: text, a lone surrogate, or raw bytes that are not UTF-8."""
    return st.one_of(
        any_text(),
        st.sampled_from(NASTY_TIMES + NASTY_ZONES + NASTY_NUMBERS),
        lone_surrogate_text(),
        invalid_utf8(),
    )


def json_value(max_leaves: int = 6) -> st.SearchStrategy:
    """Any JSON value, nesting included, with hostile strings at the leaves."""
    leaves = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=False, allow_infinity=False),
        any_text(20),
        lone_surrogate_text(),
    )
    return st.recursive(
        leaves,
        lambda children: st.one_of(
            st.lists(children, max_size=3),
            st.dictionaries(st.text(max_size=8), children, max_size=3),
        ),
        max_leaves=max_leaves,
    )


def deeply_nested() -> st.SearchStrategy:
    """A list or object nested deep enough to trouble a recursive parser or serializer."""
    return st.builds(
        lambda depth, as_list: _nest(depth, as_list),
        st.sampled_from([50, 500, 5000]),
        st.booleans(),
    )


def _nest(depth: int, as_list: bool):
    value: object = "deep"
    for _ in range(depth):
        value = [value] if as_list else {"a": value}
    return value


def local_times(around: datetime) -> st.SearchStrategy[str]:
    """`datetime-local` values near `around` (mostly valid), and nasty ones."""
    valid = st.builds(
        lambda minutes: (around + timedelta(minutes=15 * minutes)).strftime("%Y-%m-%dT%H:%M"),
        st.integers(min_value=-200, max_value=2000),
    )
    far = st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59)).map(
        lambda moment: moment.strftime("%Y-%m-%dT%H:%M")
    )
    return st.one_of(valid, valid, st.sampled_from(NASTY_TIMES), far)


def aware_times() -> st.SearchStrategy[str]:
    """ISO 8601 instants with and without offsets, plus nasty ones."""
    moments = st.datetimes(
        min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)
    )
    return st.one_of(
        moments.map(lambda m: m.isoformat()),
        moments.map(lambda m: m.replace(tzinfo=None).isoformat()),
        st.sampled_from(NASTY_TIMES),
    )

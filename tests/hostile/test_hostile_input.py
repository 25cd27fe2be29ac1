"""Random and adversarial input at every form, JSON endpoint and query-reading page.

The property, for every example: the answer is a clear refusal (4xx with a message: JSON with
an `error`, or a page with one; a visitor may be sent to sign in) that changed nothing saved, or
a legitimate success (for a principal who may) that changed only what the endpoint may change.
Never a 500, never an exception.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask, url_for
from hypothesis import given
from hypothesis import strategies as st

from ..auth.test_route_matrix import PRINCIPALS
from .conftest import (
    HostileRun,
    Request,
    assert_message,
    form_body,
    hostile_settings,
    json_text,
)
from .endpoints import (
    ENDPOINTS,
    FORBIDDEN_FIELDS,
    FUZZED_FROM_THE_OPENAPI_DOCUMENT,
    NO_INPUT,
    Endpoint,
)
from .strategies import (
    NASTY_NUMBERS,
    hostile_value,
    invalid_utf8,
    json_value,
)

TREATMENTS = ["valid", "valid", "valid", "hostile", "missing", "duplicate"]


@st.composite
def _pairs(draw, fields: dict[str, st.SearchStrategy], multi: tuple[str, ...]) -> list:
    """Name/value pairs for a form or query string: valid values, with some fields hostile,
    missing or duplicated, and fields the form never offers."""
    mode = draw(st.sampled_from(["valid", "one_bad", "chaos"]))
    bad = draw(st.sampled_from(sorted(fields))) if fields and mode == "one_bad" else None
    pairs: list[tuple[str, Any]] = []
    for name, valid in fields.items():
        if mode == "valid" or (mode == "one_bad" and name != bad):
            how = "valid"
        elif mode == "one_bad":
            how = draw(st.sampled_from(["hostile", "missing", "duplicate"]))
        else:
            how = draw(st.sampled_from(TREATMENTS))
        if how == "valid":
            count = draw(st.integers(0, 3)) if name in multi else 1
            pairs += [(name, draw(valid)) for _ in range(count)]
        elif how == "hostile":
            pairs.append((name, draw(hostile_value())))
        elif how == "duplicate":
            pairs += [(name, draw(valid)), (name, draw(st.one_of(valid, hostile_value())))]
    if mode != "valid" or draw(st.booleans()):
        for name in draw(st.lists(st.sampled_from(sorted(FORBIDDEN_FIELDS)), max_size=2)):
            pairs.append((name, draw(FORBIDDEN_FIELDS[name])))
    if mode == "chaos" and draw(st.booleans()):
        pairs.append((draw(st.text(max_size=10)), draw(hostile_value())))
    return pairs


def _as_json(pairs: list) -> dict:
    """A form body as a JSON object, each field given once (with its last value)."""
    return {name: value for name, value in pairs if isinstance(value, str)}


@st.composite
def hostile_requests(draw, endpoint: Endpoint, run: HostileRun, fields, query, path: str):
    principal = draw(
        st.sampled_from(endpoint.allowed)
        if endpoint.allowed and draw(st.booleans())
        else st.sampled_from(list(PRINCIPALS))
    )
    url = path
    query_pairs = draw(_pairs(query, ())) if query else []
    if query_pairs:
        url += "?" + urlencode(query_pairs, encoding="utf-8", errors="surrogatepass")
    request = Request(principal, endpoint.route[1], url)
    if endpoint.route[1] == "GET":
        return request
    token = run.token(principal)
    csrf = draw(st.sampled_from(["valid"] * 6 + ["missing", "garbage", "duplicate"]))
    if endpoint.json:
        _json_request(draw, request, fields, token, csrf)
    else:
        _form_request(draw, request, fields, endpoint.multi, token, csrf)
    return request


def _csrf_pairs(csrf: str, token: str) -> list:
    return {
        "valid": [("csrf_token", token)],
        "missing": [],
        "garbage": [("csrf_token", "not-a-token")],
        "duplicate": [("csrf_token", "not-a-token"), ("csrf_token", token)],
    }[csrf]


def _form_request(draw, request: Request, fields, multi, token: str, csrf: str) -> None:
    pairs = draw(_pairs(fields, multi))
    request.form = pairs
    transport = draw(st.sampled_from(["form"] * 6 + ["json", "text", "bytes", "multipart"]))
    if transport == "json":
        # Flask-WTF reads a JSON body as the form: strings, or the wrong types altogether.
        body = draw(st.one_of(st.just(_as_json(pairs)), json_value()))
        request.json_body = body
        request.body = json_text(body)
        request.content_type = "application/json"
        if csrf == "valid":
            request.headers["X-CSRFToken"] = token
        return
    request.body = form_body(_csrf_pairs(csrf, token) + pairs)
    request.content_type = "application/x-www-form-urlencoded"
    if transport == "text":
        request.content_type = "text/plain"
    elif transport == "bytes":
        request.body = request.body + b"&" + draw(invalid_utf8()) + b"=" + draw(invalid_utf8())
    elif transport == "multipart":
        request.content_type = "multipart/form-data; boundary=xyz"


def _json_request(draw, request: Request, fields, token: str, csrf: str) -> None:
    shape = draw(st.sampled_from(["object"] * 5 + ["any", "deep", "bytes", "form", "none"]))
    if shape == "object":
        body: Any = {}
        for name, valid in fields.items():
            how = draw(st.sampled_from(TREATMENTS))
            if how in ("valid", "duplicate"):
                body[name] = draw(valid)
            elif how == "hostile":
                body[name] = draw(json_value())
        for name in draw(st.lists(st.sampled_from(sorted(FORBIDDEN_FIELDS)), max_size=2)):
            body[name] = draw(FORBIDDEN_FIELDS[name])
        request.json_body = body
        request.body = json_text(body)
        if draw(st.booleans()) and "changes" in body:
            # A key given twice: the JSON parser keeps the last, silently.
            request.body = (
                request.body[:-1] + b', "changes": ' + json_text(draw(json_value())) + b"}"
            )
    elif shape == "any":
        request.json_body = draw(json_value())
        request.body = json_text(request.json_body)
    elif shape == "deep":
        depth = draw(st.sampled_from([50, 1500, 100_000]))
        opener, closer = draw(st.sampled_from([("[", "]"), ('{"a":', "}")]))
        request.body = (opener * depth + "1" + closer * depth).encode()
    elif shape == "bytes":
        request.body = draw(invalid_utf8())
    elif shape == "form":
        pairs = draw(st.dictionaries(st.text(max_size=5), st.text(max_size=5)))
        request.body = form_body(list(pairs.items()))
    else:
        request.body = None
    request.content_type = draw(
        st.sampled_from(
            ["application/json"] * 5
            + [
                "text/plain",
                "application/json; charset=latin-1",
                None,
                "application/x-www-form-urlencoded",
            ]
        )
    )
    if csrf == "valid":
        request.headers["X-CSRFToken"] = token
    elif csrf != "missing":
        request.headers["X-CSRFToken"] = "not-a-token"


def _posted(request: Request) -> dict[str, list]:
    posted: dict[str, list] = {}
    for name, value in request.form or []:
        posted.setdefault(name, []).append(value)
    if isinstance(request.json_body, dict):
        for name, value in request.json_body.items():
            posted.setdefault(name, []).append(value)
    return posted


@pytest.mark.parametrize(
    "endpoint",
    [
        pytest.param(e, id=e.id, marks=[pytest.mark.committed] if e.committed else [])
        for e in ENDPOINTS
    ],
)
def test_hostile_input_is_refused_clearly_or_accepted_legitimately(
    hostile: HostileRun, endpoint: Endpoint
) -> None:
    team = hostile.team
    fields, query = endpoint.fields(team), endpoint.query(team)
    with hostile.app.test_request_context():
        path = url_for(endpoint.route[0], **endpoint.url_args(team))
    hostile.reset()  # the reads above must not hold a transaction open
    seen: dict[str, int] = {}

    @hostile_settings()
    @given(hostile_requests(endpoint, hostile, fields, query, path))
    def examples(request: Request) -> None:
        response = hostile.send(request)
        hostile.end_example()
        body = _posted(request)
        verdict = hostile.judge(
            request,
            response,
            allowed=request.principal in endpoint.allowed,
            success=endpoint.success,
            json_endpoint=endpoint.json,
            may_change=list(endpoint.may_change(body)),
            may_change_when_refused=list(endpoint.may_change_when_refused(body)),
        )
        if endpoint.check:
            endpoint.check(request, response)
        if endpoint.signs_out:
            hostile.forget(request.principal)  # it may be signed out now: sign in afresh
        seen[verdict] = seen.get(verdict, 0) + 1

    examples()
    if endpoint.route[1] == "POST":
        assert seen.get("refused"), "no example was refused: the strategies are too tame"


def test_every_post_route_has_a_hostile_entry(hostile: HostileRun) -> None:
    """A new form without an entry in the strategy table fails here; so does a GET route that
    is neither in the table nor declared free of input."""
    covered = {e.route for e in ENDPOINTS}
    missing, undeclared = [], []
    for rule in hostile.app.url_map.iter_rules():
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            route = (rule.endpoint, method)
            if rule.endpoint.startswith(FUZZED_FROM_THE_OPENAPI_DOCUMENT):
                continue
            if method != "GET" and route not in covered:
                missing.append(route)
            if method == "GET" and route not in covered and rule.endpoint not in NO_INPUT:
                undeclared.append(route)
    assert not missing, f"POST routes without hostile-input strategies: {sorted(missing)}"
    assert not undeclared, (
        f"GET routes neither in ENDPOINTS nor declared in NO_INPUT: {sorted(undeclared)}"
    )
    stale = {e.route[0] for e in ENDPOINTS} | NO_INPUT
    assert stale <= set(hostile.app.view_functions), stale - set(hostile.app.view_functions)


PATH_IDS = ["0", "-1", "9" * 19, "9" * 40, "1e3", "0x10", "abc", "１", "%00", "1%20", "1.0", "+1"]


def test_hostile_ids_in_paths_are_not_found(hostile: HostileRun) -> None:
    """Negative, huge and non-numeric ids in any route's path: a 404 (or a 405, or the sign-in
    page), never a 500."""
    rules = [
        (rule, method)
        for rule in hostile.app.url_map.iter_rules()
        if rule.arguments and rule.endpoint != "static"
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
    ]

    @hostile_settings()
    @given(
        st.sampled_from(rules),
        st.sampled_from([p for p in PRINCIPALS]),
        st.sampled_from(PATH_IDS + [n for n in NASTY_NUMBERS if n != "1"]),
    )
    def examples(rule_method, principal: str, bad_id: str) -> None:
        rule, method = rule_method
        path = rule.rule
        for name in rule.arguments:
            path = path.replace(f"<int:{name}>", bad_id)
        request = Request(principal, method, path)
        if method != "GET":
            request.body = form_body([("csrf_token", hostile.token(principal))])
            request.content_type = "application/x-www-form-urlencoded"
        response = hostile.send(request)
        hostile.end_example()
        assert not hostile.exceptions, hostile.exceptions[0] + request.describe()
        # 400: the autosave refuses a form body before it looks the scorecard up.
        # 410: a password link that does not (or no longer) work.
        assert response.status_code in (302, 400, 401, 403, 404, 405, 410), (
            f"{response.status_code}: {request.describe()}"
        )
        assert_message(response, request.describe())

    examples()


@pytest.fixture
def probes(app: Flask) -> None:
    """Two broken routes, added before the harness's first request (Flask's rule)."""

    @app.post("/probe/raises")
    def raises():
        raise RuntimeError("boom")

    @app.post("/probe/answers-500")
    def answers_500():
        return {"error": "quietly broken"}, 500


def test_the_verdict_fails_on_an_exception_and_on_any_500(probes, hostile: HostileRun) -> None:
    """The harness must notice a server error even though errors.py turns it into a tidy page
    (or JSON) with PROPAGATE_EXCEPTIONS off."""

    def post(path: str):
        request = Request("admin", "POST", path, content_type="application/json")
        request.headers["X-CSRFToken"] = hostile.token("admin")
        request.body = json_text({})
        return request, hostile.send(request)

    verdict = dict(allowed=True, success=frozenset({200}), json_endpoint=True, may_change=[])
    request, response = post("/probe/raises")
    assert response.status_code == 500 and response.get_json()["status"] == 500
    with pytest.raises(AssertionError, match="(?s)the request raised:.*RuntimeError: boom"):
        hostile.judge(request, response, **verdict)
    request, response = post("/probe/answers-500")
    with pytest.raises(AssertionError, match="^500 for"):
        hostile.judge(request, response, **verdict)

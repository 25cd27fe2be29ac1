"""Schemathesis against the served app, from the generated OpenAPI document: no server error
and no answer that breaks the document, for valid and invalid requests alike."""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from app.auth.tokens import issue_token
from app.demo import DemoTeam
from app.extensions import db

from ..browser.conftest import serving
from .conftest import ALL_SCOPES
from .test_token_matrix import ROUTES

# Every check but one: "a request the document allows is accepted". Rules the document cannot
# say (a time zone that exists, a working day that ends after it starts, a cursor this API
# gave out, an interviewer who has an account) refuse such requests with a 422 that names
# the field, as they should; tests/api/test_resources.py holds those refusals.
BEYOND_THE_DOCUMENT = [schemathesis.checks.positive_data_acceptance]
# Bounded and derandomized so `make test` is quick and gives every run the same answer;
# `make test-deep` sets LOOPKIT_API_EXAMPLES for a longer, random search.
DEEP = "LOOPKIT_API_EXAMPLES" in os.environ
EXAMPLES = int(os.environ.get("LOOPKIT_API_EXAMPLES", "25"))


@pytest.fixture
def served(app, demo: DemoTeam):
    """The demo app on a loopback port, and an admin's token with every scope."""
    secret, _ = issue_token(demo.users["admin"], demo.users["admin"], "schemathesis", ALL_SCOPES)
    db.session.commit()
    with serving(app) as base_url:
        yield base_url, secret


@pytest.mark.parametrize("mode", list(schemathesis.GenerationMode), ids=str)
def test_the_api_keeps_to_its_document(served, mode: schemathesis.GenerationMode) -> None:
    """Every operation of the document, with requests that fit it (positive) and that break
    it (negative): each answer must be no 5xx, fit its documented status, headers and body,
    and a request that breaks the document must be refused."""
    base_url, secret = served
    schema = schemathesis.openapi.from_url(f"{base_url}/api/v1/openapi.json")

    # Given as an auth provider, not merely sent: Schemathesis then knows which header is the
    # token, and checks too that a call without it, or with a wrong one, is refused.
    @schema.auth()
    class Token:
        def get(self, case, context) -> str:
            return secret

        def set(self, case, data: str, context) -> None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == len(ROUTES), "every route of the token matrix is in the document"
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=not DEEP,
            suppress_health_check=list(HealthCheck),
        )
        def keeps_to_the_document(case) -> None:
            case.call_and_validate(
                base_url=base_url,
                excluded_checks=BEYOND_THE_DOCUMENT,
            )

        keeps_to_the_document()

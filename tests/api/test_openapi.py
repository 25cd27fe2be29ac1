"""The OpenAPI document is generated from the code, valid OpenAPI 3.1, public, and the
reference page is read off it."""

from __future__ import annotations

from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from .test_token_matrix import ROUTES


def test_the_document_is_valid_openapi_3_1_and_covers_every_route(client, app) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200, "the document needs no token"
    spec = response.get_json()
    assert spec["openapi"] == "3.1.0"
    validate(spec)  # raises on anything OpenAPI 3.1 does not allow
    operations = {
        op.get("operationId", f"{method} {path}")
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if method in ("get", "post", "patch")
    }
    assert len(operations) == len(ROUTES)
    assert spec["components"]["securitySchemes"]["token"]["scheme"] == "bearer"
    assert spec["security"] == [{"token": []}]
    post = spec["paths"]["/api/v1/candidates"]["post"]
    assert "Idempotency-Key" in {p["name"] for p in post["parameters"]}
    error = spec["components"]["schemas"]["ApiError"]
    assert {"code", "message", "status"} <= set(error["required"])


def test_a_broken_document_would_be_caught() -> None:
    """The validator is strict enough to matter: a 3.1 document with a bad type fails."""
    broken = {
        "openapi": "3.1.0",
        "info": {"title": "x", "version": "1"},
        "paths": {
            "/x": {
                "get": {
                    "responses": {"200": {"description": "ok"}},
                    "parameters": [{"in": "nowhere", "name": "q"}],
                }
            }
        },
    }
    try:
        validate(broken)
    except OpenAPIValidationError:
        return
    raise AssertionError("an invalid parameter location passed validation")


def test_the_reference_page_lists_every_operation_and_schema(client, app) -> None:
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for heading in (
        "<code>POST /api/v1/candidates</code>: Add a candidate, or update the one with this "
        "external_id",
        "<code>GET /api/v1/scorecards</code>: List submitted scorecards",
        "<code>PATCH /api/v1/candidates/{candidate_id}</code>: Update a candidate",
        "<code>POST /api/v1/loops</code>: Plan a loop",
    ):
        assert heading in text
    assert 'id="schema-Scorecard"' in text and "private_answers_included" in text
    assert "Idempotency-Key (header)" in text

"""Friendly 403 and 500 pages for people, JSON for JSON clients."""

from __future__ import annotations

import pytest

from app.auth.permissions import require

from ..conftest import sign_in


@pytest.fixture
def app_with_probes(app, demo):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the error page answers

    @app.get("/probe/admin-only")
    def admin_only():
        require("users.manage")
        return "secret"

    @app.get("/probe/broken")
    def broken():
        raise RuntimeError("boom")

    return app


def test_forbidden_page_explains(app_with_probes) -> None:
    client = app_with_probes.test_client()
    sign_in(client, "priya@example.com")
    response = client.get("/probe/admin-only")
    assert response.status_code == 403
    assert "You do not have access to this page" in response.get_data(as_text=True)
    assert "secret" not in response.get_data(as_text=True)


def test_server_error_page_reassures_and_json_gets_json(app_with_probes) -> None:
    client = app_with_probes.test_client()
    response = client.get("/probe/broken")
    assert response.status_code == 500
    assert "Nothing you saved is lost" in response.get_data(as_text=True)
    as_json = client.get("/probe/broken", headers={"Accept": "application/json"})
    assert as_json.status_code == 500 and as_json.get_json()["status"] == 500

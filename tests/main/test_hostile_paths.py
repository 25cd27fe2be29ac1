"""Ids in addresses: anything past what a row id can be is "not found", never a server error.
Found by the hostile-input pass (tests/hostile): SQLite cannot bind an int past 2**63 - 1."""

from __future__ import annotations

import pytest

from ..conftest import csrf_from, sign_in


@pytest.mark.parametrize(
    "method,path",
    [
        ("GET", "/loops/9223372036854775808"),
        ("GET", "/candidates/99999999999999999999999999999"),
        ("GET", "/scorecards/9223372036854775808"),
        ("GET", "/library/rubrics/１"),  # a full-width digit: not another address for rubric 1
        ("POST", "/loops/9223372036854775808/decision"),
    ],
)
def test_an_id_too_large_for_a_row_is_not_found(app, demo, method, path) -> None:
    client = app.test_client()
    assert sign_in(client, "admin@example.com").status_code == 302
    token = csrf_from(client.get("/").get_data(as_text=True))
    response = client.open(path, method=method, data={"csrf_token": token})
    assert response.status_code == 404
    assert "There is nothing at this address" in response.get_data(as_text=True)

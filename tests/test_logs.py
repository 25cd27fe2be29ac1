"""Request log lines: structured, and free of what paths and searches can carry."""

from __future__ import annotations

import json
import logging

from app.logs import REQUEST_LOGGER, JsonFormatter, TextFormatter

from .conftest import sign_in


def _request_lines(caplog) -> list[dict]:
    formatter = JsonFormatter()
    return [
        json.loads(formatter.format(record))
        for record in caplog.records
        if record.name == REQUEST_LOGGER
    ]


def test_each_request_is_one_json_line_naming_route_status_and_user(client, demo, caplog):
    caplog.set_level(logging.INFO, logger=REQUEST_LOGGER)
    sign_in(client, "coordinator@example.com")
    caplog.clear()
    client.get("/candidates/?q=Lena+Fischer")
    (line,) = _request_lines(caplog)
    assert line["route"] == "/candidates/"
    assert line["method"] == "GET"
    assert line["status"] == 200
    assert line["user_id"] == str(demo.users["coordinator"].id)
    assert line["level"] == "info"
    assert isinstance(line["duration_ms"], float)


def test_an_autosave_line_names_its_user_though_it_never_loads_their_row(client, demo, caplog):
    caplog.set_level(logging.INFO, logger=REQUEST_LOGGER)
    sign_in(client, "priya@example.com")
    card = demo.opening.candidates[0].loops[0].sessions[0].scorecard
    token = client.get("/auth/csrf-token").get_json()["csrf_token"]
    caplog.clear()
    response = client.post(
        f"/scorecards/{card.id}/autosave",
        json={"base_version": 1, "changes": {"notes.pitch": "Asked about the team's on-call."}},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 200
    (line,) = _request_lines(caplog)
    assert line["route"] == "/scorecards/<int:scorecard_id>/autosave"
    assert line["user_id"] == str(demo.users["priya"].id)
    assert "on-call" not in json.dumps(line)


def test_search_terms_and_url_arguments_stay_out_of_the_log(client, demo, caplog):
    caplog.set_level(logging.INFO, logger=REQUEST_LOGGER)
    sign_in(client, "coordinator@example.com")
    lena = next(c for c in demo.opening.candidates if c.name == "Lena Fischer")
    client.get(f"/candidates/{lena.id}?q=Lena+Fischer")
    text = "\n".join(TextFormatter().format(r) for r in caplog.records)
    text += "\n".join(json.dumps(line) for line in _request_lines(caplog))
    assert "/candidates/<int:candidate_id>" in text
    assert "Lena" not in text and "Fischer" not in text
    assert f"/candidates/{lena.id}" not in text


def test_health_checks_are_not_logged(client, caplog):
    caplog.set_level(logging.INFO, logger=REQUEST_LOGGER)
    assert client.get("/health").status_code == 200
    assert _request_lines(caplog) == []

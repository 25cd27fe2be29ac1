"""Request log lines: structured, and free of what paths and searches can carry."""

from __future__ import annotations

import json
import logging

from app.web.logs import REQUEST_LOGGER, JsonFormatter, TextFormatter

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


def _signed_in_as_priya(client) -> str:
    """Signs Priya in; her CSRF token."""
    sign_in(client, "priya@example.com")
    return client.get("/auth/csrf-token").get_json()["csrf_token"]


def _autosave(client, token: str, demo, changes: dict, base_version: int = 1):
    card = demo.opening.candidates[0].loops[0].sessions[0].scorecard
    return client.post(
        f"/scorecards/{card.id}/autosave",
        json={"base_version": base_version, "changes": changes},
        headers={"X-CSRFToken": token},
    )


def test_an_autosave_line_names_its_user_though_it_never_loads_their_row(app, client, demo, caplog):
    caplog.set_level(logging.DEBUG, logger=REQUEST_LOGGER)
    app.config["LOG_SLOW_REQUEST_MS"] = 60_000  # however slow this machine is today
    token = _signed_in_as_priya(client)
    caplog.clear()
    response = _autosave(client, token, demo, {"notes.pitch": "Asked about the team's on-call."})
    assert response.status_code == 200
    (line,) = _request_lines(caplog)
    assert line["route"] == "/scorecards/<int:scorecard_id>/autosave"
    assert line["user_id"] == str(demo.users["priya"].id)
    assert line["level"] == "debug"  # routine: one every few seconds per open interview
    assert "on-call" not in json.dumps(line)


def test_answered_autosaves_stay_out_of_an_info_log_but_refused_ones_do_not(
    app, client, demo, caplog
):
    caplog.set_level(logging.INFO, logger=REQUEST_LOGGER)
    app.config["LOG_SLOW_REQUEST_MS"] = 60_000  # however slow this machine is today
    token = _signed_in_as_priya(client)
    caplog.clear()
    assert _autosave(client, token, demo, {"notes.pitch": "First text."}).status_code == 200
    assert _request_lines(caplog) == []

    # Changed since version 1 by the save above: a conflict, which an operator may need.
    assert _autosave(client, token, demo, {"notes.pitch": "Other tab's text."}).status_code == 409
    assert _autosave(client, token, demo, {"no.such.field": "x"}, base_version=2).status_code == 400
    lines = _request_lines(caplog)
    assert [(line["status"], line["level"]) for line in lines] == [(409, "info"), (400, "info")]


def test_a_slow_autosave_is_logged_at_info(app, client, demo, caplog):
    caplog.set_level(logging.INFO, logger=REQUEST_LOGGER)
    token = _signed_in_as_priya(client)
    app.config["LOG_SLOW_REQUEST_MS"] = 0  # every save counts as slow
    caplog.clear()
    assert _autosave(client, token, demo, {"notes.pitch": "Took its time."}).status_code == 200
    (line,) = _request_lines(caplog)
    assert (line["status"], line["level"]) == (200, "info")


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

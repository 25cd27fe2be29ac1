"""Refused forms whose problems used to be hard to find: now each is in the summary at the top,
linked to a field that exists once on the page, with the typed text kept."""

from __future__ import annotations

import re

from flask import Flask

from app.demo import DemoTeam
from app.extensions import db

from ..auth.test_route_matrix import _submit_tomas
from ..conftest import csrf_from, sign_in


def signed_in(app: Flask, email: str):
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    token = csrf_from(client.get("/").get_data(as_text=True))
    return client, token


def summary_of(html: str) -> tuple[list[str], list[str]]:
    """(link targets, texts) of the page's error summary."""
    box = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    assert box, "no error summary"
    items = re.findall(r"<li>(.*?)</li>", box.group(0), re.S)
    targets = [t for item in items for t in re.findall(r'href="#([^"]+)"', item)]
    return targets, [re.sub(r"<[^>]+>", "", item).strip() for item in items]


def ids_in(html: str) -> list[str]:
    return re.findall(r'\sid="([^"]+)"', html)


def test_a_refused_move_is_summarised_at_its_interview_with_the_typed_time_kept(
    app: Flask, demo: DemoTeam
) -> None:
    loop = demo.opening.candidates[0].loops[0]
    session_id = loop.sessions[0].id
    db.session.commit()
    client, token = signed_in(app, "coordinator@example.com")
    response = client.post(
        f"/loops/{loop.id}/sessions/{session_id}/move",
        data={"csrf_token": token, "starts_at": "next tuesday"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    targets, texts = summary_of(html)
    assert targets == [f"move-{session_id}"] and texts[0].startswith("New start (your time): ")
    field = re.search(rf'<input type="datetime-local" id="move-{session_id}"[^>]*>', html).group(0)
    assert 'value="next tuesday"' in field and 'aria-invalid="true"' in field
    assert "<details open><summary>Move this interview" in html
    assert len(ids_in(html)) == len(set(ids_in(html))), "an id twice: a link could land wrong"


def test_a_refused_debrief_move_links_to_the_debrief_field_not_the_interview_one(
    app: Flask, demo: DemoTeam
) -> None:
    loop = demo.opening.candidates[0].loops[0]
    db.session.commit()
    client, token = signed_in(app, "coordinator@example.com")
    response = client.post(f"/loops/{loop.id}/debrief", data={"csrf_token": token})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert summary_of(html) == (
        ["debrief-starts-at"],
        ["Debrief starts (your time): Give the debrief time."],
    )
    assert html.count('id="debrief-starts-at"') == 1


def test_confirming_a_confirmed_loop_says_why_it_was_refused(app: Flask, demo: DemoTeam) -> None:
    loop = demo.opening.candidates[0].loops[0]
    db.session.commit()
    client, token = signed_in(app, "coordinator@example.com")
    response = client.post(f"/loops/{loop.id}/confirm", data={"csrf_token": token})
    assert response.status_code == 400
    targets, texts = summary_of(response.get_data(as_text=True))
    assert targets == [] and texts == ["Only a loop being planned can be confirmed."]


def test_reopening_an_open_decision_says_why_it_was_refused(app: Flask, demo: DemoTeam) -> None:
    loop = demo.opening.candidates[0].loops[0]
    db.session.commit()
    client, token = signed_in(app, "admin@example.com")
    response = client.post(
        f"/loops/{loop.id}/decision/reopen", data={"csrf_token": token, "reason": "Typo"}
    )
    assert response.status_code == 400
    targets, texts = summary_of(response.get_data(as_text=True))
    assert targets == [] and len(texts) == 1 and texts[0].startswith("Reason to reopen: ")


def test_an_amendment_without_a_reason_points_at_the_reason_field(
    app: Flask, demo: DemoTeam
) -> None:
    _submit_tomas(demo)
    card_id = demo.opening.candidates[0].loops[0].sessions[1].scorecard.id
    db.session.commit()
    client, token = signed_in(app, "tomas@example.com")
    response = client.post(
        f"/scorecards/{card_id}/amend", data={"csrf_token": token, "summary": "Sharper now."}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert summary_of(html) == (
        ["amend-reason"],
        ["Reason: Say why you are amending a submitted scorecard."],
    )
    assert 'id="amend-reason-error"' in html and 'aria-invalid="true"' in html
    assert ">Sharper now.</textarea>" in html

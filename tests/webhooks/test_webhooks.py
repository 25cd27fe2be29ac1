"""Webhooks end to end, against a real receiver on loopback: each event reaches each
subscribed receiver once, signed as the README says; nothing sealed or private rides along; a
receiver that is down gets it later, with backoff; a failure is visible and retryable."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import func, select

from app.debriefs.decisions import record_decision
from app.extensions import db
from app.loops.planning import add_session, confirm_loop, start_loop
from app.models import ReminderStatus, WebhookDelivery, WebhookEndpoint, WebhookEvent
from app.storage.types import utcnow
from app.webhooks.delivery import BACKOFF, MAX_ATTEMPTS, deliver_due
from app.webhooks.endpoints import EndpointError, add_endpoint

from ..conftest import csrf_from, sign_in
from ..packets.conftest import submit
from .conftest import Receiver, signature_is_valid

REASON = "The panel saw the design gaps clearly and the evidence backs it."


def _receiver_for(demo, url: str, *events: WebhookEvent) -> WebhookEndpoint:
    endpoint = add_endpoint(demo.users["admin"], url, list(events or WebhookEvent), "ATS")
    db.session.commit()
    return endpoint


def _deliveries() -> list[WebhookDelivery]:
    return list(db.session.execute(select(WebhookDelivery).order_by(WebhookDelivery.id)).scalars())


def _confirm_a_loop_for_arjun(demo):
    arjun = next(c for c in demo.opening.candidates if c.name == "Arjun Mehta")
    session = demo.opening.candidates[0].loops[0].sessions[0]
    loop = start_loop(arjun, demo.users["coordinator"])
    add_session(
        loop,
        demo.users["kwame"],
        session.script,
        session.rubric,
        utcnow() + timedelta(days=5),
        focus_competencies=[c["key"] for c in session.rubric.competencies],
    )
    db.session.refresh(loop)
    confirm_loop(loop, demo.users["coordinator"], "The rest is covered next week.")
    db.session.commit()
    return loop


def test_each_event_reaches_each_subscribed_receiver_once_and_signed(
    local_hooks, demo, receiver, priya_card, tomas_card
) -> None:
    everything = _receiver_for(demo, receiver.url)
    second = Receiver()
    try:
        only_cards = _receiver_for(demo, second.url, WebhookEvent.SCORECARD_SUBMITTED)
        submit(priya_card, field_answers={"compensation_expectation": "Asks 120k EUR"})
        submit(tomas_card)
        loop = priya_card.session.loop
        record_decision(loop, demo.users["manager"], "no_hire", REASON, REASON, REASON)
        db.session.commit()
        arjuns = _confirm_a_loop_for_arjun(demo)
        first = deliver_due()
        again = deliver_due()
        assert len(first.sent) == 4 + 2 and again.sent == [], "each once, then nothing more"
        types = [p["type"] for p in receiver.payloads()]
        assert sorted(types) == [
            "debrief.decided",
            "loop.confirmed",
            "scorecard.submitted",
            "scorecard.submitted",
        ]
        assert [p["type"] for p in second.payloads()] == ["scorecard.submitted"] * 2
        for headers, body in receiver.received:
            assert signature_is_valid(everything.secret, headers, body)
            assert not signature_is_valid(only_cards.secret, headers, body)
            assert headers["Loopkit-Event-Id"] == json.loads(body)["id"]
        tampered = receiver.received[0][1].replace(b"scorecard", b"Scorecard")
        assert not signature_is_valid(everything.secret, receiver.received[0][0], tampered)
        by_type = {p["type"]: p["data"] for p in receiver.payloads()}
        assert by_type["loop.confirmed"]["loop_id"] == arjuns.id
        assert by_type["debrief.decided"]["decision"] == "no_hire"
    finally:
        second.stop()


def test_a_payload_carries_nothing_the_blind_rule_or_privacy_hides(
    local_hooks, demo, receiver, priya_card
) -> None:
    _receiver_for(demo, receiver.url)
    submit(
        priya_card,
        summary="Sealed until the debrief.",
        field_answers={"compensation_expectation": "Asks 120k EUR"},
    )
    loop = priya_card.session.loop
    deliver_due()
    (body,) = [body for _, body in receiver.received]
    for secret in (b"Sealed until", b"120k", b"recommendation", b"ratings", b"evidence"):
        assert secret not in body
    data = json.loads(body)["data"]
    assert data["scorecard_id"] == priya_card.id and data["loop_id"] == loop.id


def test_a_receiver_that_is_down_gets_it_later_with_backoff_once(
    local_hooks, demo, priya_card
) -> None:
    down = Receiver()
    url = down.url
    down.stop()  # nothing listens there for a while
    _receiver_for(demo, url, WebhookEvent.SCORECARD_SUBMITTED)
    submit(priya_card)
    now = utcnow()
    report = deliver_due(now=now)
    (delivery,) = _deliveries()
    assert report.retrying == [delivery.id]
    assert delivery.status == ReminderStatus.PENDING and delivery.attempts == 1
    assert "could not be reached" in delivery.last_error
    assert delivery.due_at >= now + BACKOFF[0]
    assert deliver_due(now=now + timedelta(seconds=30)).sent == [], "not before the backoff"
    up = Receiver(port=down.server.server_port)  # back where it was
    try:
        assert deliver_due(now=now + BACKOFF[0] + timedelta(seconds=1)).sent == [delivery.id]
        assert deliver_due(now=now + timedelta(days=1)).sent == []
        assert len(up.received) == 1
    finally:
        up.stop()


def test_a_refusing_receiver_fails_visibly_and_an_admin_retries_it(
    local_hooks, client, demo, priya_card
) -> None:
    refusing = Receiver(status=500)
    try:
        endpoint = _receiver_for(demo, refusing.url, WebhookEvent.SCORECARD_SUBMITTED)
        submit(priya_card)
        now = utcnow()
        for attempt in range(MAX_ATTEMPTS):
            deliver_due(now=now + timedelta(days=attempt))
        (delivery,) = _deliveries()
        assert delivery.status == ReminderStatus.FAILED and delivery.attempts == MAX_ATTEMPTS
        assert delivery.last_error == "answered 500: not today"
        assert len(refusing.received) == MAX_ATTEMPTS

        sign_in(client, "admin@example.com")
        page = client.get(f"/admin/webhooks/{endpoint.id}").get_data(as_text=True)
        assert "Failed" in page and "answered 500: not today" in page
        assert endpoint.secret in page
        response = client.post(
            f"/admin/webhooks/deliveries/{delivery.id}/retry", data={"csrf_token": csrf_from(page)}
        )
        assert response.status_code == 302
        refusing.status = 200
        assert deliver_due().sent == [delivery.id]
        db.session.refresh(delivery)
        assert delivery.status == ReminderStatus.SENT and delivery.response_status == 200
    finally:
        refusing.stop()


def test_a_paused_receiver_gets_nothing_and_redirects_are_not_followed(
    local_hooks, demo, receiver, priya_card, tomas_card
) -> None:
    paused = _receiver_for(demo, receiver.url)
    paused.active = False
    db.session.commit()
    submit(priya_card)
    assert deliver_due().sent == [] and receiver.received == []
    assert db.session.execute(select(func.count(WebhookDelivery.id))).scalar_one() == 0

    redirecting = Receiver(status=302)
    try:
        _receiver_for(demo, redirecting.url, WebhookEvent.SCORECARD_SUBMITTED)
        submit(tomas_card)
        deliver_due()
        (delivery,) = _deliveries()
        assert "does not follow redirects" in delivery.last_error
    finally:
        redirecting.stop()


def test_only_public_https_receivers_are_accepted(app, client, demo) -> None:
    for url, words in (
        ("http://hooks.example.com/x", "https://"),
        ("file:///etc/passwd", "https://"),
        ("https://127.0.0.1/hooks", "this machine or a private network"),
        ("https://10.1.2.3/hooks", "this machine or a private network"),
    ):
        try:
            add_endpoint(demo.users["admin"], url, [WebhookEvent.LOOP_CONFIRMED])
        except EndpointError as error:
            assert words in str(error), url
        else:
            raise AssertionError(f"{url} was accepted")
    sign_in(client, "admin@example.com")
    page = client.get("/admin/webhooks").get_data(as_text=True)
    response = client.post(
        "/admin/webhooks",
        data={
            "csrf_token": csrf_from(page),
            "url": "https://127.0.0.1/x",
            "events": ["loop.confirmed"],
        },
    )
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "private network" in text and 'value="https://127.0.0.1/x"' in text

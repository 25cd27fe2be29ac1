"""Registering receivers: an admin gives a URL and the events it wants; it gets a secret to
check signatures with.

A receiver's URL is fetched by the server, so it must be https and resolve to a public
address: no file://, no redirects followed, nothing on this machine or the private network
(WEBHOOK_ALLOW_LOCAL lifts that for development and tests)."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..models import User, WebhookEndpoint, WebhookEvent, record_audit
from .signing import new_secret


class EndpointError(ValueError):
    """A receiver that cannot be used; the message says what to change."""


def check_url(url: str) -> None:
    """Raise EndpointError unless Loopkit may send to `url` now."""
    allow_local = bool(current_app.config.get("WEBHOOK_ALLOW_LOCAL"))
    parts = urlsplit(url)
    schemes = ("https", "http") if allow_local else ("https",)
    if parts.scheme not in schemes or not parts.hostname:
        raise EndpointError("Give a full https:// address for the receiver.")
    if allow_local:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as error:
        raise EndpointError(f"{parts.hostname} cannot be found: {error}") from error
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise EndpointError(
                f"{parts.hostname} is on this machine or a private network ({address}): "
                "Loopkit sends webhooks to public addresses only."
            )


def add_endpoint(
    actor: User, url: str, events: list[WebhookEvent], description: str = ""
) -> WebhookEndpoint:
    """Flushes; the caller commits."""
    check_url(url)
    endpoint = WebhookEndpoint(
        url=url,
        description=description.strip(),
        events=sorted(e.value for e in events),
        secret=new_secret(),
        created_by_id=actor.id,
    )
    db.session.add(endpoint)
    db.session.flush()
    record_audit(actor, "webhook.added", endpoint, events=endpoint.events)
    return endpoint


def set_active(actor: User, endpoint: WebhookEndpoint, active: bool) -> None:
    if endpoint.active != active:
        endpoint.active = active
        db.session.flush()
        if active:
            record_audit(actor, "webhook.resumed", endpoint)
        else:
            record_audit(actor, "webhook.paused", endpoint)


def list_endpoints() -> list[WebhookEndpoint]:
    return list(db.session.execute(select(WebhookEndpoint).order_by(WebhookEndpoint.id)).scalars())

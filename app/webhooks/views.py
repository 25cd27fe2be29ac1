"""The admin's webhook pages: register a receiver, see its deliveries, retry a failed one."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from ..auth.permissions import require
from ..extensions import db
from ..models import ReminderStatus, WebhookDelivery, WebhookEndpoint
from ..web.input import MAX_ROW_ID, form_status
from .delivery import retry_now
from .endpoints import EndpointError, add_endpoint, list_endpoints, set_active
from .forms import WebhookForm

bp = Blueprint("webhooks", __name__, url_prefix="/admin/webhooks")
SHOWN_DELIVERIES = 50


def _get_or_404(model, row_id: int):
    row = db.session.get(model, row_id) if row_id <= MAX_ROW_ID else None
    if row is None:
        abort(404)
    return row


@bp.route("", methods=["GET", "POST"])
@login_required
def index():
    require("webhooks.manage")
    form = WebhookForm()
    if form.validate_on_submit():
        try:
            endpoint = add_endpoint(
                current_user, form.url.data, form.chosen_events(), form.description.data or ""
            )
        except EndpointError as error:
            db.session.rollback()
            form.url.errors.append(str(error))
        else:
            db.session.commit()
            flash("Receiver added. Give it the signing secret below.", "info")
            return redirect(url_for("webhooks.endpoint", endpoint_id=endpoint.id))
    return render_template(
        "webhooks/index.html", form=form, endpoints=list_endpoints()
    ), form_status()


@bp.get("/<int:endpoint_id>")
@login_required
def endpoint(endpoint_id: int):
    require("webhooks.manage")
    receiver = _get_or_404(WebhookEndpoint, endpoint_id)
    deliveries = db.session.execute(
        select(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == receiver.id)
        .order_by(WebhookDelivery.id.desc())
        .limit(SHOWN_DELIVERIES)
    ).scalars()
    return render_template("webhooks/endpoint.html", endpoint=receiver, deliveries=list(deliveries))


@bp.post("/<int:endpoint_id>/pause", endpoint="pause")
@login_required
def pause_view(endpoint_id: int):
    require("webhooks.manage")
    receiver = _get_or_404(WebhookEndpoint, endpoint_id)
    set_active(current_user, receiver, not receiver.active)
    db.session.commit()
    flash("Paused: nothing more is sent to it." if not receiver.active else "Resumed.", "info")
    return redirect(url_for("webhooks.endpoint", endpoint_id=receiver.id))


@bp.post("/deliveries/<int:delivery_id>/retry", endpoint="retry")
@login_required
def retry_view(delivery_id: int):
    require("webhooks.manage")
    delivery = _get_or_404(WebhookDelivery, delivery_id)
    if delivery.status != ReminderStatus.FAILED:
        flash("Only a failed delivery can be retried; this one is on its way.", "info")
    else:
        retry_now(current_user, delivery)
        db.session.commit()
        flash("It goes again within seconds.", "info")
    return redirect(url_for("webhooks.endpoint", endpoint_id=delivery.endpoint_id))

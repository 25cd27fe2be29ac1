"""Downloading packets: served from the cache, never rendered here.

A download recomputes the packet's key from the current state (a read, no rendering) and looks
for the file. Found: the PDF with an ETag (304 on revalidation), audited. Not found: a 202 page
that keeps asking (static/js/packet-wait.js) while the renderer (the scheduler process) prepares it.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from ..auth.permissions import can, require
from ..debriefs.summary import load_loop
from ..extensions import db
from ..models import CandidateStatus, Loop, LoopStatus, Opening, record_audit
from ..storage.database import will_write
from . import outbox, store
from .content import competency_names, packet_data, packet_key, variant_for

bp = Blueprint("packets", __name__)

CACHE_CONTROL = "private, no-cache"


@dataclass(frozen=True)
class _Ref:
    """What record_audit reads of a row (its table and id), kept across the rollback that ends
    the read transaction, so writing the audit row does not reload the loop and the user."""

    __tablename__: str
    id: int


def _refs(loop: Loop) -> tuple[_Ref, _Ref]:
    return _Ref("users", current_user.id), _Ref(Loop.__tablename__, loop.id)


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "-", ascii_text).strip("-").lower() or "candidate"


def _filename(loop: Loop) -> str:
    return f"debrief-packet-{_slug(loop.candidate.name)}-loop-{loop.id}.pdf"


def _preparing(loops: list[Loop], *, zip_of: Opening | None = None) -> Response:
    """Ask for what is missing (in its own short write transaction) and say it is coming."""
    context = {
        "loops": [{"id": loop.id, "candidate": loop.candidate.name} for loop in loops],
        "opening": zip_of.title if zip_of is not None else None,
        "back_loop_id": loops[0].id if loops and zip_of is None else None,
    }
    ids = [loop.id for loop in loops]
    db.session.rollback()  # end the read transaction; the next one writes
    will_write()
    for loop_id in ids:
        outbox.ensure_requested(loop_id)
    db.session.commit()
    response = Response(render_template("packets/preparing.html", **context), status=202)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Retry-After"] = "3"
    return response


def _failed(loop: Loop, failed: outbox.Failure) -> tuple[str, int]:
    """Given up: say why and what can be done; never ask for it again on the reader's behalf."""
    page = render_template(
        "packets/failed.html",
        hiring_loop=loop,
        failure=failed,
        may_retry=can(current_user, "debrief.decide", loop),
    )
    db.session.rollback()
    return page, 503


@bp.post("/loops/<int:loop_id>/packet/retry")
@login_required
def retry(loop_id: int):
    """The hiring manager or an admin asks for a given-up packet again (audited)."""
    loop = db.session.get(Loop, loop_id) or abort(404)
    require("debrief.decide", loop)
    if loop.candidate.status == CandidateStatus.ERASED:
        abort(410)
    if outbox.pending(loop.id):
        flash("The packet is already being prepared.", "info")
    else:
        outbox.retry(loop.id)
        record_audit(current_user, "packet.retried", loop)
        db.session.commit()
        flash("The packet is being prepared again.", "info")
    return redirect(url_for("debriefs.debrief", loop_id=loop.id))


@bp.get("/loops/<int:loop_id>/packet.pdf")
@login_required
def download(loop_id: int):
    loop = load_loop(loop_id)
    if loop is None:
        abort(404)
    require("debrief.view", loop)
    if loop.candidate.status == CandidateStatus.ERASED:
        return render_template("packets/erased.html", loop_id=loop.id), 410
    variant = variant_for(current_user, loop)
    key = packet_key(packet_data(loop, variant, competency_names()))
    pdf = store.read(loop.candidate_id, key)
    if pdf is None:
        failed = outbox.failure(loop.id)
        if failed is not None:
            return _failed(loop, failed)
        return _preparing([loop])
    if key in request.if_none_match:
        db.session.rollback()
        response = Response(status=304)
    else:
        filename = _filename(loop)
        user, target = _refs(loop)
        db.session.rollback()  # end the read transaction; the audit row starts a writing one
        will_write()
        record_audit(user, "packet.downloaded", target, key=key, variant=variant)
        db.session.commit()
        response = Response(pdf, mimetype="application/pdf")
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.set_etag(key)
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response


@bp.get("/openings/<int:opening_id>/packets.zip")
@login_required
def opening_zip(opening_id: int):
    opening = db.session.get(Opening, opening_id) or abort(404)
    require("debrief.decide", opening)
    loop_ids = db.session.execute(
        select(Loop.id)
        .where(Loop.opening_id == opening.id, Loop.status != LoopStatus.CANCELLED)
        .order_by(Loop.id)
    ).scalars()
    names = competency_names()
    ready: list[tuple[Loop, str, str, bytes]] = []
    missing: list[Loop] = []
    failed: list[tuple[Loop, outbox.Failure]] = []
    for loop_id in list(loop_ids):
        loop = load_loop(loop_id)
        if loop is None or not can(current_user, "debrief.view", loop):
            continue
        if loop.candidate.status == CandidateStatus.ERASED:
            continue  # erased with their packets: nothing to include, nothing to prepare
        variant = variant_for(current_user, loop)
        key = packet_key(packet_data(loop, variant, names))
        pdf = store.read(loop.candidate_id, key)
        given_up = outbox.failure(loop.id) if pdf is None else None
        if given_up is not None:
            failed.append((loop, given_up))
        elif pdf is None:
            missing.append(loop)
        else:
            ready.append((loop, variant, key, pdf))
    if missing and not ready:
        return _preparing(missing, zip_of=opening)
    if failed and not ready:
        return _failed(*failed[0])

    archive = io.BytesIO()
    lines = [f"Debrief packets for {opening.title}", ""]
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_STORED) as bundle:
        for loop, _variant, _key, pdf in ready:
            bundle.writestr(_filename(loop), pdf)
            lines.append(f"included: {loop.candidate.name} (loop {loop.id})")
        for loop in missing:
            lines.append(
                f"still being prepared: {loop.candidate.name} (loop {loop.id}); "
                "download the zip again in a minute"
            )
        for loop, given_up in failed:
            lines.append(
                f"could not be prepared: {loop.candidate.name} (loop {loop.id}): "
                f"{given_up.reason} Open the loop's packet link to see what can be done."
            )
        bundle.writestr("README.txt", "\n".join(lines) + "\n")
    audits = [(_refs(loop), variant, key) for loop, variant, key, _ in ready]
    missing_ids = [loop.id for loop in missing]
    title = _slug(opening.title)
    db.session.rollback()
    will_write()
    for (user, target), variant, key in audits:
        record_audit(user, "packet.downloaded", target, key=key, variant=variant, via="opening_zip")
    for loop_id in missing_ids:
        outbox.ensure_requested(loop_id)
    db.session.commit()
    response = Response(archive.getvalue(), mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="packets-{title}.zip"'
    return response

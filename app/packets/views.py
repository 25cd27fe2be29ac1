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
from dataclasses import dataclass, field

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..auth.permissions import can, debriefs_viewable, require
from ..debriefs.summary import load_loop
from ..extensions import db
from ..loops.queries import load_opening_loops
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


def filename_slug(text: str, fallback: str = "candidate") -> str:
    """`text` as ASCII words joined by hyphens, for a download's file name."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "-", ascii_text).strip("-").lower() or fallback


def _filename(loop: Loop) -> str:
    return f"debrief-packet-{filename_slug(loop.candidate.name)}-loop-{loop.id}.pdf"


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


@dataclass
class OpeningPackets:
    """Where each loop of an opening stands for the opening-wide zip, as the viewer may see it."""

    ready: list[tuple[Loop, str, str]] = field(default_factory=list)  # (loop, variant, key)
    preparing: list[Loop] = field(default_factory=list)
    failed: list[tuple[Loop, outbox.Failure]] = field(default_factory=list)
    left_out: list[tuple[Loop, str]] = field(default_factory=list)  # (loop, why)


def opening_packets(opening: Opening) -> OpeningPackets:
    """Classify the opening's loops in a fixed number of queries however many loops it has
    (the loops with everything a packet shows, the names, the given-up renders, who may read
    which)."""
    result = OpeningPackets()
    names = competency_names()
    loops = load_opening_loops(opening.id)
    given_up = outbox.failures([loop.id for loop in loops])
    viewable = debriefs_viewable(current_user, loops)
    for loop in loops:
        if loop.candidate.status == CandidateStatus.ERASED:
            continue  # erased with their packets: not even named
        if loop.status == LoopStatus.CANCELLED:
            result.left_out.append((loop, "the loop was cancelled"))
        elif loop.id not in viewable:
            result.left_out.append((loop, "you may not read this loop's debrief"))
        else:
            variant = variant_for(current_user, loop)
            key = packet_key(packet_data(loop, variant, names))
            if store.exists(loop.candidate_id, key):
                result.ready.append((loop, variant, key))
            elif loop.id in given_up:
                result.failed.append((loop, given_up[loop.id]))
            else:
                result.preparing.append(loop)
    return result


def _readme(opening: Opening, packets: OpeningPackets) -> str:
    lines = [f"Debrief packets for {opening.title}", ""]
    lines += [f"included: {loop.candidate.name} (loop {loop.id})" for loop, _, _ in packets.ready]
    lines += [
        f"left out, still being prepared: {loop.candidate.name} (loop {loop.id}); "
        "download the zip again in a minute"
        for loop in packets.preparing
    ]
    lines += [
        f"left out, could not be prepared: {loop.candidate.name} (loop {loop.id}): "
        f"{failure.reason} Open the loop's packet link to see what can be done."
        for loop, failure in packets.failed
    ]
    lines += [f"left out: loop {loop.id}: {why}" for loop, why in packets.left_out]
    return "\n".join(lines) + "\n"


@bp.get("/openings/<int:opening_id>/packets")
@login_required
def opening_page(opening_id: int):
    """What the opening's zip holds and leaves out, and why, before downloading it."""
    opening = db.session.get(Opening, opening_id) or abort(404)
    require("debrief.decide", opening)
    page = render_template(
        "packets/opening.html", opening=opening, packets=opening_packets(opening)
    )
    db.session.rollback()
    return page


@bp.get("/openings/<int:opening_id>/packets.zip")
@login_required
def opening_zip(opening_id: int):
    opening = db.session.get(Opening, opening_id) or abort(404)
    require("debrief.decide", opening)
    packets = opening_packets(opening)
    ready = []
    for loop, variant, key in packets.ready:
        pdf = store.read(loop.candidate_id, key)
        if pdf is None:  # pruned since we looked: a newer one is on its way
            packets.preparing.append(loop)
        else:
            ready.append((loop, variant, key, pdf))
    if packets.preparing and not ready:
        return _preparing(packets.preparing, zip_of=opening)
    if packets.failed and not ready:
        return _failed(*packets.failed[0])

    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_STORED) as bundle:
        for loop, _variant, _key, pdf in ready:
            bundle.writestr(_filename(loop), pdf)
        bundle.writestr("README.txt", _readme(opening, packets))
    audits = [(_refs(loop), variant, key) for loop, variant, key, _ in ready]
    missing_ids = [loop.id for loop in packets.preparing]
    title = filename_slug(opening.title)
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

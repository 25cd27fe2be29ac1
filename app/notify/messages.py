"""Turn an outbox row into a multipart mail: plain text and HTML, times in the recipient's
zone, absolute links from LOOPKIT_BASE_URL, an .ics attached to invitations. Mail carries
links only, never scorecard content."""

from __future__ import annotations

from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formatdate
from urllib.parse import urlsplit

from flask import render_template

from ..models import Reminder
from ..web.timefmt import local_time

SUBJECTS = {
    "session_invite": "Interview: {candidate} on {when}",
    "session_update": "Changed: interview with {candidate}, now {when}",
    "session_cancel": "Cancelled: interview with {candidate} on {when}",
    "debrief_invite": "Debrief: {candidate} on {when}",
    "debrief_update": "Changed: debrief for {candidate}, now {when}",
    "debrief_cancel": "Cancelled: debrief for {candidate}",
    "scorecard_due": "Your scorecard for {candidate} is due",
    "scorecard_nag": "Debrief for {candidate} at {when}: your scorecard is still a draft",
    "ready_for_debrief": "All scorecards for {candidate} are in{again}",
    "scorecards_missing": "Debrief for {candidate} at {when}: scorecards still missing",
    "debrief_soon": "Debrief for {candidate} starts at {when}",
    "decision_made": "Decision made for {candidate}",
    "scorecard_chase": "Your scorecard for {candidate} is awaited",
    "scorecard_followup": "Reminder: your scorecard for {candidate} is still a draft",
    "scorecard_overdue": "{interviewer}'s scorecard for {candidate} is a day late",
    "account_under_attack": "Failed sign-ins against {account}",
}


def message_id(reminder: Reminder, base_url: str) -> str:
    host = urlsplit(base_url).hostname or "loopkit.invalid"
    return f"<{reminder.dedupe_key}@{host}>"


def _when(reminder: Reminder):
    """The moment the mail is about, for the subject line."""
    loop = reminder.loop
    if reminder.kind.startswith("session_") and reminder.session is not None:
        return reminder.session.starts_at
    if loop is not None and loop.debrief is not None:
        return loop.debrief.starts_at
    return reminder.due_at


def _again(payload: dict) -> str:
    """The subject's tail for "all in" once more, after the panel grew."""
    names = payload.get("newly_in")
    if not names:
        return ""
    return f" again, now with {' and '.join(names)}"


def build_message(reminder: Reminder, config) -> Message:
    recipient = reminder.recipient
    tz_name = recipient.time_zone if recipient else "UTC"
    base_url = config["BASE_URL"]
    loop = reminder.loop
    candidate = loop.candidate.name if loop else ""
    when = local_time(_when(reminder), "%a %d %b %H:%M", tz=tz_name) + f" ({tz_name})"
    context = {
        "reminder": reminder,
        "recipient": recipient,
        "loop": loop,
        "session": reminder.session,
        "debrief": loop.debrief if loop else None,
        "candidate": candidate,
        "tz": tz_name,
        "base_url": base_url,
        "payload": reminder.payload or {},
    }
    # The classic MIME classes: the header registry of email.policy.default costs several
    # milliseconds per mail, which a burst of ten thousand reminders notices.
    body = MIMEMultipart("alternative")
    body.attach(MIMEText(render_template(f"mail/{reminder.kind}.txt", **context), "plain", "utf-8"))
    body.attach(MIMEText(render_template(f"mail/{reminder.kind}.html", **context), "html", "utf-8"))
    ics = (reminder.payload or {}).get("ics")
    if ics:
        message: Message = MIMEMultipart("mixed")
        message.attach(body)
        method = "CANCEL" if reminder.kind.endswith("_cancel") else "REQUEST"
        invite = MIMEText(ics, "calendar", "utf-8")
        invite.set_param("method", method)
        invite.add_header("Content-Disposition", "attachment", filename="invite.ics")
        message.attach(invite)
    else:
        message = body
    message["Subject"] = Header(
        SUBJECTS[reminder.kind].format(
            candidate=candidate,
            when=when,
            account=context["payload"].get("account", ""),
            again=_again(context["payload"]),
            interviewer=context["payload"].get("interviewer", ""),
        ),
        "utf-8",
    )
    message["From"] = config["MAIL_FROM"]
    message["To"] = reminder.recipient_email
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = message_id(reminder, base_url)
    message["Auto-Submitted"] = "auto-generated"
    return message

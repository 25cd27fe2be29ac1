"""RFC 5545 invitations (icalendar): stable UID, SEQUENCE raised on each change,
METHOD:REQUEST for invites and updates, METHOD:CANCEL for cancellations."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, tzinfo
from email.utils import parseaddr
from urllib.parse import urlsplit

from icalendar import Calendar, Event, vCalAddress, vText

from ..models import Debrief, InterviewSession, User
from ..storage.types import utcnow
from ..web.timefmt import zone

PRODID = "-//Loopkit//Hiring loops//EN"


def unambiguous(moment: datetime, local: tzinfo) -> datetime:
    """`moment` in `local`, unless that local time happens twice (the repeated hour of a
    fall-back night): then in UTC (DTSTART:...Z). RFC 5545 reads such a TZID time as its first
    occurrence and some clients as the second; a UTC time has one reading everywhere."""
    here = moment.astimezone(local)
    other = here.replace(fold=1 - here.fold)
    if other.utcoffset() != here.utcoffset():
        return moment.astimezone(UTC)
    return here


def _host(base_url: str) -> str:
    return urlsplit(base_url).hostname or "loopkit.invalid"


def _address(user: User, role: str = "REQ-PARTICIPANT") -> vCalAddress:
    address = vCalAddress(f"mailto:{user.email}")
    address.params["CN"] = vText(user.name)
    address.params["ROLE"] = vText(role)
    address.params["PARTSTAT"] = vText("NEEDS-ACTION")
    address.params["RSVP"] = vText("TRUE")
    return address


def _calendar(
    *,
    uid: str,
    sequence: int,
    method: str,
    summary: str,
    description: str,
    starts_at: datetime,
    ends_at: datetime,
    tz_name: str,
    organizer: str,
    attendees: Iterable[User],
    location: str = "",
    url: str = "",
) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = Event()
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add("dtstamp", utcnow())
    # Times carry the recipient's zone with its VTIMEZONE, so calendars show them correctly
    # across daylight-saving changes; a time that happens twice there is written in UTC.
    local = zone(tz_name)
    event.add("dtstart", unambiguous(starts_at, local))
    event.add("dtend", unambiguous(ends_at, local))
    event.add("summary", summary)
    event.add("description", description)
    if location:
        event.add("location", location)
    if url:
        event.add("url", url)
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    name, address = parseaddr(organizer)
    organizer_address = vCalAddress(f"mailto:{address}")
    if name:
        organizer_address.params["CN"] = vText(name)
    event.add("organizer", organizer_address)
    for attendee in attendees:
        event.add("attendee", _address(attendee), encode=0)
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def session_invite(
    session: InterviewSession, method: str, base_url: str, organizer: str, tz_name: str
) -> bytes:
    candidate = session.loop.candidate
    link = f"{base_url}/interviews/{session.id}"
    return _calendar(
        uid=f"session-{session.id}@{_host(base_url)}",
        sequence=session.invite_sequence,
        method=method,
        summary=f"Interview: {candidate.name} ({session.loop.opening.title})",
        description=(
            f"{session.script.title} with {candidate.name}.\n"
            f"Open the interview form during the call: {link}"
        ),
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        tz_name=tz_name,
        organizer=organizer,
        attendees=session.people,
        location=session.meeting_url,
        url=link,
    )


def debrief_invite(
    debrief: Debrief,
    attendees: list[User],
    method: str,
    base_url: str,
    organizer: str,
    tz_name: str,
) -> bytes:
    loop = debrief.loop
    link = f"{base_url}/loops/{loop.id}"
    return _calendar(
        uid=f"debrief-{debrief.id}@{_host(base_url)}",
        sequence=debrief.invite_sequence,
        method=method,
        summary=f"Debrief: {loop.candidate.name} ({loop.opening.title})",
        description=(
            "Decide hire or no hire on the evidence the panel has.\n"
            f"Submit your scorecard before it starts. Loop: {link}"
        ),
        starts_at=debrief.starts_at,
        ends_at=debrief.ends_at,
        tz_name=tz_name,
        organizer=organizer,
        attendees=attendees,
        url=link,
    )

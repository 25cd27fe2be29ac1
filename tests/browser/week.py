"""What the week journeys share: a signed-in Chromium page per person, axe-core on every page a
journey touches, the dispatcher's runs, and the Maildir read back as people would read it,
calendar invites parsed."""

from __future__ import annotations

import email
import email.policy
import mailbox
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

import icalendar
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from app.extensions import db
from app.notify.dispatcher import dispatch_due
from app.storage.types import utcnow

from .test_accessibility import AXE, format_violations, run_axe
from .test_interview_journey import sign_in


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str
    calendar: icalendar.Calendar | None

    @property
    def event(self) -> icalendar.Event:
        assert self.calendar is not None, f"{self.subject!r} has no invite"
        (event,) = self.calendar.walk("VEVENT")
        return event

    @property
    def method(self) -> str:
        assert self.calendar is not None, f"{self.subject!r} has no invite"
        return str(self.calendar["METHOD"])


def _read(raw: bytes) -> Mail:
    message: EmailMessage = email.message_from_bytes(raw, policy=email.policy.default)
    parts = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    calendar = icalendar.Calendar.from_ical(parts[0].get_content()) if parts else None
    text = message.get_body(preferencelist=("plain",)).get_content()
    return Mail(str(message["To"]), str(message["Subject"]), text, calendar)


@dataclass
class Week:
    """One journey's people, pages and mail. `new_mail()` returns what arrived since it was
    last called, so each step checks exactly the mail it caused."""

    app: Flask
    browser: Browser
    base: str
    seen: set[str] = field(default_factory=set)
    contexts: list = field(default_factory=list)
    thrown: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.new_mail()  # the Maildir is the worker's: earlier tests' mail is not this week's

    def page_for(self, email_address: str, width: int = 1100) -> Page:
        # axe is injected as a script tag, which the app's CSP would (rightly) block.
        context = self.browser.new_context(
            viewport={"width": width, "height": 800}, bypass_csp=True
        )
        context.on("weberror", lambda error: self.thrown.append(str(error.error)))
        self.contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        sign_in(page, self.base, email_address)
        return page

    def axe(self, page: Page, where: str) -> None:
        """Zero WCAG A/AA violations on the page as it stands (folds opened)."""
        page.add_script_tag(path=str(AXE))
        # run_axe opens every fold; close again the ones it opened, as the person left them.
        page.evaluate("window.__folded = [...document.querySelectorAll('details:not([open])')]")
        violations = run_axe(page)
        page.evaluate("window.__folded.forEach(d => { d.open = false; })")
        assert violations == [], format_violations(where, violations)

    def dispatch(self, moment: datetime | None = None) -> None:
        """A run of the dispatcher: everything due by `moment` (default now) goes out."""
        db.session.commit()
        report = dispatch_due(moment or utcnow())
        assert report.failed == [] and report.retrying == [], report

    def new_mail(self) -> list[Mail]:
        box = mailbox.Maildir(Path(self.app.config["MAILDIR"]), create=True)
        fresh = []
        for key in sorted(box.keys()):
            if key in self.seen:
                continue
            self.seen.add(key)
            fresh.append(_read(box.get_bytes(key)))
        return fresh

    def close(self) -> None:
        for context in self.contexts:
            context.close()
        assert self.thrown == [], f"a page threw: {self.thrown}"


def to(mails: list[Mail], address: str) -> list[str]:
    """The subjects one person received, in order."""
    return [m.subject for m in mails if address in m.to]


def expect_flash(page: Page, text: str) -> None:
    expect(page.locator(".flash").filter(has_text=text)).to_be_visible()


def subjects_once(mails: list[Mail]) -> None:
    """Nobody receives the same mail twice."""
    pairs = [(m.to, m.subject) for m in mails]
    assert len(pairs) == len(set(pairs)), pairs

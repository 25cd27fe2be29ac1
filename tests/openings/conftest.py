"""Helpers for the opening and candidate tests: read back a form page as the user would see it."""

from __future__ import annotations

from collections import defaultdict
from html.parser import HTMLParser

import pytest
from flask.testing import FlaskClient

from app.extensions import db
from app.models import Candidate, Opening

from ..conftest import csrf_from


class FormPage(HTMLParser):
    """What a rendered form shows: each field's values (text typed, options selected, boxes
    ticked), the messages under each field, and the error summary's links."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.values: dict[str, list[str]] = defaultdict(list)
        self.errors: dict[str, list[str]] = defaultdict(list)
        self.summary: list[tuple[str, str]] = []
        self._select = self._textarea = self._error_for = None
        self._in_summary = self._summary_link = False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "input" and "name" in a:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.values[a["name"]].append(a.get("value", "on"))
            elif kind not in ("submit", "button"):
                self.values[a["name"]].append(a.get("value", ""))
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            self.values[self._select].append(a.get("value", ""))
        elif tag == "textarea":
            self._textarea = a.get("name")
            self.values[self._textarea].append("")
        elif tag == "p" and "error-message" in classes:
            self._error_for = a["id"].rsplit("-error-", 1)[0]
            self.errors[self._error_for].append("")
        elif tag == "div" and "error-summary" in classes:
            self._in_summary = True
        elif tag == "a" and self._in_summary:
            self.summary.append((a.get("href", ""), ""))
            self._summary_link = True

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "p":
            self._error_for = None
        elif tag == "div":
            self._in_summary = False
        elif tag == "a":
            self._summary_link = False

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea][-1] += data
        if self._error_for:
            self.errors[self._error_for][-1] += data
        if self._summary_link:
            href, text = self.summary[-1]
            self.summary[-1] = (href, text + data)

    def value(self, name: str) -> list[str]:
        values = self.values.get(name, [])
        # A textarea's first newline belongs to the markup, not the text.
        return [v[2:] if v.startswith("\r\n") else v.removeprefix("\n") for v in values]


def post_form(client: FlaskClient, url: str, data: dict) -> tuple:
    """Load the form (for its CSRF token), post `data`; the response and the page it shows.

    Ends the test's own transaction first: an open one would hold SQLite's write lock against
    the request, and its snapshot would hide what the request wrote."""
    db.session.commit()
    token = csrf_from(client.get(url).get_data(as_text=True))
    response = client.post(url, data={**data, "csrf_token": token})
    return response, FormPage(response.get_data(as_text=True))


def assert_refused(response, page: FormPage, field: str, message: str, kept: dict) -> None:
    """A 400 with `message` under `field` and in the summary (linked to it), nothing else wrong,
    and every value in `kept` shown as it was typed."""
    assert response.status_code == 400, response.get_data(as_text=True)
    assert dict(page.errors) == {field: [message]}
    assert len(page.summary) == 1
    href, text = page.summary[0]
    assert href == f"#{field}"
    assert text.endswith(f": {message}")
    for name, typed in kept.items():
        expected = typed if isinstance(typed, list) else [typed]
        assert page.value(name) == expected, name


@pytest.fixture
def add_candidates(demo):
    """Add candidates to an opening (the demo's by default), committed."""

    def _add(names, opening: Opening | None = None, **fields) -> list[Candidate]:
        opening = opening or demo.opening
        made = []
        for n, name in enumerate(names):
            email = fields.get("email") or f"candidate{opening.id}.{n}.{len(name)}@example.org"
            made.append(Candidate(opening=opening, name=name, email=email, time_zone="UTC"))
        db.session.add_all(made)
        db.session.commit()
        return made

    return _add

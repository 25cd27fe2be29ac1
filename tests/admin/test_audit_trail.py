"""The audit trail page: newest first, in plain words, filterable, in constant SQL."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from app.admin.audit import ACTIONS, KINDS
from app.extensions import db
from app.models import AuditEvent, record_audit

from ..conftest import csrf_from

APP_DIR = Path(__file__).resolve().parents[2] / "app"


def table_rows(page: str) -> list[str]:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in page else ""
    rows = body.split("</tr>")[:-1]
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", row)).split()) for row in rows]


def at(minutes_ago: int) -> datetime:
    return datetime.now(UTC) - timedelta(minutes=minutes_ago)


def record(actor, action, obj, minutes_ago, **details) -> None:
    record_audit(actor, action, obj, **details).at = at(minutes_ago)


def test_events_read_newest_first_in_plain_words_with_links(demo, sign_in_as) -> None:
    loop = demo.opening.candidates[0].loops[0]
    card = loop.sessions[0].scorecard
    maya, ada, kwame = demo.users["manager"], demo.users["admin"], demo.users["kwame"]
    record(maya, "packet.downloaded", loop, 30, key="k", variant="full")
    record(demo.users["priya"], "scorecard.submitted", card, 20, version=3)
    record(ada, "user.role_changed", kwame, 10, old="interviewer", new="coordinator")
    db.session.commit()
    page = sign_in_as("admin@example.com").get("/admin/audit").get_data(as_text=True)
    rows = table_rows(page)
    assert len(rows) == 3
    assert "Ada Admin changed a role Kwame Mensah from Interviewer to Coordinator" in rows[0]
    assert "Priya Raman submitted a scorecard Priya Raman's scorecard on Lena Fischer" in rows[1]
    assert "Maya Okafor downloaded the debrief packet Lena Fischer's loop full packet" in rows[2]
    assert f'href="/admin/users/{kwame.id}"' in page
    assert f'href="/scorecards/{card.id}"' in page
    assert f'href="/loops/{loop.id}"' in page


def test_filter_by_kind_of_action(demo, sign_in_as) -> None:
    loop = demo.opening.candidates[0].loops[0]
    ada, kwame = demo.users["admin"], demo.users["kwame"]
    record(demo.users["manager"], "packet.downloaded", loop, 30, key="k", variant="full")
    record(ada, "user.role_changed", kwame, 10, old="interviewer", new="coordinator")
    db.session.commit()
    client = sign_in_as("admin@example.com")
    roles = table_rows(client.get("/admin/audit?kind=roles").get_data(as_text=True))
    assert len(roles) == 1 and "changed a role" in roles[0]
    packets = table_rows(client.get("/admin/audit?kind=packets").get_data(as_text=True))
    assert len(packets) == 1 and "downloaded the debrief packet" in packets[0]


def test_filter_by_actor(demo, sign_in_as) -> None:
    loop = demo.opening.candidates[0].loops[0]
    maya, ada = demo.users["manager"], demo.users["admin"]
    record(maya, "packet.downloaded", loop, 30, key="k", variant="full")
    record(ada, "loop.confirmed", loop, 20)
    db.session.commit()
    page = sign_in_as("admin@example.com").get(f"/admin/audit?actor={maya.id}")
    rows = table_rows(page.get_data(as_text=True))
    assert (
        len(rows) == 1
        and rows[0].startswith(rows[0].split(" Maya")[0])
        and "Maya Okafor" in rows[0]
    )
    assert f'<option value="{maya.id}" selected>' in page.get_data(as_text=True)


def test_the_trail_is_paged_and_pages_keep_the_filters(demo, sign_in_as) -> None:
    ada, kwame = demo.users["admin"], demo.users["kwame"]
    for n in range(55):
        record(ada, "user.role_changed", kwame, n, old="interviewer", new="coordinator")
    db.session.commit()
    client = sign_in_as("admin@example.com")
    first = client.get("/admin/audit?kind=roles").get_data(as_text=True)
    assert len(table_rows(first)) == 50
    assert "Page 1 of 2" in first
    assert re.search(r'rel="next" href="/admin/audit\?(?=.*page=2)(?=.*kind=roles)', first)
    second = client.get("/admin/audit?kind=roles&page=2").get_data(as_text=True)
    assert len(table_rows(second)) == 5


def _fill(demo, count: int) -> None:
    """`count` events cycling through every kind of object the page names."""
    loop = demo.opening.candidates[0].loops[0]
    objects = [
        ("packet.downloaded", loop),
        ("scorecard.submitted", loop.sessions[0].scorecard),
        ("debrief.decided", loop.debrief),
        ("user.role_changed", demo.users["kwame"]),
        ("session.moved", loop.sessions[1]),
        ("candidate.updated", demo.opening.candidates[1]),
        ("opening.updated", demo.opening),
    ]
    actors = list(demo.users.values())
    for n in range(count):
        action, obj = objects[n % len(objects)]
        record(actors[n % len(actors)], action, obj, n, note=f"event {n}")
    db.session.commit()


def test_a_page_costs_the_same_statements_for_10_or_200_events(demo, app, count_statements) -> None:
    from ..conftest import sign_in

    def statements_for_page(events: int) -> int:
        db.session.query(AuditEvent).delete()
        db.session.commit()
        _fill(demo, events)
        client = app.test_client()
        sign_in(client, "admin@example.com")
        with count_statements() as counter:
            response = client.get("/admin/audit")
        assert response.status_code == 200
        assert len(table_rows(response.get_data(as_text=True))) == min(events, 50)
        return counter.count

    assert statements_for_page(10) == statements_for_page(200)


def test_the_filters_name_actions_the_app_really_records() -> None:
    written = set()
    for path in APP_DIR.rglob("*.py"):
        written |= set(re.findall(r'record_audit\(\s*[^,()]+,\s*"([a-z_.]+)"', path.read_text()))
    assert "user.role_changed" in written and "packet.downloaded" in written
    filtered = {action for kind in KINDS.values() for action in kind.actions}
    assert filtered <= written, f"filters for actions nothing records: {filtered - written}"
    assert written <= set(ACTIONS), f"actions without plain words: {written - set(ACTIONS)}"


def test_the_filter_form_is_labelled(demo, sign_in_as) -> None:
    page = sign_in_as("admin@example.com").get("/admin/audit").get_data(as_text=True)
    assert '<label for="kind">' in page and '<label for="actor">' in page
    assert "Packet or report viewed or exported" in page and "Role changed" in page
    csrf_from(page)  # the sign-out form: the page is a normal signed-in page


def test_nonsense_filters_and_pages_show_the_first_page_of_everything(demo, sign_in_as) -> None:
    record(demo.users["admin"], "loop.confirmed", demo.opening.candidates[0].loops[0], 5)
    db.session.commit()
    client = sign_in_as("admin@example.com")
    for query in ("kind=nonsense", "actor=abc", f"actor={10**30}", f"page={10**30}", "page=-2"):
        response = client.get(f"/admin/audit?{query}")
        assert response.status_code == 200, query
        assert len(table_rows(response.get_data(as_text=True))) == 1, query
    assert client.get(f"/admin/users/{10**30}").status_code == 404


def test_details_read_as_a_person_would_in_the_viewers_zone(demo, sign_in_as) -> None:
    """No "override: None", no ISO timestamps: plain words, times in the admin's zone."""
    loop = demo.opening.candidates[0].loops[0]
    session = loop.sessions[0]
    ada = demo.users["admin"]
    ada.time_zone = "America/New_York"
    moved_to = datetime(2026, 12, 8, 15, 30, tzinfo=UTC)
    record(ada, "loop.confirmed", loop, 40, override=None)
    record(ada, "loop.confirmed", loop, 35, override="Pairing covers it next week.")
    record(ada, "session.moved", session, 30, starts_at=moved_to.isoformat())
    record(ada, "user.reset_link_issued", demo.users["kwame"], 20, expires_at=moved_to.isoformat())
    record(ada, "opening.updated", demo.opening, 10, fields=["title", "pitch_text"])
    db.session.commit()
    page = sign_in_as("admin@example.com").get("/admin/audit").get_data(as_text=True)
    rows = table_rows(page)
    assert rows[0].endswith("changed title, pitch text")
    assert rows[1].endswith("works until Tue 08 Dec 2026, 10:30 EST")
    assert rows[2].endswith("to Tue 08 Dec 2026, 10:30 EST")
    assert rows[3].endswith("with uncovered competencies, because: Pairing covers it next week.")
    assert rows[4].endswith("every focus competency covered")
    shown = " ".join(rows)
    assert "None" not in shown and "+00:00" not in shown and "2026-12-08T" not in shown
    assert " EST " in rows[0], "when it happened, in the viewer's zone, named"

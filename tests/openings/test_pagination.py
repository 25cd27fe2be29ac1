"""Lists come 20 to a page with previous/next links, in a number of statements that does not
grow with the list."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from app.demo import DemoTeam
from app.extensions import db
from app.models import Opening

from ..conftest import sign_in


def link(page: str, rel: str) -> dict | None:
    match = re.search(rf'rel="{rel}" href="([^"]+)"', page)
    if not match:
        return None
    url = urlsplit(match.group(1).replace("&amp;", "&"))
    return {"path": url.path, **{k: v[0] for k, v in parse_qs(url.query).items()}}


def cards(page: str) -> int:
    return page.count('class="card candidate-card"')


def test_candidates_come_twenty_to_a_page(demo, add_candidates, sign_in_as) -> None:
    add_candidates([f"Batch Person {n:02}" for n in range(25)])  # 27 with the demo's two
    client = sign_in_as("coordinator@example.com")
    first = client.get("/candidates/").get_data(as_text=True)
    assert cards(first) == 20
    assert "Page 1 of 2" in first
    assert link(first, "prev") is None
    assert link(first, "next") == {"path": "/candidates/", "page": "2"}
    second = client.get("/candidates/?page=2").get_data(as_text=True)
    assert cards(second) == 7
    assert link(second, "next") is None
    assert link(second, "prev") == {"path": "/candidates/", "page": "1"}
    shown = set(re.findall(r"<strong>([^<]+)</strong>", first + second))
    assert len(shown) == 27, "every candidate on exactly one page"


def test_pages_keep_the_search(demo, add_candidates, sign_in_as) -> None:
    add_candidates([f"Batch Person {n:02}" for n in range(25)])
    client = sign_in_as("coordinator@example.com")
    first = client.get("/candidates/?q=batch").get_data(as_text=True)
    assert link(first, "next") == {"path": "/candidates/", "page": "2", "q": "batch"}
    second = client.get("/candidates/?q=batch&page=2").get_data(as_text=True)
    assert cards(second) == 5
    assert "Lena Fischer" not in first + second


def test_a_page_past_the_end_says_so(demo, sign_in_as) -> None:
    client = sign_in_as("coordinator@example.com")
    response = client.get("/candidates/?page=9")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "No candidates on this page." in page
    assert link(page, "prev") == {"path": "/candidates/", "page": "1"}


@pytest.mark.parametrize("value", ["abc", "0", "-3"])
def test_a_nonsense_page_is_the_first(demo, sign_in_as, value) -> None:
    page = sign_in_as("coordinator@example.com").get(f"/candidates/?page={value}")
    assert page.status_code == 200
    assert cards(page.get_data(as_text=True)) == 2


def test_an_openings_candidates_are_paged(demo, add_candidates, sign_in_as) -> None:
    add_candidates([f"Batch Person {n:02}" for n in range(25)])
    client = sign_in_as("manager@example.com")
    first = client.get(f"/openings/{demo.opening.id}").get_data(as_text=True)
    assert cards(first) == 20
    assert link(first, "next") == {"path": f"/openings/{demo.opening.id}", "page": "2"}
    assert cards(client.get(f"/openings/{demo.opening.id}?page=2").get_data(as_text=True)) == 7


def test_openings_are_paged(demo: DemoTeam, sign_in_as) -> None:
    for n in range(24):
        db.session.add(Opening(title=f"Role {n:02}", hiring_manager=demo.users["manager"]))
    db.session.commit()
    client = sign_in_as("coordinator@example.com")
    first = client.get("/openings/").get_data(as_text=True)
    assert first.count('class="card opening-card"') == 20
    assert link(first, "next") == {"path": "/openings/", "page": "2"}
    second = client.get("/openings/?page=2").get_data(as_text=True)
    assert second.count('class="card opening-card"') == 5


# url, and the statements a page takes: the signed-in user, the count, the page (with what
# each row shows); openings add their visible candidate counts; an opening's page adds the
# opening and the library's latest rubrics and scripts.
LISTS = {
    "candidates": (lambda team: "/candidates/", 3),
    "candidates searched": (lambda team: "/candidates/?q=person", 3),
    "openings": (lambda team: "/openings/", 4),
    "an opening's candidates": (lambda team: f"/openings/{team.opening.id}", 6),
}


@pytest.mark.parametrize("who", ["coordinator@example.com", "manager@example.com"])
@pytest.mark.parametrize("which", sorted(LISTS))
def test_statements_do_not_grow_with_the_list(
    app, demo, add_candidates, count_statements, which, who
) -> None:
    """The same statements for 25 candidates as for 100: what a page shows is loaded with it."""
    url, expected = LISTS[which][0](demo), LISTS[which][1]
    client = app.test_client()
    assert sign_in(client, who).status_code == 302
    seen = {}
    for total in (25, 100):
        add_candidates([f"Person {total}-{n:03}" for n in range(total - len(seen) * 25)])
        # More openings too, each with a candidate: their hiring managers and counts are shown.
        for n in range(total // 10):
            opening = Opening(title=f"Opening {total}-{n}", hiring_manager=demo.users["manager"])
            add_candidates([f"Lead {total}-{n}"], opening=opening)
        with count_statements() as counter:
            response = client.get(url)
        assert response.status_code == 200
        seen[total] = counter.count
    assert seen == {25: expected, 100: expected}


# Found by the hostile-input pass (tests/hostile): OFFSET overflowed SQLite's integer, a 500.


@pytest.mark.parametrize("path", ["/candidates/", "/openings/"])
def test_a_page_number_past_any_list_shows_an_empty_page(demo, sign_in_as, path) -> None:
    client = sign_in_as("coordinator@example.com")
    response = client.get(f"{path}?page={'9' * 30}")
    assert response.status_code == 200
    assert cards(response.get_data(as_text=True)) == 0

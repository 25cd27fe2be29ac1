"""Search: case-insensitive with accents as typed, and the same answers on SQLite and PostgreSQL.

The whole suite runs on both databases (`make test`), so each test here checks both."""

from __future__ import annotations

import pytest

from app.demo import DemoTeam
from app.extensions import db
from app.models import Candidate, Opening
from app.openings.catalogue import list_candidates, list_openings


def names(pagination) -> set[str]:
    return {c.name for c in pagination.items}


def titles(pagination) -> set[str]:
    return {o.title for o in pagination.items}


@pytest.fixture
def people(demo: DemoTeam) -> DemoTeam:
    """Candidates whose names need more than ASCII (emails kept plain, so only names match)."""
    for name, email in [
        ("Zoë Müller", "zm@example.org"),
        ("Zoe Muller", "plain@example.org"),
        ("Jens Großmann", "jg@example.org"),
        ("ÉMILE Zola", "ez@example.org"),
        ("Ann_Lee", "al@example.org"),
        ("AnnXLee", "ax@example.org"),
        ("Percent 100%", "p1@example.org"),
        ("Percent 1000", "p2@example.org"),
        ("Back\\slash", "bs@example.org"),
    ]:
        db.session.add(Candidate(opening=demo.opening, name=name, email=email, time_zone="UTC"))
    db.session.commit()
    return demo


def coordinator(team: DemoTeam):
    return team.users["coordinator"]


@pytest.mark.parametrize(
    "query", ["zoë", "ZOË", "Zoë", "MÜLLER", "müll", "ÜLL", "zoë müller", "Müller  Zoë"]
)
def test_case_does_not_matter_and_accents_match_as_typed(people, query) -> None:
    assert names(list_candidates(coordinator(people), query)) == {"Zoë Müller"}


@pytest.mark.parametrize("query", ["muller", "MULLER", "zoe muller"])
def test_an_unaccented_query_finds_only_unaccented_names(people, query) -> None:
    assert names(list_candidates(coordinator(people), query)) == {"Zoe Muller"}


def test_a_shared_stem_finds_both_spellings(people) -> None:
    assert names(list_candidates(coordinator(people), "ller")) == {"Zoë Müller", "Zoe Muller"}


def test_composed_and_decomposed_accents_are_the_same_letter(people) -> None:
    decomposed = "Zoe\u0308"  # e + combining diaeresis, as some keyboards send it
    assert names(list_candidates(coordinator(people), decomposed)) == {"Zoë Müller"}


@pytest.mark.parametrize("query", ["großmann", "GROSSMANN", "Grossmann"])
def test_full_case_folding_beyond_ascii(people, query) -> None:
    assert names(list_candidates(coordinator(people), query)) == {"Jens Großmann"}


def test_uppercase_accented_letters_fold(people) -> None:
    # SQLite's own lower() leaves É alone; the stored search text does not.
    assert names(list_candidates(coordinator(people), "émile")) == {"ÉMILE Zola"}
    assert names(list_candidates(coordinator(people), "emile")) == set()


def test_email_is_searched_too(people) -> None:
    assert names(list_candidates(coordinator(people), "ZM@EXAMPLE")) == {"Zoë Müller"}
    assert names(list_candidates(coordinator(people), "lena.fischer@")) == {"Lena Fischer"}


def test_underscore_is_literal(people) -> None:
    assert names(list_candidates(coordinator(people), "n_l")) == {"Ann_Lee"}
    assert names(list_candidates(coordinator(people), "_")) == {"Ann_Lee"}


def test_percent_is_literal(people) -> None:
    assert names(list_candidates(coordinator(people), "100%")) == {"Percent 100%"}
    assert names(list_candidates(coordinator(people), "%")) == {"Percent 100%"}


def test_backslash_is_literal(people) -> None:
    assert names(list_candidates(coordinator(people), "k\\s")) == {"Back\\slash"}
    assert names(list_candidates(coordinator(people), "\\%")) == set()


def test_an_empty_query_lists_everyone(people) -> None:
    assert len(list_candidates(coordinator(people), "  ").items) == 11


def test_openings_are_searched_by_title(demo: DemoTeam) -> None:
    manager = demo.users["manager"]
    for title in ["Ingénieure Données", "Ingenieur Daten", "SRE_On-call 50%"]:
        db.session.add(Opening(title=title, hiring_manager=manager))
    db.session.commit()
    admin = demo.users["admin"]
    assert titles(list_openings(admin, "INGÉN")) == {"Ingénieure Données"}
    assert titles(list_openings(admin, "ingen")) == {"Ingenieur Daten"}
    assert titles(list_openings(admin, "backend senior")) == {"Senior Backend Engineer"}
    assert titles(list_openings(admin, "e_o")) == {"SRE_On-call 50%"}
    assert titles(list_openings(admin, "0%")) == {"SRE_On-call 50%"}
    assert len(list_openings(admin, "").items) == 4


def test_search_through_the_page_keeps_the_query(people, sign_in_as) -> None:
    client = sign_in_as("coordinator@example.com")
    page = client.get("/candidates/", query_string={"q": "MÜLL"}).get_data(as_text=True)
    assert "Zoë Müller" in page
    assert "Zoe Muller" not in page and "Lena Fischer" not in page
    assert 'name="q" value="MÜLL"' in page
    nothing = client.get("/candidates/", query_string={"q": "nobody"}).get_data(as_text=True)
    assert "No candidates match “nobody”." in nothing


def test_searching_an_openings_candidates(people, sign_in_as) -> None:
    client = sign_in_as("manager@example.com")
    page = client.get(f"/openings/{people.opening.id}", query_string={"q": "zoë"}).get_data(
        as_text=True
    )
    assert "Zoë Müller" in page and "Zoe Muller" not in page and "Lena Fischer" not in page


def test_openings_page_search(demo, sign_in_as) -> None:
    client = sign_in_as("coordinator@example.com")
    page = client.get("/openings/?q=BACKEND").get_data(as_text=True)
    assert "Senior Backend Engineer" in page
    assert "No openings match “frontend”." in client.get("/openings/?q=frontend").get_data(
        as_text=True
    )

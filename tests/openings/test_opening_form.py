"""Creating and editing openings: each rule says what to fix and keeps what was typed."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.demo import DemoTeam
from app.extensions import db
from app.models import AuditEvent, Opening

from ..conftest import sign_in
from .conftest import assert_refused, post_form

NEW = "/openings/new"


def typed(demo: DemoTeam, **changes) -> dict:
    """A complete, valid opening as a coordinator would type it, with `changes` applied."""
    data = {
        "title": "Staff Data Engineer",
        "hiring_manager_id": str(demo.users["manager"].id),
        "pitch_text": "We own the warehouse. Strong on tests; weaker on docs.",
        "competency_keys": ["data-modelling", "scalability"],
        "default_script_key": "staged-45",
        "default_rubric_key": "backend-engineer",
        "debrief_delay_minutes": "45",
    }
    data.update(changes)
    return data


def kept(data: dict, *but: str) -> dict:
    return {name: value for name, value in data.items() if name not in but}


def openings_count() -> int:
    return db.session.execute(select(func.count(Opening.id))).scalar_one()


@pytest.fixture
def coordinator(demo, sign_in_as):
    return sign_in_as("coordinator@example.com")


def test_a_valid_opening_is_created_and_shown(demo, coordinator) -> None:
    response, _ = post_form(coordinator, NEW, typed(demo))
    assert response.status_code == 302
    opening = db.session.execute(
        select(Opening).where(Opening.title == "Staff Data Engineer")
    ).scalar_one()
    assert response.headers["Location"] == f"/openings/{opening.id}"
    assert opening.hiring_manager_id == demo.users["manager"].id
    assert opening.competency_keys == ["data-modelling", "scalability"]
    assert (opening.default_script_key, opening.default_rubric_key) == (
        "staged-45",
        "backend-engineer",
    )
    assert opening.debrief_delay_minutes == 45
    assert opening.search_text == "staff data engineer"
    audit = db.session.execute(
        select(AuditEvent).where(AuditEvent.object_type == "openings")
    ).scalar_one()
    assert (audit.action, audit.actor_id, audit.object_id) == (
        "opening.created",
        demo.users["coordinator"].id,
        opening.id,
    )
    page = coordinator.get(response.headers["Location"]).get_data(as_text=True)
    assert "Staff Data Engineer" in page
    assert "Data modelling and storage" in page and "Scalability and performance" in page
    assert "45 minutes after the last interview" in page


def test_the_form_offers_the_library_and_the_hiring_managers(demo, coordinator) -> None:
    page = coordinator.get(NEW).get_data(as_text=True)
    assert "Maya Okafor" in page
    assert "Priya Raman" not in page, "interviewers are not hiring managers"
    for name in (
        "API and interface design",
        "Architecture and trade-offs",
        "Delivery and execution",
    ):
        assert name in page, name
    assert "45-minute staged interview" in page and "Backend engineer" in page
    assert 'value="30"' in page, "the debrief delay defaults to 30 minutes"


def test_title_is_required(demo, coordinator) -> None:
    data = typed(demo, title="   ")
    response, page = post_form(coordinator, NEW, data)
    message = "Enter the opening's title, for example Senior Backend Engineer."
    assert_refused(response, page, "title", message, kept(data, "title"))
    assert openings_count() == 1


def test_title_has_a_length_limit(demo, coordinator) -> None:
    data = typed(demo, title="Engineer " * 25)
    response, page = post_form(coordinator, NEW, data)
    assert_refused(
        response,
        page,
        "title",
        "Shorten the title to 200 characters or fewer.",
        kept(data) | {"title": data["title"].strip()},
    )


def test_hiring_manager_is_required(demo, coordinator) -> None:
    data = typed(demo, hiring_manager_id="")
    response, page = post_form(coordinator, NEW, data)
    assert_refused(
        response,
        page,
        "hiring_manager_id",
        "Choose the hiring manager who decides on this opening.",
        kept(data),
    )


def test_hiring_manager_must_hold_the_role(demo, coordinator) -> None:
    data = typed(demo, hiring_manager_id=str(demo.users["priya"].id))
    response, page = post_form(coordinator, NEW, data)
    assert_refused(
        response,
        page,
        "hiring_manager_id",
        "Choose one of the hiring managers in the list.",
        kept(data, "hiring_manager_id"),
    )


def test_pitch_has_a_length_limit(demo, coordinator) -> None:
    data = typed(demo, pitch_text="We ship. " * 600)
    response, page = post_form(coordinator, NEW, data)
    assert_refused(
        response,
        page,
        "pitch_text",
        "Shorten the pitch to 5,000 characters or fewer: it is told in about five minutes.",
        kept(data),
    )


def test_at_least_one_competency(demo, coordinator) -> None:
    data = typed(demo)
    del data["competency_keys"]
    response, page = post_form(coordinator, NEW, data)
    assert_refused(
        response,
        page,
        "competency_keys",
        "Pick at least one competency the loop must cover.",
        kept(data),
    )


def test_competencies_come_from_the_library(demo, coordinator) -> None:
    data = typed(demo, competency_keys=["api-design", "telepathy"])
    response, page = post_form(coordinator, NEW, data)
    assert_refused(
        response,
        page,
        "competency_keys",
        "'telepathy' is not in the rubric library: pick competencies from the list.",
        kept(data, "competency_keys") | {"competency_keys": ["api-design"]},
    )


def test_default_script_is_required(demo, coordinator) -> None:
    data = typed(demo, default_script_key="")
    response, page = post_form(coordinator, NEW, data)
    assert_refused(
        response,
        page,
        "default_script_key",
        "Choose the script this opening's interviews start from.",
        kept(data),
    )


def test_default_script_comes_from_the_library(demo, coordinator) -> None:
    data = typed(demo, default_script_key="backend-engineer")  # a rubric, not a script
    response, page = post_form(coordinator, NEW, data)
    assert_refused(
        response,
        page,
        "default_script_key",
        "Choose one of the scripts in the list.",
        kept(data, "default_script_key"),
    )


def test_default_rubric_is_required(demo, coordinator) -> None:
    data = typed(demo, default_rubric_key="")
    response, page = post_form(coordinator, NEW, data)
    assert_refused(
        response,
        page,
        "default_rubric_key",
        "Choose the rubric this opening's interviews are scored on.",
        kept(data),
    )


def test_default_rubric_comes_from_the_library(demo, coordinator) -> None:
    data = typed(demo, default_rubric_key="staged-45")  # a script, not a rubric
    response, page = post_form(coordinator, NEW, data)
    assert_refused(
        response,
        page,
        "default_rubric_key",
        "Choose one of the rubrics in the list.",
        kept(data, "default_rubric_key"),
    )


def test_debrief_delay_is_required(demo, coordinator) -> None:
    data = typed(demo, debrief_delay_minutes="")
    response, page = post_form(coordinator, NEW, data)
    assert_refused(
        response,
        page,
        "debrief_delay_minutes",
        "Enter how many minutes after the last interview the debrief starts, from 0 to 240.",
        kept(data),
    )


@pytest.mark.parametrize("value", ["12.5", "half an hour"])
def test_debrief_delay_is_whole_minutes(demo, coordinator, value) -> None:
    data = typed(demo, debrief_delay_minutes=value)
    response, page = post_form(coordinator, NEW, data)
    assert_refused(
        response,
        page,
        "debrief_delay_minutes",
        "Enter the delay in whole minutes, for example 30.",
        kept(data),
    )


@pytest.mark.parametrize("value", ["-1", "241", "1440"])
def test_debrief_delay_is_at_most_four_hours(demo, coordinator, value) -> None:
    data = typed(demo, debrief_delay_minutes=value)
    response, page = post_form(coordinator, NEW, data)
    assert_refused(
        response,
        page,
        "debrief_delay_minutes",
        "Enter a delay from 0 to 240 minutes: a prompt debrief keeps the evidence fresh.",
        kept(data),
    )


@pytest.mark.parametrize("value", ["0", "240"])
def test_debrief_delay_limits_are_allowed(demo, coordinator, value) -> None:
    response, _ = post_form(coordinator, NEW, typed(demo, debrief_delay_minutes=value))
    assert response.status_code == 302


def test_every_problem_is_listed_at_once(demo, coordinator) -> None:
    data = typed(demo, title="", default_rubric_key="", debrief_delay_minutes="999")
    del data["competency_keys"]
    response, page = post_form(coordinator, NEW, data)
    assert response.status_code == 400
    assert set(page.errors) == {
        "title",
        "competency_keys",
        "default_rubric_key",
        "debrief_delay_minutes",
    }
    assert [href for href, _ in page.summary] == [
        "#title",
        "#competency_keys",
        "#default_rubric_key",
        "#debrief_delay_minutes",
    ]
    assert page.value("pitch_text") == [data["pitch_text"]]
    assert page.value("debrief_delay_minutes") == ["999"]


def test_editing_keeps_the_values_and_saves_changes(demo, sign_in_as) -> None:
    client = sign_in_as("manager@example.com")
    url = f"/openings/{demo.opening.id}/edit"
    page = post_form(client, url, {})[1]
    assert page.errors  # an empty post is refused...
    shown = client.get(url).get_data(as_text=True)
    assert "Senior Backend Engineer" in shown  # ...and the form starts from the opening
    data = typed(
        demo,
        title="Senior Backend Engineer (Payments)",
        competency_keys=["api-design", "production-operations"],
        debrief_delay_minutes="15",
    )
    response, _ = post_form(client, url, data)
    assert response.status_code == 302
    db.session.expire_all()
    opening = db.session.get(Opening, demo.opening.id)
    assert opening.title == "Senior Backend Engineer (Payments)"
    assert opening.search_text == "senior backend engineer (payments)"
    assert opening.competency_keys == ["api-design", "production-operations"]
    assert opening.debrief_delay_minutes == 15
    event = db.session.execute(
        select(AuditEvent).where(AuditEvent.action == "opening.updated")
    ).scalar_one()
    assert set(event.details["fields"]) == {
        "title",
        "pitch_text",
        "competency_keys",
        "debrief_delay_minutes",
    }


def test_a_hiring_manager_creates_openings_for_themselves_only(app, demo, sign_in_as) -> None:
    from app.auth.accounts import create_user

    other = create_user("otto@example.com", "Otto Other", "hiring_manager", "x" * 12)
    db.session.commit()
    client = sign_in_as("manager@example.com")
    form = post_form(client, NEW, {})[1]
    assert form.value("hiring_manager_id") == [str(demo.users["manager"].id)], "preselected"
    assert "Otto Other" not in client.get(NEW).get_data(as_text=True)
    response, page = post_form(client, NEW, typed(demo, hiring_manager_id=str(other.id)))
    assert page.errors == {"hiring_manager_id": ["Choose one of the hiring managers in the list."]}
    assert response.status_code == 400
    coordinator = app.test_client()
    sign_in(coordinator, "coordinator@example.com")
    assert "Otto Other" in coordinator.get(NEW).get_data(as_text=True)


def test_a_deactivated_hiring_manager_is_not_offered(demo, coordinator) -> None:
    demo.users["manager"].active = False
    db.session.commit()
    data = typed(demo)
    response, page = post_form(coordinator, NEW, data)
    assert "Maya Okafor" not in coordinator.get(NEW).get_data(as_text=True)
    assert page.errors == {"hiring_manager_id": ["Choose one of the hiring managers in the list."]}


def test_competencies_the_library_dropped_do_not_block_an_edit(demo, coordinator) -> None:
    demo.opening.competency_keys = ["api-design", "cobol-wrangling"]
    db.session.commit()
    url = f"/openings/{demo.opening.id}/edit"
    shown = coordinator.get(url).get_data(as_text=True)
    assert "No longer in the library" in shown
    data = typed(demo, competency_keys=["api-design", "cobol-wrangling"])
    response, page = post_form(coordinator, url, data)
    assert response.status_code == 302, page.errors
    db.session.expire_all()
    assert db.session.get(Opening, demo.opening.id).competency_keys == [
        "api-design",
        "cobol-wrangling",
    ]
    # A new opening is offered only what the library has now.
    response, page = post_form(coordinator, NEW, data)
    assert page.errors == {
        "competency_keys": [
            "'cobol-wrangling' is not in the rubric library: pick competencies from the list."
        ]
    }

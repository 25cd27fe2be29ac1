"""The candidate-questions answer bank: agreed answers per opening and for the team, found in
the candidate-questions stage during the call (pay answers never shown to interviewers),
ticked as asked, what nobody could answer listed as owed in the debrief and the packet, and
the opening's most-asked questions."""

from __future__ import annotations

from sqlalchemy import select

from app.answers.bank import AnswerDetails, add_answer
from app.extensions import db
from app.loops.planning import competency_names
from app.models import AuditEvent, CandidateAnswer, Opening
from app.packets.content import packet_data

from ..conftest import csrf_from
from ..debriefs.test_debrief import debrief_ready, submit  # noqa: F401  (fixture)
from ..interviews.test_autosave import autosave, signed_in_client, stored


def bank(demo):
    """The opening's remote answer, the team's growth answer and the team's pay answer."""
    manager = demo.users["manager"]
    remote = add_answer(
        manager,
        demo.opening,
        AnswerDetails("remote", "Can I work remotely?", "Two office days a week, in Berlin."),
    )
    growth = add_answer(
        demo.users["admin"],
        None,
        AnswerDetails("growth", "Is there a learning budget?", "1,500 EUR a year, your choice."),
    )
    pay = add_answer(
        manager,
        None,
        AnswerDetails("compensation", "What is the salary band?", "85–105k EUR for seniors."),
    )
    db.session.commit()
    return remote, growth, pay


def test_interviewers_find_the_answers_in_the_stage_but_never_the_pay(
    demo, priya_card, sign_in_as
) -> None:
    remote, growth, pay = bank(demo)
    page = sign_in_as("priya@example.com").get(f"/interviews/{priya_card.session_id}")
    stage = page.get_data(as_text=True).split('id="stage-candidate-questions"', 1)[1]
    stage = stage.split("</section>", 1)[0]
    assert "Two office days a week, in Berlin." in stage
    assert "1,500 EUR a year" in stage and "Team-wide" in stage
    assert "salary band" not in page.get_data(as_text=True), "pay answers are not theirs"
    assert f'name="asked.{remote.id}"' in stage and 'type="search"' in stage
    assert "Questions nobody could answer yet (one per line)" in stage


def test_the_manager_keeps_the_bank_and_sees_pay_answers(demo, sign_in_as) -> None:
    remote, growth, pay = bank(demo)
    client = sign_in_as("manager@example.com")
    page = client.get(f"/openings/{demo.opening.id}/answers").get_data(as_text=True)
    assert "Can I work remotely?" in page and "What is the salary band?" in page
    token = csrf_from(page)
    response = client.post(
        f"/openings/{demo.opening.id}/answers",
        data={"csrf_token": token, "topic": "process", "question": "", "answer": "Three steps."},
    )
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "Write the question as a candidate would ask it." in text and "Three steps." in text
    response = client.post(
        f"/openings/{demo.opening.id}/answers",
        data={
            "csrf_token": token,
            "topic": "process",
            "question": "How many rounds are there?",
            "answer": "Three: a screen, a design interview and a pairing session.",
        },
    )
    assert response.status_code == 302
    added = db.session.execute(
        select(CandidateAnswer).where(CandidateAnswer.question == "How many rounds are there?")
    ).scalar_one()
    assert added.opening_id == demo.opening.id
    actions = db.session.execute(select(AuditEvent.action)).scalars().all()
    assert "answer.added" in actions

    # Changed, then deleted, from its own page.
    edit = client.get(f"/answers/{added.id}/edit").get_data(as_text=True)
    client.post(
        f"/answers/{added.id}/edit",
        data={
            "csrf_token": csrf_from(edit),
            "topic": "process",
            "question": "How many rounds are there?",
            "answer": "Three, all in one week.",
        },
    )
    db.session.expire_all()
    assert db.session.get(CandidateAnswer, added.id).answer == "Three, all in one week."
    added_id = added.id
    unconfirmed = client.post(f"/answers/{added_id}/delete", data={"csrf_token": csrf_from(edit)})
    assert unconfirmed.location.endswith(f"/answers/{added_id}/edit")
    client.post(
        f"/answers/{added_id}/delete", data={"csrf_token": csrf_from(edit), "confirm": "yes"}
    )
    db.session.expire_all()
    assert db.session.get(CandidateAnswer, added_id) is None


def test_an_interviewer_cannot_change_the_bank_nor_open_a_pay_answer(app, demo, sign_in_as) -> None:
    remote, growth, pay = bank(demo)
    client = sign_in_as("priya@example.com")
    page = client.get(f"/openings/{demo.opening.id}/answers").get_data(as_text=True)
    assert "Can I work remotely?" in page and "Add an answer" not in page
    assert client.get(f"/answers/{remote.id}/edit").status_code == 403
    coordinator, _ = signed_in_client(app, "coordinator@example.com")
    assert coordinator.get(f"/answers/{pay.id}/edit").status_code == 404
    # Nor does a coordinator write a pay answer they could never read back.
    page = coordinator.get("/answers/").get_data(as_text=True)
    response = coordinator.post(
        "/answers/",
        data={
            "csrf_token": csrf_from(page),
            "topic": "compensation",
            "question": "Is there a bonus?",
            "answer": "Yes, 10 %.",
        },
    )
    assert response.status_code == 400
    assert "Only admins and hiring managers keep pay and benefits answers" in (
        response.get_data(as_text=True)
    )
    assert "Is there a bonus?" in response.get_data(as_text=True), "what was typed stays"


def test_a_tick_autosaves_and_a_foreign_answer_is_refused(app, demo, priya_card) -> None:
    remote, growth, pay = bank(demo)
    other = Opening(title="Data Engineer", hiring_manager_id=demo.users["manager"].id)
    db.session.add(other)
    db.session.flush()
    elsewhere = add_answer(
        demo.users["manager"], other, AnswerDetails("team", "Who is on the team?", "Five.")
    )
    db.session.commit()
    tab, token = signed_in_client(app, "priya@example.com")
    response = autosave(
        tab, token, priya_card.id, 1, {f"asked.{remote.id}": True, f"asked.{growth.id}": True}
    )
    assert response.status_code == 200, response.get_json()
    assert stored(priya_card.id).asked_answers == {str(remote.id): True, str(growth.id): True}
    response = autosave(tab, token, priya_card.id, 2, {f"asked.{growth.id}": False})
    assert stored(priya_card.id).asked_answers == {str(remote.id): True}

    for hidden in (elsewhere.id, pay.id):  # another opening's; a pay answer she may not see
        response = autosave(tab, token, priya_card.id, 3, {f"asked.{hidden}": True})
        assert response.status_code == 400
        assert "is not in this opening's answer bank" in str(response.get_json())
    for nonsense in ("asked.x", "asked.0", f"asked.{2**31}", "asked.99999999999"):
        assert autosave(tab, token, priya_card.id, 3, {nonsense: True}).status_code == 400
    assert stored(priya_card.id).asked_answers == {str(remote.id): True}


def test_the_debrief_and_packet_list_what_we_owe_the_candidate(
    debrief_ready,  # noqa: F811
    demo,
    priya_card,
    tomas_card,
    sign_in_as,
) -> None:
    remote, growth, pay = bank(demo)
    priya_card.asked_answers = {str(remote.id): True}
    priya_card.owed_answers = "When would the team meet in person?\n"
    tomas_card.owed_answers = "when would the team  meet in person?\nIs there a relocation package?"
    db.session.commit()
    page = sign_in_as("manager@example.com").get(f"/loops/{priya_card.session.loop_id}/debrief")
    text = page.get_data(as_text=True)
    asked = text.split('id="questions-title"', 1)[1].split("</section>", 1)[0]
    assert "Can I work remotely?" in asked and "How is on-call paid?" in asked
    owed = text.split('id="owed-title"', 1)[1].split("</section>", 1)[0]
    assert owed.count("When would the team meet in person?") == 1, "one question, heard twice"
    assert "(asked of Priya Raman, Tomás Ortega)" in owed
    assert "Is there a relocation package?" in owed

    data = packet_data(priya_card.session.loop, "full", competency_names())
    assert [o["question"] for o in data["owed"]] == [
        "When would the team meet in person?",
        "Is there a relocation package?",
    ]


def test_the_opening_shows_what_candidates_ask_most(
    app,
    debrief_ready,  # noqa: F811
    demo,
    priya_card,
    tomas_card,
    sign_in_as,
) -> None:
    remote, growth, pay = bank(demo)
    priya_card.asked_answers = {str(remote.id): True}
    tomas_card.asked_answers = {str(remote.id): True, str(growth.id): True}
    tomas_card.candidate_questions = "how is on-call paid?"
    db.session.commit()
    # What candidates typed is scorecard content: the decider's, not the panel's.
    for email in ("coordinator@example.com", "tomas@example.com"):
        other, _ = signed_in_client(app, email)
        seen = other.get(f"/openings/{demo.opening.id}/answers").get_data(as_text=True)
        assert "Can I work remotely?" in seen and 'id="most-title"' not in seen, email
    client = sign_in_as("manager@example.com")
    page = client.get(f"/openings/{demo.opening.id}/answers")
    most = page.get_data(as_text=True).split('id="most-title"', 1)[1].split("</section>", 1)[0]
    items = [line.strip() for line in most.split("<li>")[1:]]
    assert items[0].startswith('Can I work remotely? <span class="meta">2 interviews</span>')
    assert items[1].startswith('How is on-call paid? <span class="meta">2 interviews, no agreed')
    assert "Is there a learning budget?" in items[2]
    opening_page = client.get(f"/openings/{demo.opening.id}")
    assert f'href="/openings/{demo.opening.id}/answers"' in opening_page.get_data(as_text=True)


def test_the_bank_page_costs_the_same_however_many_answers(
    demo, sign_in_as, count_statements
) -> None:
    bank(demo)
    client = sign_in_as("manager@example.com")
    client.get(f"/openings/{demo.opening.id}/answers")
    with count_statements() as few:
        client.get(f"/openings/{demo.opening.id}/answers")
    for n in range(20):
        add_answer(
            demo.users["manager"],
            demo.opening,
            AnswerDetails("work", f"Question {n}?", f"Answer {n}."),
        )
    db.session.commit()
    with count_statements() as many:
        page = client.get(f"/openings/{demo.opening.id}/answers").get_data(as_text=True)
    assert "Question 19?" in page
    assert many.count == few.count

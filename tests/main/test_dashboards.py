"""Role dashboards: loops a coordinator is planning, loops a hiring manager waits on, and
failed deliveries on both."""

from __future__ import annotations

from app.extensions import db
from app.loops.planning import add_session
from app.notify.outbox import queue_mail


def test_coordinator_and_manager_dashboards_show_loops_and_failed_mail(demo, sign_in_as, app):
    loop = demo.opening.candidates[0].loops[0]
    failed = queue_mail("scorecard_due", demo.users["priya"], "dash.failed", loop=loop)
    failed.status = "failed"
    db.session.commit()

    coordinator = sign_in_as("coordinator@example.com").get("/").get_data(as_text=True)
    assert "Loops I am planning" in coordinator and "Lena Fischer" in coordinator
    assert "1 mail failed to send" in coordinator

    manager = app.test_client()
    from ..conftest import sign_in

    sign_in(manager, "manager@example.com")
    page = manager.get("/").get_data(as_text=True)
    assert "Your debriefs: what to do next" in page
    assert "0 submitted, 2 still drafts" in page and "1 mail failed to send" in page

    interviewer = app.test_client()
    sign_in(interviewer, "kwame@example.com")
    assert "Loops I am planning" not in interviewer.get("/").get_data(as_text=True)


def test_the_managers_home_leads_to_the_next_step_most_urgent_first(
    demo, app, priya_card, tomas_card
) -> None:
    """Every scorecard in: decide, on the debrief page; not yet: see who is missing there."""
    from ..conftest import sign_in
    from ..debriefs.test_debrief import submit

    lena_loop = priya_card.session.loop
    db.session.commit()
    manager = app.test_client()
    sign_in(manager, "manager@example.com")
    page = manager.get("/").get_data(as_text=True)
    section = page.split('id="next-title"', 1)[1].split("</section>", 1)[0]
    assert f'href="/loops/{lena_loop.id}/debrief"' in section
    assert "Waiting for 2 scorecards: see who, and remind them" in section

    submit(priya_card, {"api-design": 3}, "yes")
    submit(tomas_card, {"architecture-tradeoffs": 3}, "yes")
    db.session.commit()
    page = manager.get("/").get_data(as_text=True)
    section = page.split('id="next-title"', 1)[1].split("</section>", 1)[0]
    assert "Every scorecard is in: open the debrief and decide" in section
    assert page.index('id="next-title"') < page.index('id="upcoming-title"')


def test_a_manager_on_the_panel_is_sent_to_their_own_scorecard_not_a_closed_debrief(
    demo, app, priya_card
) -> None:
    from ..conftest import sign_in

    loop = priya_card.session.loop
    manager = demo.users["manager"]
    template = loop.sessions[0]
    add_session(loop, manager, template.script, template.rubric, template.ends_at)
    db.session.commit()
    client = app.test_client()
    sign_in(client, "manager@example.com")
    page = client.get("/").get_data(as_text=True)
    section = page.split('id="next-title"', 1)[1].split("</section>", 1)[0]
    assert "submit your own scorecard first" in section
    assert f'href="/loops/{loop.id}/debrief"' not in section, "no link to a page that says no"
    assert client.get(f"/loops/{loop.id}/debrief").status_code == 403

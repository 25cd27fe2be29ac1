"""Calibration: leniency against the rest of the panel, spread, decisions matched, scorecards in
within a day, and Krippendorff's alpha per competency, computed by the scheduler's refresh
and read by the team's, an opening's and each interviewer's own page."""

from __future__ import annotations

import html
import re
from collections import namedtuple
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import krippendorff
import pytest
from sqlalchemy import select

from app.auth.accounts import create_user
from app.calibration.figures import OwnCalibration, own_calibration, own_leniency_rows
from app.calibration.refresh import compute, refresh_calibration
from app.demo.history import seed_history
from app.extensions import db
from app.models import CalibrationTally, Opening

from ..conftest import sign_in

Row = namedtuple(
    "Row",
    "interviewer_id ratings recommendation submitted_at loop_id ends_at opening_id decision",
)
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _row(who, loop, levels, recommendation="yes", hours=1, decision=None, opening=1):
    ratings = {key: {"level": level, "evidence": "x"} for key, level in levels.items()}
    return Row(
        who, ratings, recommendation, NOW + timedelta(hours=hours), loop, NOW, opening, decision
    )


def page_text(response) -> str:
    body = html.unescape(response.get_data(as_text=True))
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def test_leniency_is_each_level_against_the_rest_of_that_panel() -> None:
    rows = [
        # Loop 1: A rates high, B low, C in the middle; the candidate was hired.
        _row("A", 1, {"api": 4, "ops": 3}, "strong_yes", hours=2, decision="hire"),
        _row("B", 1, {"api": 2}, "no", hours=30, decision="hire"),
        _row("C", 1, {"api": 3, "ops": 3}, "yes", hours=23, decision="hire"),
        # Loop 2: A alone on "ops" compares with nobody; A and B agree on api.
        _row("A", 2, {"api": 3, "ops": 2}, "no", hours=25, decision="no_hire"),
        _row("B", 2, {"api": 3}, "yes", hours=1, decision="no_hire"),
        # Loop 3: undecided, so it counts for no match either way; "not assessed" is no level.
        _row("A", 3, {"api": 1}, "strong_no"),
    ]
    rows.append(Row("B", {"api": {"not_assessed": True}}, "no", NOW, 3, NOW, 1, None))
    tallies, agreements = compute(rows, NOW)
    by = {t["interviewer_id"]: t for t in tallies}

    # A: loop 1 api 4 vs mean(2, 3) = +1.5, ops 3 vs 3 = 0; loop 2 api 3 vs 3 = 0.
    assert by["A"]["comparisons"] == 3
    assert by["A"]["difference_sum"] == pytest.approx(1.5)
    # B: loop 1 api 2 vs mean(4, 3) = -1.5; loop 2 api 3 vs 3 = 0.
    assert (by["B"]["comparisons"], by["B"]["difference_sum"]) == (2, pytest.approx(-1.5))
    assert by["A"]["scorecards"] == 3 and by["A"]["levels"] == 5
    # Matched: A strong_yes on a hire, no on a no-hire; B no on a hire, yes on a no-hire.
    assert (by["A"]["decided"], by["A"]["matched"]) == (2, 2)
    assert (by["B"]["decided"], by["B"]["matched"]) == (2, 0)
    # Within 24 hours: A at 2 h, 25 h, 1 h; C at 23 h.
    assert by["A"]["on_time"] == 2 and by["C"]["on_time"] == 1

    api = next(a for a in agreements if a["competency_key"] == "api")
    # The loops with two raters or more on api: 1 (4, 2, 3) and 2 (3, 3); loop 3 has one.
    assert (api["loops"], api["ratings"]) == (2, 5)
    expected = krippendorff.alpha(
        reliability_data=[[4, 3], [2, 3], [3, float("nan")]],
        value_domain=[1, 2, 3, 4],
        level_of_measurement="ordinal",
    )
    assert api["alpha"] == pytest.approx(expected)
    ops = next(a for a in agreements if a["competency_key"] == "ops")
    assert ops["alpha"] is None and ops["loops"] == 1, "one paired loop is not enough"


def test_alpha_is_not_printed_when_every_level_is_the_same() -> None:
    rows = [_row(who, loop, {"api": 3}) for loop in (1, 2, 3) for who in ("A", "B")]
    _, (api,) = compute(rows, NOW)
    assert api["alpha"] is None and api["ratings"] == 6


@pytest.fixture
def history(app, demo):
    made = seed_history(demo.users, demo.opening, datetime.now(UTC))
    db.session.commit()
    refresh_calibration()
    return made


def test_the_team_page_shows_who_rates_high_and_low_and_how_well_panels_agree(
    app, demo, history
) -> None:
    client = app.test_client()
    sign_in(client, "manager@example.com")
    response = client.get("/calibration/")
    assert response.status_code == 200
    text = page_text(response)
    body = response.get_data(as_text=True)
    assert "Figures as of" in text and "every 15 minutes" in text
    # The seeded habits: Tomás rates high, Kwame low. Most lenient first.
    names = re.findall(r'<th scope="row" dir="[a-z]+">([^<]+)</th><td>\d+</td>', body)
    assert names[0] == "Tomás Ortega" and names[-1] == "Kwame Mensah", names
    assert len(names) == 6, "all six interviewers have five scorecards or more"
    # One dot per interviewer in the dot plot, and an agreement bar per competency.
    plot = body[body.index('class="chart dot-plot"') :]
    assert plot[: plot.index("</svg>")].count("<circle") == 6
    assert body.count('class="chart bar-chart') == 1
    for name in ("API and interface design", "Architecture and trade-offs"):
        assert name in text
    assert re.search(r"Architecture and trade-offs \d\.\d\d (reliable|tentative|low) \d+", text)


def test_an_interviewer_sees_only_their_own_figures_beside_an_anonymous_panel(
    app, demo, history
) -> None:
    client = app.test_client()
    sign_in(client, "tomas@example.com")
    assert client.get("/calibration/").status_code == 403
    assert client.get(f"/openings/{demo.opening.id}/calibration").status_code == 403
    response = client.get("/calibration/me")
    text = page_text(response)
    body = response.get_data(as_text=True)
    assert "Your leniency against the panel" in text and "Median of the others" in text
    for other in ("Priya Raman", "Kwame Mensah", "Noor Haddad", "Mei Lin", "Jonas Berg"):
        assert other not in body, f"{other} named on Tomás's own page"
    plot = body[body.index('class="chart dot-plot"') :]
    plot = plot[: plot.index("</svg>")]
    assert plot.count("dot-highlight") == 1 and plot.count("<circle") == 6
    assert re.search(r"Leniency \+0\.\d\d", text), "Tomás rates above his panels"


def test_a_manager_sees_only_their_openings_and_a_new_interviewer_is_told_to_wait(
    app, demo, history
) -> None:
    other = create_user("nia@example.com", "Nia Brooks", "hiring_manager", "loopkit-demo")
    db.session.add(Opening(title="Data Engineer", hiring_manager=other, competency_keys=[]))
    db.session.commit()
    client = app.test_client()
    sign_in(client, "nia@example.com")
    text = page_text(client.get("/calibration/"))
    assert "Nobody has 5 submitted scorecards here yet" in text and "Tomás" not in text
    assert client.get(f"/openings/{demo.opening.id}/calibration").status_code == 403

    create_user("sam@example.com", "Sam Novak", "interviewer", "loopkit-demo")
    db.session.commit()
    client = app.test_client()
    sign_in(client, "sam@example.com")
    text = page_text(client.get("/calibration/me"))
    assert "You have 0 submitted scorecards; your figures show from 5" in text


def test_figures_change_at_the_refresh_not_before(app, demo, history) -> None:
    before = db.session.execute(select(CalibrationTally.scorecards)).scalars().all()
    assert sum(before) == history.scorecards
    seed_history(demo.users, demo.opening, datetime.now(UTC), candidates=2, seed=11)
    db.session.commit()
    assert sum(db.session.execute(select(CalibrationTally.scorecards)).scalars()) == sum(before)
    report = refresh_calibration()
    assert report.scorecards == history.scorecards + 8
    assert sum(db.session.execute(select(CalibrationTally.scorecards)).scalars()) == sum(before) + 8


def test_the_pages_send_the_same_statements_however_many_scorecards(
    app, demo, count_statements
) -> None:
    client = app.test_client()
    sign_in(client, "manager@example.com")
    counts = []
    for seed, candidates in ((1, 6), (2, 30)):
        seed_history(demo.users, demo.opening, datetime.now(UTC), candidates, seed=seed)
        db.session.commit()
        refresh_calibration()
        for url in ("/calibration/", f"/openings/{demo.opening.id}/calibration", "/calibration/me"):
            with count_statements() as counter:
                assert client.get(url).status_code == 200
            counts.append((url, counter.count))
    assert counts[:3] == counts[3:], counts


def test_no_median_or_dot_stands_for_one_other_interviewer(app, demo, history) -> None:
    """Three others with enough scorecards, but only one of them compared with a panel: that
    one's leniency would be the median and the only dot, so neither is shown."""
    figures = own_calibration(demo.users["tomas"])
    assert figures.shows_panel and figures.panel_median("leniency") is not None
    others = figures.others
    lonely = OwnCalibration(
        figures.mine,
        [others[0], *(replace(f, leniency=None) for f in others[1:3])],
        figures.computed_at,
        figures.minimum,
    )
    assert lonely.shows_panel
    assert lonely.panel_median("leniency") is None and lonely.panel_values("leniency") == []
    assert lonely.panel_median("spread") is not None, "spread is there for all three"
    assert [row["label"] for row in own_leniency_rows(lonely)] == ["You"]


def test_two_sessions_by_one_interviewer_in_a_loop_are_one_rater() -> None:
    rows = [
        _row("A", 1, {"api": 4}),
        _row("A", 1, {"api": 2}),
        _row("A", 2, {"api": 3}),
        _row("B", 2, {"api": 3}),
        _row("A", 3, {"api": 1}),
        _row("B", 3, {"api": 2}),
    ]
    _, (api,) = compute(rows, NOW)
    assert (api["loops"], api["ratings"]) == (2, 4), "loop 1 has one rater, not two"

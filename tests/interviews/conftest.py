from __future__ import annotations

import pytest

from app.demo import DemoTeam


@pytest.fixture
def priya_card(demo: DemoTeam):
    """Priya's draft scorecard for today's demo interview (focus: three backend competencies)."""
    return demo.opening.candidates[0].loops[0].sessions[0].scorecard


@pytest.fixture
def tomas_card(demo: DemoTeam):
    return demo.opening.candidates[0].loops[0].sessions[1].scorecard

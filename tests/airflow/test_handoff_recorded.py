"""`y` on a failed Airflow run (responses recorded from a real Airflow 3): the failed task instances with
their try, the exception, and a link to the run's page in Airflow's own UI."""

from __future__ import annotations

import pytest

from tests.support import harness_airflow
from tests.waits import until
from tui.screens.run_detail import RunDetailScreen

pytestmark = pytest.mark.anyio


async def test_y_hands_over_a_failed_airflow_run_with_its_task_instances_and_ui_link(state_home):
    h = harness_airflow.build_airflow()
    async with h.app.run_test(size=(120, 40)) as pilot:
        await harness_airflow.TOUR_AIRFLOW["mapped-run"](pilot)
        assert isinstance(h.app.screen, RunDetailScreen), h.app.screen
        run = h.app.screen.run
        await pilot.press("y")
        toasts = lambda: [f"{n.title}: {n.message}" for n in h.app._notifications]  # noqa: E731
        await until(pilot, lambda: bool(h.app.clipboard) or "Hand-off" in str(toasts()), "the hand-off")
        text = h.app.clipboard
        assert text, toasts()
    assert "| `process[4]` | failed | 2 |" in text and "| `summarize` | upstream\\_failed |" in text
    assert "ValueError: index 4 fails on every try" in text
    assert f"/dags/tui_mapped/runs/{run.run_id.replace(':', '%3A').replace('+', '%2B')}>)" in text
    assert len(list((state_home / "dagtop" / "handoff").iterdir())) == 1


@pytest.fixture
def state_home(isolated_home):
    return isolated_home / ".local" / "state"

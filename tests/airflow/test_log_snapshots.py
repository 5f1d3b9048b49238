"""Snapshots of the task log on Airflow 3 and 2 (recorded answers), beyond the tour's folded view: a
search that lands inside a folded ``::group::`` opens it and marks the match, at 120x40 and 80x24.

The tour's own task-log snapshots (test_snapshots.py) show the folded groups and the wrapped
traceback. Taken by the lead after re-recording (`--snapshot-update`, after looking at them)."""

from __future__ import annotations

import pytest

from tests.support import harness_airflow
from tests.support.harness import settle

SIZES = {"wide": (120, 40), "small": (80, 24)}
INSIDE = {"v2-3.3.2": "DagBag", "v1-2.11.2": "Starting attempt"}  # in each version's "Pre ..." group


@pytest.mark.parametrize("size", sorted(SIZES))
@pytest.mark.parametrize("recording", harness_airflow.RECORDINGS)
def test_a_search_opens_the_group_it_finds_text_in(snap_compare, recording, size):
    h = harness_airflow.build_airflow(recording)

    async def search_into_a_fold(pilot):
        await harness_airflow.TOUR_AIRFLOW["task-log"](pilot)
        await pilot.press("slash", *INSIDE[recording], "enter")
        await settle(pilot)

    assert snap_compare(h.app, terminal_size=SIZES[size], run_before=search_into_a_fold)
    assert h.transport.misses == []

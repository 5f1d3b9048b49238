"""Snapshots of every screen the console has on Airflow, at 120x40 and 80x24, for Airflow 3 and Airflow 2.

The console runs on responses recorded from the real servers (tests/airflow/recorded/, replayed by
tests/support/harness_airflow.py) with the clock frozen a minute after the recording: no server,
deterministic.
A request the recording does not hold fails the test (re-record with `python -m tests.airflow.record`).

Review a changed snapshot in the report pytest-textual-snapshot writes, then accept it with
`.venv/bin/python -m pytest tests/airflow/test_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

import pytest

from tests.support import harness_airflow

SIZES = {"wide": (120, 40), "small": (80, 24)}


@pytest.mark.parametrize("size", sorted(SIZES))
@pytest.mark.parametrize("screen", list(harness_airflow.TOUR_AIRFLOW))
@pytest.mark.parametrize("recording", harness_airflow.RECORDINGS)
def test_screen(snap_compare, recording, screen, size):
    h = harness_airflow.build_airflow(recording)
    assert snap_compare(h.app, terminal_size=SIZES[size], run_before=harness_airflow.TOUR_AIRFLOW[screen])
    assert h.transport.misses == []

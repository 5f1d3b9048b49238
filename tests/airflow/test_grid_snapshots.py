"""Snapshots of the grid on Airflow 3 and Airflow 2 at 120x40 and 80x24, from the recorded responses
(tests/airflow/recorded/, no server): the DAG with a mapped task, its failed run, the cursor on the mapped
task (its index count in the row, its worst index named in the bottom line)."""

from __future__ import annotations

import pytest

from tests.support import harness_airflow

SIZES = {"wide": (120, 40), "small": (80, 24)}


@pytest.mark.parametrize("size", sorted(SIZES))
@pytest.mark.parametrize("recording", harness_airflow.RECORDINGS)
def test_grid(snap_compare, recording, size):
    h = harness_airflow.build_airflow(recording)
    assert snap_compare(h.app, terminal_size=SIZES[size], run_before=harness_airflow.tour_grid)
    assert h.transport.misses == []

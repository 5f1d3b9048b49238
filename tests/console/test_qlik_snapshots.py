"""Snapshots of the console's screens on a Qlik profile, at 120x40 and 80x24: the seeded Qlik sandbox
(in-process, every answer checked against Qlik's types) with the clock frozen.

Review a changed snapshot in the report pytest-textual-snapshot writes, then accept it with
`.venv/bin/python -m pytest tests/console/test_qlik_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

import pytest

from tests.support import harness_qlik

SIZES = {"wide": (120, 40), "small": (80, 24)}
SCREENS = ("tasks", "task-detail", "graph", "completed-runs", "run-detail", "run-log", "confirm-disable")


@pytest.fixture(scope="module")
def world() -> harness_qlik.Seeded:
    """One seeded sandbox for every screen: the tours only read (the disable tour stops at its dialog), and
    the sandbox keeps what it laid out for one console's reads for the next (each has its own client).
    Its per-minute request limit is off: shared, it would count a dozen consoles' reads in one minute (one
    console stays far under it; tests/sandbox and tests/backends test the 429s)."""
    return harness_qlik.seeded(qlik_rate_limit=0)


@pytest.mark.parametrize("size", sorted(SIZES))
@pytest.mark.parametrize("screen", SCREENS)
def test_screen(snap_compare, world, screen, size):
    app, rig = harness_qlik.build(world=world)
    assert snap_compare(app, terminal_size=SIZES[size], run_before=harness_qlik.TOUR_QLIK[screen])
    assert not rig.checker.errors

"""Snapshots of every screen the console has on Taipy, at 120x40 and 80x24.

The console runs on responses recorded from the real Taipy REST 4.1.1 (tests/taipy/recorded/, replayed by
tests/support/harness_taipy.py) with the clock frozen a minute after the recording: no server,
deterministic. A request the recording does not hold fails the test (re-record with
`python -m tests.taipy.record`).

Review a changed snapshot in the report pytest-textual-snapshot writes, then accept it with
`.venv/bin/python -m pytest tests/taipy/test_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

import pytest

from tests.support import harness_taipy

SIZES = {"wide": (120, 40), "small": (80, 24)}


@pytest.mark.parametrize("size", sorted(SIZES))
@pytest.mark.parametrize("screen", list(harness_taipy.TOUR_TAIPY))
def test_screen(snap_compare, screen, size):
    h = harness_taipy.build_taipy()
    assert snap_compare(h.app, terminal_size=SIZES[size], run_before=harness_taipy.TOUR_TAIPY[screen])
    assert h.transport.misses == []

"""Snapshots of every screen at 120x40 and at 80x24: seeded sandbox, frozen clock, polls by hand.

Review a changed snapshot by opening the report pytest-textual-snapshot writes, then accept it with
`.venv/bin/python -m pytest tests/console/test_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

import pytest

from tests.support import harness

SIZES = {"wide": (120, 40), "small": (80, 24)}


@pytest.mark.parametrize("size", sorted(SIZES))
@pytest.mark.parametrize("screen", list(harness.TOUR))
def test_screen(snap_compare, screen, size):
    h = harness.build()
    assert snap_compare(h.app, terminal_size=SIZES[size], run_before=harness.TOUR[screen])

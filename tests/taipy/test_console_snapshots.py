"""Snapshots of the console on Taipy at 120x40 and 80x24, from responses recorded from the real server
(tests/support/harness_taipy.py): a frozen clock, polls by hand, nothing invented."""

from __future__ import annotations

import pytest

from tests.support.harness_taipy import TOUR_TAIPY, build_taipy

SIZES = {"wide": (120, 40), "small": (80, 24)}


@pytest.mark.parametrize("size", sorted(SIZES))
@pytest.mark.parametrize("screen", list(TOUR_TAIPY))
def test_screen(snap_compare, screen, size):
    h = build_taipy()
    assert snap_compare(h.app, terminal_size=SIZES[size], run_before=TOUR_TAIPY[screen])
    assert h.transport.misses == []

"""The sweep's coverage (how old the oldest status is) is asked on every status line: it is kept
between checks and still follows every check and every change of the graphs asked about."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.support import harness
from tui.services.graph_sweep import GraphSweep

pytestmark = pytest.mark.anyio


async def test_coverage_follows_each_check_and_the_graphs_asked_about():
    h = harness.build(tasks=400, scopes=1, warmup=600, until_failure=False)
    roots = [t.key for t in await h.backend.list_tasks() if t.is_root]
    sweep = GraphSweep()
    now = [h.clock.now()]
    await sweep.refresh(h.backend, roots[:3], [], lambda: now[0], 5.0)
    first = sweep.coverage(roots[:3], now[0], 5.0)
    assert (first.graphs, first.checked, first.overdue) == (3, 3, 0)
    assert sweep.coverage(roots[:3], now[0] + timedelta(hours=1), 5.0).overdue == 3  # ages with time
    now[0] += timedelta(hours=1)
    await sweep.refresh(h.backend, roots[:3], [], lambda: now[0], 5.0)  # checked again: fresh
    again = sweep.coverage(roots[:3], now[0], 5.0)
    assert again.overdue == 0 and again.oldest == now[0]
    more = list(roots[:5])
    assert sweep.coverage(more, now[0], 5.0).checked == 3, "other graphs: not the kept times"


async def test_the_listener_is_told_each_batch_of_fresh_statuses_the_graphs_on_screen_first():
    h = harness.build(tasks=400, scopes=1, warmup=600, until_failure=False)
    roots = [t.key for t in await h.backend.list_tasks() if t.is_root]
    told: list[list[str]] = []
    sweep = GraphSweep(listener=lambda statuses: told.append(sorted(statuses)))

    async def shown() -> None:
        pass

    await sweep.refresh(h.backend, roots[:6], roots[:2], h.clock.now, 5.0, shown)
    assert told == [sorted(roots[:2]), sorted(roots[2:6])]  # what the watcher (w) is fed
    assert sweep.statuses.keys() == set(roots[:6])

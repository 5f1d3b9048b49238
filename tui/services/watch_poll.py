"""The watcher's own read: watched graphs no screen has read lately, and watched runs by id.

Screens feed the watcher as they poll (the task list's sweep, a graph, a run's detail); this read
covers the rest, so a watch is told whatever screen is open. A watched run is looked up among its
graph's recent completed runs: a graph's latest run alone would miss it once a later run completed.
"""

from __future__ import annotations

from collections.abc import Sequence

from tui.backends.base import Backend
from tui.errors import NotFoundError
from tui.services.snapshots import graph_statuses
from tui.services.watch import Watcher, WatchEvent

RECENT_RUNS = 10  # of a graph's completed runs, where a watched run is looked for


async def read_watched(
    backend: Backend, watcher: Watcher, profile: str, scope: str, stale: Sequence[str], now
) -> list[WatchEvent]:
    """The events of the ``stale`` watched graphs (not read lately) and of every watched run."""
    events = watcher.observe(profile, scope, await graph_statuses(backend, stale), now) if stale else []
    for root, run_id in watcher.runs(profile, scope):
        try:
            completed = await backend.completed_runs(root, limit=RECENT_RUNS)
        except NotFoundError:
            continue  # the graph is gone: its screens say so
        for run in completed:
            if run.run_id == run_id:
                events += watcher.observe_run(profile, scope, run)
    return events

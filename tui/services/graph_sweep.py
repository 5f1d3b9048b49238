"""Every graph's run status, kept fresh within a request budget: no graph is left out.

A poll may spend its share of the budget (requests per second times the poll interval). It goes first
to the graphs on screen and to those that were failing or running, then to the graphs checked longest
ago, so a rolling sweep reaches every graph and each status is at most one sweep old. What the sweep
has and has not reached is said in words (``coverage``): stale is never shown as current.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from tui.backends.base import Backend
from tui.plural import plural
from tui.services.snapshots import GraphStatus, graph_statuses, request_cost

# Of one poll interval's budget, what graph statuses may use: the rest stays for the task list, other
# screens and actions, so a sweep never queues a user's key behind it.
SHARE = 0.8
# Of a poll's allowance, what the age-ordered sweep keeps even when many graphs are hot: a flood of
# failing graphs slows the sweep down but never stops it.
SWEEP_FLOOR = 0.25


@dataclass(frozen=True)
class Coverage:
    """How far the sweep has got, for the status line."""

    graphs: int
    checked: int
    oldest: datetime | None  # when the least recently checked graph was checked
    overdue: int  # graphs whose status is older than a sweep should take

    def describe(self, now: datetime, noun: str = "graph") -> str:
        """``noun``: what the backend calls a graph (Airflow: DAG)."""
        if not self.graphs:
            return ""
        if self.checked < self.graphs:
            return f"{self.checked:,} of {_count(self.graphs, noun)} checked so far (sweeping)"
        age = max(0.0, (now - self.oldest).total_seconds()) if self.oldest else 0.0
        every = f"the {noun}" if self.graphs == 1 else f"all {_count(self.graphs, noun)}"
        return f"{every} checked within {_seconds(age)}"

    def warning(self, noun: str = "graph") -> str:
        """Non-empty when some statuses are older than the sweep: they are not current."""
        if not self.overdue:
            return ""
        graphs = _count(self.overdue, noun)
        return f"⚠ {graphs} not checked for longer than a sweep"


def _count(count: int, noun: str) -> str:
    """``1,204 graphs``: the count with thousands marked, the noun in the plural unless one."""
    return f"{count:,} {plural(count, noun).split(' ', 1)[1]}"


def _seconds(value: float) -> str:
    seconds = max(1, math.ceil(value))
    return f"{seconds} s" if seconds < 120 else f"{math.ceil(seconds / 60)} min"


class GraphSweep:
    """The graph-status store of one view: statuses, when each was checked, and what to check next."""

    def __init__(self, listener: Callable[[Mapping[str, GraphStatus]], None] | None = None) -> None:
        # Told each batch of fresh statuses as it arrives (the app's watcher: services/watch.py).
        self.listener = listener
        self.statuses: dict[str, GraphStatus] = {}
        self.checked: dict[str, datetime] = {}
        # coverage() is asked on every status line (each filter keystroke, each poll): the check times
        # of the graphs asked about, sorted, until a check or the list of graphs changes.
        self._times: tuple[tuple[int, int], Sequence[str], list[datetime]] | None = None
        self._version = 0  # counts changes of ``checked``
        self.sweep_seconds: float = 0.0  # how long one sweep of every graph takes at this budget
        self.refreshed_at: datetime | None = None  # when the last refresh ended (the inbox skips a fresh one)

    def hot(self, roots: Iterable[str]) -> list[str]:
        """Roots whose last result failed or that are running: watched every poll."""
        out = []
        for root in roots:
            status = self.statuses.get(root)
            if status is None:
                continue
            if status.current is not None or (status.last is not None and status.last.state.is_failure):
                out.append(root)
        return out

    def plan(self, roots: Sequence[str], on_screen: Sequence[str], per_poll: int | None) -> list[str]:
        """The roots to check this poll: at most ``per_poll`` (``None``: all of them)."""
        if per_poll is None or per_poll >= len(roots):
            return list(roots)
        known = set(roots)

        def age(root: str) -> float:  # never checked sorts first
            when = self.checked.get(root)
            return when.timestamp() if when else -math.inf

        failing = sorted(self.hot(roots), key=age)
        hot = list(dict.fromkeys(r for r in (*on_screen, *failing) if r in known))
        reserved = max(1, int(per_poll * SWEEP_FLOOR))
        chosen = hot[: max(0, per_poll - reserved)]
        taken = set(chosen)
        rest = sorted((r for r in roots if r not in taken), key=age)
        return chosen + rest[: per_poll - len(chosen)]

    async def refresh(
        self,
        backend: Backend,
        roots: Sequence[str],
        on_screen: Sequence[str],
        clock: Callable[[], datetime],
        interval: float,
        shown: Callable[[], Awaitable[None]] | None = None,
        *,
        with_current: bool = True,
    ) -> None:
        """Check this poll's share of ``roots`` and forget graphs that are gone. The graphs on screen
        come first and ``shown`` is called once they are in, so a slow server never hides them
        behind the sweep. Without ``with_current`` only each graph's latest completed run is read (half
        the requests: the inbox's first look, where failures matter first)."""
        started = clock()
        rate = backend.request_rate
        cost = request_cost(backend, with_current=with_current)
        per_poll = None if rate is None else max(1, int(rate * interval * SHARE / cost))
        chosen = self.plan(roots, on_screen, per_poll)
        visible = set(on_screen)
        first = [r for r in chosen if r in visible]
        if shown is None or len(first) in (0, len(chosen)):
            first = []  # nothing to show early: one step
        else:
            await self._check(backend, first, clock, with_current)
            await shown()
        early = set(first)
        await self._check(backend, [r for r in chosen if r not in early], clock, with_current)
        gone = set(self.checked) - set(roots)
        self._version += 1
        for root in gone:
            self.checked.pop(root, None)
            self.statuses.pop(root, None)
        # Hot graphs take part of each poll; the rest of it walks through all the others. A poll
        # lasts its interval plus however long the server takes to answer it.
        sweepers = len(roots) if per_poll is None else max(1, per_poll - len(self.hot(roots)))
        took = max(0.0, (clock() - started).total_seconds())
        self.sweep_seconds = math.ceil(len(roots) / sweepers) * (interval + took)
        self.refreshed_at = clock()

    async def _check(
        self, backend: Backend, roots: Sequence[str], clock: Callable[[], datetime], with_current: bool = True
    ) -> None:
        if not roots:
            return
        fresh = await graph_statuses(backend, roots, with_current=with_current)
        now = clock()  # when the answers arrived: a status is as old as its answer
        self._version += 1
        for root in roots:
            self.checked[root] = now  # a graph whose history is not readable is checked too
            if root in fresh:
                self.statuses[root] = fresh[root]
            else:
                self.statuses.pop(root, None)
        if self.listener is not None and fresh and with_current:  # without current runs: no verdict on them
            self.listener(fresh)

    @property
    def version(self) -> int:
        """Changes whenever a graph is checked or forgotten."""
        return self._version

    def _limit(self, interval: float) -> timedelta:
        """How old a status may be before it is overdue: one sweep, and two polls of slack."""
        return timedelta(seconds=self.sweep_seconds + 2 * interval)

    def overdue_since(self, root: str, now: datetime, interval: float) -> datetime | None:
        """When ``root`` was last checked, if that is longer ago than a sweep (else ``None``)."""
        when = self.checked.get(root)
        return when if when is not None and now - when > self._limit(interval) else None

    def coverage(self, roots: Sequence[str], now: datetime, interval: float) -> Coverage:
        """How fresh the statuses of ``roots`` are: O(log graphs) while no check changed them."""
        cached = self._times
        if cached is None or cached[0] != (self._version, len(roots)) or cached[1] is not roots:
            times = sorted(self.checked[r] for r in roots if r in self.checked)
            self._times = cached = ((self._version, len(roots)), roots, times)
        times = cached[2]
        overdue = bisect.bisect_left(times, now - self._limit(interval))  # checked before the limit
        return Coverage(len(roots), len(times), times[0] if times else None, overdue)

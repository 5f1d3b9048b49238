"""When to tell: each change once, and never more often than ``min_interval`` (a burst is one summary)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

from tui.services.watch import WatchEvent

REMEMBERED = 4096  # event keys kept to tell each change once; the oldest are forgotten first


class NotifyPolicy:
    """Deduplicates events and limits the rate: the first change after a quiet spell is told at once;
    what comes within ``min_interval`` of it is held and told together when the interval is over."""

    def __init__(self, min_interval: float) -> None:
        self.min_interval = min_interval
        self._seen: OrderedDict[tuple[str, ...], None] = OrderedDict()
        self._held: list[WatchEvent] = []
        self._last_told: float | None = None

    def _fresh(self, events: Sequence[WatchEvent]) -> list[WatchEvent]:
        fresh = []
        for event in events:
            if event.key in self._seen:
                continue  # told (or held) already: two polls, or two watches, saw the same change
            self._seen[event.key] = None
            if len(self._seen) > REMEMBERED:
                self._seen.popitem(last=False)
            fresh.append(event)
        return fresh

    def offer(self, events: Sequence[WatchEvent], now: float) -> list[WatchEvent]:
        """The events to tell now (one notification), or [] when they are held or already told."""
        self._held.extend(self._fresh(events))
        return self.flush(now)

    def flush(self, now: float) -> list[WatchEvent]:
        """The held events, if the interval since the last notification is over."""
        if not self._held or self.due_in(now) > 0:
            return []
        told, self._held = self._held, []
        self._last_told = now
        return told

    def due_in(self, now: float) -> float:
        """Seconds until a notification may be given (0: now)."""
        if self._last_told is None:
            return 0.0
        return max(0.0, self._last_told + self.min_interval - now)

    @property
    def held(self) -> int:
        return len(self._held)

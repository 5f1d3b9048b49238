"""When to freeze the garbage collector's view of the heap (``gc.freeze``).

A console holding 50,000 task rows holds millions of tracked objects (pydantic models, their dicts,
datetimes). CPython's full collection walks all of them: measured ~250 ms at 20,000 rows, landing on
whatever allocates next (a keystroke, a poll), so keys stalled for a quarter of a second. Those rows
live until the next load replaces them, so scanning them finds nothing. ``gc.freeze()`` moves every
object alive now into a generation the collector never scans: after a big load the full collections
cost only what was allocated since (a no-change poll went 312 -> 67 ms in the first measurement).

Raising the thresholds instead only spaces the same pauses out. The price of freezing: a reference
cycle that is garbage at the moment of freezing is never collected; freezing only when the held data
grows by a quarter (a first load, a much larger scope) keeps that to a few one-off leaks, while rows
freed later by reference counting (no cycles: plain models) are still freed at once.
"""

from __future__ import annotations

import gc

GROWTH = 1.25  # freeze again once the data held grew by a quarter since the last freeze
SMALL = 2_000  # below this many rows a full collection is cheap: nothing to gain


class HeapPolicy:
    def __init__(self) -> None:
        self.frozen_size = 0

    def loaded(self, size: int) -> bool:
        """A view now holds ``size`` rows: freeze the heap if that is a big new high. Returns whether
        it froze."""
        if size < SMALL or size < self.frozen_size * GROWTH:
            return False
        self.frozen_size = size
        gc.freeze()
        return True


POLICY = HeapPolicy()  # process-wide, as the collector is

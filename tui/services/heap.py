"""When to freeze the garbage collector's view of the heap (``gc.freeze``).

A console holding 50,000 task rows holds millions of tracked objects (pydantic models, their dicts,
datetimes). CPython's full collection walks all of them: measured ~250 ms at 20,000 rows, landing on
whatever allocates next (a keystroke, a poll), so keys stalled for a quarter of a second. Those rows
live until the next load replaces them, so scanning them finds nothing. ``gc.freeze()`` moves every
object alive now into a generation the collector never scans: after a big load the full collections
cost only what was allocated since (a no-change poll went 312 -> 67 ms in the first measurement).

Raising the thresholds instead only spaces the same pauses out. The price of freezing: a reference
cycle that is garbage at the moment of freezing is never collected; freezing only once the rows
made since the last freeze reach a quarter of the rows held (a first load, a poll that replaced most
rows) keeps that to a few one-off leaks, while frozen rows a later poll replaces are still freed at
once by reference counting (plain models: no cycles).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import sys
from typing import Any

SHARE = 0.25  # freeze again once a quarter of the rows held are new since the last freeze
SMALL = 2_000  # below this many rows a full collection is cheap: nothing to gain


class HeapPolicy:
    def __init__(self) -> None:
        self.unfrozen = 0  # rows made since the last freeze

    def loaded(self, new: int, size: int) -> bool:
        """A view now holds ``size`` rows, ``new`` of them new objects: freeze the heap once many are
        new. Returns whether it froze."""
        self.unfrozen += new
        if size < SMALL or self.unfrozen < SHARE * size:
            return False
        self.unfrozen = 0
        gc.freeze()
        trim()
        return True


def trim() -> None:
    """Give the C heap's free pages back to the system (glibc only). A big load frees as much as it
    keeps (a page's JSON, wire models, the list it replaced); what CPython allocates outside its own
    arenas (dicts of more than a few keys, long strings) stays in the C heap, resident, until trimmed:
    measured 50 MB of 480 at 50,000 tasks."""
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


def _libc() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc if hasattr(libc, "malloc_trim") else None  # musl has none
    except OSError:
        return None


_LIBC = _libc()
POLICY = HeapPolicy()  # process-wide, as the collector is

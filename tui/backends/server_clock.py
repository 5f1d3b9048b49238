"""The server's clock, as its responses tell it (the HTTP ``Date`` header).

Run and schedule times come from the server's clock. When it differs from ours, "3m ago" computed on
our clock can read "in 1h" for something that already happened: the UI adds this offset to its clock.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import httpx


def _system_clock() -> datetime:
    return datetime.now(UTC)


class ServerClock:
    """How far the server's clock is from ``local_clock`` (the console's), per its last Date."""

    def __init__(self, local_clock: Callable[[], datetime] = _system_clock) -> None:
        self.local_clock = local_clock  # the console sets its own clock here
        self.offset: timedelta | None = None  # None until a response carried a Date

    async def observe(self, response: httpx.Response) -> None:
        """An httpx response hook: remember the server's Date (ignored when missing or malformed)."""
        self.observe_date(response.headers.get("date"))

    def observe_date(self, value: str | None) -> None:
        if not value:
            return
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return
        if when.tzinfo is not None:
            self.offset = when - self.local_clock()

"""Times as people read them: relative by default ("3m ago", "in 4m"), absolute one key away."""

from __future__ import annotations

from datetime import datetime, tzinfo

from tui.services.freshness import clock_time, format_age
from tui.services.freshness import duration as duration  # the one duration format, for widgets too


def relative(now: datetime, when: datetime | None) -> str:
    if when is None:
        return ""
    delta = when - now
    if abs(delta.total_seconds()) < 1:
        return "now"
    if delta.total_seconds() > 0:
        return f"in {format_age(delta)}"
    return f"{format_age(-delta)} ago"


def absolute(when: datetime | None, tz: tzinfo | None) -> str:
    """A date and clock time with its zone: ``2026-01-05 14:03:22 UTC``."""
    if when is None:
        return ""
    return clock_time(when, tz, "%Y-%m-%d %H:%M:%S")


def moment(now: datetime, when: datetime | None, tz: tzinfo | None, show_absolute: bool) -> str:
    return absolute(when, tz) if show_absolute else relative(now, when)

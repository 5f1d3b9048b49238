"""How current a view's data is, and when to poll next.

Pure state, no Textual: each polled view owns one. The header reads it to say "updated 3s ago" or
"stale since 03:12:09, retrying in 8s" (or "rate-limited until 03:22:09" when the server asked to wait),
or, while a poll takes longer than the interval, "waiting for server 25s", so stale data is never
shown as current.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo

MAX_BACKOFF_SECONDS = 60.0


@dataclass
class Freshness:
    """Poll outcomes of one view, and the interval to wait before the next poll."""

    interval: float
    last_success: datetime | None = None
    failing_since: datetime | None = None
    last_error: str | None = None
    failures: int = 0
    paused: bool = False
    next_poll_at: datetime | None = None
    rate_limited_until: datetime | None = None  # the server's Retry-After, as a time
    poll_started: datetime | None = None  # the poll in flight, if any
    _rng: random.Random = field(default_factory=lambda: random.Random(0), repr=False)

    @property
    def stale(self) -> bool:
        """True once a poll failed after the last success (or none ever succeeded)."""
        return self.failing_since is not None

    def stale_at(self, now: datetime) -> bool:
        """Stale: a poll failed, or the poll in flight has outlasted the interval (a server that
        hangs is no fresher than one that fails: what is shown is older than it should be)."""
        return self.stale or self.overdue(now) is not None

    def polling(self, now: datetime) -> None:
        """A poll starts."""
        self.poll_started = now

    def poll_ended(self) -> None:
        """The poll ended, whichever way (also when it was cancelled)."""
        self.poll_started = None

    def overdue(self, now: datetime) -> timedelta | None:
        """How long the poll in flight has waited for the server, once that is longer than the interval."""
        if self.poll_started is None:
            return None
        waited = now - self.poll_started
        return waited if waited.total_seconds() > self.interval else None

    def succeeded(self, now: datetime) -> None:
        self.poll_started = None
        self.last_success = now
        self.failing_since = None
        self.last_error = None
        self.failures = 0
        self.rate_limited_until = None

    def failed(self, now: datetime, error: str, retry_after: float | None = None) -> None:
        """``retry_after``: seconds a rate-limiting server asked to wait (its ``Retry-After``)."""
        self.poll_started = None
        if self.failing_since is None:
            self.failing_since = now
        self.last_error = error
        self.failures += 1
        self.rate_limited_until = None if retry_after is None else now + timedelta(seconds=retry_after)

    def next_delay(self, retry_after: float | None = None) -> float:
        """Seconds until the next poll: the interval, or a jittered backoff while failing.

        Backoff doubles per consecutive failure up to a minute; a server's Retry-After replaces it:
        never sooner than the server asked (however long that is), and not much later.
        """
        if self.failures == 0:
            return self.interval
        if retry_after is not None:  # the server said when: then (jittered by at most one interval)
            return max(self.interval, retry_after + self._rng.uniform(0, self.interval))
        ceiling = min(MAX_BACKOFF_SECONDS, self.interval * 2 ** min(self.failures, 6))
        return max(self.interval, self._rng.uniform(ceiling / 2, ceiling))

    def schedule(self, now: datetime, delay: float) -> None:
        self.next_poll_at = now + timedelta(seconds=delay)

    def describe(self, now: datetime, tz: tzinfo | None = None, absolute: bool = False) -> str:
        """The words the freshness bar shows; clock times in ``tz`` (local time when None), and
        with ``absolute`` the update time as a clock time rather than an age."""

        def updated(when: datetime) -> str:
            return f"updated {clock_time(when, tz) if absolute else format_age(now - when) + ' ago'}"

        if self.paused:  # loud, and the age keeps counting: paused data is not current
            prefix = "PAUSED"
            if self.last_success is not None:
                prefix += f" · {updated(self.last_success)}"
            return prefix
        waited = self.overdue(now)
        if waited is not None:  # a poll that hangs: say so, and how old what is shown is
            text = f"waiting for server {format_age(waited)}"
            if self.last_success is None:
                return text + ", no data yet"
            if self.failing_since is not None:
                return text + f", stale since {clock_time(self.failing_since, tz)}"
            return text + f", stale: {updated(self.last_success)}"
        if self.failing_since is not None:
            text = f"stale since {clock_time(self.failing_since, tz)}"
            if self.last_success is None:
                text = "no data yet"
            if self.rate_limited_until is not None and self.rate_limited_until > now:
                text += f", rate-limited until {clock_time(self.rate_limited_until, tz)}"
            elif self.next_poll_at is not None:
                wait = max(0.0, (self.next_poll_at - now).total_seconds())
                text += f", retrying in {format_age(timedelta(seconds=wait))}"
            return text
        if self.last_success is None:
            return "loading…"
        return updated(self.last_success)


def format_age(delta: timedelta) -> str:
    """A compact duration: 4s, 12m, 3h, 2d."""
    seconds = int(max(0.0, delta.total_seconds()))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"


def clock_time(when: datetime, tz: tzinfo | None, fmt: str = "%H:%M:%S") -> str:
    """A clock time with its zone, so it cannot be misread: ``14:03:22 UTC``, ``09:03:22 -05:00``."""
    local = when.astimezone(tz)
    return f"{local.strftime(fmt)} {zone_name(local)}"


def zone_name(when: datetime) -> str:
    """``UTC``, ``CET``, or the offset (``+05:30``) for a zone with no abbreviation."""
    name = when.tzname() or ""
    if name.isalpha():
        return name
    offset = when.strftime("%z")
    return f"{offset[:3]}:{offset[3:5]}" if offset else name


def duration(delta: timedelta | None) -> str:
    """1h02m, 4m05s, 12s."""
    if delta is None:
        return ""
    seconds = int(max(0.0, delta.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"
